ALTER TABLE `messages` ADD `delivered_message_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_token` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `approval_id` text;--> statement-breakpoint
CREATE INDEX `messages_delivered_message_id` ON `messages` (`tenant_id`,`direction`,`delivered_message_id`);--> statement-breakpoint
CREATE INDEX `messages_reply_token` ON `messages` (`tenant_id`,`reply_token`);