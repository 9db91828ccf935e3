ALTER TABLE `tenants` ADD `alias_prefix` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_alias_prefix_unique` ON `tenants` (`alias_prefix`);