CREATE TABLE `oauth_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`vault_id` text NOT NULL,
	`service` text NOT NULL,
	`provider` text NOT NULL,
	`authorization_endpoint` text NOT NULL,
	`issuer` text,
	`scopes` text NOT NULL,
	`extra_parameters` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`sealed_client_secret` text,
	`state_hash` text,
	`browser_hash` text,
	`sealed_verifier` text,
	`session_id` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`vault_id`) REFERENCES `vaults`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_connections_state` ON `oauth_connections` (`state_hash`);--> statement-breakpoint
CREATE INDEX `oauth_connections_vault` ON `oauth_connections` (`company_id`,`vault_id`,`created_at`);