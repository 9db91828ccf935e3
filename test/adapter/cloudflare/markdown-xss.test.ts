import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../../../src/core/markdown';

/** What may survive in an email body: marked's own elements and attributes (issue 14, item 8). */
const ALLOWED: Record<string, string[]> = {
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
    ].map((t) => [t, []]),
  ),
  ol: ['start'],
  th: ['align'],
  td: ['align'],
  a: ['href'],
  input: ['type', 'checked', 'disabled'],
};

/** An attribute value as a browser reads it: entities decoded, blanks and controls dropped. */
function asBrowserReads(value: string): string {
  return (
    value
      .replace(/&#x([0-9a-f]+);?/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);?/g, (_, dec) => String.fromCodePoint(Number(dec)))
      .replace(/&colon;/gi, ':')
      .replace(/&tab;|&newline;/gi, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop these in a URL scheme
      .replace(/[\x00-\x20\x7f]+/g, '')
      .toLowerCase()
  );
}

/** What survives of an HTML string that a browser would run, as found by workerd's HTML parser (lol-html). */
async function dangers(html: string): Promise<string[]> {
  const found: string[] = [];
  const rewriter = new HTMLRewriter().on('*', {
    element(el) {
      const allowed = ALLOWED[el.tagName];
      if (!allowed) found.push(`<${el.tagName}>`);
      for (const [name = '', value = ''] of el.attributes) {
        if (!allowed?.includes(name)) found.push(`<${el.tagName} ${name}>`);
        if (name === 'href' && value && !/^(https?:|mailto:)/.test(asBrowserReads(value))) found.push(`href=${value}`);
      }
    },
  });
  await rewriter.transform(new Response(html)).text();
  return found;
}

/** XSS payloads from the OWASP filter evasion cheat sheet and PortSwigger's list, inline, in Markdown and encoded. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//xss.example/xss.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="jav&#x09;ascript:alert(1);">',
  '<img src=`javascript:alert(1)`>',
  '<body onload=alert(1)>',
  '<div onmouseover="alert(1)">hover</div>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<math href="javascript:alert(1)">x</math>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>',
  '<style>@import "javascript:alert(1)";</style>',
  '<link rel=stylesheet href="javascript:alert(1)">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<p style="background:url(javascript:alert(1))">x</p>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '[x](javascript:alert(1))',
  '[x](JAVASCRIPT:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](&#x6A;avascript&colon;alert(1))',
  '[x]( javascript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
  '[x](https://example.com" onmouseover="alert(1))',
  '<javascript:alert(1)>',
  '![x](javascript:alert(1))',
  '![x" onerror="alert(1)](https://example.com/a.png)',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '```html\n<script>alert(1)</script>\n```',
  '`<img src=x onerror=alert(1)>`',
  '| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |',
  '- [x] <svg onload=alert(1)>',
  '> <iframe src=javascript:alert(1)>',
  '**<a href=javascript:alert(1)>bold</a>**',
  '<a href="https://example.com" onclick="alert(1)">ok</a>',
  '[<img src=x onerror=alert(1)>](https://example.com)',
  '[x](<javascript:alert(1)>)',
  '<https://example.com" onmouseover="alert(1)>',
  'www.example.com/<script>alert(1)</script>',
  '[x](https://example.com/"onmouseover="alert(1))',
  '[x][r]\n\n[r]: https://example.com "t" onmouseover="alert(1)"',
  '```"><script>alert(1)</script>\ncode\n```',
  '```js" onmouseover="alert(1)\ncode\n```',
  '<<script>script>alert(1)<</script>/script>',
  '\\<script>alert(1)\\</script>',
  '<a\nhref="javascript:alert(1)">x</a>',
  '<img/src="x"/onerror="alert(1)">',
  '<svg/onload=alert(1)>',
  '<x onclick=alert(1)>x</x>',
];

describe('Markdown rendered into emails is sanitised (issue 14, item 8)', () => {
  it.each(PAYLOADS)('nothing runnable survives %j', async (payload) => {
    for (const text of [payload, `Intro text\n\n${payload}\n\nOutro`, `# ${payload}`]) {
      expect(await dangers(markdownToHtml(text)), text).toEqual([]);
    }
  });

  it('keeps what marked writes for ordinary Markdown', () => {
    const html = markdownToHtml(
      '# Title\n\n**b** _i_ ~~d~~ `c`\n\n3. three\n\n| a |\n|:-:|\n| 1 |\n\n- [x] done\n\n[link](https://example.com/a?b=1&c=2) <mailto:ada@example.com>',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>b</strong> <em>i</em> <del>d</del> <code>c</code>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<th align="center">a</th>');
    expect(html).toMatch(/<input[^>]*type="checkbox"/);
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">link</a>');
    expect(html).toContain('<a href="mailto:ada@example.com">');
  });
});
