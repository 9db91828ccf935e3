/** Registering workflows in D1: see src/adapter/cloudflare/register-workflow.ts (kept here for its callers). */
export { checkDefinition, registerWorkflow } from '../adapter/cloudflare/register-workflow';
