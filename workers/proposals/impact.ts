/**
 * What approving a proposal would change, beyond what it literally asks: a `set` that replaces a
 * service of the same name (old → new), a credential slot that overwrites a stored value, a
 * stored credential that a proposed service would send to a destination it is not sent to today,
 * and, for every slot, where its value goes once the proposal applies and who chose that
 * destination. A reviewer must see these as such, not as a plain "Allow" (an exfiltration looks
 * exactly like adding a service that reuses `STRIPE_KEY` with an upstream of the raiser's
 * choosing, or like asking a person for "the Stripe key" under a key an agent's host receives).
 */
import type { ServiceAuth, VaultRole } from "../db/schema.ts";
import { keysSentBy } from "../lib/http/substitutions.ts";
import { loosenings, type ProxiedMethod, type Substitution } from "../services/request-rules.contract.ts";
import { iso } from "../lib/openapi.ts";
import type { PrincipalRef, SlotDestination } from "./proposals.contract.ts";
import type { ProposalServiceView, ProposalSlotView } from "./proposal-view.ts";
import { chosenByAgent, chosenByVaultAdmin, destinationOf, keepsDestination, tokenEndpointSending } from "./proposals.contract.ts";

export type CurrentService = {
  name: string;
  hostPattern: string;
  upstream: string | null;
  auth: ServiceAuth;
  substitutions: Substitution[] | null;
  methods: ProxiedMethod[] | null;
  redactResponse: boolean;
  destinationChosenBy: PrincipalRef | null;
  destinationChosenAt: number | null;
  destinationChosenByRole: VaultRole | null;
  requireApproval: boolean;
  approvalTimeoutSeconds: number;
};

/**
 * The proposal being marked: its services and slots, who raised it (the chooser of what it sets)
 * and the raiser's role in the vault now (what approving now would record for it; null: none).
 */
export type ProposalAsked = {
  services: readonly ProposalServiceView[];
  slots: readonly ProposalSlotView[];
  raisedBy: PrincipalRef;
  raiserRole: VaultRole | null;
};

/** Who chose, in a view's words: the chooser, its role then, and whether it was an agent or a vault admin. */
const chooserFields = (ref: PrincipalRef, role: VaultRole | null) => ({
  chosen_by: ref,
  ...(role ? { chosen_by_role: role } : {}),
  chosen_by_agent: chosenByAgent(ref),
  chosen_by_admin: chosenByVaultAdmin(ref, role),
});

type ServiceAfter = {
  name: string;
  host: string;
  upstream: string | null;
  auth: ServiceAuth;
  substitutions?: readonly Pick<Substitution, "key">[] | null | undefined;
  destination: SlotDestination;
};

/** Where a stored service sends its credentials, and who chose that. */
function destinationNow(s: CurrentService): SlotDestination {
  const chosen = s.destinationChosenBy
    ? {
        ...chooserFields(s.destinationChosenBy, s.destinationChosenByRole),
        ...(s.destinationChosenAt ? { chosen_at: iso(s.destinationChosenAt) ?? "" } : {}),
      }
    : { chosen_by_agent: false, chosen_by_admin: false };
  return { service: s.name, host: s.hostPattern, ...(s.upstream ? { upstream: s.upstream } : {}), ...chosen };
}

type Sending = { host: string; upstream: string | null; auth: ServiceAuth; substitutions?: readonly Pick<Substitution, "key">[] | null | undefined };

/**
 * Every address a service sends `key` to (one of `keysSentBy`): its upstream, and for an `oauth`
 * service's client secret and refresh token its token endpoint first (the values themselves go
 * there; the upstream gets the access token they obtain, which is as good as them).
 */
function addressesOf(s: Sending, key: string): string[] {
  const tokenEndpoint = tokenEndpointSending(s, key);
  return [...(tokenEndpoint ? [tokenEndpoint] : []), destinationOf(s.host, s.upstream)];
}

/** A service's destination as `key` sees it: with the token endpoint, for an `oauth` service's client secret or refresh token. */
function routed(d: SlotDestination, s: Sending, key: string): SlotDestination {
  const tokenEndpoint = tokenEndpointSending(s, key);
  return tokenEndpoint ? { ...d, token_endpoint: tokenEndpoint } : d;
}

/** Every destination the vault's services send `key` to today, with who chose each (a direct credential write's `sent_to`). */
export function sentToNow(key: string, current: readonly CurrentService[]): SlotDestination[] {
  const sending = current.filter((s) => keysSentBy(s).includes(key));
  return sending
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => routed(destinationNow(s), { host: s.hostPattern, upstream: s.upstream, auth: s.auth, substitutions: s.substitutions }, key));
}

