import { env } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { deliver, fixture, putAgent, putWorkflow, receive, waitForRun } from '../support/helpers';

const names = Object.keys(env.EMAIL_FIXTURES);

/** Fixtures that are automatic mail and must be ignored, with the reason expected. */
const AUTOMATIC: Record<string, string> = {
  'sisimai__rfc3834-03-apple-vacation.eml': 'auto_reply', // X-Apple-Action: VACATION
  'sisimai__rfc3834-04-exchange-autoreply.eml': 'bounce', // null reverse-path (Return-path: <>)
  'flanker__disposition-notification.eml': 'read_receipt',
  'postal-mime__bounce-fastmail-dsn.eml': 'bounce',
  'mailparser__delivery-status-ses.eml': 'bounce',
  'postal-mime__arf-abuse-report.eml': 'feedback_report',
  'sisimai__lhost-gmail-01.eml': 'bounce',
  'enmime__multipart-wo-boundary.eml': 'bounce', // multipart/report from Mailer-Daemon
  'flanker__from-encoding.eml': 'bulk', // Precedence: bulk
  'mail-parser__mail_test_13.eml': 'mailing_list', // List-Unsubscribe
};

/** Fixtures that reuse the Message-ID of a fixture delivered before them (sorted order). */
const DUPLICATES = new Set(['enmime__bad-header-start.eml', 'enmime__malformed-base64-attach.eml']);

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
    await putWorkflow('inbox', 'name: inbox\ntriggers: [ { email: { alias: inbox } } ]\nsteps: [ { id: read, agent: echo, input: "{{ trigger.email.subject }}" } ]');
  });

  it('has the fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(38);
  });

  it.each(names)('%s', async (name) => {
    const bytes = fixture(name);
    const before = (await env.DB.prepare('SELECT COUNT(*) AS n FROM messages WHERE direction = \'inbound\'').first<{ n: number }>())!.n;
    const outcome = await receive(bytes, { from: await envelopeSender(bytes), to: 'inbox@baton.test' });
    const after = (await env.DB.prepare('SELECT COUNT(*) AS n FROM messages WHERE direction = \'inbound\'').first<{ n: number }>())!.n;
    expect(after).toBe(before + 1);
    expect(['accepted', 'rejected', 'ignored', 'duplicate']).toContain(outcome.status);
    const row = await env.DB.prepare('SELECT status, reason, raw_size FROM messages WHERE id = ?').bind(outcome.id).first<{ status: string; reason: string | null; raw_size: number }>();
    expect(row).toMatchObject({ status: outcome.status, raw_size: bytes.byteLength });
    if (AUTOMATIC[name]) {
      expect(outcome).toMatchObject({ status: 'ignored', reason: AUTOMATIC[name] });
    } else if (DUPLICATES.has(name)) {
      expect(outcome).toMatchObject({ status: 'duplicate', reason: 'message_id_seen' });
    } else {
      expect(outcome.status).toBe('accepted');
      expect(outcome.runId).toMatch(/^run_/);
      started.push(outcome.runId!);
    }
  });

  afterAll(async () => {
    // Each accepted fixture's run completes (and its consumers finish before the file ends).
    for (const runId of started) expect((await waitForRun(runId)).status).toBe('completed');
  });

  it('garbage bytes and an empty message are recorded, and the Worker keeps answering', async () => {
    const count = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'inbound' AND from_addr = 'x@example.net'").first<{ n: number }>())!.n;
    expect(await count()).toBe(0);
    await deliver(new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a]), { from: 'x@example.net', to: 'inbox@baton.test' });
    await deliver(new Uint8Array(), { from: 'x@example.net', to: 'inbox@baton.test' });
    expect(await count()).toBe(2);
    const health = await worker.fetch!(new Request('http://baton.test/api/health'), env, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    expect(health.status).toBe(200);
  });
});

describe('large messages', () => {
  it('a message above the stored-raw limit is still routed and recorded, with its size but without its source', async () => {
    const { rawEmail } = await import('../support/helpers');
    const big = rawEmail({ From: 'big@example.net', To: 'inbox@baton.test', Subject: 'Big', 'Message-ID': '<big-1@example.net>' }, 'x'.repeat(1_200_000));
    const outcome = await receive(big, { from: 'big@example.net', to: 'inbox@baton.test' });
    expect(outcome.status).toBe('accepted');
    const row = await env.DB.prepare('SELECT raw, raw_size FROM messages WHERE id = ?').bind(outcome.id).first<{ raw: string | null; raw_size: number }>();
    expect(row).toEqual({ raw: null, raw_size: big.byteLength });
    expect((await waitForRun(outcome.runId!)).status).toBe('completed');
  });
});
