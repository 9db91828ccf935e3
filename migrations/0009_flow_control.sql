ALTER TABLE `runs` ADD `queue_reason` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `flow` text;