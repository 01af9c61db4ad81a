import type { Database } from "../db/client.ts";
import { companyDataKey } from "../db/data-keys.ts";
import type { Env } from "../env.ts";
import { badRequest } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { formatServiceHost, parseServiceHost, parseUpstreamOrigin } from "../lib/host-pattern.ts";
import { credentialKeysOf } from "../lib/inject-auth.ts";
import type { ProposalServiceView, ProposalSlotView } from "./proposal-view.ts";
import type { VaultRow } from "../auth/permissions.ts";
import { withImpact } from "./impact.ts";
import { configOf } from "../config.ts";
import type { PrincipalRef, RaiseProposalInput } from "./proposals.contract.ts";
import { vaultAsItIs } from "./proposals.queries.ts";

export type CheckedProposal = { services: ProposalServiceView[]; slots: ProposalSlotView[]; values: Map<string, string> };

export async function checkProposal(db: Database, env: Env, vault: VaultRow, input: RaiseProposalInput, raisedBy: PrincipalRef): Promise<CheckedProposal> {
  if (input.services.length === 0 && input.credentials.length === 0) {
    throw badRequest("empty_proposal", "A proposal needs at least one service or credential slot");
  }
  const names = input.services.map((s) => s.name);
  const dupName = names.find((n, i) => names.indexOf(n) !== i);
  if (dupName) throw badRequest("duplicate_service", `Service "${dupName}" appears twice`);
  const keys = input.credentials.map((c) => c.key);
  const dupKey = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dupKey) throw badRequest("duplicate_slot", `Credential slot "${dupKey}" appears twice`);

  const { current: existingServices, stored } = await vaultAsItIs(db, vault.companyId, vault.id);
  const serviceNames = new Set(existingServices.map((s) => s.name));
  const settable = new Set(input.credentials.filter((c) => c.action === "set").map((c) => c.key));
  const deleting = new Set(input.credentials.filter((c) => c.action === "delete").map((c) => c.key));
  const hostOptions = { allowPrivate: configOf(env).allowPrivateUpstreams };

  const checkedServices: ProposalServiceView[] = input.services.map((service) => {
    if (service.action === "delete") {
      if (!serviceNames.has(service.name)) throw badRequest("unknown_service", `Service "${service.name}" is not in vault "${vault.name}"`);
      return { action: "delete", name: service.name };
    }
    if (!service.host) throw badRequest("missing_field", `Missing field: services.${service.name}.host`);
    if (!service.auth) throw badRequest("missing_field", `Missing field: services.${service.name}.auth`);
    const host = formatServiceHost(parseServiceHost(service.host, hostOptions));
    const upstream = service.upstream ? parseUpstreamOrigin(service.upstream, hostOptions) : undefined;
    for (const key of credentialKeysOf(service.auth)) {
      if (!(settable.has(key) || (stored.has(key) && !deleting.has(key)))) {
        throw badRequest(
          "unknown_credential_key",
          `Service "${service.name}" uses credential "${key}", which is neither a slot in this proposal nor a credential in the vault`,
        );
      }
    }
    return {
      action: "set",
      name: service.name,
      host,
      ...(upstream ? { upstream } : {}),
      ...(service.description ? { description: service.description } : {}),
      auth: service.auth,
    };
  });

  const values = new Map<string, string>();
  const slots: ProposalSlotView[] = input.credentials.map((slot) => {
    if (slot.action === "delete") {
      if (!stored.has(slot.key)) throw badRequest("unknown_credential_key", `Credential "${slot.key}" is not in vault "${vault.name}"`);
      if (slot.value !== undefined) throw badRequest("invalid_request", `A delete slot cannot carry a value (${slot.key})`);
    }
    if (slot.value !== undefined) values.set(slot.key, slot.value);
    return {
      action: slot.action,
      key: slot.key,
      ...(slot.description ? { description: slot.description } : {}),
      ...(slot.obtain ? { obtain: slot.obtain } : {}),
      ...(slot.obtain_instructions ? { obtain_instructions: slot.obtain_instructions } : {}),
      has_value: slot.value !== undefined,
    };
  });

  // Marked as the vault stands now: what a set replaces, stored credentials sent somewhere new, where each slot's value goes.
  const impact = withImpact({ services: checkedServices, slots, raisedBy }, existingServices, stored);
  return { services: impact.services, slots: impact.slots, values };
}

/** Seals values an agent sent back, bound to this proposal and key. */
export async function sealProposalValues(
  db: Database,
  env: Env,
  companyId: string,
  proposalId: string,
  values: Map<string, string>,
): Promise<Record<string, string> | null> {
  if (values.size === 0) return null;
  const key = await companyDataKey(db, env, companyId);
  const sealed: Record<string, string> = {};
  for (const [name, value] of values) sealed[name] = await sealText(key, value, associatedData.proposalValue(companyId, proposalId, name));
  return sealed;
}
