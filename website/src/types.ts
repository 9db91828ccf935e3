// Shapes of the API's answers, as CONTRACT.md and the OpenAPI document describe them.

export type RunStatus = 'queued' | 'running' | 'waiting' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'compensated';
export interface StepError { code: string; message: string; stepId?: string; retryable?: boolean }
export interface Usage { inputTokens?: number; outputTokens?: number; costUsd?: number }

export interface RunSummary {
  id: string; workflow: string; version: number; status: RunStatus; trigger: { type: string };
  stepsDone: number; stepsTotal: number; createdAt: string; startedAt: string | null; endedAt: string | null; error: StepError | null;
}

export interface Attempt {
  attempt: number; status: string; dispatchedAt: string | null; startedAt: string | null; endedAt: string | null;
  error: StepError | null; usage: Usage | null; provider: string | null;
}

export interface Step {
  id: string; kind: string; agent?: string; parent?: string; branch?: string; status: StepStatus; attempts: number;
  startedAt: string | null; endedAt: string | null; input: unknown; output: unknown; error: StepError | null; skipReason?: string; history: Attempt[];
}

export interface Run {
  id: string; workflow: string; version: number; status: RunStatus; trigger: { type: string; [k: string]: unknown };
  input: unknown; output: unknown; error: StepError | null; createdAt?: string | null; startedAt: string | null; endedAt: string | null;
  stepsDone?: number; stepsTotal?: number; steps: Step[];
}

export interface Message {
  id: string; direction: 'inbound' | 'outbound'; status: string; reason?: string; runId?: string; workflow?: string;
  from: string; to: string; subject: string; messageId: string; date: string; recordedAt?: string; raw?: string;
}

export interface Approval {
  id: string; runId: string; stepId: string; round: number; workflow: string; message: string; options: string[]; assignees: string[];
  quorum: number; deadline: string | null; status: string; decidedBy: string | null; comment: string | null; decidedAt: string | null; createdAt: string;
}

export interface WorkflowSummary { name: string; description: string | null; latestVersion: number; createdAt: string; updatedAt: string }
export interface WorkflowVersion {
  name: string; version: number; latestVersion: number; description: string | null; definition: Record<string, unknown>;
  source: string; sourceFormat: 'yaml' | 'json'; createdAt: string; versions: { version: number; createdAt: string; hash: string }[];
}
export interface PlanNode { id: string; kind: string; list: string; parent: string | null; needs: string[]; estimateMs: number }
export interface Plan { name: string; version: number; nodes: PlanNode[]; edges: { from: string; to: string }[]; criticalPath: { steps: string[]; estimateMs: number } }

export interface AgentStats { calls: number; succeeded: number; successRate: number | null; p50Ms: number | null; p95Ms: number | null; costUsd: number; inputTokens: number; outputTokens: number }
export interface Agent {
  name: string; provider: string; description?: string; capabilities: string[]; updatedAt: string;
  circuit?: { state: 'closed' | 'open' | 'half_open'; calls: number; failureRate: number; openedAt: string | null }; stats?: AgentStats;
}
export interface Schedule { workflow: string; trigger: string; cron: string; timezone?: string; catchUp?: boolean; next: string[] }
