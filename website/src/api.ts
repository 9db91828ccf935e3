import { toBase64Url } from '../../src/lib/encoding';

// The dashboard's one way to the HTTP API: the session's bearer token, JSON in and out, errors as ApiError.
const TOKEN_KEY = 'baton.token';

/** An error answer of the API (CONTRACT.md: `{ error: { code, message, details? } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { issues?: { path: string; message: string }[] },
  ) {
    super(message);
  }
}

/** The signed-in session: the API token, kept in localStorage so a reload stays signed in. */
export const session = {
  token: (): string | null => localStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  signOut: () => localStorage.removeItem(TOKEN_KEY),
};

/** Listeners told when the API refuses the token (the app then shows the sign-in page). */
const onUnauthorized = new Set<() => void>();
export function whenUnauthorized(listener: () => void): () => void {
  onUnauthorized.add(listener);
  return () => onUnauthorized.delete(listener);
}

/** The API refused the session's token (401): clear it and tell the listeners (the app shows the sign-in). */
export function signOutUnauthorized(): void {
  session.signOut();
  for (const listener of onUnauthorized) listener();
}

export interface ApiInit extends Omit<RequestInit, 'body'> {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. YAML), with its own content type. */
  body?: string;
  token?: string;
}

/**
 * Calls `/api<path>` with the session's token.
 * @throws {ApiError} on a non-2xx answer; a 401 also signs the session out.
 */
export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = init.token ?? session.token();
  if (token) headers.set('authorization', `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`/api${path}`, { ...init, headers, body });
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) {
    const error = (data as { error?: { code: string; message: string; details?: ApiError['details'] } } | null)?.error;
    if (res.status === 401 && !init.token) signOutUnauthorized();
    throw new ApiError(
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? `${res.status} ${res.statusText}`,
      error?.details,
    );
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The bearer token as a WebSocket subprotocol entry (`bearer.<base64url>`; browsers cannot set headers there). */
export function tokenProtocol(token: string): string {
  return `bearer.${toBase64Url(new TextEncoder().encode(token))}`;
}

/** Filters of the Agents page, as `GET /api/agents` takes them (empty ones are left out). */
export interface AgentFilters {
  skill: string;
  domain: string;
  status: string;
  q: string;
}

/** The `GET /api/agents` path for filters, with health (circuit, stats over `hours`, dependants). */
export function agentsPath(filters: AgentFilters, hours = 24): string {
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v.trim() !== ''));
  query.set('include', 'health');
  query.set('hours', String(hours));
  return `/agents?${query}`;
}

/** The `GET /api/agents/:name/versions` path (newest first). */
export function agentVersionsPath(name: string): string {
  return `/agents/${encodeURIComponent(name)}/versions`;
}

/** A task plan (`/api/plans`), as the API answers it. */
export type TaskPlan = import('zod').infer<typeof import('../../src/schemas/api/plans').TaskPlan>;

/** The planner's calls: list, propose, approve (saves and runs the workflow), reject. */
export const plans = {
  list: (cursor?: string) =>
    api<{ plans: TaskPlan[]; nextCursor: string | null }>(
      `/plans?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
  create: (task: string, constraints?: { max_usd?: number; max_steps?: number }) =>
    api<TaskPlan>('/plan', { method: 'POST', json: { task, ...(constraints ? { constraints } : {}) } }),
  approve: (id: string) => api<TaskPlan>(`/plans/${encodeURIComponent(id)}/approve`, { method: 'POST' }),
  reject: (id: string) => api<TaskPlan>(`/plans/${encodeURIComponent(id)}/reject`, { method: 'POST' }),
};
