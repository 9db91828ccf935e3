import { EmailMessage } from 'cloudflare:email';
import type { RunState } from '../core/engine';
import { database } from '../db/client';
import { getMessage, recordMessage } from '../db/messages';
import type { AppEnv } from '../env';
import { composeReply, type ComposedReply, type TriggerEmail } from './compose-reply';

/** A Message-ID in the sender's domain, RFC 5322 §3.6.4 form. */
export function newMessageId(from: string): string {
  return `<${crypto.randomUUID()}@${from.split('@')[1] ?? 'baton.local'}>`;
}

/** The email that started a run, or undefined for other triggers. */
export function triggerEmail(state: RunState): TriggerEmail | undefined {
  const email = state.trigger.type === 'email' ? (state.trigger.email as TriggerEmail | undefined) : undefined;
  return email?.from && email.to ? email : undefined;
}

/**
 * Sends a composed message with the `send_email` binding and records it in D1 `messages` (sent or
 * failed, with the reason). Idempotent per `dedupeId`: an outbox replay does not send twice.
 */
export async function sendRecorded(env: AppEnv, tenantId: string, out: { dedupeId: string; runId: string | null; workflow: string | null; compose: () => Promise<ComposedReply> | ComposedReply }): Promise<void> {
  const db = database(env.DB);
  if (await getMessage(db, tenantId, out.dedupeId)) return;
  const mail = await out.compose();
  let status: 'sent' | 'failed' = 'sent';
  let reason: string | null = null;
  try {
    await env.EMAIL.send(new EmailMessage(mail.from, mail.to, mail.raw));
  } catch (err) {
    status = 'failed';
    reason = `send_email refused: ${(err as Error).message}`;
    console.error(`${out.dedupeId}: not sent`, reason);
  }
  const now = new Date().toISOString();
  await recordMessage(db, tenantId, {
    id: out.dedupeId, direction: 'outbound', status, reason, runId: out.runId, workflowName: out.workflow,
    from: mail.from, to: mail.to, subject: mail.subject, messageId: mail.messageId, inReplyTo: mail.inReplyTo || null,
    references: mail.references || null, date: now, raw: mail.raw, rawSize: mail.raw.length, createdAt: now,
  });
}

/**
 * Replies to the sender of the email that started a finished run, and records the message.
 * Runs not started by email get no reply.
 */
export async function sendRunReply(env: AppEnv, tenantId: string, state: RunState): Promise<void> {
  const email = triggerEmail(state);
  if (!email) return;
  await sendRecorded(env, tenantId, { dedupeId: state.restarts ? `reply:${state.runId}:${state.restarts}` : `reply:${state.runId}`, runId: state.runId, workflow: state.workflow, compose: () => composeReply(state, email, newMessageId(email.to), Date.now()) });
}
