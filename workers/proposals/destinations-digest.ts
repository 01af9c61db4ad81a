/**
 * An approval binds to what the approver was shown. The digest covers everything a view says about
 * where values would go — each slot's `sent_to` (service, host, upstream, token endpoint, who chose it), each
 * service's `replaces`, `exposes` and `loosens` (the rules it would loosen) — and nothing else, so a decision made on one view is refused
 * (409 `proposal_changed`) once the vault no longer matches it, and accepted while it does.
 * Whether a chooser was a vault admin is left out on purpose: for a stored service it changes only
 * with its chooser, and the rule it feeds is judged again on the vault as it is when deciding
 * (decide.actions.ts `requireDecider`), so a digest made before this field existed still binds.
 */
import { sha256Hex } from "../lib/crypto/tokens.ts";
import type { PrincipalRef } from "./proposals.contract.ts";
import type { ProposalView } from "./proposal-view.ts";

const refKey = (ref: PrincipalRef) => `${ref.kind}:${ref.id}${ref.via ? `/${ref.via.id}` : ""}`;

export function destinationsDigest(view: Pick<ProposalView, "services" | "credentials">): Promise<string> {
  const canonical = {
    services: view.services.map((s) => [
      s.action,
      s.name,
      s.host ?? null,
      s.upstream ?? null,
      s.replaces ? [s.replaces.host, s.replaces.upstream ?? null, s.replaces.auth_type] : null,
      // `to` (a token endpoint) only when there is one, so a digest made before it was named still binds.
      (s.exposes ?? []).map((e) => (e.to ? [e.key, e.sent_to, e.to] : [e.key, e.sent_to])),
      // Only when there is one, so a digest made before loosenings were marked still binds.
      ...(s.loosens?.length ? [s.loosens.map((l) => [l.rule, l.from, l.to])] : []),
    ]),
    // A view without `sent_to` (raised before it existed) matches no current view.
    slots: view.credentials
      .filter((c) => c.action === "set")
      .map((c) => [
        c.key,
        c.sent_to?.map((d) => [
          d.service,
          d.host,
          d.upstream ?? null,
          d.proposed === true,
          d.chosen_by ? refKey(d.chosen_by) : null,
          // An oauth client secret's or refresh token's token endpoint, only when there is one (older digests still bind).
          ...(d.token_endpoint ? [d.token_endpoint] : []),
        ]) ?? null,
      ]),
  };
  return sha256Hex(`edgevault:proposal-destinations:${JSON.stringify(canonical)}`);
}
