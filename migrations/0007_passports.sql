CREATE TABLE `passports` (
	`jti` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`agent_name` text NOT NULL,
	`scopes` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`issued_by_type` text NOT NULL,
	`issued_by_id` text NOT NULL,
	`agent_token_id` text,
	`within_grant` text,
	`rotated_from` text,
	`revoked_at` integer,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `passports_agent_live` ON `passports` (`agent_id`,`revoked_at`);--> statement-breakpoint
CREATE INDEX `passports_company_revoked` ON `passports` (`company_id`,`revoked_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `passport_scopes` text DEFAULT '[]' NOT NULL;