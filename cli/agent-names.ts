/**
 * What the agent commands accept, checked before any request. They mirror
 * workers/lib/agent-names.ts and the vault roles in workers/routes/vaults.routes.ts; the edge
 * remains the authority and rejects anything these let through.
 */
import { z } from "zod";
import { CAPABILITIES } from "../workers/agents/agents.contract.ts";
import { VaultName } from "./names.ts";

export const AgentName = z.string().regex(/^[a-z0-9-]{3,64}$/, "must be 3-64 characters: lowercase letters, digits and hyphens");

export const AGENT_ROLES = ["owner", "member"] as const;
export const AgentRole = z.enum(AGENT_ROLES, "must be owner or member");

export const VAULT_ROLES = ["proxy", "member", "admin"] as const;
export const VaultRole = z.enum(VAULT_ROLES, "must be proxy, member or admin");

/** Capabilities an agent may hold: the edge's own list. */
export { CAPABILITIES };

/**
 * `a,b,c` as a list of known capabilities, blanks ignored and duplicates dropped; `""` is the
 * empty list.
 * @example
 * CapabilityList.parse("api_call, file_access") // ["api_call", "file_access"]
 */
export const CapabilityList = z.string().transform((value, ctx) => {
  const list = [...new Set(value.split(",").map((c) => c.trim()).filter((c) => c.length > 0))];
  const unknown = list.filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
  if (unknown.length > 0) {
    ctx.addIssue({ code: "custom", message: `unknown capability ${unknown.map((c) => `"${c}"`).join(", ")}; use any of ${CAPABILITIES.join(", ")}` });
    return z.NEVER;
  }
  return list;
});

/**
 * `--vault <vault>[:<role>]` as at `agent invite` (seed 002): the role defaults to proxy.
 * @example
 * VaultGrant.parse("payments:member") // { vault: "payments", role: "member" }
 */
export const VaultGrant = z.string().transform((value, ctx) => {
  const colon = value.indexOf(":");
  const [vault, role] = colon === -1 ? [value, "proxy"] : [value.slice(0, colon), value.slice(colon + 1)];
  const name = VaultName.safeParse(vault);
  if (!name.success) {
    ctx.addIssue({ code: "custom", message: `"${value}": the vault name ${name.error.issues[0]?.message ?? "is invalid"} (format: <vault>:<role>)` });
    return z.NEVER;
  }
  const parsedRole = VaultRole.safeParse(role);
  if (!parsedRole.success) {
    ctx.addIssue({ code: "custom", message: `"${value}": the role must be proxy, member or admin (format: <vault>:<role>)` });
    return z.NEVER;
  }
  return { vault: name.data, role: parsedRole.data };
});

/** Invite ids as `agent invite list` shows them: the last characters of the token (base64url). */
export const TokenSuffix = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, "must be 4-64 characters of the suffix shown by `edgevault agent invite list`");

/** Registration ids as `agent registrations` shows them (e.g. reg_x3Fk9aQ2b7Lm). */
export const RegistrationId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be an id as shown by `edgevault agent registrations` (e.g. reg_x3Fk9aQ2b7Lm)");
