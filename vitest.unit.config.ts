import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The pure tests (engine, definitions, expressions, policies, use cases on in-memory ports, dashboard models): plain Node, no
 * workerd, seconds (`npm run test:unit`). Anything that needs a binding or a workerd API lives elsewhere.
 */
export const UNIT_TESTS = [
  'test/core/**/*.test.ts',
  'test/lib/**/*.test.ts',
  'test/app/**/*.test.ts',
  'test/http/**/*.test.ts',
  'test/website/**/*.test.ts',
  'test/lint/**/*.test.ts',
];

export default defineConfig({
  test: { include: UNIT_TESTS, environment: 'node' },
  // Only so modules that name EmailMessage load; the stand-in throws when used.
  resolve: {
    alias: { 'cloudflare:email': fileURLToPath(new URL('./test/support/node/cloudflare-email.ts', import.meta.url)) },
  },
});
