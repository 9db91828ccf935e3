import { applyD1Migrations, env } from 'cloudflare:test';

// Every test file starts from a migrated D1 (setup files run per file; migrations are idempotent).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
