import { Marked } from 'marked';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

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
      return /^(https?:|mailto:)/i.test(href) ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    },
    image: ({ text }) => escapeHtml(text),
  },
});

/** Renders untrusted Markdown to safe HTML. */
export function markdownToHtml(text: string): string {
  return markdown.parse(text) as string;
}

export { escapeHtml };
