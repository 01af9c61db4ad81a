/**
 * SPIFFE IDs for agents: `spiffe://{trustDomain}/company/{companyId}/agent/{agentName}`.
 *
 * The SPIFFE ID spec allows no escaping: a trust domain is lowercase `[a-z0-9._-]` (≤ 255
 * bytes), each path segment `[A-Za-z0-9._-]` and neither empty, `.` nor `..`, the whole ID
 * ≤ 2048 bytes. Anything outside that is refused (400 `invalid_spiffe_id`), never
 * percent-encoded: Vane percent-encoded agent IDs into the path, which standard validators reject.
 */
import { AppError } from "../app-error.ts";

export const SPIFFE_SCHEME = "spiffe://";
export const MAX_SPIFFE_ID_BYTES = 2048;
export const MAX_TRUST_DOMAIN_BYTES = 255;

const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const SEGMENT_CHARS = /^[A-Za-z0-9._-]+$/;

export type SpiffeId = { trustDomain: string; path: string[] };
export type AgentSpiffeId = { trustDomain: string; companyId: string; agentName: string };

const invalid = (message: string) => new AppError(400, "invalid_spiffe_id", message);

/** Why a trust domain is not valid, or undefined when it is. */
export function trustDomainProblem(trustDomain: string): string | undefined {
  if (trustDomain.length === 0) return "the trust domain is empty";
  if (trustDomain.length > MAX_TRUST_DOMAIN_BYTES) return `the trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  if (!TRUST_DOMAIN_CHARS.test(trustDomain)) return "the trust domain may contain only lowercase letters, digits, '.', '-' and '_'";
  return undefined;
}

/** Why a path segment is not valid, or undefined when it is. */
export function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return "path segments may not be empty";
  if (segment === "." || segment === "..") return "path segments may not be '.' or '..'";
  if (!SEGMENT_CHARS.test(segment)) return "path segments may contain only letters, digits, '.', '-' and '_'";
  return undefined;
}

/**
 * Builds an agent's SPIFFE ID, refusing (400 `invalid_spiffe_id`) any part that would need escaping.
 *
 * @example spiffeIdFor("edgevault.dev", "acme", "researcher-1")
 *   // "spiffe://edgevault.dev/company/acme/agent/researcher-1"
 */
export function spiffeIdFor(trustDomain: string, companyId: string, agentName: string): string {
  const domainProblem = trustDomainProblem(trustDomain);
  if (domainProblem) throw invalid(`Invalid SPIFFE ID: ${domainProblem}`);
  for (const [what, value] of [
    ["company id", companyId],
    ["agent name", agentName],
  ] as const) {
    const problem = segmentProblem(value);
    if (problem) throw invalid(`Invalid SPIFFE ID: the ${what} cannot be a path segment (${problem})`);
  }
  const id = `${SPIFFE_SCHEME}${trustDomain}/company/${companyId}/agent/${agentName}`;
  if (id.length > MAX_SPIFFE_ID_BYTES) throw invalid(`Invalid SPIFFE ID: longer than ${MAX_SPIFFE_ID_BYTES} bytes`);
  return id;
}

/** Parses any SPIFFE ID strictly; throws 400 `invalid_spiffe_id` with the first rule broken. */
export function parseSpiffeId(id: string): SpiffeId {
  // Every allowed character is ASCII, so characters and bytes coincide once the charset holds.
  if (id.length > MAX_SPIFFE_ID_BYTES) throw invalid(`Invalid SPIFFE ID: longer than ${MAX_SPIFFE_ID_BYTES} bytes`);
  if (!id.startsWith(SPIFFE_SCHEME)) throw invalid("Invalid SPIFFE ID: the scheme must be spiffe://");
  const rest = id.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf("/");
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const domainProblem = trustDomainProblem(trustDomain);
  if (domainProblem) throw invalid(`Invalid SPIFFE ID: ${domainProblem}`);
  if (slash === -1) return { trustDomain, path: [] };
  const path = rest.slice(slash + 1).split("/");
  for (const segment of path) {
    const problem = segmentProblem(segment);
    if (problem) throw invalid(`Invalid SPIFFE ID: ${problem}`);
  }
  return { trustDomain, path };
}

export function isValidSpiffeId(id: string): boolean {
  try {
    parseSpiffeId(id);
    return true;
  } catch {
    return false;
  }
}

/** Reads an agent SPIFFE ID (`/company/{id}/agent/{name}`); undefined for any other shape. */
export function parseAgentSpiffeId(id: string): AgentSpiffeId | undefined {
  let parsed: SpiffeId;
  try {
    parsed = parseSpiffeId(id);
  } catch {
    return undefined;
  }
  const [company, companyId, agent, agentName, ...extra] = parsed.path;
  if (company !== "company" || agent !== "agent" || !companyId || !agentName || extra.length > 0) return undefined;
  return { trustDomain: parsed.trustDomain, companyId, agentName };
}
