import { toText } from '../../core/expressions/index';
import { agentOf, stepProgress, type RunState } from '../../core/engine/index';
import { escapeHtml, markdownToHtml } from '../../core/markdown';
import { composeMime, threadHeaders, type ThreadParent } from './mime';

/** The email that started a run, as stored under `trigger.email`. */
export interface TriggerEmail {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  references?: string[];
  /** The email's own In-Reply-To: its parent when it has no References (RFC 5322 §3.6.4). */
  inReplyTo?: string;
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

/** `Re: <subject>` without stacking prefixes (RFC 5322 §3.6.5). */
export function replySubject(subject: string): string {
  const clean = subject.trim() || '(no subject)';
  return /^re:/i.test(clean) ? clean : `Re: ${clean}`;
}

/** "Workflow competitor-analysis · 4/4 steps · 41 s · agents: research, summarize" */
export function runFooter(state: RunState, now: number): string {
  const { done, total } = stepProgress(Object.values(state.steps));
  const seconds = Math.max(0, Math.round(((state.endedAt ?? now) - (state.startedAt ?? state.createdAt)) / 1000));
  const agents = [
    ...new Set(
      Object.keys(state.steps)
        .filter((key) => state.steps[key]!.attempt > 0)
        .map((key) => agentOf(state, key))
        .filter(Boolean),
    ),
  ];
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
  if (state.status === 'cancelled')
    return `**Your request was cancelled** before it finished: ${error?.message ?? 'cancelled'}.\n\nRun id: \`${state.runId}\``;
  const step = error?.stepId ? `Step \`${error.stepId}\` failed` : 'The workflow failed';
  return `**Your request could not be completed.**\n\n${step}: ${error?.message ?? 'unknown error'} (${error?.code ?? 'error'}).\n\nRun id: \`${state.runId}\``;
}

/**
 * Composes the threaded reply to the email that started a run (CONTRACT.md "Email"): from the
 * alias to the sender, `Re:` subject, `In-Reply-To` and `References` (RFC 5322 §3.6.4), text and
 * HTML alternatives; encoded by {@link composeMime}. `extraHeaders` (e.g. `Reply-To`) are added as given.
 */
export function composeReply(
  state: RunState,
  email: TriggerEmail,
  messageId: string,
  now: number,
  extraHeaders: Record<string, string> = {},
): ComposedReply {
  const body = replyMarkdown(state);
  const footer = runFooter(state, now);
  const note = offlineNote(state);
  const text = [body, '', '-- ', footer, ...(note ? [note] : [])].join('\n');
  const html = `<div>${markdownToHtml(body)}</div><hr><p style="color:#666;font-size:12px">${escapeHtml(footer)}${note ? `<br>${escapeHtml(note)}` : ''}</p>`;
  const thread = threadHeaders(email);
  const references = thread.references.join(' ');
  const subject = replySubject(email.subject);
  const raw = composeMime({
    from: email.to,
    fromName: `${state.workflow} (Baton)`,
    to: email.from,
    subject,
    text,
    html,
    date: now,
    headers: {
      'Message-ID': messageId,
      'In-Reply-To': thread.inReplyTo,
      References: references,
      'Auto-Submitted': 'auto-replied',
      'X-Baton-Run': state.runId,
      ...extraHeaders,
    },
  });
  return { from: email.to, to: email.from, subject, messageId, inReplyTo: thread.inReplyTo, references, raw };
}

/**
 * A short plain-text note from Baton (a decision taken, an explanation), threaded under `thread`
 * when given (RFC 5322 §3.6.4). `Auto-Submitted` keeps auto-responders from answering it.
 */
export function composeNote(note: {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  /** Epoch ms: the `Date:` field. */
  now: number;
  thread?: ThreadParent;
  headers?: Record<string, string>;
}): ComposedReply {
  const thread = note.thread ? threadHeaders(note.thread) : { inReplyTo: '', references: [] };
  const references = thread.inReplyTo ? thread.references.join(' ') : '';
  const raw = composeMime({
    from: note.from,
    fromName: 'Baton',
    to: note.to,
    subject: note.subject,
    text: note.text,
    date: note.now,
    headers: {
      'Message-ID': note.messageId,
      'In-Reply-To': thread.inReplyTo,
      References: references,
      'Auto-Submitted': 'auto-replied',
      ...note.headers,
    },
  });
  return {
    from: note.from,
    to: note.to,
    subject: note.subject,
    messageId: note.messageId,
    inReplyTo: thread.inReplyTo,
    references,
    raw,
  };
}
