DROP INDEX `users_company`;--> statement-breakpoint
DROP INDEX `users_email`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_company_email` ON `users` (`company_id`,`email`);--> statement-breakpoint
CREATE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
ALTER TABLE `proposals` ADD `raised_by_root_type` text;--> statement-breakpoint
ALTER TABLE `proposals` ADD `raised_by_root_id` text;--> statement-breakpoint
ALTER TABLE `request_log` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `vault_sessions` ADD `minted_with` text;