/**
 * The vault's services once the proposal applies, each with who chose its destination. A `set`
 * that keeps a service's destination (`keepsDestination`: a new host under the same upstream too)
 * keeps its chooser, as applying it does (services.actions.ts).
 */
function servicesAfter(asked: ProposalAsked, current: readonly CurrentService[]): ServiceAfter[] {
  const after = new Map<string, ServiceAfter>();
  for (const s of current) {
    after.set(s.name, {
      name: s.name,
      host: s.hostPattern,
      upstream: s.upstream,
      auth: s.auth,
      substitutions: s.substitutions,
      destination: destinationNow(s),
    });
  }
  for (const s of asked.services) {
    if (s.action === "delete") {
      after.delete(s.name);
      continue;
    }
    if (!s.host || !s.auth) continue;
    const existing = after.get(s.name);
    const upstream = s.upstream ?? null;
    const where = { service: s.name, host: s.host, ...(s.upstream ? { upstream: s.upstream } : {}) };
    let destination: SlotDestination;
    if (existing && keepsDestination(existing, { host: s.host, upstream, auth: s.auth })) {
      const { host: _h, upstream: _u, ...chooser } = existing.destination;
      destination = { ...chooser, ...where };
    } else destination = { ...where, proposed: true, ...chooserFields(asked.raisedBy, asked.raiserRole) };
    after.set(s.name, { name: s.name, host: s.host, upstream, auth: s.auth, substitutions: s.substitutions, destination });
  }
  return [...after.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A stored service's rules in the shape a proposed service carries them. */
const rulesOf = (s: CurrentService) => ({
  substitutions: s.substitutions,
  methods: s.methods,
  redact_response: s.redactResponse,
  require_approval: s.requireApproval,
  approval_timeout_seconds: s.approvalTimeoutSeconds,
});

export function withImpact(
  asked: ProposalAsked,
  current: readonly CurrentService[],
  storedKeys: ReadonlySet<string>,
): { services: ProposalServiceView[]; slots: ProposalSlotView[] } {
  const byName = new Map(current.map((s) => [s.name, s]));
  const sentTo = new Map<string, Set<string>>();
  for (const service of current) {
    for (const key of keysSentBy(service)) {
      const destinations = sentTo.get(key) ?? new Set<string>();
      for (const address of addressesOf({ ...service, host: service.hostPattern }, key)) destinations.add(address);
      sentTo.set(key, destinations);
    }
  }
  const annotated = asked.services.map((service): ProposalServiceView => {
    const { replaces: _r, exposes: _e, loosens: _l, ...base } = service;
    const existing = byName.get(service.name);
    const replaces = existing
      ? {
          host: existing.hostPattern,
          ...(existing.upstream ? { upstream: existing.upstream } : {}),
          auth_type: existing.auth.type,
        }
      : undefined;
    if (service.action === "delete" || !service.host || !service.auth) return { ...base, ...(replaces ? { replaces } : {}) };
    const sending = { host: service.host, upstream: service.upstream ?? null, auth: service.auth, substitutions: service.substitutions };
    // A replaced service's rules, loosened (a method added, redaction off, a credential in a new surface, approval off): old → new.
    const loosens = existing ? loosenings(rulesOf(existing), service) : [];
    // A stored key goes somewhere new when any address it would reach is: for an oauth client secret or refresh token, its token endpoint (`to`) too.
    const exposes = keysSentBy({ auth: service.auth, substitutions: service.substitutions })
      .filter((key) => storedKeys.has(key) && addressesOf(sending, key).some((address) => !sentTo.get(key)?.has(address)))
      .map((key) => {
        const tokenEndpoint = tokenEndpointSending(sending, key);
        return { key, sent_to: [...(sentTo.get(key) ?? [])].sort(), ...(tokenEndpoint ? { to: tokenEndpoint } : {}) };
      });
    return { ...base, ...(replaces ? { replaces } : {}), ...(loosens.length ? { loosens } : {}), ...(exposes.length ? { exposes } : {}) };
  });
  const after = servicesAfter(asked, current);
  const annotatedSlots = asked.slots.map((slot): ProposalSlotView => {
    const { replaces_existing: _r, sent_to: _s, ...base } = slot;
    if (slot.action !== "set") return base;
    const sent_to = after.filter((s) => keysSentBy(s).includes(slot.key)).map((s) => routed(s.destination, s, slot.key));
    return { ...base, ...(storedKeys.has(slot.key) ? { replaces_existing: true } : {}), sent_to };
  });
  return { services: annotated, slots: annotatedSlots };
}
