CREATE TABLE `held_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`vault_id` text NOT NULL,
	`service_id` text NOT NULL,
	`service_name` text NOT NULL,
	`service_version` integer NOT NULL,
	`method` text NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`root_type` text NOT NULL,
	`root_id` text NOT NULL,
	`requested_by` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`expired_reason` text,
	`reason` text,
	`released_for_seconds` integer,
	`decided_by` text,
	`decided_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`vault_id`) REFERENCES `vaults`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `held_requests_vault_status` ON `held_requests` (`vault_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `held_requests_company_status` ON `held_requests` (`company_id`,`status`);--> statement-breakpoint
CREATE TABLE `request_releases` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`vault_id` text NOT NULL,
	`service_id` text NOT NULL,
	`service_name` text NOT NULL,
	`method` text NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`root_type` text NOT NULL,
	`root_id` text NOT NULL,
	`granted_to` text NOT NULL,
	`held_request_id` text NOT NULL,
	`approved_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`vault_id`) REFERENCES `vaults`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `request_releases_vault` ON `request_releases` (`vault_id`,`expires_at`);--> statement-breakpoint
ALTER TABLE `services` ADD `require_approval` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `services` ADD `approval_timeout_seconds` integer DEFAULT 120 NOT NULL;