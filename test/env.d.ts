import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    /** Bindings the tests add in vitest.config.ts, on top of wrangler.toml's. */
    interface Env {
      /** A Worker secret an openai agent names in `apiKeySecret`. */
      LLM_KEY: string;
      TEST_MIGRATIONS: D1Migration[];
      /** Base URL of the HTTP test agents (test/node/agent-server.ts). */
      TEST_AGENT_URL: string;
      /** Streamable HTTP URL of the MCP reference server (@modelcontextprotocol/server-everything). */
      TEST_EVERYTHING_URL: string;
      /** Email fixtures, base64, by file name. */
      EMAIL_FIXTURES: Record<string, string>;
      /** Workflow fixtures (test/fixtures/workflows), YAML text by file name. */
      WORKFLOW_FIXTURES: Record<string, string>;
    }
  }
}
