// The API's answers, as the server declares them (src/schemas/api.ts, also /api/openapi.json).
// Type-only: the dashboard bundles no zod.
import type { z } from 'zod';
import type * as api from '../../src/schemas/api';

export type Run = z.infer<typeof api.Run>;
export type RunSummary = z.infer<typeof api.RunSummary>;
export type Step = z.infer<typeof api.Step>;
export type Attempt = z.infer<typeof api.Attempt>;
export type TurnView = z.infer<typeof api.TurnView>;
export type ToolCallView = z.infer<typeof api.ToolCallView>;
export type ToolCallApproval = z.infer<typeof api.ToolCallApprovalView>;
export type StepError = z.infer<typeof api.StepError>;
export type Usage = z.infer<typeof api.Usage>;
export type Message = z.infer<typeof api.Message>;
export type MessageDetail = z.infer<typeof api.MessageDetail>;
export type MessageList = z.infer<typeof api.MessageList>;
export type Approval = z.infer<typeof api.Approval>;
export type WorkflowSummary = z.infer<typeof api.WorkflowSummary>;
export type WorkflowVersion = z.infer<typeof api.WorkflowVersion>;
export type Plan = z.infer<typeof api.Plan>;
export type PlanNode = Plan['nodes'][number];
export type Agent = z.infer<typeof api.AgentHealth>;
export type AgentStats = z.infer<typeof api.AgentStats>;
export type Schedule = z.infer<typeof api.Schedule>;
export type { RunStatus, StepStatus } from '../../src/schemas/enums';
export type AuditLogEntry = z.infer<typeof api.AuditLogEntry>;
export type RunStats = z.infer<typeof api.RunStats>;
export type WorkflowsAnalytics = z.infer<typeof api.WorkflowsAnalytics>;
export type WorkflowAnalytics = z.infer<typeof api.WorkflowAnalytics>;
export type AgentsAnalytics = z.infer<typeof api.AgentsAnalytics>;
export type Feedback = z.infer<typeof api.Feedback>;
export type AlertRule = z.infer<typeof api.AlertRule>;
export type AlertEvent = z.infer<typeof api.AlertEvent>;
export type AlertEventList = z.infer<typeof api.AlertEventList>;
export type WorkflowTemplate = z.infer<typeof api.WorkflowTemplate>;
