import { compile } from 'html-to-text';

/** HTML beyond this many characters is not read for the text (a request's text is at its start). */
export const MAX_HTML_FOR_TEXT = 512 * 1024;

/** html-to-text, compiled once: no line wrapping (agents read it), links as `text [url]`, no images. */
const htmlToText = compile({
  wordwrap: false,
  limits: { maxInputLength: MAX_HTML_FOR_TEXT, maxDepth: 64, maxChildNodes: 10_000, ellipsis: '…' },
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
  ],
});

/**
 * The text of an inbound email: its text/plain part, or, when it has none (or only whitespace),
 * its text/html part converted by html-to-text (https://github.com/html-to-text/node-html-to-text),
 * reading at most {@link MAX_HTML_FOR_TEXT} characters of it. Never throws: unreadable HTML gives ''.
 */
export function emailText(email: { text?: string; html?: string }): string {
  if (email.text?.trim() || !email.html?.trim()) return email.text ?? '';
  try {
    return htmlToText(email.html.slice(0, MAX_HTML_FOR_TEXT)).trim();
  } catch (err) {
    console.warn('html-to-text failed', (err as Error).message);
    return '';
  }
}
