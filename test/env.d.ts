import type { D1Migration } from 'cloudflare:test';
import type { AppEnv } from '../src/env';

declare module 'cloudflare:test' {
  interface ProvidedEnv extends AppEnv {
    TEST_MIGRATIONS: D1Migration[];
    /** Base URL of the HTTP test agents (test/support/agent-server.ts). */
    TEST_AGENT_URL: string;
    /** Email fixtures, base64, by file name. */
    EMAIL_FIXTURES: Record<string, string>;
  }
}
