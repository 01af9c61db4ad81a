CREATE TABLE `company_sso` (
	`company_id` text PRIMARY KEY NOT NULL,
	`issuer` text NOT NULL,
	`client_id` text NOT NULL,
	`sealed_client_secret` text NOT NULL,
	`token_auth` text NOT NULL,
	`scopes` text NOT NULL,
	`password_sign_in` integer NOT NULL,
	`groups_claim` text NOT NULL,
	`group_roles` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `company_sso_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `company_sso`(`company_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `company_sso_domains_company` ON `company_sso_domains` (`company_id`);