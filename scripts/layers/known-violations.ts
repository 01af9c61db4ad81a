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
  "workers/invites/invites.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/invites/invites.handlers.ts imports workers/invites/invites.queries.ts",
  "workers/pages/agent-invites.handlers.ts imports workers/invites/invites.queries.ts",
  "workers/pages/agent-invites.handlers.ts imports workers/vaults/vaults.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/agents/agent-list.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/agents/agents.queries.ts",
  "workers/pages/agents.handlers.ts imports workers/realms/realms.queries.ts",
  "workers/pages/agents.page.ts imports workers/agents/agents.queries.ts",
  "workers/pages/registrations.handlers.ts imports workers/realms/realms.queries.ts",
  "workers/pages/registrations.handlers.ts imports workers/registrations/registrations.queries.ts",
  "workers/registrations/registrations.handlers.ts imports workers/registrations/registrations.queries.ts",
];
