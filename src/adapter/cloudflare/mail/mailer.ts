import { EmailMessage } from 'cloudflare:email';
import type { RunState } from '../../../core/engine/index';
import {
  REPLY_TOKEN_ID_BYTES,
  replyAddressFor,
  replyTokenKey,
  signReplyToken,
  type ReplyTokenKind,
} from '../../../lib/reply-token';
import { database } from '../d1/client';
import { getMessage, recordMessage } from '../d1/messages';
import { linkSigningKey, type AppEnv } from '../env';
import { composeReply, type ComposedReply, type TriggerEmail } from '../../../app/mail/compose-reply';

/** A Message-ID in the sender's domain, RFC 5322 §3.6.4 form. */
export function newMessageId(from: string): string {
  return `<${crypto.randomUUID()}@${from.split('@')[1] ?? 'baton.local'}>`;
}

/** The email that started a run, or undefined for other triggers. */
export function triggerEmail(state: RunState): TriggerEmail | undefined {
  const email = state.trigger.type === 'email' ? (state.trigger.email as TriggerEmail | undefined) : undefined;
  return email?.from && email.to ? email : undefined;
}

/** A signed reply address for a message sent from `from` (see src/lib/reply-token.ts). */
async function newReplyAddress(
  env: AppEnv,
  tenantId: string,
  ask: NonNullable<OutboundMail['replyTo']>,
): Promise<{ address: string; key: string } | null> {
  const id = crypto.getRandomValues(new Uint8Array(REPLY_TOKEN_ID_BYTES));
  const address = replyAddressFor(
    ask.from,
    await signReplyToken(linkSigningKey(env), { kind: ask.kind, exp: ask.exp, tenantId, id }),
  );
  return address ? { address, key: replyTokenKey(id) } : null;
}

/** A message for {@link sendRecorded}. */
export interface OutboundMail {
  /** The record id; a message already recorded with it is not sent again. */
  dedupeId: string;
  runId: string | null;
  workflow: string | null;
  /** Set on approval emails: the round they ask about. */
  approvalId?: string;
  /**
   * Asks for a signed reply address (`Reply-To: <alias>+<token>@<domain>`) at the alias of `from`
   * (the message's sender); `exp` epoch seconds, 0 for none.
   */
  replyTo?: { from: string; kind: ReplyTokenKind; exp: number };
  /**
   * Records the message without its source (`raw` null): for mail whose body is a credential (a
   * sign-in link), which no reader of the email log may see.
   */
  withholdRaw?: boolean;
  /** Composes the message; `replyTo` is the signed reply address, absent when the alias leaves no room for it. */
  compose: (replyTo?: string) => Promise<ComposedReply> | ComposedReply;
}

/**
 * Sends a composed message with the `send_email` binding and records it in D1 `messages` (sent or
 * failed, with the reason), with the Message-ID the binding says it delivered with
 * (`EmailSendResult.messageId`, which may replace Baton's) and the id of its signed reply address.
 * Idempotent per `dedupeId`: an outbox replay does not send twice.
 * @returns how the send went, or null when the message was recorded before (not sent again).
 */
export async function sendRecorded(
  env: AppEnv,
  tenantId: string,
  out: OutboundMail,
): Promise<{ status: 'sent' | 'failed'; reason: string | null } | null> {
  const db = database(env.DB);
  if (await getMessage(db, tenantId, out.dedupeId)) return null;
  const reply = out.replyTo ? await newReplyAddress(env, tenantId, out.replyTo) : null;
  const mail = await out.compose(reply?.address);
  let status: 'sent' | 'failed' = 'sent';
  let reason: string | null = null;
  let deliveredMessageId: string | null = null;
  try {
    const result = await env.EMAIL.send(new EmailMessage(mail.from, mail.to, mail.raw));
    deliveredMessageId =
      typeof result?.messageId === 'string' && result.messageId ? result.messageId.slice(0, 998) : null;
  } catch (err) {
    status = 'failed';
    reason = `send_email refused: ${(err as Error).message}`;
    console.error(`${out.dedupeId}: not sent`, reason);
  }
  const now = new Date().toISOString();
  await recordMessage(db, tenantId, {
    id: out.dedupeId,
    direction: 'outbound',
    status,
    reason,
    runId: out.runId,
    workflowName: out.workflow,
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    messageId: mail.messageId,
    deliveredMessageId,
    replyToken: reply?.key ?? null,
    approvalId: out.approvalId ?? null,
    inReplyTo: mail.inReplyTo || null,
    references: mail.references || null,
    date: now,
    raw: out.withholdRaw ? null : mail.raw,
    rawSize: mail.raw.length,
    createdAt: now,
  });
  return { status, reason };
}

/**
 * Replies to the sender of the email that started a finished run, and records the message.
 * Runs not started by email get no reply.
 */
export async function sendRunReply(env: AppEnv, tenantId: string, state: RunState): Promise<void> {
  const email = triggerEmail(state);
  if (!email) return;
  await sendRecorded(env, tenantId, {
    dedupeId: state.restarts ? `reply:${state.runId}:${state.restarts}` : `reply:${state.runId}`,
    runId: state.runId,
    workflow: state.workflow,
    replyTo: { from: email.to, kind: 'conversation', exp: 0 },
    compose: (replyTo) =>
      composeReply(state, email, newMessageId(email.to), Date.now(), replyTo ? { 'Reply-To': replyTo } : {}),
  });
}
