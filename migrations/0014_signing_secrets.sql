CREATE TABLE `signing_secrets` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`workflow_name` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
-- Backfill: every webhook signing secret of every stored version, so none registered before this table can be sent.
INSERT OR IGNORE INTO `signing_secrets` (`tenant_id`, `name`, `workflow_name`, `created_at`)
SELECT v.tenant_id, json_extract(t.value, '$.webhook.secret'), v.name, v.created_at
FROM `workflow_versions` v, json_each(v.definition, '$.triggers') t
WHERE json_extract(t.value, '$.webhook.secret') IS NOT NULL
ORDER BY v.created_at;
