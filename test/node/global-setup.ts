import type { Server } from 'node:http';
import { startAgentServer } from './agent-server';

let server: Server | undefined;

/** Starts the HTTP test agents on the port vitest.config.ts chose, and stops them after the run. */
export async function setup(): Promise<void> {
  server = await startAgentServer(Number(process.env.BATON_TEST_AGENT_PORT));
}

export async function teardown(): Promise<void> {
  await new Promise((resolve) => server?.close(resolve));
}
