ALTER TABLE `proposals` ADD `raised_by` text;--> statement-breakpoint
ALTER TABLE `proposals` ADD `destinations_digest` text;--> statement-breakpoint
ALTER TABLE `services` ADD `destination_chosen_by` text;--> statement-breakpoint
ALTER TABLE `services` ADD `destination_chosen_at` integer;