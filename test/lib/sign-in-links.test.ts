import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { composeSignInEmail } from '../../src/app/mail/compose-sign-in';
import { signLink } from '../../src/lib/links';
import { signSignInLink, verifySignInLink } from '../../src/lib/sign-in-links';

const claim = { id: 'AbC123_-xyz', email: 'Lead@Example.com', exp: 2_000_000_000 };

describe('sign-in link signatures', () => {
  it('verify for the claim they sign until exp, then expire; any changed part is invalid', async () => {
    const sig = await signSignInLink('k1', claim);
    expect(await verifySignInLink('k1', claim, sig, claim.exp)).toBe('valid');
    expect(await verifySignInLink('k1', { ...claim, email: 'lead@example.com' }, sig, 0)).toBe('valid');
    expect(await verifySignInLink('k1', claim, sig, claim.exp + 1)).toBe('expired');
    for (const changed of [
      { ...claim, id: 'AbC123_-xyZ' },
      { ...claim, email: 'other@example.com' },
      { ...claim, exp: claim.exp + 1 },
    ])
      expect(await verifySignInLink('k1', changed, sig, 0)).toBe('invalid');
    expect(await verifySignInLink('k2', claim, sig, 0)).toBe('invalid');
    expect(await verifySignInLink('k1', claim, 'not base64url!', 0)).toBe('invalid');
  });

  it('are not interchangeable with approval link signatures (domain separated)', async () => {
    const approvalSig = await signLink('k1', {
      approvalId: claim.id,
      decision: 'approve',
      assignee: claim.email,
      exp: claim.exp,
    });
    expect(await verifySignInLink('k1', claim, approvalSig, 0)).toBe('invalid');
  });
});

describe('the sign-in email', () => {
  it('carries one link per tenant, says how long they work, and is marked auto-generated', async () => {
    const mail = composeSignInEmail({
      from: 'baton@baton.local',
      to: 'lead@example.com',
      links: [
        { tenantName: 'Acme', url: 'https://baton.example/auth/link?l=a&exp=1&sig=s1' },
        { tenantName: 'Beta', url: 'https://baton.example/auth/link?l=b&exp=1&sig=s2' },
      ],
      ttlMinutes: 15,
      messageId: '<m1@baton.local>',
      now: Date.UTC(2026, 11, 2),
    });
    const parsed = await PostalMime.parse(mail.raw);
    expect(parsed.subject).toBe('Your Baton sign-in link');
    expect(parsed.text).toContain('Sign in to Acme:\nhttps://baton.example/auth/link?l=a&exp=1&sig=s1');
    expect(parsed.text).toContain('Sign in to Beta:\nhttps://baton.example/auth/link?l=b&exp=1&sig=s2');
    expect(parsed.text).toContain('within 15 minutes');
    expect(parsed.headers.find((h) => h.key === 'auto-submitted')?.value).toBe('auto-generated');
    expect(mail).toMatchObject({ to: 'lead@example.com', messageId: '<m1@baton.local>' });
  });
});
