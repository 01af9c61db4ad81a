/**
 * What the commands accept as names, roles and ids, checked before any request so mistakes
 * surface before a secret is read. The rules (patterns, lengths, lists) are the edge's own,
 * imported from its contracts; only the wording is the CLI's ("must be …"). The edge remains
 * the authority and rejects anything these let through.
 */
import { z } from "zod";
import { AGENT_NAME_PATTERN, AGENT_NAME_RULE, CAPABILITIES } from "../../workers/agents/agents.contract.ts";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { CREDENTIAL_KEY_PATTERN, MAX_CREDENTIAL_KEY_LENGTH } from "../../workers/credentials/credentials.contract.ts";
import { MAX_INVITE_SUFFIX_LENGTH, MIN_INVITE_SUFFIX_LENGTH } from "../../workers/invites/invites.contract.ts";
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE } from "../../workers/lib/openapi.ts";
import { MAX_REGISTRATION_ID_LENGTH } from "../../workers/registrations/registrations.contract.ts";
import { UNMATCHED_HOST_POLICIES, VAULT_ROLES } from "../../workers/vaults/vaults.contract.ts";

/** "a, b or c". */
export const oneOf = (values: readonly string[]) => (values.length < 2 ? values.join("") : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`);

/** Vault names; service names follow them (`ResourceName` on the edge). */
export const VaultName = z.string().regex(RESOURCE_NAME_PATTERN, `must be ${RESOURCE_NAME_RULE}`);

export const CredentialKey = z
  .string()
  .max(MAX_CREDENTIAL_KEY_LENGTH, `must be at most ${MAX_CREDENTIAL_KEY_LENGTH} characters`)
  .regex(CREDENTIAL_KEY_PATTERN, "must be upper case: letters, digits and underscores, starting with a letter (e.g. STRIPE_KEY)");

export const AgentName = z.string().regex(AGENT_NAME_PATTERN, `must be ${AGENT_NAME_RULE}`);

/** An agent's company role. */
export const AgentRole = z.enum(COMPANY_ROLES, `must be ${oneOf(COMPANY_ROLES)}`);

export const VaultRole = z.enum(VAULT_ROLES, `must be ${oneOf(VAULT_ROLES)}`);

export const VaultPolicy = z.enum(UNMATCHED_HOST_POLICIES, `must be ${oneOf(UNMATCHED_HOST_POLICIES)}`);

/**
 * `a,b,c` as a list of known capabilities, blanks ignored and duplicates dropped; `""` is the
 * empty list.
 * @example
 * CapabilityList.parse("api_call, file_access") // ["api_call", "file_access"]
 */
export const CapabilityList = z.string().transform((value, ctx) => {
  const list = [
    ...new Set(
      value
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c.length > 0),
    ),
  ];
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
    ctx.addIssue({ code: "custom", message: `"${value}": the role must be ${oneOf(VAULT_ROLES)} (format: <vault>:<role>)` });
    return z.NEVER;
  }
  return { vault: name.data, role: parsedRole.data };
});

/**
 * `--limit <n>` of a listing: a whole number from 1 to `max`.
 * @example
 * PageLimit(500).parse("50") // 50
 */
export const PageLimit = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(max, `must be at most ${max}`));

/** A TCP port to listen on, 0 to 65535 (0: any free port). */
export const PortNumber = z
  .string()
  .regex(/^[0-9]{1,5}$/, "must be a port number")
  .transform(Number)
  .refine((port) => port <= 65535, "must be at most 65535");

/** A log entry's id, as `--before` takes it to read the next page (audit, vault logs). */
export const EntryId = z.string().regex(/^[1-9]\d{0,15}$/, "must be an entry id (a positive whole number)");

/** Ids as listings show them: letters, digits, `_` and `-`, up to the edge's length for that id. */
export const listedId = (min: number, max: number, message: string) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`), message);

/** Invite ids as `agent invite list` shows them: the last characters of the token (base64url). */
export const TokenSuffix = listedId(
  MIN_INVITE_SUFFIX_LENGTH,
  MAX_INVITE_SUFFIX_LENGTH,
  `must be ${MIN_INVITE_SUFFIX_LENGTH}-${MAX_INVITE_SUFFIX_LENGTH} characters of the suffix shown by \`edgevault agent invite list\``,
);

/** Registration ids as `agent registrations` shows them (e.g. reg_x3Fk9aQ2b7Lm). */
export const RegistrationId = listedId(1, MAX_REGISTRATION_ID_LENGTH, "must be an id as shown by `edgevault agent registrations` (e.g. reg_x3Fk9aQ2b7Lm)");
