import { z } from 'zod';
import { Role } from '../enums';
import { Iso, IsoOrNull, named } from './common';

/* Tenants and API keys. */

/** An email domain a tenant receives mail for: lower-case host name (RFC 1035 labels). */
export const EmailDomain = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'expected a lower-case domain name');

/** A tenant: its own workflows, agents, secrets, runs, messages and email domains. */
export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    emailDomains: z.array(z.string()),
    retentionDays: z.number().int().describe('Days runs, attempts, messages and deliveries are kept'),
    aliasPrefix: z
      .string()
      .nullable()
      .describe("Mail to <prefix>…@ any domain is this tenant's; its aliases start with it"),
    createdAt: Iso,
  })
  .openapi('Tenant');

/** An API key as listed: never its token (only its SHA-256 is stored). */
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: named(Role, 'Role'),
    createdAt: Iso,
    expiresAt: IsoOrNull,
    lastUsedAt: IsoOrNull.describe('Last request it authenticated (to the minute)'),
    revokedAt: IsoOrNull,
  })
  .openapi('ApiKey');

/** A key just created: the only answer that carries its token. */
export const NewApiKey = ApiKey.extend({
  token: z.string().describe('`bat_` and 43 base64url characters; shown once, store it now'),
}).openapi('NewApiKey');

/** `POST /api/keys`. */
export const CreateKey = z.object({
  name: z.string().min(1).max(100),
  role: Role,
  expires_at: z.iso.datetime({ offset: true }).optional().describe('ISO 8601; the key answers 401 from then on'),
});

/** `POST /api/tenants`. */
/** Days of retention: runs, attempts, messages and deliveries older than this are deleted daily. */
const RetentionDays = z
  .int()
  .min(1)
  .max(3650)
  .describe('Days runs, attempts, messages and deliveries are kept (default 90)');

export const CreateTenant = z.object({
  name: z.string().min(1).max(100),
  email_domains: z.array(EmailDomain).max(20).optional(),
  retention_days: RetentionDays.optional(),
  alias_prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,30}[.-]$/, 'expected letters and digits ending in - or ., e.g. acme-')
    .optional()
    .describe("Mail to <prefix>…@ any domain routed to Baton is this tenant's (when no tenant claims the domain)"),
});

/** `PATCH /api/tenants/:id`: what changes. */
export const UpdateTenant = z.object({
  name: z.string().min(1).max(100).optional(),
  retention_days: RetentionDays.optional(),
});

/** `POST /api/tenants` answer: the tenant and its first admin key. */
export const TenantCreated = z.object({ tenant: Tenant, key: NewApiKey }).openapi('TenantCreated');

/** One entry of the audit log. */
export const AuditLogEntry = z
  .object({
    id: z.number(),
    at: Iso,
    actor: z.string().describe('`key:<name>`, `ADMIN_TOKEN`, an email address, `link:<address>`, `api`, `timeout`'),
    action: z.string().describe('`<METHOD> <route>` for API changes; `decided`, … for approvals'),
    object: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('status, version, ip, userAgent; a decision’s fields'),
  })
  .openapi('AuditLogEntry');

/** A member of a tenant: a person who signs in by emailed link, with a role. */
export const Member = z.object({ email: z.string(), role: named(Role, 'Role'), createdAt: Iso }).openapi('Member');

/** `POST /api/members`: add a member or change their role. */
export const PutMember = z.object({ email: z.email().max(320), role: Role });

/** `GET /api/me`: who the caller is. */
export const Me = z
  .object({
    tenantId: z.string(),
    role: named(Role, 'Role'),
    actor: z.object({
      type: z.enum(['deployment', 'key', 'person']),
      name: z.string().describe('`ADMIN_TOKEN`, the key name, or the member’s email'),
    }),
  })
  .openapi('Me');
