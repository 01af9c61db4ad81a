/** Capabilities (seed 004): only the known ones are granted or filtered by. */
import { badRequest } from "../lib/app-error.ts";
import { CAPABILITIES } from "./agents.contract.ts";

const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set(CAPABILITIES);

/** The distinct capabilities asked for; an unknown one is a 400 that lists the known ones. */
export function requireKnownCapabilities(list: readonly string[]): string[] {
  const wanted = [...new Set(list)];
  const unknown = wanted.filter((c) => !KNOWN_CAPABILITIES.has(c));
  if (unknown.length > 0) {
    throw badRequest("unknown_capability", `Unknown capability: ${unknown.join(", ")}`, { availableCapabilities: CAPABILITIES });
  }
  return wanted;
}
