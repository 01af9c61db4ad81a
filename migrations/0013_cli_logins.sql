CREATE TABLE `cli_logins` (
	`id` text PRIMARY KEY NOT NULL,
	`device_code_hash` text NOT NULL,
	`user_code` text NOT NULL,
	`company_id` text,
	`client_name` text NOT NULL,
	`client_address` text,
	`status` text NOT NULL,
	`user_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	`last_polled_at` integer,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cli_logins_device_code` ON `cli_logins` (`device_code_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `cli_logins_user_code` ON `cli_logins` (`user_code`);--> statement-breakpoint
CREATE INDEX `cli_logins_client_address` ON `cli_logins` (`client_address`,`status`,`expires_at`);