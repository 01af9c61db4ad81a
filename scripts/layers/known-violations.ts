/**
 * Imports that break a layer rule today, kept only while issue 19 moves the code into its layers:
 * `test/static/layers.spec.ts` fails on any problem not listed here, and on any entry listed here
 * that is gone (so the list only shrinks). The goal is an empty list, then this file deleted.
 */
export const KNOWN_LAYER_PROBLEMS: readonly string[] = [
  "workers/agents/agent-list.handlers.ts imports workers/agents/agent-list.queries.ts",
  "workers/agents/agent-list.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/agents/agent-list.handlers.ts imports workers/realms/realms.queries.ts",
  "workers/agents/agents.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/audit/audit.handlers.ts imports workers/audit/audit.queries.ts",
  "workers/discover/discover.handlers.ts imports workers/credentials/credentials.queries.ts",
  "workers/discover/discover.handlers.ts imports workers/services/services.queries.ts",
  "workers/identity/identity.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/identity/identity.handlers.ts imports workers/identity/signing-keys.queries.ts",
  "workers/invites/invites.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/invites/invites.handlers.ts imports workers/invites/invites.queries.ts",
  "workers/pages/agent-invites.handlers.ts imports workers/invites/invites.queries.ts",
  "workers/pages/agent-invites.handlers.ts imports workers/vaults/vaults.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/agents/agent-list.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/realms/realms.queries.ts",
  "workers/pages/agents.page.ts imports workers/agents/agents.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/audit/audit.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/users/users.queries.ts",
  "workers/pages/registrations.handlers.ts imports workers/realms/realms.queries.ts",
  "workers/pages/registrations.handlers.ts imports workers/registrations/registrations.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/request-log/request-log.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/services/services.queries.ts",
  "workers/registrations/registrations.handlers.ts imports workers/registrations/registrations.queries.ts",
  "workers/request-log/request-log.handlers.ts imports workers/request-log/request-log.queries.ts",
  "workers/token-exchange/token-exchange.handlers.ts imports workers/token-exchange/token-exchange.queries.ts",
];
