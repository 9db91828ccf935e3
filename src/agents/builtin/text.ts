import nlp from 'compromise';

/**
 * Text analysis for the offline builtin tools: sentence and word segmentation by the runtime's
 * `Intl.Segmenter` (Unicode UAX #29), part-of-speech tagging by compromise (https://compromise.cool).
 */

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/**
 * Sentences of a text, trimmed. Each line is its own unit (lists and headings rarely end in a
 * full stop); Markdown headings are left out and list markers (`-`, `>`, `1.`) removed.
 */
export function sentences(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .map((line) => line.replace(/^\s*([-*>]|\d+\.)\s+/, ''))
    .flatMap((line) => [...sentenceSegmenter.segment(line)].map((s) => s.segment.replace(/\s+/g, ' ').trim()))
    .filter((s) => /\p{L}/u.test(s));
}

/** Lower-cased word-like tokens. */
export function words(text: string): string[] {
  return [...wordSegmenter.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment.toLowerCase());
}

/**
 * Named organisations, places, products and other proper nouns (not people: a request's greeting
 * and signature are not its subject), most mentioned first.
 */
export function entities(text: string, limit = 8): string[] {
  const doc = nlp(text);
  const names = [
    ...(doc.organizations().out('array') as string[]),
    ...(doc.places().out('array') as string[]),
    ...(doc.match('#ProperNoun+').not('#Person').out('array') as string[]),
  ];
  const parts = names.flatMap((n) => n.split(/[,;]\s*/)).map((n) => n.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));
  return rank(parts, limit);
}

/** Nouns (their singular, lower-cased root), most frequent first. */
export function keyTerms(text: string, limit = 8): string[] {
  const nouns = nlp(text).nouns().toSingular().json() as { terms?: { normal?: string; tags?: string[] }[] }[];
  const roots = nouns.flatMap((n) =>
    (n.terms ?? []).filter((t) => t.tags?.includes('Noun') && !t.tags.includes('Pronoun')).map((t) => t.normal ?? ''),
  );
  return rank(
    roots.filter((w) => w.length > 2),
    limit,
  );
}

function rank(items: string[], limit: number): string[] {
  const counts = new Map<string, { label: string; n: number }>();
  for (const item of items) {
    const label = item.replace(/[.,;:!?]+$/, '').trim();
    if (!label) continue;
    const key = label.toLowerCase();
    const entry = counts.get(key) ?? { label, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  return [...counts.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, limit)
    .map((e) => e.label);
}

/** Function words (articles, prepositions, pronouns, auxiliaries…), by compromise's tags. */
const FUNCTION_WORDS = '(#Determiner|#Preposition|#Conjunction|#Pronoun|#Copula|#Auxiliary|#Modal|#QuestionWord)';

/** Lower-cased content words of a text (function words removed). */
export function contentWords(text: string): string[] {
  const terms = nlp(text).terms().not(FUNCTION_WORDS).json() as { terms?: { normal?: string }[] }[];
  return terms.flatMap((t) => (t.terms ?? []).map((x) => x.normal ?? '')).filter((w) => /\p{L}/u.test(w));
}

/**
 * The `count` most representative sentences, in their original order: each sentence scores the
 * summed frequency (in the whole text) of its content words per word (after H. P. Luhn, "The
 * Automatic Creation of Literature Abstracts", IBM Journal, 1958). Sentences of 4+ words are
 * preferred over fragments such as list items.
 */
export function extractiveSummary(text: string, count: number): string[] {
  const every = sentences(text);
  const full = every.filter((s) => words(s).length >= 4);
  const all = full.length ? full : every;
  if (all.length <= count) return all;
  const freq = new Map<string, number>();
  for (const w of contentWords(text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const score = contentWords(s).reduce((sum, w) => sum + (freq.get(w) ?? 0), 0) / Math.max(words(s).length, 1);
    return { i, s, score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, count)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.s);
}

/** Removes an immediately repeated word ("the the"), keeping the first. @returns the text and how many were removed. */
export function dropRepeatedWords(text: string): { text: string; removed: number } {
  const parts = [...wordSegmenter.segment(text)];
  let out = '';
  let removed = 0;
  let lastWord = '';
  let pendingSpace = '';
  for (const part of parts) {
    if (part.isWordLike) {
      if (part.segment.toLowerCase() === lastWord) {
        removed += 1;
        pendingSpace = '';
        continue;
      }
      lastWord = part.segment.toLowerCase();
      out += pendingSpace + part.segment;
      pendingSpace = '';
    } else if (/^[ \t]+$/.test(part.segment)) {
      pendingSpace += part.segment;
    } else {
      lastWord = '';
      out += pendingSpace + part.segment;
      pendingSpace = '';
    }
  }
  return { text: out + pendingSpace, removed };
}

/** Upper-cases the first letter of each sentence (sentences found by `Intl.Segmenter`). */
export function capitaliseSentences(text: string): string {
  return [...sentenceSegmenter.segment(text)]
    .map((s) => s.segment.replace(/^(\P{L}*)(\p{Ll})/u, (_, lead: string, c: string) => lead + c.toUpperCase()))
    .join('');
}
