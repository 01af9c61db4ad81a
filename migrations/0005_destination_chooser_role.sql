ALTER TABLE `services` ADD `destination_chosen_by_role` text;--> statement-breakpoint
-- Only an API key's standing is known without having been recorded: a key is an owner, an admin of every vault. Any other chooser stays unrecorded (read as not an admin).
UPDATE `services` SET `destination_chosen_by_role` = 'admin' WHERE json_extract(`destination_chosen_by`, '$.kind') = 'company_key' AND json_extract(`destination_chosen_by`, '$.via') IS NULL;
