import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when a source changed: the CLI the tests start runs the compiled JavaScript.
    globalSetup: ['test/package/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real Prometheus/Alertmanager processes on free ports; two cores here.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
