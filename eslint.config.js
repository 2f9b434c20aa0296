// ESLint flat config. The pure core (ARCHITECTURE.md §1) may not reach for I/O, wall-clock time or randomness.
import tseslint from 'typescript-eslint';

const impure = ['node:*', 'fs', 'fs/*', 'net', 'dgram', 'child_process', 'os', 'timers', 'timers/*', 'worker_threads', 'process', 'pino', 'chokidar', 'dgram-as-promised', 'netlink'];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/vrrp/**/*.ts', 'src/config-parser/**/*.ts', 'src/garp/frames.ts', 'src/garp/schedule.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: impure, message: 'The pure core does no I/O (ARCHITECTURE.md §1): inject it from the runtime shell.' }] }],
      'no-restricted-globals': ['error',
        { name: 'Date', message: 'Time is an argument in the pure core.' },
        { name: 'setTimeout', message: 'The shell owns timers.' },
        { name: 'setInterval', message: 'The shell owns timers.' },
        { name: 'setImmediate', message: 'The shell owns timers.' },
        { name: 'process', message: 'No process access in the pure core.' },
        { name: 'performance', message: 'Time is an argument in the pure core.' },
        { name: 'require', message: 'No dynamic loading in the pure core.' },
        { name: 'fetch', message: 'No I/O in the pure core.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Inject randomness.' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
