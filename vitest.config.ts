import { defineConfig } from 'vitest/config';

// Three projects: unit needs no server and runs in seconds; integration and
// e2e start real servers on free loopback ports through tests/support/.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 30_000 } },
      { test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], environment: 'node', testTimeout: 90_000, hookTimeout: 60_000 } },
      { test: { name: 'faults', include: ['tests/faults/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 } },
      // `npm run faults:report` / `npm run soak` only (FAULTS_REPORT set): runs every fault scenario
      // once and writes bench/results/faults*.json; never part of the default run.
      ...(process.env.FAULTS_REPORT
        ? [{ test: { name: 'faults-report', include: ['tests/faults/report.ts'], environment: 'node' as const, testTimeout: 3_600_000, hookTimeout: 120_000 } }]
        : []),
    ],
  },
});
