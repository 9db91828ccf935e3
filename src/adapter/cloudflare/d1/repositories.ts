import { aliasPrefixes } from './access';
import { recordFeedback } from './feedback';
import type {
  AgentRegistry,
  ApprovalRepository,
  DeliveryLog,
  FeedbackLog,
  MessageLog,
  RunRepository,
  WorkflowCatalog,
  WorkflowRepository,
} from '../../../ports';
import { agentNames } from './agents';
import { agentCatalog, pinnedAgents } from './agent-versions';
import { audit, getApproval, getApprovalById } from './approvals';
import type { Database } from './client';
import { claimWebhookBody, recordDelivery } from './deliveries';
import {
  countTaken,
  findApprovalMail,
  findByReplyToken,
  findInbound,
  findRunReply,
  recordMessage,
  sentByUs,
} from './messages';
import { discardQueuedRun, getRunRow, insertRun } from './runs';
import { aliasesTakenByOthers, findEmailRoute, getWorkflowVersion, saveVersion } from './workflows';

/** The D1 repositories behind the ports of src/ports.ts. */
export interface D1Repositories {
  workflows: WorkflowCatalog;
  workflowStore: WorkflowRepository;
  agents: AgentRegistry;
  runs: RunRepository;
  approvals: ApprovalRepository;
  messages: MessageLog;
  deliveries: DeliveryLog;
  feedback: FeedbackLog;
}

/** The ports that D1 implements, over one drizzle client. */
export function d1Repositories(db: Database): D1Repositories {
  return {
    workflows: {
      get: (tenantId, name, version) => getWorkflowVersion(db, tenantId, name, version),
      emailRoute: (tenantId, alias) => findEmailRoute(db, tenantId, alias),
    },
    workflowStore: {
      aliasesTakenByOthers: (tenantId, name, aliases) => aliasesTakenByOthers(db, tenantId, name, aliases),
      aliasPrefixes: (tenantId) => aliasPrefixes(db, tenantId),
      saveVersion: (tenantId, input, now, mode) => saveVersion(db, tenantId, input, now, mode),
    },
    agents: {
      names: (tenantId) => agentNames(db, tenantId),
      catalog: (tenantId) => agentCatalog(db, tenantId),
      pinned: (tenantId) => pinnedAgents(db, tenantId),
    },
    runs: {
      insert: (tenantId, run) => insertRun(db, tenantId, run),
      discard: (tenantId, runId) => discardQueuedRun(db, tenantId, runId),
      get: (tenantId, runId) => getRunRow(db, tenantId, runId),
    },
    approvals: {
      get: (tenantId, id) => getApproval(db, tenantId, id),
      getById: (id) => getApprovalById(db, id),
      audit: (tenantId, entry) => audit(db, tenantId, entry),
    },
    messages: {
      record: (tenantId, message) => recordMessage(db, tenantId, message),
      seenInbound: async (tenantId, messageId) => (await findInbound(db, tenantId, messageId)) !== null,
      sentByUs: (tenantId, messageId) => sentByUs(db, tenantId, messageId),
      findRunReply: (tenantId, ids) => findRunReply(db, tenantId, ids),
      findByReplyToken: (tenantId, tokenId) => findByReplyToken(db, tenantId, tokenId),
      findApprovalMail: (tenantId, ids) => findApprovalMail(db, tenantId, ids),
      countTaken: (tenantId, by, since) => countTaken(db, tenantId, by, since),
    },
    feedback: {
      record: async (tenantId, entry) => void (await recordFeedback(db, tenantId, entry, new Date().toISOString())),
    },
    deliveries: {
      record: (tenantId, delivery) => recordDelivery(db, tenantId, delivery),
      claimBody: (tenantId, claim, now) => claimWebhookBody(db, tenantId, claim, now),
    },
  };
}
