ALTER TABLE `request_log` ADD `redactions` integer;--> statement-breakpoint
ALTER TABLE `services` ADD `substitutions` text;--> statement-breakpoint
ALTER TABLE `services` ADD `methods` text;--> statement-breakpoint
ALTER TABLE `services` ADD `redact_response` integer DEFAULT true NOT NULL;