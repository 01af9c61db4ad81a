ALTER TABLE `oauth_connections` ADD `token_endpoint` text;--> statement-breakpoint
ALTER TABLE `oauth_connections` ADD `client_id` text;