CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow_name` text NOT NULL,
	`delivery_id` text,
	`status` text NOT NULL,
	`reason` text,
	`run_id` text,
	`headers` text,
	`body_size` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_tenant_created` ON `deliveries` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_workflow` ON `deliveries` (`tenant_id`,`workflow_name`,`created_at`);