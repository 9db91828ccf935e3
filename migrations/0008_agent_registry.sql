CREATE TABLE `agent_versions` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`record` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`status` text NOT NULL,
	`task` text NOT NULL,
	`constraints` text,
	`planner` text NOT NULL,
	`definition` text,
	`problems` text,
	`estimate` text,
	`feedback` text,
	`requester` text,
	`thread` text,
	`workflow_name` text,
	`workflow_version` integer,
	`run_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `plans_tenant_created` ON `plans` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `agents` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `settings` text;--> statement-breakpoint
CREATE INDEX `agents_status` ON `agents` (`tenant_id`,`status`);--> statement-breakpoint
ALTER TABLE `approvals` ADD `kind` text DEFAULT 'step' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `priority` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `agents` text;--> statement-breakpoint
ALTER TABLE `step_attempts` ADD `selection` text;--> statement-breakpoint
-- Backfill: an agent registered before versions is its own v1.
INSERT INTO `agent_versions` (`tenant_id`, `name`, `version`, `record`, `created_at`)
SELECT `tenant_id`, `name`, `version`,
  json_patch(json_patch(json_patch(
    json_object('provider', `provider`, 'capabilities', json(`capabilities`), 'config', json(`config`), 'status', `status`),
    CASE WHEN `description` IS NULL THEN '{}' ELSE json_object('description', `description`) END),
    coalesce(`loop`, '{}')), coalesce(`settings`, '{}')),
  `updated_at`
FROM `agents` WHERE true ON CONFLICT DO NOTHING;
