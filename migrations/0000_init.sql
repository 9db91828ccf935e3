CREATE TABLE `agents` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`description` text,
	`capabilities` text NOT NULL,
	`config` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`direction` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`run_id` text,
	`workflow_name` text,
	`from_addr` text NOT NULL,
	`to_addr` text NOT NULL,
	`subject` text,
	`message_id` text,
	`in_reply_to` text,
	`references` text,
	`date` text NOT NULL,
	`raw` text,
	`raw_size` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_tenant_created` ON `messages` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `messages_message_id` ON `messages` (`tenant_id`,`direction`,`message_id`);--> statement-breakpoint
CREATE INDEX `messages_run` ON `messages` (`run_id`);--> statement-breakpoint
CREATE INDEX `messages_status` ON `messages` (`tenant_id`,`direction`,`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow_name` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger` text NOT NULL,
	`input` text NOT NULL,
	`output` text,
	`error` text,
	`idempotency_key` text,
	`steps_total` integer DEFAULT 0 NOT NULL,
	`steps_done` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`ended_at` text
);
--> statement-breakpoint
CREATE INDEX `runs_tenant_created` ON `runs` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `runs_workflow_created` ON `runs` (`tenant_id`,`workflow_name`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_status_created` ON `runs` (`tenant_id`,`status`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `runs_idempotency` ON `runs` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`ciphertext` text NOT NULL,
	`iv` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `step_attempts` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`step_status` text NOT NULL,
	`agent` text,
	`provider` text,
	`error` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`cost_usd` real,
	`dispatched_at` text NOT NULL,
	`started_at` text,
	`ended_at` text,
	PRIMARY KEY(`run_id`, `step_id`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `step_attempts_agent` ON `step_attempts` (`tenant_id`,`agent`,`dispatched_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `triggers` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`type` text NOT NULL,
	`key` text NOT NULL,
	`workflow_name` text NOT NULL,
	`config` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `type`, `key`)
);
--> statement-breakpoint
CREATE INDEX `triggers_workflow` ON `triggers` (`tenant_id`,`workflow_name`);--> statement-breakpoint
CREATE TABLE `workflow_versions` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`source_format` text NOT NULL,
	`definition` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `workflows` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`latest_version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
