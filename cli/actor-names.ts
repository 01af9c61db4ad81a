/**
 * Names for the ids the audit and request logs hold: agents by name, users by email, API keys by
 * label, vaults by name. The logs store ids only (a name can change, an id cannot), so the names
 * come from the listings the caller may read. Best effort: a listing the caller is refused (a
 * member agent cannot list users) leaves those ids as they are, and a removed agent or revoked
 * key keeps its id.
 */
import { AgentPage, MAX_PAGE_SIZE } from "../workers/agents/agents.contract.ts";
import { ApiKeyList } from "../workers/companies/companies.contract.ts";
import { UserList } from "../workers/users/users.contract.ts";
import { VaultList } from "../workers/vaults/vaults.contract.ts";
import { ApiError, type ApiClient } from "./edge/api-client.ts";
import { oneLine } from "./terminal-text.ts";

export type NameSource = "agents" | "users" | "api-keys" | "vaults";

/** At most this many pages of agents are read for names (10,000 agents). */
const MAX_AGENT_PAGES = 100;

/** id → a name for it, from one listing; empty when the edge refuses the listing. */
async function namesFrom(client: ApiClient, source: NameSource): Promise<[string, string][]> {
  try {
    switch (source) {
      case "agents": {
        const pages: [string, string][] = [];
        for (let page = 1, total = 1; page <= Math.min(total, MAX_AGENT_PAGES); page += 1) {
          const answer = await client.call("get", "/v1/agents", AgentPage, { query: { page, pageSize: MAX_PAGE_SIZE } });
          total = answer.totalPages;
          pages.push(...answer.agents.map((a): [string, string] => [a.id, a.name]));
        }
        return pages;
      }
      case "users":
        return (await client.call("get", "/v1/users", UserList)).users.map((u) => [u.id, u.email]);
      case "api-keys":
        return (await client.call("get", "/v1/api-keys", ApiKeyList)).api_keys.map((k) => [k.id, oneLine(k.label, 40)]);
      case "vaults":
        return (await client.call("get", "/v1/vaults", VaultList)).vaults.map((v) => [v.id, v.name]);
    }
  } catch (error) {
    // Refused (403) or not found: names are a convenience, the ids are still shown.
    if (error instanceof ApiError && error.status < 500) return [];
    throw error;
  }
}

/**
 * The names of everything in `sources` the caller may list, by id.
 * @example
 * const names = await actorNames(client, ["agents", "users"]);
 * names.get("agt_336089c4031ec206d9") // "my-agent"
 */
export async function actorNames(client: ApiClient, sources: readonly NameSource[]): Promise<Map<string, string>> {
  const lists = await Promise.all(sources.map((source) => namesFrom(client, source)));
  return new Map(lists.flat());
}

/** How the logs' actor types read in a table. */
const ACTOR_TYPES: Record<string, string> = { company_key: "api-key", vault_session: "session" };

/**
 * "agent:my-agent", "user:ada@example.com", "api-key:deploy", "session:ses_…": the actor's kind
 * and its name when known, else its id.
 */
export function describeActor(names: ReadonlyMap<string, string>, type: string, id: string): string {
  // The edge records an invite's redemption as done by the invite itself, under the company-key kind.
  if (type === "company_key" && id.startsWith("invite:")) return id;
  return `${ACTOR_TYPES[type] ?? type}:${names.get(id) ?? id}`;
}
