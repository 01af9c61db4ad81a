import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/lib/app-error.ts";
import { isValidSpiffeId, parseAgentSpiffeId, parseSpiffeId, spiffeIdFor } from "../../../workers/lib/crypto/spiffe.ts";

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("SPIFFE IDs for agents", () => {
  it("are spiffe://{trustDomain}/company/{companyId}/agent/{agentName}", () => {
    expect(spiffeIdFor("edgevault.dev", "acme", "researcher-1")).toBe("spiffe://edgevault.dev/company/acme/agent/researcher-1");
    expect(spiffeIdFor("td_1.example-x", "a.b_c-D", "Agent_2.v1")).toBe("spiffe://td_1.example-x/company/a.b_c-D/agent/Agent_2.v1");
    expect(parseAgentSpiffeId("spiffe://edgevault.dev/company/acme/agent/researcher-1")).toEqual({
      trustDomain: "edgevault.dev",
      companyId: "acme",
      agentName: "researcher-1",
    });
  });

  it("refuses anything that would need escaping, with 400 invalid_spiffe_id (never percent-encodes)", () => {
    const cases: [string, string, string][] = [
      ["Edgevault.dev", "acme", "a"], // uppercase trust domain
      ["edgevault.dev:8443", "acme", "a"], // port
      ["user@edgevault.dev", "acme", "a"],
      ["", "acme", "a"],
      ["x".repeat(256), "acme", "a"],
      ["edgevault.dev", "", "a"],
      ["edgevault.dev", "acme", ""],
      ["edgevault.dev", "acme", "."],
      ["edgevault.dev", "acme", ".."],
      ["edgevault.dev", "acme", "a/b"],
      ["edgevault.dev", "acme", "a%2Fb"],
      ["edgevault.dev", "acme", "with space"],
      ["edgevault.dev", "acme", "ümlaut"],
      ["edgevault.dev", "acme", "a?b"],
      ["edgevault.dev", "acme", "a#b"],
      ["edgevault.dev", "ac/me", "a"],
      ["edgevault.dev", "acme", "a".repeat(2048)],
    ];
    for (const [td, company, agent] of cases) {
      const error = refusal(() => spiffeIdFor(td, company, agent));
      expect(error.status, `${td} ${company} ${agent}`).toBe(400);
      expect(error.code).toBe("invalid_spiffe_id");
    }
  });

  it("parses strictly: scheme, trust domain, segments, length", () => {
    for (const good of ["spiffe://example.org", "spiffe://example.org/a", "spiffe://example.org/a/B.c_d-e/..f", `spiffe://x/${"a".repeat(2037)}`]) {
      expect(isValidSpiffeId(good), good).toBe(true);
    }
    for (const bad of [
      "spiffe://example.org/",
      "spiffe://example.org//a",
      "spiffe://example.org/a/./b",
      "spiffe://example.org/a/../b",
      "spiffe://example.org/a%20b",
      "spiffe://example.org/a?x=1",
      "spiffe://example.org/a#frag",
      "SPIFFE://example.org/a",
      "https://example.org/a",
      "spiffe://Example.org/a",
      "spiffe://ex ample.org/a",
      "spiffe://user@example.org/a",
      "spiffe://example.org:443/a",
      "spiffe:///a",
      `spiffe://x/${"a".repeat(2038)}`,
    ]) {
      expect(isValidSpiffeId(bad), bad).toBe(false);
      expect(refusal(() => parseSpiffeId(bad)).code).toBe("invalid_spiffe_id");
    }
  });

  it("recognises only the agent shape as an agent ID", () => {
    for (const other of [
      "spiffe://td/company/acme",
      "spiffe://td/company/acme/agent",
      "spiffe://td/company/acme/agent/a/extra",
      "spiffe://td/org/acme/agent/a",
      "spiffe://td/company/acme/user/a",
      "not a spiffe id",
    ]) {
      expect(parseAgentSpiffeId(other), other).toBeUndefined();
    }
  });
});
