// Shared helpers of the Node scripts (start, email): project paths, .dev.vars, the local API.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The variables of .dev.vars (dotenv format, parsed by Node's own `util.parseEnv`). */
export function devVars() {
  const file = join(root, '.dev.vars');
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

/** Base URL of the local server: 127.0.0.1 and `PORT` (default 8787). */
export function baseUrl() {
  return `http://127.0.0.1:${process.env.PORT || 8787}`;
}

/** Calls the local API with the admin token of .dev.vars; throws with the JSON error on failure. */
export async function api(path, init = {}) {
  const token = devVars().ADMIN_TOKEN || 'dev-admin-token';
  const res = await fetch(`${baseUrl()}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} /api${path} → ${res.status} ${JSON.stringify(body.error ?? body)}`);
  return body;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
