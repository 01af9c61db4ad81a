CREATE TABLE `chain_records` (
	`company_id` text NOT NULL,
	`record_index` integer NOT NULL,
	`created_at` integer NOT NULL,
	`payload` text NOT NULL,
	`delegation` text,
	PRIMARY KEY(`company_id`, `record_index`),
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Hand-written (drizzle-kit does not generate triggers). Every audit event becomes a record of its
-- company's attestation chain in the statement that writes it, so inside the change's own D1
-- batch: a change that is refused (its guard NULLs the audit row's action) leaves no record, and
-- no record exists without its event. Indexes are max + 1 per company, computed inside the
-- writing transaction; D1 runs one write at a time, and the primary key refuses a duplicate, so
-- indexes never collide or skip. The hash and signature are added by the company's ChainSealer.
CREATE TRIGGER `audit_log_attested` AFTER INSERT ON `audit_log` BEGIN
  INSERT INTO `chain_records` (`company_id`, `record_index`, `created_at`, `payload`)
  SELECT NEW.`company_id`, coalesce(max(`record_index`), -1) + 1, NEW.`created_at`,
    json_object(
      'source', 'audit', 'companyId', NEW.`company_id`, 'actionType', NEW.`action`, 'auditId', NEW.`id`,
      'actor', json_object('type', NEW.`actor_type`, 'id', NEW.`actor_id`),
      'target', json_object('type', NEW.`target_type`, 'id', NEW.`target_id`),
      'detail', json(NEW.`detail`))
  FROM `chain_records` WHERE `company_id` = NEW.`company_id`;
END;
--> statement-breakpoint
-- Each proxied request (and each counted refusal) is attested in the batch that logs it.
CREATE TRIGGER `request_log_attested` AFTER INSERT ON `request_log` BEGIN
  INSERT INTO `chain_records` (`company_id`, `record_index`, `created_at`, `payload`)
  SELECT NEW.`company_id`, coalesce(max(`record_index`), -1) + 1, NEW.`created_at`,
    json_object(
      'source', 'request', 'companyId', NEW.`company_id`, 'actionType', 'proxy.request', 'requestId', NEW.`id`,
      'vaultId', NEW.`vault_id`, 'actor', json_object('type', NEW.`actor_type`, 'id', NEW.`actor_id`),
      'service', NEW.`service`, 'method', NEW.`method`, 'host', NEW.`host`, 'path', NEW.`path`,
      'status', NEW.`status`, 'denial', NEW.`denial`, 'count', NEW.`count`,
      'latencyMs', NEW.`latency_ms`, 'bytesIn', NEW.`bytes_in`, 'bytesOut', NEW.`bytes_out`)
  FROM `chain_records` WHERE `company_id` = NEW.`company_id`;
END;
--> statement-breakpoint
-- Append-only: a record is never rewritten, and removed only with its company.
CREATE TRIGGER `chain_records_never_updated` BEFORE UPDATE ON `chain_records` BEGIN
  SELECT RAISE(ABORT, 'chain records are append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `chain_records_never_deleted` BEFORE DELETE ON `chain_records`
  WHEN EXISTS (SELECT 1 FROM `companies` WHERE `id` = OLD.`company_id`) BEGIN
  SELECT RAISE(ABORT, 'chain records are append-only');
END;
