import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HonoEnv } from './context';

/** A page body: a hono/html template, which escapes every interpolated value. */
export type PageBody = ReturnType<typeof html>;

/**
 * A small HTML page for links opened from emails (approval links, sign-in links): never cached,
 * no referrer (the link's query carries a signature).
 */
export function page(
  c: Context<HonoEnv>,
  status: 200 | 400 | 403 | 404 | 409 | 410 | 429,
  title: string,
  body: PageBody,
) {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title} · Baton</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem}textarea{width:100%;min-height:6rem}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><h1>${title}</h1>${body}</body></html>`,
    status,
  );
}
