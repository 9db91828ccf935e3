import { Marked } from 'marked';
import xss from 'xss';
import type * as Xss from 'xss';

// js-xss is CommonJS: its exports hang off the default export (named imports fail in workerd's test pool).
const { FilterXSS, safeAttrValue } = xss as unknown as typeof Xss;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Link targets kept in emails; any other scheme (javascript:, data:, vbscript:…) is dropped. */
const SAFE_HREF = /^(https?:|mailto:)/i;

/**
 * Markdown → HTML for email bodies (marked, GitHub-flavoured). Agent output is untrusted: raw
 * HTML in it is shown as text, and links keep only http(s) and mailto targets.
 */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, tokens }) {
      const label = this.parser.parseInline(tokens);
      return SAFE_HREF.test(href) ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    },
    image: ({ text }) => escapeHtml(text),
  },
});

/**
 * The sanitiser behind the renderer (js-xss, https://github.com/leizongmin/js-xss): only the
 * elements and attributes marked writes survive; any other tag is escaped to text, `href` keeps
 * http(s) and mailto targets (after entity decoding), no `on*`, `style` or `class` attributes.
 */
const sanitizer = new FilterXSS({
  whiteList: {
    ...Object.fromEntries(
      [
        'h1',
        'h2',
        'h3',
        'h4',
        'h5',
        'h6',
        'p',
        'br',
        'hr',
        'strong',
        'em',
        'del',
        'code',
        'pre',
        'blockquote',
        'ul',
        'li',
        'table',
        'thead',
        'tbody',
        'tr',
      ].map((tag) => [tag, []]),
    ),
    ol: ['start'],
    th: ['align'],
    td: ['align'],
    a: ['href'],
    input: ['type', 'checked', 'disabled'],
  },
  css: false,
  stripBlankChar: true,
  safeAttrValue(tag, name, value, css) {
    const safe = safeAttrValue(tag, name, value, css);
    if (name === 'href') return SAFE_HREF.test(safe) ? safe : '';
    if (tag === 'input' && name === 'type') return safe === 'checkbox' ? safe : '';
    if (name === 'align') return /^(left|right|center)$/.test(safe) ? safe : '';
    if (name === 'start') return /^\d{1,9}$/.test(safe) ? safe : '';
    return safe;
  },
});

/** Renders untrusted Markdown to safe HTML: marked with the overrides above, then the sanitiser. */
export function markdownToHtml(text: string): string {
  return sanitizer.process(markdown.parse(text) as string);
}

export { escapeHtml };
