CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`run_id` text NOT NULL,
	`rating` text NOT NULL,
	`comment` text,
	`source` text NOT NULL,
	`by` text NOT NULL,
	`message_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_run` ON `feedback` (`tenant_id`,`run_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_message` ON `feedback` (`tenant_id`,`message_id`);