CREATE TABLE `alert_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`rule` text NOT NULL,
	`type` text NOT NULL,
	`subject` text NOT NULL,
	`workflow` text,
	`agent` text,
	`run_id` text,
	`message` text NOT NULL,
	`notified` integer NOT NULL,
	`deliveries` text NOT NULL,
	`fired_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_events_subject` ON `alert_events` (`tenant_id`,`rule`,`subject`);--> statement-breakpoint
CREATE INDEX `alert_events_fired` ON `alert_events` (`tenant_id`,`fired_at`,`id`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`rule` text NOT NULL,
	`enabled` integer NOT NULL,
	`last_notified_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE INDEX `alert_rules_type` ON `alert_rules` (`type`,`enabled`);