/**
 * What approving a proposal would change, beyond what it literally asks: a `set` that replaces a
 * service of the same name (old → new), a credential slot that overwrites a stored value, and a
 * stored credential that a proposed service would send to a destination it is not sent to today.
 * A reviewer must see these as such, not as a plain "Allow" (an exfiltration looks exactly like
 * adding a service that reuses `STRIPE_KEY` with an upstream of the raiser's choosing).
 */
import type { ServiceAuth } from "../db/schema.ts";
import { credentialKeysOf } from "../lib/inject-auth.ts";
import type { ProposalServiceView, ProposalSlotView } from "./proposal-view.ts";

export type CurrentService = { name: string; hostPattern: string; upstream: string | null; auth: ServiceAuth };

/** Where a service sends its credentials: the upstream override, else the host over https (no path). */
export function destinationOf(hostPattern: string, upstream: string | null | undefined): string {
  return upstream ?? `https://${hostPattern.split("/")[0] ?? hostPattern}`;
}

export function withImpact(
  services: readonly ProposalServiceView[],
  slots: readonly ProposalSlotView[],
  current: readonly CurrentService[],
  storedKeys: ReadonlySet<string>,
): { services: ProposalServiceView[]; slots: ProposalSlotView[] } {
  const byName = new Map(current.map((s) => [s.name, s]));
  const sentTo = new Map<string, Set<string>>();
  for (const service of current) {
    for (const key of credentialKeysOf(service.auth)) {
      const destinations = sentTo.get(key) ?? new Set<string>();
      destinations.add(destinationOf(service.hostPattern, service.upstream));
      sentTo.set(key, destinations);
    }
  }
  const annotated = services.map((service): ProposalServiceView => {
    const { replaces: _r, exposes: _e, ...base } = service;
    const existing = byName.get(service.name);
    const replaces = existing
      ? { host: existing.hostPattern, ...(existing.upstream ? { upstream: existing.upstream } : {}), auth_type: existing.auth.type }
      : undefined;
    if (service.action === "delete" || !service.host || !service.auth) return { ...base, ...(replaces ? { replaces } : {}) };
    const destination = destinationOf(service.host, service.upstream);
    const exposes = credentialKeysOf(service.auth)
      .filter((key) => storedKeys.has(key) && !sentTo.get(key)?.has(destination))
      .map((key) => ({ key, sent_to: [...(sentTo.get(key) ?? [])].sort() }));
    return { ...base, ...(replaces ? { replaces } : {}), ...(exposes.length ? { exposes } : {}) };
  });
  const annotatedSlots = slots.map((slot): ProposalSlotView => {
    const { replaces_existing: _r, ...base } = slot;
    return slot.action === "set" && storedKeys.has(slot.key) ? { ...base, replaces_existing: true } : base;
  });
  return { services: annotated, slots: annotatedSlots };
}
