-- Hand-written (drizzle-kit does not generate triggers). A proxied request's record carries how
-- many credential values the edge redacted from its answer (request_log.redactions, 0010): what
-- the broker withheld from the agent is part of what happened, as its sizes and status are, and
-- the chain is where it cannot be rewritten afterwards. 0009's trigger is applied already, so it
-- is dropped and re-created here with the one field added (null when the service does not redact
-- or nothing was forwarded); records written before keep the payload they were hashed with.
DROP TRIGGER `request_log_attested`;
--> statement-breakpoint
CREATE TRIGGER `request_log_attested` AFTER INSERT ON `request_log` BEGIN
  INSERT INTO `chain_records` (`company_id`, `record_index`, `created_at`, `payload`)
  SELECT NEW.`company_id`, coalesce(max(`record_index`), -1) + 1, NEW.`created_at`,
    json_object(
      'source', 'request', 'companyId', NEW.`company_id`, 'actionType', 'proxy.request', 'requestId', NEW.`id`,
      'vaultId', NEW.`vault_id`, 'actor', json_object('type', NEW.`actor_type`, 'id', NEW.`actor_id`),
      'service', NEW.`service`, 'method', NEW.`method`, 'host', NEW.`host`, 'path', NEW.`path`,
      'status', NEW.`status`, 'denial', NEW.`denial`, 'count', NEW.`count`,
      'latencyMs', NEW.`latency_ms`, 'bytesIn', NEW.`bytes_in`, 'bytesOut', NEW.`bytes_out`,
      'redactions', NEW.`redactions`)
  FROM `chain_records` WHERE `company_id` = NEW.`company_id`;
END;
