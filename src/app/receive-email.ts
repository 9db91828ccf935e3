import { BatonError } from '../core/errors';
import PostalMime, { type Email } from 'postal-mime';
import { sha256Hex } from '../lib/hash';
import { withoutPlusTag } from '../lib/reply-token';
import type { InboundRecord, ReceiveEmailPorts, SentMessage } from '../ports';
import type { MessageStatus } from '../schemas/enums';
import { aliasOf, ignoreReason, senderAllowed } from './email-classify';
import { findAnsweredApproval, forgedReason, replyToApproval } from './approval-reply';
import { emailText } from './email-text';
import { parseFeedbackReply } from './feedback-reply';
import { gateInbound, type GateInput } from './email-gate';
import { isOwnMail } from './own-mail';
import type { PlanDesk } from './plan/plan-email';
import { addressedReply } from './reply-address';
import { startRun } from './start-run';

/** The parts of Cloudflare's `ForwardableEmailMessage` the trigger uses. */
export interface InboundEmail {
  readonly from: string;
  readonly to: string;
  readonly raw: ReadableStream<Uint8Array>;
  readonly rawSize: number;
  setReject(reason: string): void;
}

/** How an inbound message ended: always recorded, never thrown. */
export interface InboundOutcome {
  id: string;
  status: MessageStatus;
  reason?: string;
  runId?: string;
}

/** Messages above this size are refused (Email Routing's own limit is 25 MiB), bytes. */
export const MAX_EMAIL_BYTES = 25 * 1024 * 1024;

/** Raw sources above this size are not kept in D1 (its rows are limited to 2 MB); their size is, bytes. */
export const MAX_STORED_RAW_BYTES = 1024 * 1024;

/** The raw message as text: UTF-8 when valid, else byte for byte (ISO-8859-1), so nothing is lost. */
function decodeRaw(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return out;
  }
}

/**
 * The `email()` trigger: parses with postal-mime, dedupes by Message-ID, ignores automatic mail,
 * takes replies to approval emails as decisions (found by the signed reply address they were sent
 * to, else by `In-Reply-To`/`References`: Baton's Message-ID or the delivered one), hands mail to the
 * planner's alias to the plan desk, routes by alias, checks the allow-list and starts the workflow. Every message is recorded with
 * a status and reason; malformed input is recorded as rejected, never thrown.
 */
