import { describe, expect, it } from 'vitest';
import { parseFeedbackReply } from '../../src/app/feedback-reply';

describe('parseFeedbackReply', () => {
  it('reads 👍, 👎, good, bad, +1 and -1 on the first line, the rest as the comment', () => {
    expect(parseFeedbackReply('👍')).toEqual({ rating: 'up', comment: '' });
    expect(parseFeedbackReply('\n\n👎🏽\nToo long.')).toEqual({ rating: 'down', comment: 'Too long.' });
    expect(parseFeedbackReply('Good!\nthanks')).toEqual({ rating: 'up', comment: 'thanks' });
    expect(parseFeedbackReply('BAD.')).toEqual({ rating: 'down', comment: '' });
    expect(parseFeedbackReply('+1')).toEqual({ rating: 'up', comment: '' });
    expect(parseFeedbackReply('👍\uFE0F')).toEqual({ rating: 'up', comment: '' });
  });

  it('is null for anything else: a sentence, a word in a sentence, an empty reply, prototype names', () => {
    for (const text of [
      'Good job but add Pipedrive',
      'not bad',
      '',
      'approve',
      'constructor',
      '__proto__',
      '👍👍 great',
    ])
      expect(parseFeedbackReply(text), text).toBeNull();
  });

  it('keeps quoted text out of the comment and bounds it', () => {
    expect(parseFeedbackReply('good\nnice\n\nOn Mon, Baton wrote:\n> old text')).toEqual({
      rating: 'up',
      comment: 'nice',
    });
    expect(parseFeedbackReply(`bad\n${'x'.repeat(5000)}`)!.comment).toHaveLength(2000);
  });
});
