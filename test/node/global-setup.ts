import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { startAgentServer } from './agent-server';
import { startEverythingServer, stopEverythingServer } from './everything-server';

let server: Server | undefined;
let everything: ChildProcess | undefined;

/**
 * Starts the HTTP test agents and the MCP reference server (server-everything) on the ports
 * vitest.config.ts chose, and stops them after the run.
 */
export async function setup(): Promise<void> {
  [server, everything] = await Promise.all([
    startAgentServer(Number(process.env.BATON_TEST_AGENT_PORT)),
    startEverythingServer(Number(process.env.BATON_TEST_EVERYTHING_PORT)),
  ]);
}

export async function teardown(): Promise<void> {
  await Promise.all([new Promise((resolve) => server?.close(resolve)), stopEverythingServer(everything)]);
}
