import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { z } from 'zod';
import { database } from '../adapter/cloudflare/d1/client';
import {
  consumeSignInLink,
  createSession,
  createSignInLink,
  endSession,
  getSignInLink,
  linksSince,
  memberForSession,
  membershipsOf,
  SESSION_TTL_MS,
  SIGN_IN_LINK_TTL_MS,
} from '../adapter/cloudflare/d1/people';
import { linkSigningKey, publicUrl, type AppEnv } from '../adapter/cloudflare/env';
import { newMessageId, sendRecorded } from '../adapter/cloudflare/mail/mailer';
import { composeSignInEmail } from '../app/mail/compose-sign-in';
import { BatonError } from '../core/errors';
import { parseLinkExp } from '../lib/links';
import { signSignInLink, verifySignInLink } from '../lib/sign-in-links';
import type { HonoEnv } from './context';
import { page } from './pages';

/** The dashboard session cookie (`HttpOnly; Secure; SameSite=Lax`). */
export const SESSION_COOKIE = 'baton_session';

/** At most this many sign-in links per address per link lifetime; further requests send nothing. */
export const MAX_LINKS_PER_WINDOW = 5;

/** A sign-in request body is an email address: this many bytes at most. */
const MAX_BODY_BYTES = 4096;

const SignInRequest = z.object({ email: z.email().max(320) });

/** The URL of a sign-in link: `<PUBLIC_URL>/auth/link?l=<id>&exp=<epoch s>&sig=<HMAC>`. */
export async function signInUrl(env: AppEnv, link: { id: string; email: string; exp: number }): Promise<string> {
  const sig = await signSignInLink(linkSigningKey(env), link);
  const query = new URLSearchParams({ l: link.id, exp: String(link.exp), sig });
  return `${publicUrl(env)}/auth/link?${query}`;
}

