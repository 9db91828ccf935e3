CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`round` integer NOT NULL,
	`workflow_name` text NOT NULL,
	`message` text NOT NULL,
	`options` text NOT NULL,
	`assignees` text NOT NULL,
	`quorum` integer NOT NULL,
	`deadline` text,
	`status` text NOT NULL,
	`decided_by` text,
	`comment` text,
	`decided_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `approvals_status` ON `approvals` (`tenant_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `approvals_run` ON `approvals` (`run_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_subject` ON `audit_log` (`tenant_id`,`subject`);--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`tenant_id`,`at`);