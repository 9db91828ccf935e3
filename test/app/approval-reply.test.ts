import { describe, expect, it } from 'vitest';
import { parseDecisionReply } from '../../src/app/approval-reply';

describe('parseDecisionReply', () => {
  it('reads the decision word on the first non-empty line, the lines after it as the comment', () => {
    expect(parseDecisionReply('\n\nApprove!\nLooks good.')).toEqual({ decision: 'approve', comment: 'Looks good.' });
    expect(parseDecisionReply('request changes\nshorter')).toEqual({ decision: 'request_changes', comment: 'shorter' });
  });

  it('reads a comment on the same line after a colon or a dash', () => {
    expect(parseDecisionReply('reject: not this one')).toEqual({ decision: 'reject', comment: 'not this one' });
    expect(parseDecisionReply('Reject — wrong file\nand more')).toEqual({
      decision: 'reject',
      comment: 'wrong file\nand more',
    });
    expect(parseDecisionReply('approve - go ahead')).toEqual({ decision: 'approve', comment: 'go ahead' });
  });

  it('anything else decides nothing', () => {
    expect(parseDecisionReply('rejection: maybe')).toBeNull();
    expect(parseDecisionReply('I think we should reject')).toBeNull();
    expect(parseDecisionReply('   ')).toBeNull();
  });
});
