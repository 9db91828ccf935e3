import { createMimeMessage, Mailbox } from 'mimetext/browser';
import { toText } from '../core/expressions';
import { agentOf, stepProgress, type RunState } from '../core/engine';
import { escapeHtml, markdownToHtml } from '../core/markdown';

/** The email that started a run, as stored under `trigger.email`. */
export interface TriggerEmail {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  references?: string[];
}

/** A composed reply: the raw RFC 5322 message and the fields recorded with it. */
export interface ComposedReply {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  inReplyTo: string;
  references: string;
  raw: string;
}

/** Cloudflare refuses replies with 100 or more References (PLATFORM.md); keep the newest. */
const MAX_REFERENCES = 20;

/** `Re: <subject>` without stacking prefixes (RFC 5322 §3.6.5). */
export function replySubject(subject: string): string {
  const clean = subject.trim() || '(no subject)';
  return /^re:/i.test(clean) ? clean : `Re: ${clean}`;
}

/** "Workflow competitor-analysis · 4/4 steps · 41 s · agents: research, summarize" */
export function runFooter(state: RunState, now: number): string {
  const { done, total } = stepProgress(Object.values(state.steps));
  const seconds = Math.max(0, Math.round(((state.endedAt ?? now) - (state.startedAt ?? state.createdAt)) / 1000));
  const agents = [...new Set(Object.keys(state.steps).filter((key) => state.steps[key]!.attempt > 0).map((key) => agentOf(state, key)).filter(Boolean))];
  return `Workflow ${state.workflow} · ${done}/${total} steps · ${seconds} s · agents: ${agents.join(', ') || 'none'}`;
}

function offlineNote(state: RunState): string | null {
  const builtin = Object.values(state.steps).some((s) => s.attempts.some((a) => a.provider === 'builtin'));
  return builtin
    ? "Offline mode: these agents are Baton's builtin text tools, which rearrange the text they are given; no language model was used. Configure an OpenAI-compatible endpoint in .dev.vars to use one."
    : null;
}

/** The reply body in Markdown: the run's output, which step failed and why, or that it was cancelled. */
export function replyMarkdown(state: RunState): string {
  if (state.status === 'completed') return toText(state.output) || '(The workflow finished with an empty output.)';
  const error = state.error;
  if (state.status === 'cancelled') return `**Your request was cancelled** before it finished: ${error?.message ?? 'cancelled'}.\n\nRun id: \`${state.runId}\``;
  const step = error?.stepId ? `Step \`${error.stepId}\` failed` : 'The workflow failed';
  return `**Your request could not be completed.**\n\n${step}: ${error?.message ?? 'unknown error'} (${error?.code ?? 'error'}).\n\nRun id: \`${state.runId}\``;
}

/**
 * Composes the threaded reply to the email that started a run (CONTRACT.md "Email"): from the
 * alias to the sender, `Re:` subject, `In-Reply-To` and `References` (RFC 5322 §3.6.4), text and
 * HTML alternatives; MIME encoding by mimetext.
 * @param replyTo the signed reply address for `Reply-To`, when there is one.
 */
export function composeReply(state: RunState, email: TriggerEmail, messageId: string, now: number, replyTo?: string): ComposedReply {
  const body = replyMarkdown(state);
  const footer = runFooter(state, now);
  const note = offlineNote(state);
  const text = [body, '', '-- ', footer, ...(note ? [note] : [])].join('\n');
  const html = `<div>${markdownToHtml(body)}</div><hr><p style="color:#666;font-size:12px">${escapeHtml(footer)}${note ? `<br>${escapeHtml(note)}` : ''}</p>`;
  const references = [...(email.references ?? []), email.messageId].filter(Boolean).slice(-MAX_REFERENCES).join(' ');
  const subject = replySubject(email.subject);
  const msg = createMimeMessage();
  msg.setSender({ addr: email.to, name: `${state.workflow} (Baton)` });
  msg.setRecipient(email.from);
  msg.setSubject(subject);
  msg.setHeader('Message-ID', messageId);
  msg.setHeader('In-Reply-To', email.messageId);
  msg.setHeader('References', references);
  if (replyTo) msg.setHeader('Reply-To', new Mailbox(replyTo));
  msg.setHeader('Auto-Submitted', 'auto-replied');
  msg.setHeader('X-Baton-Run', state.runId);
  msg.addMessage({ contentType: 'text/plain', data: text });
  msg.addMessage({ contentType: 'text/html', data: html });
  return { from: email.to, to: email.from, subject, messageId, inReplyTo: email.messageId, references, raw: msg.asRaw() };
}

/**
 * A short plain-text note from Baton (a decision taken, an explanation), threaded under `thread`
 * when given (RFC 5322 §3.6.4). `Auto-Submitted` keeps auto-responders from answering it.
 */
export function composeNote(note: { from: string; to: string; subject: string; text: string; messageId: string; thread?: { messageId: string; references?: string[] } }): ComposedReply {
  const inReplyTo = note.thread?.messageId ?? '';
  const references = note.thread ? [...(note.thread.references ?? []), note.thread.messageId].filter(Boolean).slice(-MAX_REFERENCES).join(' ') : '';
  const msg = createMimeMessage();
  msg.setSender({ addr: note.from, name: 'Baton' });
  msg.setRecipient(note.to);
  msg.setSubject(note.subject);
  msg.setHeader('Message-ID', note.messageId);
  if (inReplyTo) {
    msg.setHeader('In-Reply-To', inReplyTo);
    msg.setHeader('References', references);
  }
  msg.setHeader('Auto-Submitted', 'auto-replied');
  msg.addMessage({ contentType: 'text/plain', data: note.text });
  return { from: note.from, to: note.to, subject: note.subject, messageId: note.messageId, inReplyTo, references, raw: msg.asRaw() };
}
