/**
 * Who asks and where a value goes, in a reviewer's words: the one wording the approval page, the
 * inbox and the CLI share. Pure (no bindings); callers escape for their medium. Names come from
 * the edge (`PrincipalRef`), and the only text a principal chose for itself, a session's label,
 * is always quoted and after the principal it belongs to.
 */
import type { PrincipalRef, SlotDestination } from "./proposals.contract.ts";

type Destination = Pick<SlotDestination, "host" | "upstream">;

/**
 * Chosen by an agent: by an agent, or by anyone through a vault session — a session is what
 * `vault run` hands the agent it wraps, so what a session does is what an agent does.
 */
export const chosenByAgent = (ref: PrincipalRef): boolean => ref.kind === "agent" || ref.via !== undefined;

/**
 * "agent deploy-bot", "ada@example.com", "API key “ci”"; through a session, its minter first:
 * "agent deploy-bot, through its session “nightly”".
 */
export function principalText(ref: PrincipalRef | undefined): string {
  if (!ref) return "a raiser recorded before Edgevault named them";
  const who = ref.kind === "agent" ? `agent ${ref.name}` : ref.kind === "user" ? ref.name : `API key “${ref.name}”`;
  if (!ref.via) return who;
  return `${who}, through ${ref.kind === "user" ? "their" : "its"} session ${ref.via.label ? `“${ref.via.label}”` : ref.via.id}`;
}

/** Where a service sends its credentials: the upstream override, else the host over https (no path). */
export function destinationOf(hostPattern: string, upstream: string | null | undefined): string {
  return upstream ?? `https://${hostPattern.split("/")[0] ?? hostPattern}`;
}

export const destinationText = (d: Destination): string => destinationOf(d.host, d.upstream);

/**
 * Who chose a destination: "host chosen by agent deploy-bot on 2026-11-23", "host chosen by agent
 * deploy-bot in this proposal", "set by ada@example.com on 2026-11-20".
 */
export function choiceText(d: Pick<SlotDestination, "proposed" | "chosen_by" | "chosen_at" | "chosen_by_agent">): string {
  if (!d.chosen_by) return "set before Edgevault recorded who sets destinations";
  const when = d.proposed ? " in this proposal" : d.chosen_at ? ` on ${d.chosen_at.slice(0, 10)}` : "";
  return `${d.chosen_by_agent ? "host chosen by" : "set by"} ${principalText(d.chosen_by)}${when}`;
}
