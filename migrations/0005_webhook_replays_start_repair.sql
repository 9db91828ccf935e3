CREATE TABLE `webhook_bodies` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow_name` text NOT NULL,
	`body_hash` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`seen_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `workflow_name`, `body_hash`)
);
--> statement-breakpoint
CREATE INDEX `webhook_bodies_seen` ON `webhook_bodies` (`seen_at`);--> statement-breakpoint
ALTER TABLE `runs` ADD `parent` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `debug` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_status_sweep` ON `runs` (`status`,`created_at`);