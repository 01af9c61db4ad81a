/**
 * The agent page's edit form: capabilities, passport scopes, realm, company role and rate limit, read into
 * PATCH /v1/agents/{agentId}'s own body (`UpdateAgentBody`) so the page accepts exactly what the
 * API does, and rendered again with what was typed when that body is refused.
 */
import type { RateLimitOverride } from "../../db/schema.ts";
import { DEFAULT_RATE_LIMIT } from "../../lib/rate-limit.ts";
import { CAPABILITIES, UpdateAgentBody } from "../agents.contract.ts";
import { html, type Markup, raw } from "../../console/layout.ts";
import type { Frame } from "../../console/nav.ts";
import type { FormFields } from "../../console/page-forms.ts";
import { csrfField } from "../../console/page-parts.ts";

/** The form's fields as text, as stored or as typed. */
export type AgentEditValues = {
  role: string;
  realm: string;
  capabilities: string[];
  /** Space-separated, as typed. */
  passport_scopes: string;
  rate_per_second: string;
  burst: string;
  max_concurrent: string;
};

export type RealmOption = { slug: string; name: string };

const text = (value: number | undefined) => (value === undefined ? "" : String(value));

/** The form filled in with the agent as it is. */
export function editValuesOf(agent: {
  role: string;
  realmSlug: string | null;
  capabilities: string[];
  passportScopes: string[];
  rateLimit: RateLimitOverride | null;
}): AgentEditValues {
  return {
    role: agent.role,
    realm: agent.realmSlug ?? "",
    capabilities: agent.capabilities,
    passport_scopes: agent.passportScopes.join(" "),
    rate_per_second: text(agent.rateLimit?.ratePerSecond),
    burst: text(agent.rateLimit?.burst),
    max_concurrent: text(agent.rateLimit?.maxConcurrent),
  };
}

/** A blank number field is absent; anything else goes to zod as a number (NaN is refused there). */
const numberOf = (value: string) => (value === "" ? undefined : Number(value));

/**
 * The submitted form as typed, and as PATCH's body: every field is sent, so no realm clears it,
 * no capability checked clears them, an empty passport-scopes field clears the grant, and three
 * blank limits clear the override.
 */
export function readAgentEdit(form: FormFields): { values: AgentEditValues; parsed: ReturnType<typeof UpdateAgentBody.safeParse> } {
  // A browser always sends the text field (empty clears the grant); a form without it leaves the grant alone.
  const typedScopes = form.names().includes("passport_scopes") ? (form.one("passport_scopes") ?? "") : undefined;
  const values: AgentEditValues = {
    role: form.one("role") ?? "",
    realm: form.one("realm") ?? "",
    capabilities: form.all("capabilities"),
    passport_scopes: typedScopes ?? "",
    rate_per_second: form.one("rate_per_second") ?? "",
    burst: form.one("burst") ?? "",
    max_concurrent: form.one("max_concurrent") ?? "",
  };
  const limits = Object.fromEntries(
    (["rate_per_second", "burst", "max_concurrent"] as const).map((k) => [k, numberOf(values[k])] as const).filter(([, v]) => v !== undefined),
  );
  const body = {
    ...(values.role ? { role: values.role } : {}),
    realm: values.realm || null,
    capabilities: values.capabilities,
    ...(typedScopes === undefined ? {} : { passportScopes: typedScopes.split(/[\s,]+/).filter((scope) => scope !== "") }),
    rate_limit: Object.keys(limits).length ? limits : null,
  };
  return { values, parsed: UpdateAgentBody.safeParse(body) };
}

const selected = (on: boolean) => (on ? raw(" selected") : "");
const checked = (on: boolean) => (on ? raw(" checked") : "");

export function agentEditForm(frame: Frame, action: string, values: AgentEditValues, realms: RealmOption[]): Markup {
  const d = DEFAULT_RATE_LIMIT;
  return html`<section class="card" aria-labelledby="edit">
  <h2 id="edit">Edit</h2>
  <form method="post" action="${action}">
    ${csrfField(frame)}
    <label for="edit-role">Company role</label>
    <select id="edit-role" name="role" aria-describedby="edit-role-hint">
      <option value="member"${selected(values.role === "member")}>member agent</option>
      <option value="owner"${selected(values.role === "owner")}>owner agent</option>
    </select>
    <p class="hint" id="edit-role-hint">An owner agent manages agents and vaults as an owner does, and is admin of every vault.</p>
    <label for="edit-realm">Realm</label>
    <select id="edit-realm" name="realm">
      <option value="">none</option>${realms.map((r) => html`<option value="${r.slug}"${selected(values.realm === r.slug)}>${r.name}</option>`)}
    </select>
    <fieldset class="checks"><legend>Capabilities</legend>
      ${CAPABILITIES.map((c) => html`<label class="check"><input type="checkbox" name="capabilities" value="${c}"${checked(values.capabilities.includes(c))}> <code>${c}</code></label>`)}
    </fieldset>
    <label for="edit-passport-scopes">Passport scopes</label>
    <input id="edit-passport-scopes" name="passport_scopes" value="${values.passport_scopes}" aria-describedby="edit-passport-scopes-hint" autocomplete="off">
    <p class="hint" id="edit-passport-scopes-hint">Space-separated: what the agent may put into a passport it obtains itself (<code>*</code>, <code>tool:*</code>, <code>tool:search</code>). Empty: none. Changing them revokes the passports it obtained under the old ones.</p>
    <fieldset><legend>Rate limit in each vault (empty: the vault's, else ${d.ratePerSecond}/s, burst ${d.burst}, ${d.maxConcurrent} at once)</legend>
      <label for="edit-rps">Requests per second</label><input id="edit-rps" name="rate_per_second" type="number" min="0.001" step="any" value="${values.rate_per_second}">
      <label for="edit-burst">Burst</label><input id="edit-burst" name="burst" type="number" min="1" step="1" value="${values.burst}">
      <label for="edit-concurrent">At once</label><input id="edit-concurrent" name="max_concurrent" type="number" min="1" step="1" value="${values.max_concurrent}">
    </fieldset>
    <div class="actions"><button type="submit" class="primary">Save the agent</button></div>
  </form>
</section>`;
}
