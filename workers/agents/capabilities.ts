/**
 * Capabilities an agent may be granted (Vaultys' list, seed 004). Shared by the edge and the
 * CLI, so it has no dependencies.
 */
export const CAPABILITIES = [
  "file_access",
  "internet_access",
  "browser_control",
  "api_call",
  "mail_send",
  "code_execution",
  "system_command",
  "agent_communication",
] as const;

export type Capability = (typeof CAPABILITIES)[number];