export async function receiveEmail(
  ports: ReceiveEmailPorts & { planDesk?: PlanDesk },
  message: InboundEmail,
  tenantId = 'default',
): Promise<InboundOutcome> {
  const id = `msg_${ports.ids.uuid()}`;
  const now = new Date(ports.clock.now()).toISOString();
  const record: InboundRecord = {
    id,
    direction: 'inbound',
    status: 'rejected',
    from: message.from ?? '',
    to: message.to ?? '',
    date: now,
    createdAt: now,
  };
  const finish = async (status: MessageStatus, reason?: string, runId?: string): Promise<InboundOutcome> => {
    await ports.messages.record(tenantId, { ...record, status, reason: reason ?? null, runId: runId ?? null });
    return { id, status, reason, runId };
  };
  /** The email gate: a refusal is recorded and ends the message; a waived check is noted on the record. */
  let gateNote: string | undefined;
  const gate = async (input: GateInput): Promise<InboundOutcome | null> => {
    const verdict = await gateInbound(ports.messages, ports.mail, tenantId, input, ports.clock.now());
    if (verdict && 'refusal' in verdict) return finish(verdict.refusal.status, verdict.refusal.reason);
    gateNote = verdict?.note;
    return null;
  };
  try {
    if (message.rawSize > MAX_EMAIL_BYTES)
      return finish('rejected', `too_large: ${message.rawSize} bytes > ${MAX_EMAIL_BYTES}`);
    const bytes = new Uint8Array(await new Response(message.raw).arrayBuffer());
    Object.assign(record, {
      raw: bytes.byteLength <= MAX_STORED_RAW_BYTES ? decodeRaw(bytes) : null,
      rawSize: bytes.byteLength,
    });
    let email: Email;
    try {
      email = await PostalMime.parse(bytes);
    } catch (err) {
      return finish('rejected', `unparseable: ${(err as Error).message}`);
    }
    const messageId = email.messageId?.trim() || `<sha256-${await sha256Hex(bytes)}@baton.invalid>`;
    const sender = email.from?.address || message.from;
    Object.assign(record, {
      from: sender,
      subject: email.subject ?? null,
      messageId,
      inReplyTo: email.inReplyTo ?? null,
      references: email.references ?? null,
      date: parseDate(email.date) ?? now,
    });
    if (await ports.messages.seenInbound(tenantId, messageId)) return finish('duplicate', 'message_id_seen');
    const ignored = ignoreReason(email.headers, message.from, email.from?.address);
    if (ignored) return finish('ignored', ignored);
    const own = {
      headers: email.headers,
      messageId,
      senders: [sender, message.from],
      to: message.to,
      mailDomain: ports.mail.mailDomain,
    };
    if (await isOwnMail(ports, tenantId, own)) return finish('ignored', 'own_message');
    // A signed reply address decides first: it survives clients that drop or rewrite threading headers.
    const addressed = await addressedReply(
      ports.messages,
      ports.mail.signingKey,
      tenantId,
      message.to,
      Math.floor(ports.clock.now() / 1000),
    );
    if (addressed?.kind === 'rejected') return finish('rejected', addressed.reason);
    // An approval's reply address was issued to one assignee: it casts that assignee's vote only.
    if (addressed?.kind === 'approval' && addressed.sentTo.toLowerCase() !== sender.toLowerCase()) {
      return finish(
        'rejected',
        `reply_token_not_yours: the reply address was sent to ${addressed.sentTo}, not to ${sender}`,
      );
    }
    // The token is spent on finding the email answered: runs and answers see the alias's plain address.
    const to = addressed ? withoutPlusTag(message.to) : message.to;
    const answered =
      addressed?.kind === 'approval'
        ? { verdict: 'valid' as const, approvalId: addressed.approvalId }
        : addressed
          ? null
          : await findAnsweredApproval(
              ports.messages,
              tenantId,
              ports.mail.signingKey,
              email.inReplyTo,
              email.references,
            );
    const gateInput = { headers: email.headers, fromAddress: email.from?.address };
    if (answered) {
      if (answered.verdict !== 'valid') return finish('rejected', forgedReason(answered));
      const refused = await gate(gateInput);
      if (refused) return refused;
      const references = (email.references ?? '').split(/\s+/).filter(Boolean);
      const outcome = await replyToApproval(ports, tenantId, {
        approvalId: answered.approvalId,
        sender,
        to,
        subject: email.subject ?? '',
        text: emailText(email),
        messageId,
        references,
        ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
      });
      return finish(outcome.status, outcome.reason, outcome.runId);
    }
    // The planner's alias (plan@): requests and replies to plan emails.
    if (ports.planDesk && aliasOf(message.to) === ports.planDesk.alias) {
      const refused = await gate(gateInput);
      if (refused) return refused;
      const outcome = await ports.planDesk.receive(tenantId, {
        sender,
        to,
        subject: email.subject ?? '',
        text: emailText(email),
        messageId,
        references: (email.references ?? '').split(/\s+/).filter(Boolean),
        ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
      });
      return finish(outcome.status, outcome.reason, outcome.runId);
    }
    const route = await ports.workflows.emailRoute(tenantId, aliasOf(message.to));
    if (!route) {
      message.setReject('Unknown address');
      return finish('rejected', `unknown_alias: ${aliasOf(message.to)}`);
    }
    record.workflowName = route.workflowName;
    const refused = await gate({ ...gateInput, requireAuth: route.requireAuth, workflowName: route.workflowName });
    if (refused) return refused;
    if (!senderAllowed(sender, route.allow)) return finish('rejected', `sender_not_allowed: ${sender}`);
    const references = (email.references ?? '').split(/\s+/).filter(Boolean);
    const earlier =
      addressed?.kind === 'conversation'
        ? addressed.sent
        : await ports.messages.findRunReply(tenantId, [...references, email.inReplyTo ?? ''].filter(Boolean));
    // 👍/👎 on the first line of a reply to a result: feedback on that run, not a new one.
    const feedback = earlier?.runId && ports.feedback ? parseFeedbackReply(emailText(email)) : null;
    if (feedback && earlier?.runId) {
      await ports.feedback!.record(tenantId, {
        runId: earlier.runId,
        ...feedback,
        source: 'email',
        by: sender.toLowerCase(),
        messageId,
      });
      return finish('accepted', `feedback: ${feedback.rating}`, earlier.runId);
    }
    const thread = await threadOf(ports, tenantId, route.workflowName, earlier);
    const trigger = {
      type: 'email' as const,
      email: {
        from: sender,
        to,
        subject: email.subject ?? '',
        text: emailText(email),
        html: email.html ?? '',
        messageId,
        references,
        ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
        ...(thread ? { thread } : {}),
        attachments: email.attachments.map((a) => ({
          filename: a.filename,
          mimeType: a.mimeType,
          size: typeof a.content === 'string' ? a.content.length : a.content.byteLength,
        })),
      },
    };
    try {
      const { runId, skipped } = await startRun(ports, tenantId, {
        workflow: route.workflowName,
        input: {},
        trigger,
        idempotencyKey: `email:${messageId}`,
        priority: route.priority,
      });
      // Recorded, never answered: a reply could loop with an auto-responder.
      if (skipped) return finish('skipped', `singleton: run ${runId} is active`, runId);
      return finish('accepted', gateNote, runId);
    } catch (err) {
      if (err instanceof BatonError && err.code === 'rate_limited') return finish('rate_limited', err.message);
      return finish('rejected', `start_failed: ${(err as Error).message}`);
    }
  } catch (err) {
    console.error('email trigger failed', err);
    try {
      return await finish('rejected', `internal_error: ${(err as Error).message}`);
    } catch {
      return { id, status: 'rejected', reason: 'internal_error' };
    }
  }
}

/**
 * A follow-up: when the email replies to a result Baton sent for this workflow (`earlier`, found by
 * its signed reply address or its Message-IDs), the earlier run's id, subject and output
 * (conversational workflows read it as `trigger.email.thread`).
 */
async function threadOf(ports: ReceiveEmailPorts, tenantId: string, workflow: string, earlier: SentMessage | null) {
  if (!earlier?.runId || earlier.workflowName !== workflow) return null;
  const run = await ports.runs.get(tenantId, earlier.runId);
  return run ? { runId: run.id, subject: earlier.subject ?? '', output: run.output ?? null } : null;
}

function parseDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
