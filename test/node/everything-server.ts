import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** How long the reference server may take to listen, ms. */
const START_WAIT_MS = 20_000;

/**
 * Starts the official MCP reference server `@modelcontextprotocol/server-everything` over Streamable
 * HTTP (`node dist/index.js streamableHttp`, which listens on `PORT` and serves `/mcp`) as a child
 * process, and resolves once it answers HTTP. Its environment is only `PORT` and `PATH`: its
 * `get-env` tool shows the server's environment to any caller.
 * @throws when it exits or does not answer within 20 s (with its stderr).
 */
export async function startEverythingServer(port: number): Promise<ChildProcess> {
  const root = dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json'));
  const child = spawn(process.execPath, [join(root, 'dist/index.js'), 'streamableHttp'], {
    env: { PORT: String(port), PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const started = Date.now();
  while (Date.now() - started < START_WAIT_MS) {
    if (child.exitCode !== null) throw new Error(`server-everything exited (${child.exitCode}): ${stderr}`);
    // GET /mcp without a session answers 400: it is listening.
    const answered = await fetch(`http://127.0.0.1:${port}/mcp`).then(
      () => true,
      () => false,
    );
    if (answered) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`server-everything did not answer on port ${port} within ${START_WAIT_MS} ms: ${stderr}`);
}

/** Stops the server and waits for it to exit. */
export async function stopEverythingServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
