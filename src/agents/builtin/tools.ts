import nlp from 'compromise';
import { toText } from '../../core/expressions';
import { dropRepeatedWords, entities, extractiveSummary, keyTerms, sentences } from './text';

/**
 * Deterministic text tools that work offline. They do not browse or reason: they analyse the text
 * they are given, so the demo runs end to end without a model or network.
 */
export type BuiltinToolFn = (input: unknown) => string;

const list = (items: string[]) => (items.length ? items.map((i) => `- ${i}`).join('\n') : '- (none found)');

/** Research notes: the named entities, key terms and the sentences that mention them. */
const research: BuiltinToolFn = (input) => {
  const text = toText(input);
  const found = entities(text);
  const terms = keyTerms(text);
  const evidence = sentences(text).filter((s) => [...found, ...terms].some((t) => s.toLowerCase().includes(t.toLowerCase()))).slice(0, 8);
  return [
    `## Research notes`, '',
    `### Organisations, people and places`, list(found), '',
    `### Key terms`, list(terms), '',
    `### Evidence from the request`, list(evidence),
  ].join('\n');
};

/** The three most representative sentences. */
const summarize: BuiltinToolFn = (input) => {
  const picked = extractiveSummary(toText(input), 3);
  return picked.length ? picked.join(' ') : 'Nothing to summarise: the input has no sentences.';
};

/** A Markdown report built around the given summary. */
const draft: BuiltinToolFn = (input) => {
  const text = toText(input);
  const subject = entities(text, 3);
  const title = subject.length ? subject.join(', ') : keyTerms(text, 2).join(' and ') || 'the request';
  const points = sentences(text).slice(0, 6);
  return [
    `# Report: ${title}`, '',
    '## Summary', points[0] ?? text, '',
    '## Key points', list(points), '',
    '## Recommended next steps',
    `- Validate these points against current sources on ${title}.`,
    '- Decide which findings need a follow-up owner.',
  ].join('\n');
};

/** Tidies prose line by line (Markdown markers kept): whitespace, repeated words, sentence capitals. */
const proofread: BuiltinToolFn = (input) =>
  toText(input)
    .split('\n')
    .map((line) => {
      const marker = /^(\s*(?:#+|[-*>]|\d+\.)\s+)?(.*)$/.exec(line)!;
      const prose = marker[2] ?? '';
      if (!prose.trim()) return line.trimEnd();
      const tidy = nlp(dropRepeatedWords(prose).text).normalize({ whitespace: true, punctuation: false, unicode: false }).text();
      return (marker[1] ?? '') + tidy.replace(/^\p{Ll}/u, (c) => c.toUpperCase());
    })
    .join('\n');

/** Returns its input as text. */
const echo: BuiltinToolFn = (input) => toText(input);

/** Builtin tools by name (`config.tool`). */
export const BUILTIN_TOOLS: Record<string, BuiltinToolFn> = { research, summarize, draft, proofread, echo };
