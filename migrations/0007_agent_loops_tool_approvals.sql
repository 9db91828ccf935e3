ALTER TABLE `agents` ADD `loop` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `tool_call` text;