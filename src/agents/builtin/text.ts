import nlp from 'compromise';

/**
 * Text analysis for the offline builtin tools: sentence and word segmentation by the runtime's
 * `Intl.Segmenter` (Unicode UAX #29), part-of-speech tagging by compromise (https://compromise.cool).
 */

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Sentences of a text, trimmed, without Markdown line markers (`#`, `-`, `>`). */
export function sentences(text: string): string[] {
  const prose = text.split('\n').map((line) => line.replace(/^\s*(#+|[-*>]|\d+\.)\s+/, '')).join('\n');
  return [...sentenceSegmenter.segment(prose)].map((s) => s.segment.replace(/\s+/g, ' ').trim()).filter((s) => /\p{L}/u.test(s));
}

/** Lower-cased word-like tokens. */
export function words(text: string): string[] {
  return [...wordSegmenter.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment.toLowerCase());
}

/** Named organisations, people and places, most mentioned first. */
export function entities(text: string, limit = 8): string[] {
  return rank(nlp(text).topics().out('array') as string[], limit);
}

/** Nouns (their singular, lower-cased root), most frequent first. */
export function keyTerms(text: string, limit = 8): string[] {
  const nouns = nlp(text).nouns().toSingular().json() as { terms?: { normal?: string; tags?: string[] }[] }[];
  const roots = nouns.flatMap((n) => (n.terms ?? []).filter((t) => t.tags?.includes('Noun') && !t.tags.includes('Pronoun')).map((t) => t.normal ?? ''));
  return rank(roots.filter((w) => w.length > 2), limit);
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
  return [...counts.values()].sort((a, b) => b.n - a.n).slice(0, limit).map((e) => e.label);
}

/**
 * The `count` most representative sentences, in their original order: each sentence scores the
 * mean frequency of its key terms in the whole text (after H. P. Luhn, "The Automatic Creation of
 * Literature Abstracts", IBM Journal, 1958).
 */
export function extractiveSummary(text: string, count: number): string[] {
  const all = sentences(text);
  if (all.length <= count) return all;
  const terms = new Set(keyTerms(text, 30).map((t) => t.toLowerCase()));
  const freq = new Map<string, number>();
  for (const w of words(text)) if (terms.has(w)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const ws = words(s);
    const score = ws.reduce((sum, w) => sum + (freq.get(w) ?? 0), 0) / Math.max(ws.length, 1);
    return { i, s, score };
  });
  return scored.sort((a, b) => b.score - a.score || a.i - b.i).slice(0, count).sort((a, b) => a.i - b.i).map((x) => x.s);
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
