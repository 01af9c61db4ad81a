/**
 * The console (workers/pages/): each page held to its row of the permission table, which is its
 * API operation's; writes that land exactly as the API's (same audit, same invalidation); bad
 * input answered by the page with a notice, never a 500; and no secret on any page but the ones
 * shown once by design.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { COLUMNS, PERMISSIONS, type Rule, ruleFor } from "../../workers/auth/permission-table.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createCompany, createUser, createVault, unique } from "./helpers.ts";
import { getPage, ORIGIN, PASSWORD, postForm } from "./pages-support.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";
import { consoleWorld, navOf, SECRET } from "./pages-console-support.ts";

describe("every console page is a row of the permission table, with its API operation's cells", () => {
  it("a person's cells are the mirrored operation's; nobody else reaches a page", () => {
    const pages = Object.entries(PERMISSIONS as Record<string, Rule>).flatMap(([operation, rule]) =>
      rule.surface === "page" && rule.access !== "platform" && rule.mirrors ? [{ operation, rule, mirrors: rule.mirrors }] : [],
    );
    expect(pages.length).toBeGreaterThan(25);
    for (const { operation, rule, mirrors } of pages) {
      const mirrored = ruleFor(mirrors);
      expect(mirrored, `${operation} mirrors ${mirrors}`).toBeDefined();
      if (rule.access === "public") {
        expect(mirrored?.access, operation).toBe("public");
        continue;
      }
      expect(mirrored?.access, operation).toBe("principal");
      if (mirrored?.access !== "principal" || rule.access !== "principal") continue;
      for (const column of COLUMNS) {
        const want = column === "owner" || column === "member" ? mirrored.cells[column] : "deny";
        expect(rule.cells[column], `${operation} × ${column}`).toBe(want);
      }
    }
  });
});

describe("who sees what", () => {
  it("the menu offers an owner every page and a member only theirs; pages answer with the approval pages' headers", async () => {
    const w = await consoleWorld();
    const owner = await getPage("/agents", w.asOwner);
    expect(owner.status).toBe(200);
    expect(navOf(owner.text)).toEqual(["/inbox", "/agents", "/registrations", "/vaults", "/users", "/api-keys", "/audit", "/sso"]);
    expect(owner.text).toContain('<a href="/agents" aria-current="page">Agents</a>');
    expect(owner.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(owner.headers.get("x-frame-options")).toBe("DENY");
    expect(owner.headers.get("cache-control")).toBe("no-store");
    expect(owner.headers.get("referrer-policy")).toBe("same-origin");
    const member = await getPage("/agents", w.asMember);
    expect(navOf(member.text)).toEqual(["/inbox", "/agents", "/vaults"]);
  });

  it("a member is refused the owners' pages with a 403 page, and their forms with it too", async () => {
    const w = await consoleWorld();
    for (const path of ["/users", "/api-keys", "/audit", "/registrations", "/sso"]) {
      const res = await getPage(path, w.asMember);
      expect(res.status, path).toBe(403);
      expect(res.headers.get("content-type"), path).toContain("text/html");
      expect(res.text, path).toContain("A member cannot do this");
    }
    const invite = await postForm("/users", w.asMember, { email: `${unique("x")}@example.com`, role: "owner" });
    expect(invite.status).toBe(403);
    const key = await postForm("/api-keys", w.asMember, { label: "mine" });
    expect(key.status).toBe(403);
    const rotate = await postForm(`/agents/${w.agent.name}/rotate`, w.asMember, { confirm: "yes" });
    expect(rotate.status).toBe(403);
    expect((await call("GET", "/v1/api-keys", { token: w.company.ownerKey })).body.api_keys).toHaveLength(1);
  });

  it("a vault of another company is 404, one without a role 403, and the traffic page needs admin", async () => {
    const w = await consoleWorld();
    const other = await createCompany();
    const foreign = await createVault(other.ownerKey, unique("foreign"));
    const missing = await getPage(`/vaults/${foreign}`, w.asOwner);
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain(other.id);
    expect((await getPage(`/vaults/${foreign}/traffic`, w.asOwner)).status).toBe(404);
    expect((await getPage(`/vaults/${w.vault}`, w.asMember)).status).toBe(403);
    await call("POST", `/v1/vaults/${w.vault}/users`, { token: w.company.ownerKey, body: { email: w.member.email, role: "member" } });
    const vault = await getPage(`/vaults/${w.vault}`, w.asMember);
    expect(vault.status).toBe(200);
    // A member reads services and credential names, may set a value, and sees no admin section.
    expect(vault.text).toContain(`action="/vaults/${w.vault}/credentials"`);
    expect(vault.text).not.toContain("<h3>People</h3>"); // GET /v1/vaults/{vault}/users: admins
    expect(vault.text).toContain("<h3>Agents</h3>"); // GET /v1/vaults/{vault}/agents: members
    expect(vault.text).not.toContain('id="webhooks"');
    expect(vault.text).not.toContain("/traffic");
    expect((await getPage(`/vaults/${w.vault}/traffic`, w.asMember)).status).toBe(403);
    expect((await postForm(`/vaults/${w.vault}/services`, w.asMember, { name: "x", host: "x.example.com", auth_type: "passthrough" })).status).toBe(403);
  });

  it("another company's agent, registration, user, API key and webhook are not found, and stay as they were", async () => {
    const w = await consoleWorld();
    const b = await proxySetup();
    const reg = await call("POST", `/v1/companies/${b.company.id}/agents/register`, {
      headers: { "CF-Connecting-IP": "198.51.100.9" },
      body: { name: unique("breg").slice(0, 30), capabilities: ["api_call"] },
    });
    const bUser = await createUser(b.company);
    const bKey = ((await call("GET", "/v1/api-keys", { token: b.company.ownerKey })).body.api_keys as { id: string }[])[0]?.id ?? "";
    const hook = await call("POST", `/v1/vaults/${b.vault}/webhooks`, { token: b.company.ownerKey, body: { url: "https://hooks.example.com/b" } });
    const tries: [string, Promise<{ status: number; text: string }>][] = [
      ["agent page", getPage(`/agents/${b.agent.name}`, w.asOwner)],
      ["agent delete", postForm(`/agents/${b.agent.name}/delete`, w.asOwner, { confirm: "yes" })],
      ["agent status", postForm(`/agents/${b.agent.name}/status`, w.asOwner, { status: "disabled", confirm: "yes" })],
      ["registration", postForm(`/registrations/${reg.body.registrationId as string}/approve`, w.asOwner, { capabilities: ["api_call"] })],
      ["user role", postForm(`/users/${bUser.id}/role`, w.asOwner, { role: "owner" })],
      ["user delete", postForm(`/users/${bUser.id}/delete`, w.asOwner, { confirm: "yes" })],
      ["api key", postForm(`/api-keys/${bKey}/revoke`, w.asOwner, { confirm: "yes" })],
      ["webhook", postForm(`/vaults/${w.vault}/webhooks/${hook.body.id as string}/delete`, w.asOwner)],
      ["vault service", getPage(`/vaults/${b.vault}/services/svc`, w.asOwner)],
      ["vault credential", postForm(`/vaults/${b.vault}/credentials`, w.asOwner, { key: "API_KEY", value: "overwrite" })],
    ];
    for (const [what, res] of tries) {
      const done = await res;
      expect(done.status, what).toBe(404);
      expect(done.text, what).not.toContain(b.company.id);
    }
    expect((await call("GET", `/v1/agents/${b.agent.name}`, { token: b.company.ownerKey })).body.status).toBe("active");
    expect((await call("GET", "/v1/whoami", { token: bUser.token })).status).toBe(200);
    expect((await proxyFetch(b, `/r/${requestId()}/x`)).status).toBe(200);
  });

  it("bad input is answered by a page, never a 500", async () => {
    const w = await consoleWorld();
    // [path, the status its page answers]: each bad input has one right answer.
    const gets: [string, number][] = [
      ["/agents?page=0", 400],
      ["/agents?page=abc&pageSize=100000", 400],
      [`/agents?q=${"x".repeat(500)}`, 400],
      ["/agents?realm=no-such-realm", 400],
      ["/agents/%E2%80%AE%00", 404],
      [`/vaults/${w.vault}/traffic?before=-1&status=700`, 400],
      [`/vaults/${w.vault}/services/NO_SUCH`, 404],
      ["/vaults/UPPER", 404],
      ["/audit?until=2026-13-45T00:00", 400],
      ["/audit?since=2026-02-31", 400],
      ["/audit?actor=agt_unknown&before=abc", 400],
      [`/accept/${"a".repeat(300)}`, 410],
    ];
    const answered: [string, number][] = [];
    for (const [path] of gets) {
      const res = await getPage(path, w.asOwner);
      answered.push([path, res.status]);
      expect(res.headers.get("content-type"), path).toContain("text/html");
    }
    expect(answered).toEqual(gets);
    const posts: [string, Record<string, string | string[]>, number][] = [
      [`/vaults/${w.vault}/services`, { name: "x", host: "", auth_type: "magic" }, 400],
      [`/vaults/${w.vault}/services`, { name: "ok-name", host: "api.example.com", auth_type: "custom", custom_headers: "Host: {{ NOT A KEY }}" }, 400],
      [`/vaults/${w.vault}/services/svc`, { intent: "edit", name: "svc", host: "*", auth_type: "bearer" }, 400],
      [`/vaults/${w.vault}/credentials`, { key: "lower", value: "x" }, 400],
      [`/vaults/${w.vault}/credentials`, { key: "FINE" }, 400],
      [`/vaults/${w.vault}/settings`, { unmatched_host_policy: "explode", rate_per_second: "lots" }, 400],
      [`/vaults/${w.vault}/webhooks`, { url: "not a url" }, 400],
      ["/agent-invites", { name: "x", ttl_seconds: "-5", [`grant_${w.vault}`]: "god" }, 400],
      ["/agent-invites/%25/revoke", {}, 400],
      ["/users", { email: "not-an-email", role: "king" }, 400],
      ["/api-keys", { label: "x".repeat(500) }, 400],
      ["/registrations/reg_nothing/approve", { capabilities: ["x".repeat(100)] }, 400],
      ["/registrations/reg_nothing/reject", { reason: "x".repeat(5000) }, 400],
    ];
    const posted: [string, Record<string, string | string[]>, number][] = [];
    for (const [path, fields] of posts) {
      const res = await postForm(path, w.asOwner, fields);
      posted.push([path, fields, res.status]);
      expect(res.text, path).toMatch(/class="notice error"/);
    }
    expect(posted).toEqual(posts);
    const broken = await SELF.fetch(`${ORIGIN}/api-keys`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: w.asOwner.cookie, Origin: ORIGIN, "Content-Type": "multipart/form-data; boundary=nope" },
      body: "--not-the-boundary\r\ngarbage",
    });
    expect(broken.status).toBe(400);
  });

  it("without a person's cookie session a page sends you to sign in: no token, a bearer token, an API key or agent token as cookie", async () => {
    const w = await consoleWorld();
    for (const as of [undefined, { bearer: w.owner.token }, { bearer: w.company.ownerKey }, { rawCookie: w.company.ownerKey }, { rawCookie: w.agent.token }]) {
      const res = await getPage("/vaults", as);
      expect(res.status).toBe(303);
      expect(res.location).toBe("/sign-in?next=%2Fvaults");
    }
    const post = await postForm("/api-keys", undefined, { label: "x" });
    expect(post.status).toBe(303);
    expect(post.location).toBe("/sign-in?next=%2Finbox");
  });

  it("a forged CSRF token or another origin is refused and changes nothing", async () => {
    const w = await consoleWorld();
    const forged = await postForm(`/agents/${w.agent.name}/delete`, w.asOwner, { csrf: "forged", confirm: "yes" });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("The form expired or was forged");
    const foreign = await postForm(`/agents/${w.agent.name}/delete`, w.asOwner, { confirm: "yes" }, "https://evil.example");
    expect(foreign.status).toBe(403);
    expect((await call("GET", `/v1/agents/${w.agent.name}`, { token: w.company.ownerKey })).status).toBe(200);
  });
});

describe("no secret on any page", () => {
  it("no page shows a credential value, a password, a token or the owner key; a value typed in the form never comes back", async () => {
    const w = await consoleWorld();
    const typed = `typed-${crypto.randomUUID()}`;
    const stored = await postForm(`/vaults/${w.vault}/credentials`, w.asOwner, { key: "API_KEY", value: typed });
    expect(stored.status).toBe(303);
    expect(stored.location).toBe(`/vaults/${w.vault}?done=credential`);
    expect(stored.text).not.toContain(typed);
    const secrets = [SECRET, typed, w.agent.token, w.company.ownerKey, w.owner.token, w.asOwner.cookie.split("=")[1] ?? "", PASSWORD];
    await proxyFetch(w, `/r/${requestId()}/x`);
    await flushRequestLog();
    const paths = [
      "/inbox",
      "/agents",
      `/agents/${w.agent.name}`,
      "/agent-invites",
      "/registrations",
      "/vaults",
      `/vaults/${w.vault}`,
      `/vaults/${w.vault}/services/svc`,
      `/vaults/${w.vault}/traffic`,
      "/users",
      "/api-keys",
      "/audit",
    ];
    for (const path of paths) {
      const res = await getPage(path, w.asOwner);
      expect(res.status, path).toBe(200);
      for (const secret of secrets) expect(res.text.includes(secret), `${path} shows a secret`).toBe(false);
    }
    const vault = await getPage(`/vaults/${w.vault}?done=credential`, w.asOwner);
    expect(vault.text).toContain("Credential stored. Its value is not shown again.");
    expect(vault.text).toContain("<code>API_KEY</code>");
    expect(vault.text).toMatch(/id="cred-value" name="value" type="password"/);
    // The proxy now injects the typed value: the form wrote what the API writes.
    const id = requestId();
    expect((await proxyFetch(w, `/r/${id}/x`)).status).toBe(200);
  });
});
