/**
 * Raising a proposal (seed 000, protocol.md §1): an agent (or anyone with a role in the vault)
 * asks for services and credential slots; a person decides. The proposal is checked against the
 * vault as it is, marked with what approving it would really change (impact.ts), named after who
 * really asks (a session is its minter's), capped per vault and per raiser inside the write that
 * raises it, and announced by its Durable Object with an approval link from PUBLIC_ORIGIN.
 */
import type { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import type { VaultRow } from "../../auth/permissions.ts";
import type { VaultRole } from "../../db/schema.ts";
import { authorizeSelectedVault } from "../../auth/vault-access.ts";
import { publicOriginIn } from "../../config.ts";
import { isGuardFailure } from "../../db/audit.ts";
import { principalRefOf } from "../../db/principals.queries.ts";
import { badRequest } from "../../lib/app-error.ts";
import { associatedData, sealText } from "../../lib/crypto/crypto-envelope.ts";
import { formatServiceHost, parseServiceHost, parseUpstreamOrigin } from "../../lib/http/host-pattern.ts";
import { credentialKeysOf } from "../../lib/http/inject-auth.ts";
import { parseOAuthEndpoint } from "../../lib/http/oauth-endpoint.ts";
import { keysSentBy } from "../../lib/http/substitutions.ts";
import { rootOf } from "../../lib/principal.ts";
import { newId } from "../../lib/crypto/tokens.ts";
import { destinationsDigest } from "../destinations-digest.ts";
import { withImpact } from "../impact.ts";
import { proposalRecord, type ProposalRow } from "../proposal-rows.ts";
import type { ProposalServiceView, ProposalSlotView } from "../proposal-view.ts";
import { PROPOSAL_TTL_MS, type PrincipalRef, type ProposalRaised, type RaiseProposalInput } from "../proposals.contract.ts";
import { pendingCapRefusal, raiseChange, vaultAsItIs } from "../proposals.queries.ts";

type CheckedProposal = { services: ProposalServiceView[]; slots: ProposalSlotView[]; values: Map<string, string> };

/** What the raiser asks, checked against the vault as it is and marked with its impact. */
async function checkProposal(
  ctx: ActionContext,
  vault: VaultRow,
  input: RaiseProposalInput,
  raiser: { raisedBy: PrincipalRef; raiserRole: VaultRole },
): Promise<CheckedProposal> {
  if (input.services.length === 0 && input.credentials.length === 0) {
    throw badRequest("empty_proposal", "A proposal needs at least one service or credential slot");
  }
  const names = input.services.map((s) => s.name);
  const dupName = names.find((n, i) => names.indexOf(n) !== i);
  if (dupName) throw badRequest("duplicate_service", `Service "${dupName}" appears twice`);
  const keys = input.credentials.map((c) => c.key);
  const dupKey = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dupKey) throw badRequest("duplicate_slot", `Credential slot "${dupKey}" appears twice`);

  const { current: existingServices, stored } = await vaultAsItIs(ctx.db, vault.companyId, vault.id);
  const serviceNames = new Set(existingServices.map((s) => s.name));
  const settable = new Set(input.credentials.filter((c) => c.action === "set").map((c) => c.key));
  const deleting = new Set(input.credentials.filter((c) => c.action === "delete").map((c) => c.key));
  const hostOptions = { allowPrivate: ctx.config.allowPrivateUpstreams };

  const checkedServices: ProposalServiceView[] = input.services.map((service) => {
    if (service.action === "delete") {
      if (!serviceNames.has(service.name)) throw badRequest("unknown_service", `Service "${service.name}" is not in vault "${vault.name}"`);
      return { action: "delete", name: service.name };
    }
    if (!service.host) throw badRequest("missing_field", `Missing field: services.${service.name}.host`);
    if (!service.auth) throw badRequest("missing_field", `Missing field: services.${service.name}.auth`);
    const host = formatServiceHost(parseServiceHost(service.host, hostOptions));
    const upstream = service.upstream ? parseUpstreamOrigin(service.upstream, hostOptions) : undefined;
    const auth =
      service.auth.type === "oauth"
        ? { ...service.auth, token_endpoint: parseOAuthEndpoint(service.auth.token_endpoint, "token endpoint", hostOptions) }
        : service.auth;
    // A key the service sends (by its auth or a substitution) must be stored, or come in this proposal;
    // an oauth service's secret and refresh token may also come when an admin connects the account (oauth/).
    const connectable = auth.type === "oauth" ? credentialKeysOf(auth) : [];
    for (const key of keysSentBy({ auth, substitutions: service.substitutions }).filter((k) => !connectable.includes(k))) {
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
      auth,
      ...(service.require_approval ? { require_approval: true } : {}),
      ...(service.approval_timeout_seconds !== undefined ? { approval_timeout_seconds: service.approval_timeout_seconds } : {}),
      // Rules as asked; a default (none, every method, redaction on) is left out, as a `set` applies it anyway.
      ...(service.substitutions?.length ? { substitutions: service.substitutions } : {}),
      ...(service.methods ? { methods: service.methods } : {}),
      ...(service.redact_response === false ? { redact_response: false } : {}),
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
  const impact = withImpact({ services: checkedServices, slots, ...raiser }, existingServices, stored);
  return { services: impact.services, slots: impact.slots, values };
}

/** Seals values an agent sent back, bound to this proposal and key. */
async function sealProposalValues(
  ctx: ActionContext,
  companyId: string,
  proposalId: string,
  values: Map<string, string>,
): Promise<Record<string, string> | null> {
  if (values.size === 0) return null;
  const key = await ctx.edge.dataKey(companyId);
  const sealed: Record<string, string> = {};
  for (const [name, value] of values) sealed[name] = await sealText(key, value, associatedData.proposalValue(companyId, proposalId, name));
  return sealed;
}

/** Raises a proposal in the vault a request names (`vaultName`, else a session's own). */
export async function raiseProposal(ctx: ActionContext, vaultName: string | undefined, input: RaiseProposalInput): Promise<z.output<typeof ProposalRaised>> {
  const { db, principal } = ctx;
  const { vault, role } = await authorizeSelectedVault(ctx, vaultName);
  // Named by the edge, never by the caller: a session is its minter, its label only quoted beside.
  const raisedBy = await principalRefOf(db, principal);
  const checked = await checkProposal(ctx, vault, input, { raisedBy, raiserRole: role });
  const id = newId("prp");
  const approval = await ctx.edge.mint("approval");
  const root = rootOf(principal);
  const now = ctx.edge.now();
  const row: ProposalRow = {
    id,
    companyId: principal.companyId,
    vaultId: vault.id,
    status: "pending",
    services: checked.services,
    credentials: checked.slots,
    sealedValues: await sealProposalValues(ctx, principal.companyId, id, checked.values),
    message: input.message,
    userMessage: input.user_message ?? null,
    reviewNote: null,
    raisedByType: principal.kind,
    raisedById: principal.id,
    raisedByRootType: root.type,
    raisedByRootId: root.id,
    raisedBy,
    // Where values go as raised: what the raiser, the list and the webhooks show, and what an approval without a digest binds to.
    destinationsDigest: await destinationsDigest({ services: checked.services, credentials: checked.slots }),
    approvalTokenHash: approval.hash,
    createdAt: now,
    expiresAt: now + PROPOSAL_TTL_MS,
    reviewedAt: null,
    reviewedBy: null,
  };
  await ctx.commit(raiseChange(db, principal, row, vault.name)).catch(async (error: unknown) => {
    throw isGuardFailure(error) ? await pendingCapRefusal(db, vault, root) : error;
  });
  const approvalUrl = `${publicOriginIn(ctx.config)}/approve/${id}?token=${approval.token}`;
  await ctx.edge.proposalWatch(id).open(proposalRecord(row, vault.name), approvalUrl);
  return {
    id,
    status: "pending" as const,
    vault: vault.name,
    approval_url: approvalUrl,
    message: "Proposal raised. Show the user the approval_url; poll GET /v1/proposals/{id} (or add ?wait=30) until it leaves pending.",
  };
}
