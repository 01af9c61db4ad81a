/** The agent skill: an agent with nothing but the edge's address fetches the protocol from it. */
import { describe, expect, it } from "vitest";
import skillFile from "../../skills/edgevault/SKILL.md?raw";
import { call } from "./helpers.ts";

describe("GET /skill.md: the agent skill, served by the edge", () => {
  it("answers without a token, as Markdown, with the repository's skills/edgevault/SKILL.md byte for byte", async () => {
    const res = await call("GET", "/skill.md");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.text).toBe(skillFile);
  });

  it("is a skill file an agent runtime can load: front matter with a name and a description", async () => {
    const res = await call("GET", "/skill.md");
    const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(res.text)?.[1] ?? "";
    expect(frontMatter).toMatch(/^name: edgevault$/m);
    expect(frontMatter).toMatch(/^description: .{40,}$/m);
  });

  it("teaches the loop the edge implements: discover, proxy, propose on 403, wait, retry", async () => {
    const { text } = await call("GET", "/skill.md");
    for (const step of ["/discover", "/proxy/", "proposal_hint", 'POST "$AGENT_VAULT_ADDR/v1/proposals"', "approval_url", "?wait=60", "applied"]) {
      expect(text).toContain(step);
    }
  });

  it("is listed in /openapi.json as a public operation", async () => {
    const res = await call("GET", "/openapi.json");
    const operation = (res.body.paths as Record<string, Record<string, { security?: unknown[] }>>)["/skill.md"]?.get;
    expect(operation).toBeDefined();
    expect(operation?.security ?? []).toEqual([]);
  });
});
