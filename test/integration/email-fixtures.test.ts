import { env } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { deliver, fixture, putAgent, putWorkflow, receive, waitForRun } from '../support/helpers';

const names = Object.keys(env.EMAIL_FIXTURES);

/**
 * Every fixture's expected outcome, exactly: automatic mail is ignored with its reason, a reused
 * Message-ID is a duplicate, anything else a person sent starts a run (no reason). A fixture added
 * without an entry here fails the test.
 */
const EXPECTED: Record<string, { status: 'accepted' | 'ignored' | 'duplicate' | 'rejected'; reason: string | null }> = {
  'sisimai__rfc3834-03-apple-vacation.eml': { status: 'ignored', reason: 'auto_reply' }, // X-Apple-Action: VACATION
  'sisimai__rfc3834-04-exchange-autoreply.eml': { status: 'ignored', reason: 'bounce' }, // null reverse-path (Return-path: <>)
  'flanker__disposition-notification.eml': { status: 'ignored', reason: 'read_receipt' },
  'postal-mime__bounce-fastmail-dsn.eml': { status: 'ignored', reason: 'bounce' },
  'mailparser__delivery-status-ses.eml': { status: 'ignored', reason: 'bounce' },
  'postal-mime__arf-abuse-report.eml': { status: 'ignored', reason: 'feedback_report' },
  'sisimai__lhost-gmail-01.eml': { status: 'ignored', reason: 'bounce' },
  'enmime__multipart-wo-boundary.eml': { status: 'ignored', reason: 'bounce' }, // multipart/report from Mailer-Daemon
  'flanker__from-encoding.eml': { status: 'ignored', reason: 'bulk' }, // Precedence: bulk
  'mail-parser__mail_test_13.eml': { status: 'ignored', reason: 'mailing_list' }, // List-Unsubscribe
  // These reuse the Message-ID of a fixture delivered before them (sorted order).
  'enmime__bad-header-start.eml': { status: 'duplicate', reason: 'message_id_seen' },
  'enmime__malformed-base64-attach.eml': { status: 'duplicate', reason: 'message_id_seen' },
  'enmime__bad-final-boundary.eml': { status: 'accepted', reason: null },
  'enmime__erroneous.eml': { status: 'accepted', reason: null },
  'enmime__malformed-multiple-address-header-values.eml': { status: 'accepted', reason: null },
  'enmime__qp-utf8-header.eml': { status: 'accepted', reason: null },
  'flanker__bilingual-simple.eml': { status: 'accepted', reason: null },
  'flanker__iphone.eml': { status: 'accepted', reason: null },
  'hunnysoft__m0001.eml': { status: 'accepted', reason: null },
  'hunnysoft__m1001.eml': { status: 'accepted', reason: null },
  'mail-parser__mail_test_12.eml': { status: 'accepted', reason: null },
  'mail-parser__mail_test_18.eml': { status: 'accepted', reason: null },
  'mail-parser__mail_test_19.eml': { status: 'accepted', reason: null },
  'mail__attachment_message_rfc822.eml': { status: 'accepted', reason: null },
  'mail__attachment_with_encoded_name.eml': { status: 'accepted', reason: null },
  'mail__bad_encoded_subject.eml': { status: 'accepted', reason: null },
  'mail__japanese_iso_2022.eml': { status: 'accepted', reason: null },
  'mail__listserv_x_uuencode.eml': { status: 'accepted', reason: null },
  'mail__raw_email_reply.eml': { status: 'accepted', reason: null },
  'mail__rfc2822_example10.eml': { status: 'accepted', reason: null },
  'mail__rfc6532_utf8_headers.eml': { status: 'accepted', reason: null },
  'mail__two_from_in_message.eml': { status: 'accepted', reason: null },
  'mailparser__base64encodedroot.eml': { status: 'accepted', reason: null },
  'mailparser__nested.eml': { status: 'accepted', reason: null },
  'mailparser__nodemailer.eml': { status: 'accepted', reason: null },
  'mailparser__spam.eml': { status: 'accepted', reason: null },
  'postal-mime__calendar-event.eml': { status: 'accepted', reason: null },
  'postal-mime__mixed.eml': { status: 'accepted', reason: null },
};

