import { describe, expect, it } from "vitest";
import { problemDetails, problemTitle, problemType, wantsProblemDetails } from "../../../workers/lib/http/problem-details.ts";

describe("problem details are given only when Accept asks for them", () => {
  it.each([
    ["application/problem+json", true],
    ["Application/Problem+JSON", true],
    ["application/problem+json, application/json", true],
    ["application/json;q=0.5, application/problem+json", true],
    ["application/problem+json;q=0.9, application/json;q=0.9", true],
    ["application/problem+json;q=0.5, application/json", false],
    ["application/problem+json;q=0", false],
    ["application/json", false],
    ["*/*", false],
    ["application/*", false],
    ["text/html", false],
    ["", false],
    [undefined, false],
  ])("%j → %s", (accept, wanted) => {
    expect(wantsProblemDetails(accept)).toBe(wanted);
  });
});

describe("a problem's members", () => {
  it("type and title are the code's, detail the message; the edge's own members ride beside them and never replace them", () => {
    const hint = { host: "api.github.com", endpoint: "POST /v1/proposals" };
    expect(problemDetails(403, "method_not_allowed", "DELETE is not allowed", { proposal_hint: hint, status: 999, type: "x" })).toEqual({
      type: "https://edgevault.dev/problems/method_not_allowed",
      title: "Method not allowed",
      status: 403,
      detail: "DELETE is not allowed",
      error: "method_not_allowed",
      proposal_hint: hint,
    });
  });

  it("one type URI and one title per code", () => {
    expect(problemType("forbidden")).toBe("https://edgevault.dev/problems/forbidden");
    expect(problemTitle("too_many_requests")).toBe("Too many requests");
  });
});
