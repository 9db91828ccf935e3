CREATE TABLE `event_waits` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`event_type` text NOT NULL,
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`run_id`, `step_id`)
);
--> statement-breakpoint
CREATE INDEX `event_waits_type` ON `event_waits` (`tenant_id`,`event_type`);