/** The SMTP envelope sender the MTA saw: the fixture's Return-Path, else a plain sender. */
async function envelopeSender(bytes: Uint8Array): Promise<string> {
  const { headers } = await PostalMime.parse(bytes);
  const returnPath = headers.find((h) => h.key === 'return-path')?.value;
  if (returnPath === undefined) return 'sender@example.net';
  return returnPath.replace(/[<>\s]/g, '');
}

const started: string[] = [];

describe('every real email fixture passes through email() and ends recorded', () => {
  beforeAll(async () => {
    await putAgent('echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'inbox',
      'name: inbox\ntriggers: [ { email: { alias: inbox } } ]\nsteps: [ { id: read, agent: echo, input: "{{ trigger.email.subject }}" } ]',
    );
  });

  it('has the fixtures, each with its expected outcome', () => {
    expect(names.length).toBeGreaterThanOrEqual(38);
    expect([...names].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(names)('%s', async (name) => {
    const bytes = fixture(name);
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'inbound'").first<{
      n: number;
    }>())!.n;
    const outcome = await receive(bytes, { from: await envelopeSender(bytes), to: 'inbox@baton.test' });
    const after = (await env.DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'inbound'").first<{
      n: number;
    }>())!.n;
    expect(after).toBe(before + 1);
    const expected = EXPECTED[name]!;
    expect({ status: outcome.status, reason: outcome.reason ?? null }).toEqual(expected);
    const row = await env.DB.prepare('SELECT status, reason, raw_size FROM messages WHERE id = ?')
      .bind(outcome.id)
      .first<{ status: string; reason: string | null; raw_size: number }>();
    expect(row).toEqual({ ...expected, raw_size: bytes.byteLength });
    if (expected.status === 'accepted') {
      expect(outcome.runId).toMatch(/^run_/);
      started.push(outcome.runId!);
    } else {
      expect(outcome.runId).toBeUndefined();
    }
  });

  afterAll(async () => {
    // Each accepted fixture's run completes (and its consumers finish before the file ends).
    for (const runId of started) expect((await waitForRun(runId)).status).toBe('completed');
  });

  it('garbage bytes and an empty message are recorded, and the Worker keeps answering', async () => {
    const count = async () =>
      (await env.DB.prepare(
        "SELECT COUNT(*) AS n FROM messages WHERE direction = 'inbound' AND from_addr = 'x@example.net'",
      ).first<{ n: number }>())!.n;
    expect(await count()).toBe(0);
    await deliver(new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a]), {
      from: 'x@example.net',
      to: 'inbox@baton.test',
    });
    await deliver(new Uint8Array(), { from: 'x@example.net', to: 'inbox@baton.test' });
    expect(await count()).toBe(2);
    const health = await worker.fetch!(new Request('http://baton.test/api/health'), env, {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext);
    expect(health.status).toBe(200);
  });
});

describe('large messages', () => {
  it('a message above the stored-raw limit is still routed and recorded, with its size but without its source', async () => {
    const { rawEmail } = await import('../support/helpers');
    const big = rawEmail(
      { From: 'big@example.net', To: 'inbox@baton.test', Subject: 'Big', 'Message-ID': '<big-1@example.net>' },
      'x'.repeat(1_200_000),
    );
    const outcome = await receive(big, { from: 'big@example.net', to: 'inbox@baton.test' });
    expect(outcome.status).toBe('accepted');
    const row = await env.DB.prepare('SELECT raw, raw_size FROM messages WHERE id = ?')
      .bind(outcome.id)
      .first<{ raw: string | null; raw_size: number }>();
    expect(row).toEqual({ raw: null, raw_size: big.byteLength });
    expect((await waitForRun(outcome.runId!)).status).toBe('completed');
  });
});
