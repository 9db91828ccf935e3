import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { Role } from '../../../schemas/enums';
import { createdAt, tenantId, values } from './columns';

/** D1 tables of who may do what: tenants, API keys, members (people), sign-in links and sessions. */

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Email domains whose mail (to any alias) is this tenant's; lower case. */
  emailDomains: text('email_domains', { mode: 'json' }).$type<string[]>().notNull().default([]),
  /** How many days runs, attempts, messages and deliveries are kept (the daily retention sweep). */
  retentionDays: integer('retention_days').notNull().default(90),
  /** Mail to any domain whose local part starts with this (e.g. `acme-`) is this tenant's; its aliases must start with it. */
  aliasPrefix: text('alias_prefix').unique(),
  createdAt: createdAt(),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** SHA-256 of the token, hex. */
    keyHash: text('key_hash').notNull(),
    role: text('role', { enum: values(Role) }).notNull(),
    createdAt: createdAt(),
    revokedAt: text('revoked_at'),
    /** After this instant (ISO 8601) the key answers 401; null: never expires. */
    expiresAt: text('expires_at'),
    /** When the key last authenticated a request (ISO 8601; written at most once a minute). */
    lastUsedAt: text('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash)],
);

/** People of a tenant: an email address and its role (sign-in by emailed link). */
export const members = sqliteTable(
  'members',
  {
    tenantId: tenantId(),
    /** Lower case. */
    email: text('email').notNull(),
    role: text('role', { enum: values(Role) }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.email] }), index('members_email').on(t.email)],
);

/** One-time sign-in links emailed to members: usable once (`used_at`), until `expires_at`. */
export const signInLinks = sqliteTable(
  'sign_in_links',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    email: text('email').notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
  },
  (t) => [index('sign_in_links_email').on(t.tenantId, t.email, t.createdAt)],
);

/** Dashboard sessions of members (the cookie holds the token; only its SHA-256 is stored). */
export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the session token, hex. */
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    email: text('email').notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_member').on(t.tenantId, t.email)],
);
