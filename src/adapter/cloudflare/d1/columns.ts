import { text } from 'drizzle-orm/sqlite-core';

/** An enum schema's values as the non-empty tuple drizzle's `enum` option wants. */
export const values = <T extends string>(schema: { options: readonly T[] }) => schema.options as unknown as [T, ...T[]];

/** The owning tenant of a row (every table has one). */
export const tenantId = () => text('tenant_id').notNull().default('default');

/** When a row was created, ISO 8601 UTC. */
export const createdAt = () => text('created_at').notNull();
