// ESLint flat config. The pure core (ARCHITECTURE.md §1) may not reach for I/O, wall-clock time or randomness.
import tseslint from 'typescript-eslint';

// Bare module names are matched exactly (`paths`), so a folder such as src/net is not mistaken for node's `net`.
const impureNames = ['fs', 'net', 'dgram', 'child_process', 'os', 'timers', 'worker_threads', 'process', 'pino', 'chokidar', 'dgram-as-promised', 'netlink', 'prom-client'];
const impure = ['node:*', 'fs/*', 'timers/*'];
const ioMessage = 'The pure core does no I/O (ARCHITECTURE.md §1): inject it from the runtime shell.';
const impurePaths = impureNames.map((name) => ({ name, message: ioMessage }));
// The pure folders (README "Design"): the VRRP core, the config parser, GARP/NA frames and schedule, and the
// primitives they share (src/net). Everything else is the shell, which imports the core, never the reverse.
const pure = ['src/vrrp', 'src/config-parser', 'src/garp', 'src/net', 'src/doctor'];
const shell = ['**/runtime/**', '**/edges/**', '**/scripts/**', '**/tracking/**', '**/notification/**', '**/ops/**', '**/cli/**', '**/native/**', '**/log.js'];

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
    files: [...pure.map((d) => `${d}/**/*.ts`), 'src/log-events.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: impurePaths, patterns: [
        { group: impure, message: ioMessage },
        { group: shell, message: 'The pure core never imports the shell: the shell imports the core.' },
      ] }],
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
    // The shared primitives sit below everything: they import nothing of havipd's (no folder imports upward).
    files: ['src/net/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: impurePaths, patterns: [
        { group: impure, message: ioMessage },
        { group: ['../*', '!../net/*'], message: 'src/net imports nothing of havipd: the core, the parser and GARP import it.' },
      ] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
