import { toText } from '../../core/expressions';
import { capitaliseSentences, dropRepeatedWords, entities, extractiveSummary, keyTerms, sentences } from './text';

/**
 * Deterministic text tools that work offline. They do not browse or reason: they analyse the text
 * they are given, so the demo runs end to end without a model or network.
 */
export type BuiltinToolFn = (input: unknown) => string;

const joinAnd = (items: string[]) =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

const list = (items: string[]) => (items.length ? items.map((i) => `- ${i}`).join('\n') : '- (none found)');

/** Research notes: the named entities, key terms and the sentences that mention them. */
const research: BuiltinToolFn = (input) => {
  const text = toText(input);
  const found = entities(text);
  const names = new Set(found.map((f) => f.toLowerCase()));
  const terms = keyTerms(text).filter((t) => !names.has(t.toLowerCase()));
  const evidence = sentences(text)
    .filter((s) => [...found, ...terms].some((t) => s.toLowerCase().includes(t.toLowerCase())))
    .slice(0, 8);
  const overview = found.length
    ? `The request concerns ${joinAnd(found)}${terms.length ? `, with a focus on ${joinAnd(terms.slice(0, 4))}` : ''}.`
    : `The request gives no names; its key terms are ${joinAnd(terms.slice(0, 4)) || 'unclear'}.`;
  return [
    `## Research notes`,
    '',
    overview,
    '',
    `### Organisations, people and places`,
    list(found),
    '',
    `### Key terms`,
    list(terms),
    '',
    `### Evidence from the request`,
    list(evidence),
  ].join('\n');
};

/** The three most representative sentences, one per line. */
const summarize: BuiltinToolFn = (input) => {
  const picked = extractiveSummary(toText(input), 3);
  return picked.length ? picked.join('\n') : 'Nothing to summarise: the input has no sentences.';
};

/** A Markdown report built around the given summary. */
const draft: BuiltinToolFn = (input) => {
  const text = toText(input);
  const subject = entities(text, 4);
  const title = subject.length ? joinAnd(subject) : keyTerms(text, 2).join(' and ') || 'the request';
  const points = sentences(text).slice(0, 6);
  return [
    `# Report: ${title}`,
    '',
    '## Summary',
    points[0] ?? text,
    '',
    '## Key points',
    list(points),
    '',
    '## Recommended next steps',
    `- Validate these points against current sources on ${title}.`,
    '- Decide which findings need a follow-up owner.',
  ].join('\n');
};

/**
 * Tidies prose line by line, keeping Markdown markers: repeated words, runs of spaces, spaces
 * before punctuation, and a capital letter at the start of each sentence.
 */
const proofread: BuiltinToolFn = (input) =>
  toText(input)
    .split('\n')
    .map((line) => {
      const [, marker = '', prose = ''] = /^(\s*(?:#+|[-*>]|\d+\.)\s+)?(.*)$/.exec(line)!;
      if (!prose.trim()) return line.trimEnd();
      const tidy = dropRepeatedWords(prose)
        .text.replace(/[ \t]+/g, ' ')
        .replace(/ ([,.;:!?])/g, '$1')
        .trim();
      return marker + capitaliseSentences(tidy);
    })
    .join('\n');

/** Returns its input as text. */
const echo: BuiltinToolFn = (input) => toText(input);

/** Builtin tools by name (`config.tool`). */
export const BUILTIN_TOOLS: Record<string, BuiltinToolFn> = { research, summarize, draft, proofread, echo };
