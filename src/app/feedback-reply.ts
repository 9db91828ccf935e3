import EmailReplyParser from 'email-reply-parser';

/** A person's judgement of a run. */
export type Rating = 'up' | 'down';

const WORDS: Record<string, Rating> = {
  '👍': 'up',
  '👍🏻': 'up',
  '👍🏼': 'up',
  '👍🏽': 'up',
  '👍🏾': 'up',
  '👍🏿': 'up',
  '+1': 'up',
  good: 'up',
  '👎': 'down',
  '👎🏻': 'down',
  '👎🏼': 'down',
  '👎🏽': 'down',
  '👎🏾': 'down',
  '👎🏿': 'down',
  '-1': 'down',
  bad: 'down',
};

/**
 * Reads feedback from a reply to a result email (issue 20): quoted text and signatures are
 * stripped by email-reply-parser; the first non-empty line must be 👍, 👎, `good` or `bad` (any
 * case, trailing punctuation allowed, `+1`/`-1` too); the lines after it are the comment (at most
 * 2 000 characters).
 * @returns null when the first line is not feedback: the reply is then a follow-up as before.
 */
export function parseFeedbackReply(text: string): { rating: Rating; comment: string } | null {
  const visible = new EmailReplyParser().read(text.replace(/\r\n/g, '\n')).getVisibleText();
  const lines = visible.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  const word = lines[first]!.trim()
    .toLowerCase()
    .replace(/[\s.!,:;]+$/, '')
    .replace(/\uFE0F/g, '');
  const rating = Object.hasOwn(WORDS, word) ? WORDS[word] : undefined;
  if (!rating) return null;
  const comment = lines
    .slice(first + 1)
    .join('\n')
    .trim()
    .slice(0, 2000);
  return { rating, comment };
}
