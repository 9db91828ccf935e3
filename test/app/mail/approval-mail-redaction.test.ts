import PostalMime from 'postal-mime';
import { expect, it } from 'vitest';
import { composeApprovalEmail } from '../../../src/app/mail/compose-approval';
import { redactText } from '../../../src/core/redact';

/** An approval email as Baton sends it (quoted-printable), with links signed by `signingKey`. */
const approvalMail = (signingKey: string) =>
  composeApprovalEmail({
    approval: {
      id: 'run_z4vndxqr42t37irah635:review:0',
      stepId: 'review',
      round: 0,
      message: 'Send the launch note?',
      assignees: ['lead@example.com'],
      options: ['approve', 'reject', 'request_changes'],
      quorum: 1,
      deadlineAt: 1_796_314_195_000,
    },
    workflow: 'viewer-hook',
    from: 'baton@baton.local',
    to: 'lead@example.com',
    baseUrl: 'http://baton.test',
    signingKey,
    now: 1_796_310_595_000,
    nonce: 'd0084c613ee85',
  });

it('the source of an approval email, text-redacted, decodes to no link signature, whatever the signatures are', async () => {
  // 200 keys give signatures that start or break a quoted-printable line at a `-`, which is then
  // written `=2D` (RFC 2045 §6.7): the redaction must cut through the escape, not stop at it.
  const leaking: string[] = [];
  for (let i = 0; i < 200; i++) {
    const { raw } = await approvalMail(`signing-key-${i}`);
    const decoded = await PostalMime.parse(redactText(raw));
    const parts = [decoded.text ?? '', decoded.html ?? ''];
    expect(parts[0]).toContain('sig=redacted');
    if (parts.some((part) => redactText(part) !== part)) leaking.push(`signing-key-${i}`);
  }
  expect(leaking).toEqual([]);
});
