CREATE TABLE `run_facts` (
	`run_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`trigger_type` text NOT NULL,
	`created_at` text NOT NULL,
	`ended_at` text NOT NULL,
	`duration_ms` integer,
	`retries` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`approvals` integer NOT NULL,
	`decided` integer NOT NULL,
	`decide_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_facts_workflow` ON `run_facts` (`tenant_id`,`workflow`,`ended_at`);--> statement-breakpoint
CREATE INDEX `run_facts_ended` ON `run_facts` (`tenant_id`,`ended_at`);--> statement-breakpoint
CREATE TABLE `step_facts` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow` text NOT NULL,
	`ended_at` text NOT NULL,
	`step` text NOT NULL,
	`agent` text,
	`status` text NOT NULL,
	`duration_ms` integer,
	`attempts` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	PRIMARY KEY(`run_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `step_facts_workflow` ON `step_facts` (`tenant_id`,`workflow`,`ended_at`);--> statement-breakpoint
CREATE INDEX `step_facts_agent` ON `step_facts` (`tenant_id`,`agent`,`ended_at`);