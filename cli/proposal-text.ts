/**
 * How a proposal reads in a terminal, for `proposal show` and `proposal approve`: who raised it,
 * each service and slot, and where each value would go. Everything the agent (or a session's
 * minter, in its label) wrote goes through terminal-text.ts.
 */
import type { z } from "zod";
import type { CredentialSlotView, ProposalDetails } from "../workers/proposals/proposals.contract.ts";
import { choiceText, destinationText, principalText } from "../workers/proposals/proposals.contract.ts";
import { describeAuth } from "./service-auth.ts";
import { rulesInWords } from "../workers/services/request-rules.contract.ts";
import { indented, oneLine, safeText } from "./terminal-text.ts";

export type Proposal = z.output<typeof ProposalDetails>;
export type CredentialSlot = z.output<typeof CredentialSlotView>;

/** A slot the approver must fill: the agent asked for a credential and did not supply it. */
export const needsValue = (slot: CredentialSlot) => slot.action === "set" && !slot.has_value;

/**
 * Where a `set` slot's value stands, by the proposal's status: only a pending proposal still
 * needs one; once decided, what became of it.
 * @example
 * slotValueText(slot, "applied") // "stored: typed by the approver"
 */
export function slotValueText(slot: CredentialSlot, status: Proposal["status"]): string {
  switch (status) {
    case "pending":
      return slot.has_value ? "value supplied by the agent" : "needs a value";
    case "applied":
      return slot.has_value ? "stored: supplied by the agent" : "stored: typed by the approver";
    default:
      return `not stored: the proposal was ${status}`;
  }
}

/** The auth as the agent proposed it; the edge validated it against the same schema the services API uses. */
function proposedAuth(auth: Proposal["services"][number]["auth"]): string {
  return auth === undefined ? "passthrough" : describeAuth(auth);
}

/**
 * Where a slot's value goes once approved, one line per service that sends its key; a destination
 * no vault admin chose (an agent, a session, a member whose proposal an admin approved) starts with
 * "!" (the asker wrote the description, and someone other than an admin picked the host).
 */
export function destinationLines(slot: CredentialSlot, pad: string): string[] {
  const to = slot.sent_to;
  if (to === undefined) return [];
  if (to.length === 0) return [`${pad}Sent to: no service (only stored)`];
  return to.map(
    (d) =>
      `${d.chosen_by_admin ? pad : `${pad.slice(2)}! `}Sent to: ${oneLine(destinationText(d), 300)} (service ${safeText(d.service)}; ${oneLine(choiceText(d), 300)})`,
  );
}

/** The proposal as a reviewer reads it, one line per service and slot. */
export function describeProposal(p: Proposal): string[] {
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(13)}${indented(value, " ".repeat(13))}`);
  field("Proposal", p.id);
  field("Raised by", oneLine(principalText(p.raised_by), 400));
  field("Vault", p.vault);
  field("Status", p.status === "pending" ? `pending (expires ${p.expires_at})` : `${p.status}${p.reviewed_at ? ` (${p.reviewed_at})` : ""}`);
  field("Created", p.created_at);
  field("Message", p.message || "(none)");
  if (p.user_message) field("For the user", p.user_message);
  if (p.review_note) field("Review note", p.review_note);

  lines.push("", p.services.length === 0 ? "Services: none" : "Services:");
  for (const s of p.services) {
    if (s.action === "delete") {
      lines.push(`  delete  ${safeText(s.name)}`);
      continue;
    }
    const upstream = s.upstream ? ` via ${oneLine(s.upstream, 80)}` : "";
    lines.push(`  set     ${safeText(s.name)}  ${oneLine(s.host ?? "", 80)}${upstream}  ${proposedAuth(s.auth)}`);
    if (s.description) lines.push(`          ${indented(s.description, "          ")}`);
    // Its rules in words; each loosening of the service it replaces starts with "!", old → new.
    for (const rule of rulesInWords(s)) lines.push(`          ${oneLine(rule, 300)}`);
    for (const l of s.loosens ?? []) lines.push(`        ! Loosens ${l.rule}: ${oneLine(l.from, 200)} → ${oneLine(l.to, 200)}`);
  }

  lines.push("", p.credentials.length === 0 ? "Credentials: none" : "Credentials:");
  for (const c of p.credentials) {
    if (c.action === "delete") {
      lines.push(`  delete  ${safeText(c.key)}`);
      continue;
    }
    lines.push(`  set     ${safeText(c.key)}  ${slotValueText(c, p.status)}`);
    const pad = "          ";
    lines.push(...destinationLines(c, pad));
    if (c.description) lines.push(`${pad}${indented(c.description, pad)}`);
    if (c.obtain) lines.push(`${pad}Get it at: ${oneLine(c.obtain, 2000)}`);
    if (c.obtain_instructions) lines.push(`${pad}How: ${indented(c.obtain_instructions, `${pad}     `)}`);
  }
  return lines;
}

/** What a slot's hidden prompt is preceded by, so the approver knows what to paste. */
export function slotAnnouncement(slot: CredentialSlot): string {
  const parts = [slot.description ? oneLine(slot.description, 200) : undefined, slot.obtain ? `get it at ${oneLine(slot.obtain, 500)}` : undefined].filter(
    Boolean,
  );
  return `${slot.key}${parts.length ? `: ${parts.join("; ")}` : ""}`;
}
