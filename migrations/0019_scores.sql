CREATE TABLE `run_scores` (
	`run_id` text NOT NULL,
	`scorer` text NOT NULL,
	`tenant_id` text DEFAULT 'default' NOT NULL,
	`workflow` text NOT NULL,
	`run_ended_at` text NOT NULL,
	`score` real,
	`reasons` text,
	`error` text,
	`scored_at` text NOT NULL,
	PRIMARY KEY(`run_id`, `scorer`)
);
--> statement-breakpoint
CREATE INDEX `run_scores_workflow` ON `run_scores` (`tenant_id`,`workflow`,`run_ended_at`);