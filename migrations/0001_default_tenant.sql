-- The one tenant every row belongs to until multi-tenancy lands.
INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('default', 'Default tenant', '2026-11-22T00:00:00.000Z');
