ALTER TABLE `agents` ADD `llm_provider` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `llm_model` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `llm_system_prompt` text;--> statement-breakpoint
ALTER TABLE `registrations` ADD `llm_provider` text;--> statement-breakpoint
ALTER TABLE `registrations` ADD `llm_model` text;