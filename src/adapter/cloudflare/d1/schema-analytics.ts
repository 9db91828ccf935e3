import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { RunStatus } from '../../../schemas/enums';
import { createdAt, tenantId, values } from './columns';

/**
 * D1 tables that see and judge the work (issue 20): the analytics rollups written when a run ends
 * (one row per run, one per step instance that ran), and people's feedback on runs.
 * Times are ISO-8601 UTC text, cost USD, durations ms.
 */

/** A run's rollup (core/analytics/facts.ts `RunFact`), replaced when a restarted run ends again. */
export const runFacts = sqliteTable(
  'run_facts',
  {
    runId: text('run_id').primaryKey(),
    tenantId: tenantId(),
    workflow: text('workflow').notNull(),
    version: integer('version').notNull(),
    status: text('status', { enum: values(RunStatus) }).notNull(),
    triggerType: text('trigger_type').notNull(),
    createdAt: createdAt(),
    endedAt: text('ended_at').notNull(),
    durationMs: integer('duration_ms'),
    retries: integer('retries').notNull(),
    costUsd: real('cost_usd').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    approvals: integer('approvals').notNull(),
    decided: integer('decided').notNull(),
    decideMs: integer('decide_ms').notNull(),
  },
  (t) => [
    index('run_facts_workflow').on(t.tenantId, t.workflow, t.endedAt),
    index('run_facts_ended').on(t.tenantId, t.endedAt),
  ],
);

/** The rollup of a step instance that ran in an ended run (`StepFact`); `seq` orders a run's instances. */
export const stepFacts = sqliteTable(
  'step_facts',
  {
    runId: text('run_id').notNull(),
    seq: integer('seq').notNull(),
    tenantId: tenantId(),
    workflow: text('workflow').notNull(),
    endedAt: text('ended_at').notNull(),
    step: text('step').notNull(),
    agent: text('agent'),
    status: text('status').notNull(),
    durationMs: integer('duration_ms'),
    attempts: integer('attempts').notNull(),
    costUsd: real('cost_usd').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.seq] }),
    index('step_facts_workflow').on(t.tenantId, t.workflow, t.endedAt),
    index('step_facts_agent').on(t.tenantId, t.agent, t.endedAt),
  ],
);

/** A person's judgement of a run: a 👍/👎 reply to its result email, or thumbs in the dashboard. */
export const feedback = sqliteTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    runId: text('run_id').notNull(),
    rating: text('rating', { enum: ['up', 'down'] }).notNull(),
    comment: text('comment'),
    source: text('source', { enum: ['email', 'dashboard', 'api'] }).notNull(),
    /** Who gave it: the sender's address, a member's email, or `key:<name>`. */
    by: text('by').notNull(),
    /** For feedback by email: the reply's Message-ID (one reply, one feedback). */
    messageId: text('message_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('feedback_run').on(t.tenantId, t.runId, t.createdAt),
    uniqueIndex('feedback_message').on(t.tenantId, t.messageId),
  ],
);

/**
 * One scorer's score of a completed run (`evaluate:`), replaced when a restarted run is scored
 * again. `score` null with `error` set: the scorer could not score it.
 */
export const runScores = sqliteTable(
  'run_scores',
  {
    runId: text('run_id').notNull(),
    scorer: text('scorer').notNull(),
    tenantId: tenantId(),
    workflow: text('workflow').notNull(),
    /** When the scored run ended: scores are ordered and bucketed by it. */
    runEndedAt: text('run_ended_at').notNull(),
    score: real('score'),
    reasons: text('reasons'),
    error: text('error'),
    scoredAt: text('scored_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.scorer] }),
    index('run_scores_workflow').on(t.tenantId, t.workflow, t.runEndedAt),
  ],
);
