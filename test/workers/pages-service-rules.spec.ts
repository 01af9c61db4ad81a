/**
 * The console's service form and page carry a service's per-request rules (methods, substitutions,
 * redaction) as the services API does: written through the same action, shown in words, filled
 * again for an edit, and a bad line answered with the schema's message, never a 500.
 */
import { describe, expect, it } from "vitest";
import { call, unique } from "./helpers.ts";
import { getPage, postForm } from "./pages-support.ts";
import { consoleWorld } from "./pages-console-support.ts";
import { proxyFetch } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

describe("the console's service form writes the rules the API writes", () => {
  it("add with methods, a substitution and redaction off; the page says them in words; the edit form is filled with them; the proxy follows", async () => {
    const w = await consoleWorld();
    const host = `${unique("tw").slice(0, 30)}.example.com`;
    const added = await postForm(`/vaults/${w.vault}/services`, w.asOwner, {
      name: "twilio",
      host,
      upstream: upstreamUrl(),
      auth_type: "bearer",
      bearer_token: "API_KEY",
      methods: ["GET", "HEAD"],
      substitutions: "API_KEY __key__ query\n",
      enabled: "on",
    });
    expect(added.status).toBe(303);
    const service = (await call("GET", `/v1/vaults/${w.vault}/services/twilio`, { token: w.company.ownerKey })).body.service;
    expect(service).toMatchObject({
      methods: ["GET", "HEAD"],
      substitutions: [{ key: "API_KEY", placeholder: "__key__", in: ["query"] }],
      redact_response: false,
    });

    const page = await getPage(`/vaults/${w.vault}/services/twilio`, w.asOwner);
    expect(page.text).toContain("<li>only GET and HEAD</li>");
    expect(page.text).toContain("puts API_KEY into the query string where it reads");
    expect(page.text).toContain("redaction off");
    expect(page.text).toMatch(/<input type="checkbox" name="methods" value="GET" checked>/);
    expect(page.text).toMatch(/<input type="checkbox" name="methods" value="DELETE">/);
    expect(page.text).toContain(">API_KEY __key__ query</textarea>");
    expect(page.text).toMatch(/<input type="checkbox" name="redact_response" id="edit-redact">/);

    const agent = { agent: w.agent, vault: w.vault, host };
    const id = requestId();
    expect((await proxyFetch(agent, `/r/${id}/x?k=__key__`)).status).toBe(200);
    expect((await recorded(id))[0]?.url).toBe(`/r/${id}/x?k=secret-api-key-value`);
    expect((await proxyFetch(agent, "/x", { method: "DELETE" })).status).toBe(403);

    // Every method again, no substitutions, redaction back on: the edit writes exactly that.
    const saved = await postForm(`/vaults/${w.vault}/services/twilio`, w.asOwner, {
      intent: "edit",
      name: "twilio",
      host,
      upstream: upstreamUrl(),
      auth_type: "bearer",
      bearer_token: "API_KEY",
      substitutions: "",
      redact_response: "on",
      enabled: "on",
    });
    expect(saved.location).toBe(`/vaults/${w.vault}/services/twilio?done=saved`);
    expect((await call("GET", `/v1/vaults/${w.vault}/services/twilio`, { token: w.company.ownerKey })).body.service).toMatchObject({
      methods: null,
      substitutions: [],
      redact_response: true,
    });
  });

  it("an unsafe placeholder or a malformed line comes back with the schema's words and the form refilled", async () => {
    const w = await consoleWorld();
    const host = `${unique("bad").slice(0, 30)}.example.com`;
    for (const line of ["API_KEY account_sid", "API_KEY __k__ body", "api_key __k__"]) {
      const refused = await postForm(`/vaults/${w.vault}/services`, w.asOwner, {
        name: "bad",
        host,
        auth_type: "passthrough",
        substitutions: line,
        redact_response: "on",
        enabled: "on",
      });
      expect(refused.status, line).toBe(400);
      expect(refused.text).toContain("substitutions");
      expect(refused.text).toContain(`>${line}</textarea>`);
    }
    expect((await call("GET", `/v1/vaults/${w.vault}/services/bad`, { token: w.company.ownerKey })).status).toBe(404);
  });
});
