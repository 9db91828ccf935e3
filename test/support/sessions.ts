import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { signInUrl } from '../../src/http/sign-in';

/** Members signing in by emailed link, as a browser would (sign-in.ts). */

export const ORIGIN = 'http://baton.test';

/** How the confirm page's form posts a link: from Baton's own origin (the link's host, PUBLIC_URL). */
export const FROM_PAGE: RequestInit = {
  method: 'POST',
  redirect: 'manual',
  headers: { origin: 'http://127.0.0.1:8787' },
};

export type LinkRow = { id: string; email: string; expires_at: string; tenant_id: string };

/** Asks for a sign-in link for `email`; returns the newest link row made for it. */
export async function requestLink(email: string): Promise<LinkRow> {
  const before = await env.DB.prepare('SELECT count(*) AS n FROM sign_in_links WHERE email = ?')
    .bind(email)
    .first<{ n: number }>();
  const res = await SELF.fetch(`${ORIGIN}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: email.toUpperCase() }),
  });
  expect(res.status).toBe(202);
  const after = await env.DB.prepare('SELECT count(*) AS n FROM sign_in_links WHERE email = ?')
    .bind(email)
    .first<{ n: number }>();
  expect(after!.n).toBe(before!.n + 1);
  return (await env.DB.prepare('SELECT * FROM sign_in_links WHERE email = ? ORDER BY created_at DESC LIMIT 1')
    .bind(email)
    .first<LinkRow>())!;
}

/** The URL of the link the sign-in email carries for a row (signed as sign-in.ts signs it). */
export const urlOf = (row: LinkRow) =>
  signInUrl(env, { id: row.id, email: row.email, exp: Math.floor(Date.parse(row.expires_at) / 1000) });

/** Signs in by link. @returns the session cookie (`name=value`). */
export async function signIn(email: string): Promise<string> {
  const url = await urlOf(await requestLink(email));
  const res = await SELF.fetch(url, FROM_PAGE);
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!;
  return cookie.split(';')[0]!;
}

/** An /api call with a session cookie, from the dashboard's origin unless told otherwise. */
export const withCookie =
  (cookie: string, origin: string | null = ORIGIN) =>
  (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    if (origin) headers.set('origin', origin);
    if (init.body) headers.set('content-type', 'application/json');
    return SELF.fetch(`${ORIGIN}/api${path}`, { ...init, headers });
  };
