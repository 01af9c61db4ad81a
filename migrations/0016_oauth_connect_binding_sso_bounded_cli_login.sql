ALTER TABLE `user_sessions` ADD `via_sso` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `cli_logins` ADD `session_until` integer;--> statement-breakpoint
ALTER TABLE `oauth_connections` ADD `token_endpoint` text;--> statement-breakpoint
ALTER TABLE `oauth_connections` ADD `client_id` text;