/** The session token a request carries in its cookie, if any. */
export function sessionToken(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/**
 * Sign-in for people (members of a tenant), by a one-time link emailed to them:
 * `POST /auth/sign-in { email }` emails a link per tenant the address is a member of (and answers
 * the same 202 whether or not it is one, so membership does not leak); `GET /auth/link` shows a
 * button (mail scanners that open links sign nobody in); `POST /auth/link` checks the signature,
 * expiry and single use, and starts a session: cookie `baton_session`
 * (`HttpOnly; Secure; SameSite=Lax`, 7 days). `GET /auth/session` says whether the cookie signs
 * someone in (200 either way, for the dashboard's start); `POST /auth/sign-out` ends it.
 */
export const signInRoutes = new Hono<HonoEnv>();

signInRoutes.post('/auth/sign-in', async (c) => {
  const body = await readBody(c);
  const parsed = SignInRequest.safeParse(body);
  if (!parsed.success) throw new BatonError('bad_request', 'body.email: expected an email address');
  const email = parsed.data.email.toLowerCase();
  const db = database(c.env.DB);
  const now = new Date();
  const memberships = await membershipsOf(db, email);
  const recent = await linksSince(db, email, new Date(now.getTime() - SIGN_IN_LINK_TTL_MS));
  if (memberships.length && recent < MAX_LINKS_PER_WINDOW) {
    const links: { tenantName: string; url: string }[] = [];
    for (const m of memberships) {
      const link = await createSignInLink(db, m.tenantId, email, now);
      const url = await signInUrl(c.env, { id: link.id, email, exp: Math.floor(link.expiresAt.getTime() / 1000) });
      links.push({ tenantName: m.tenantName ?? m.tenantId, url });
    }
    const from = `baton@${c.env.MAIL_DOMAIN || 'baton.local'}`;
    // Sent after the answer, so a member's request takes no longer than a stranger's (no timing oracle).
    const sending = sendRecorded(c.env, memberships[0]!.tenantId, {
      dedupeId: `sign-in:${crypto.randomUUID()}`,
      runId: null,
      workflow: null,
      withholdRaw: true,
      compose: () =>
        composeSignInEmail({
          from,
          to: email,
          links,
          ttlMinutes: SIGN_IN_LINK_TTL_MS / 60_000,
          messageId: newMessageId(from),
          now: now.getTime(),
        }),
    }).catch((err) => console.error('sign-in email not sent', err));
    c.executionCtx.waitUntil(sending);
  } else if (memberships.length) console.warn(`sign-in: ${MAX_LINKS_PER_WINDOW} links already sent recently`);
  return c.json({ sent: true, message: 'If this address is a member, a sign-in link is on its way.' }, 202);
});

signInRoutes.on(['GET', 'POST'], '/auth/link', async (c) => {
  const id = c.req.query('l') ?? '';
  const exp = parseLinkExp(c.req.query('exp') ?? '');
  const sig = c.req.query('sig') ?? '';
  const db = database(c.env.DB);
  const link = id && exp !== null && sig ? await getSignInLink(db, id) : undefined;
  if (!link)
    return page(c, 404, 'Link not valid', html`<p>This sign-in link is not one Baton sent, or it was removed.</p>`);
  const now = new Date();
  const verdict = await verifySignInLink(
    linkSigningKey(c.env),
    { id, email: link.email, exp: exp! },
    sig,
    Math.floor(now.getTime() / 1000),
  );
  if (verdict === 'invalid') return page(c, 403, 'Link not valid', html`<p>This sign-in link was changed.</p>`);
  if (verdict === 'expired' || Date.parse(link.expiresAt) <= now.getTime())
    return page(c, 410, 'Link expired', html`<p>This link expired. Ask for a new one on the sign-in page.</p>`);
  if (link.usedAt) return page(c, 409, 'Link used', html`<p>This link was used already. Ask for a new one.</p>`);
  if (c.req.method === 'GET')
    return page(
      c,
      200,
      'Sign in to Baton',
      html`<p>Sign in as ${link.email}?</p><form method="post"><button type="submit">Sign in</button></form>`,
    );
  // Login CSRF: only the confirm page's own form may use a link (a page elsewhere could otherwise
  // sign a visitor in as someone else's member). Browsers send Origin on form POSTs.
  if (!sameOrigin(c))
    return page(c, 403, 'Open the link from your email', html`<p>This sign-in was not sent from Baton's own page.</p>`);
  if (!(await consumeSignInLink(db, id, now)))
    return page(c, 409, 'Link used', html`<p>This link was used already. Ask for a new one.</p>`);
  const session = await createSession(db, link.tenantId, link.email, now);
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
  c.header('Cache-Control', 'no-store');
  return c.redirect('/', 303);
});

signInRoutes.get('/auth/session', async (c) => {
  const token = sessionToken(c);
  const member = token ? await memberForSession(database(c.env.DB), token, new Date()) : null;
  c.header('Cache-Control', 'no-store');
  return c.json(member ? { signedIn: true as const, ...member } : { signedIn: false as const }, 200);
});

signInRoutes.post('/auth/sign-out', async (c) => {
  const token = sessionToken(c);
  if (token) await endSession(database(c.env.DB), token);
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
  return c.body(null, 204);
});

/** Whether a request comes from this deployment's own pages (`Origin`, or `Sec-Fetch-Site: same-origin`). */
function sameOrigin(c: Context<HonoEnv>): boolean {
  const origin = c.req.header('origin');
  if (origin) return origin === new URL(c.req.url).origin || origin === new URL(publicUrl(c.env)).origin;
  return c.req.header('sec-fetch-site') === 'same-origin';
}

/** A JSON or form body, or {} when it is neither. */
async function readBody(c: Context<HonoEnv>): Promise<unknown> {
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES)
    throw new BatonError('payload_too_large', `the sign-in body is limited to ${MAX_BODY_BYTES} bytes`);
  const type = c.req.header('content-type') ?? '';
  try {
    if (type.includes('application/json')) return await c.req.json();
    return await c.req.parseBody();
  } catch {
    return {};
  }
}
