ALTER TABLE `user_sessions` ADD `via_sso` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `cli_logins` ADD `session_until` integer;