/**
 * Imports that break a layer rule today, kept only while issue 19 moves the code into its layers:
 * `test/static/layers.spec.ts` fails on any problem not listed here, and on any entry listed here
 * that is gone (so the list only shrinks). The goal is an empty list, then this file deleted.
 */
export const KNOWN_LAYER_PROBLEMS: readonly string[] = [
  "workers/audit/audit.handlers.ts imports workers/audit/audit.queries.ts",
  "workers/companies/companies.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/companies/master-key.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/discover/discover.handlers.ts imports workers/credentials/credentials.queries.ts",
  "workers/discover/discover.handlers.ts imports workers/services/services.queries.ts",
  "workers/identity/identity.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/identity/identity.handlers.ts imports workers/identity/signing-keys.queries.ts",
  "workers/pages/accept.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/pages/accept.handlers.ts imports workers/users/users.queries.ts",
  "workers/pages/api-keys.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/audit/audit.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/pages/audit.handlers.ts imports workers/users/users.queries.ts",
  "workers/pages/pages.handlers.ts imports workers/users/users.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/request-log/request-log.queries.ts",
  "workers/pages/traffic.handlers.ts imports workers/services/services.queries.ts",
  "workers/pages/users.handlers.ts imports workers/users/users.queries.ts",
  "workers/request-log/request-log.handlers.ts imports workers/request-log/request-log.queries.ts",
  "workers/sessions/sessions.handlers.ts imports workers/sessions/sessions.queries.ts",
  "workers/sign-in/sign-in.handlers.ts imports workers/companies/companies.queries.ts",
  "workers/sign-in/sign-in.handlers.ts imports workers/users/users.queries.ts",
  "workers/token-exchange/token-exchange.handlers.ts imports workers/token-exchange/token-exchange.queries.ts",
  "workers/users/users.handlers.ts imports workers/users/users.queries.ts",
];
