import { EmailMessage } from 'cloudflare:email';
import type { RunState } from '../core/engine';
import { database } from '../db/client';
import { getMessage, recordMessage } from '../db/messages';
import type { AppEnv } from '../env';
import { composeReply, type TriggerEmail } from './compose-reply';

/** A Message-ID in the alias's domain, RFC 5322 §3.6.4 form. */
function newMessageId(from: string): string {
  return `<${crypto.randomUUID()}@${from.split('@')[1] ?? 'baton.local'}>`;
}

/**
 * Replies to the sender of the email that started a finished run, and records the message.
 * Idempotent per run: an outbox replay after a crash does not send twice once recorded.
 * Runs not started by email get no reply.
 */
export async function sendRunReply(env: AppEnv, tenantId: string, state: RunState): Promise<void> {
  const email = state.trigger.type === 'email' ? (state.trigger.email as TriggerEmail | undefined) : undefined;
  if (!email?.from || !email.to) return;
  const db = database(env.DB);
  const dedupeId = `reply:${state.runId}`;
  if (await getMessage(db, tenantId, dedupeId)) return;
  const reply = composeReply(state, email, newMessageId(email.to), Date.now());
  let status: 'sent' | 'failed' = 'sent';
  let reason: string | null = null;
  try {
    await env.EMAIL.send(new EmailMessage(reply.from, reply.to, reply.raw));
  } catch (err) {
    status = 'failed';
    reason = `send_email refused: ${(err as Error).message}`;
    console.error(`run ${state.runId}: reply not sent`, reason);
  }
  const now = new Date().toISOString();
  await recordMessage(db, tenantId, {
    id: dedupeId, direction: 'outbound', status, reason, runId: state.runId, workflowName: state.workflow,
    from: reply.from, to: reply.to, subject: reply.subject, messageId: reply.messageId, inReplyTo: reply.inReplyTo,
    references: reply.references, date: now, raw: reply.raw, rawSize: reply.raw.length, createdAt: now,
  });
}
