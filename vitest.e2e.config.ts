// The dashboard's end-to-end tests: Node drives Debian's Chromium (playwright-core) against the
// Worker under `wrangler dev` (test/e2e/*.e2e.ts). `npm test` runs them after the workerd suite.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
