import { defineConfig } from 'vitest/config';

// CI (.ci/run) asks for a JSON report per project run: <HAVIPD_TEST_REPORT>.<project>.json
const report = process.env.HAVIPD_TEST_REPORT;
const reportFile = report ? `${report}.${process.env.HAVIPD_PROJECT ?? 'all'}.json` : undefined;

export default defineConfig({
  test: {
    reporters: reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/{unit,rfc,golden,property,sim,fuzz,chaos}/**/*.test.ts', 'test/cli/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          // Interop tests share network namespaces and real daemons: one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
