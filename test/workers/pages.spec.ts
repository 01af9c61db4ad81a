import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { APPROVAL_FORM_BODY_LIMIT, FORM_BODY_LIMIT } from "../../workers/console/page-forms.ts";
import { call, createCompany, createUser, createVault, inviteAgent } from "./helpers.ts";

const ORIGIN = "https://edge.test";

async function signIn(email: string, password: string, next = "/inbox") {
  const res = await SELF.fetch(`${ORIGIN}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
    body: new URLSearchParams({ email, password, next }).toString(),
  });
  return { res, cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "" };
}

async function setup() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  // The proposal adds a service: deciding it needs an admin of the vault.
  const reviewer = await createUser(company);
  await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: reviewer.email, role: "admin" } });
  const raised = await call("POST", "/v1/proposals", {
    token: agent.token,
    headers: { "X-Vault": vault },
    body: {
      services: [{ name: "github", host: "api.github.com", auth: { type: "bearer", token: "GITHUB_TOKEN" } }],
      credentials: [
        {
          key: "GITHUB_TOKEN",
          description: "A fine-grained token",
          obtain: "https://github.com/settings/tokens",
          obtain_instructions: "Read-only on one repo",
        },
      ],
      message: "<script>alert(1)</script> I need to read issues",
    },
  });
  const approvalUrl = new URL(raised.body.approval_url as string);
  return {
    company,
    vault,
    agent,
    reviewer,
    id: raised.body.id as string,
    approvalPath: approvalUrl.pathname + approvalUrl.search,
    token: approvalUrl.searchParams.get("token") ?? "",
  };
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
const digestOf = (page: string) => /name="destinations_digest" value="([^"]+)"/.exec(page)?.[1] ?? "";

describe("web pages", () => {
  it("the approval URL asks for sign-in, then shows the request with labelled fields and a strict CSP", async () => {
    const s = await setup();
    const anonymous = await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent(s.approvalPath)}`);

    const { res, cookie } = await signIn(s.reviewer.email, s.reviewer.password, s.approvalPath);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.approvalPath);
    const page = await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    const text = await page.text();
    expect(text).toContain("api.github.com");
    expect(text).toContain('<label for="cred-GITHUB_TOKEN">');
    expect(text).toContain('id="cred-GITHUB_TOKEN" name="cred_GITHUB_TOKEN" type="password"');
    expect(text).toContain('href="https://github.com/settings/tokens" target="_blank" rel="noopener noreferrer"');
    expect(text).not.toContain("<script>alert(1)</script>");
    expect(text).toContain("&lt;script&gt;");
    expect(text).not.toMatch(/(src|href)="https?:\/\/(?!github\.com)/);
    expect(text).not.toContain("credentials go to"); // no upstream override asked for
    // Who asks, as the edge names them, and where the typed value goes (a host this agent chose, in this proposal).
    expect(text).toContain(`<h1>Request from agent ${s.agent.name}</h1>`);
    expect(text).toContain(
      `<p class="notice warn">Sent to <code>https://api.github.com</code> (service <code>github</code>): host chosen by agent ${s.agent.name} in this proposal.`,
    );
    expect(text).toMatch(/aria-describedby="cred-GITHUB_TOKEN-to cred-GITHUB_TOKEN-desc cred-GITHUB_TOKEN-how"/);
    expect(digestOf(text)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a proposal that sends credentials to another origin says so plainly", async () => {
    const s = await setup();
    const raised = await call("POST", "/v1/proposals", {
      token: s.agent.token,
      headers: { "X-Vault": s.vault },
      body: {
        services: [{ name: "gh2", host: "api.github.com", upstream: "https://collector.example.net", auth: { type: "bearer", token: "GITHUB_TOKEN" } }],
        credentials: [{ key: "GITHUB_TOKEN" }],
      },
    });
    const { cookie } = await signIn(s.reviewer.email, s.reviewer.password);
    const url = new URL(raised.body.approval_url as string);
    const text = await (await SELF.fetch(`${ORIGIN}${url.pathname}${url.search}`, { headers: { Cookie: cookie } })).text();
    expect(text).toContain("credentials go to <code>https://collector.example.net</code>, not to <code>api.github.com</code>");
  });

  it("approving through the form applies it; the typed value is never rendered back", async () => {
    const s = await setup();
    const { cookie } = await signIn(s.reviewer.email, s.reviewer.password);
    const page = await (await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { headers: { Cookie: cookie } })).text();
    const form = new URLSearchParams({
      csrf: csrfOf(page),
      token: s.token,
      action: "approve",
      destinations_digest: digestOf(page),
      cred_GITHUB_TOKEN: "ghp_typed_by_human",
    });
    const posted = await SELF.fetch(`${ORIGIN}/approve/${s.id}`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie, Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(posted.status).toBe(303);
    const after = await SELF.fetch(`${ORIGIN}${posted.headers.get("location") ?? ""}`, { headers: { Cookie: cookie } });
    const text = await after.text();
    expect(text).toContain("Approved and applied");
    expect(text).not.toContain("ghp_typed_by_human");
    expect((await call("GET", `/v1/proposals/${s.id}`, { token: s.agent.token })).body.status).toBe("applied");
  });

  it("a forged CSRF token, a foreign origin or another proposal's token is refused and changes nothing", async () => {
    const s = await setup();
    const { cookie } = await signIn(s.reviewer.email, s.reviewer.password);
    const page = await (await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { headers: { Cookie: cookie } })).text();
    const post = (fields: Record<string, string>, origin = ORIGIN) =>
      SELF.fetch(`${ORIGIN}/approve/${s.id}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: cookie, Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    const forged = await post({ csrf: "forged", token: s.token, action: "reject", reason: "x" });
    expect(forged.status).toBe(403);
    const foreign = await post({ csrf: csrfOf(page), token: s.token, action: "reject", reason: "x" }, "https://evil.example");
    expect(foreign.status).toBe(403);
    const other = await call("POST", "/v1/proposals", { token: s.agent.token, headers: { "X-Vault": s.vault }, body: { credentials: [{ key: "OTHER" }] } });
    const otherToken = new URL(other.body.approval_url as string).searchParams.get("token") ?? "";
    const wrongToken = await post({ csrf: csrfOf(page), token: otherToken, action: "reject", reason: "x" });
    expect(wrongToken.status).toBe(403);
    expect(await wrongToken.text()).toContain("another proposal");
    expect((await call("GET", `/v1/proposals/${s.id}`, { token: s.agent.token })).body.status).toBe("pending");
  });

  it("the inbox lists pending requests of vaults the reviewer can decide in", async () => {
    const s = await setup();
    const { cookie } = await signIn(s.reviewer.email, s.reviewer.password);
    const inbox = await (await SELF.fetch(`${ORIGIN}/inbox`, { headers: { Cookie: cookie } })).text();
    expect(inbox).toContain(`<a href="/approve/${s.id}">agent ${s.agent.name}: <bdi class="chosen">&lt;script&gt;`);
    expect(inbox).toContain(
      `<code>GITHUB_TOKEN</code> → <code>https://api.github.com</code> <strong>(host chosen by agent ${s.agent.name} in this proposal)</strong>`,
    );
    const outsider = await createUser(s.company);
    const other = await signIn(outsider.email, outsider.password);
    const empty = await (await SELF.fetch(`${ORIGIN}/inbox`, { headers: { Cookie: other.cookie } })).text();
    expect(empty).not.toContain(s.id);
    expect(empty).toContain("Nothing is waiting for you.");
    const direct = await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { headers: { Cookie: other.cookie } });
    expect(direct.status).toBe(403);
  });

  it("sign-in: wrong password re-renders with an error; `next` never leaves the site", async () => {
    const s = await setup();
    const wrong = await signIn(s.reviewer.email, "not the password");
    expect(wrong.res.status).toBe(401);
    expect(await wrong.res.text()).toContain("Wrong email or password");
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const { res } = await signIn(s.reviewer.email, s.reviewer.password, next);
      expect(res.headers.get("location"), next).toBe("/inbox");
    }
  });
});

describe("every form POST has a body limit", () => {
  const sessionsOf = async (userId: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM user_sessions WHERE user_id = ?").bind(userId).first<{ n: number }>())?.n;
  const expect413 = async (res: Response) => {
    expect(res.status).toBe(413);
    expect(res.headers.get("x-edgevault-error")).toBe("payload_too_large");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("payload_too_large");
  };
  /** The same bytes without Content-Length: the limit must hold while streaming too. */
  const streamed = (text: string) => new Blob([text]).stream();

  it("an oversize sign-in form is 413 and creates no session, even with the right password", async () => {
    const s = await setup();
    const before = await sessionsOf(s.reviewer.id);
    const fields = new URLSearchParams({
      email: s.reviewer.email,
      password: s.reviewer.password,
      next: "/inbox",
      padding: "x".repeat(FORM_BODY_LIMIT),
    }).toString();
    for (const body of [fields, streamed(fields)]) {
      await expect413(
        await SELF.fetch(`${ORIGIN}/sign-in`, {
          method: "POST",
          redirect: "manual",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
          body,
        }),
      );
    }
    expect(await sessionsOf(s.reviewer.id)).toBe(before);
    // The same form without the padding signs in: the limit, not the fields, refused it.
    expect((await signIn(s.reviewer.email, s.reviewer.password)).res.status).toBe(303);
    expect(await sessionsOf(s.reviewer.id)).toBe((before ?? 0) + 1);
  });

  it("oversize approval and sign-out forms are 413 and change nothing", async () => {
    const s = await setup();
    const { cookie } = await signIn(s.reviewer.email, s.reviewer.password);
    const page = await (await SELF.fetch(`${ORIGIN}${s.approvalPath}`, { headers: { Cookie: cookie } })).text();
    const post = (path: string, fields: Record<string, string>) =>
      SELF.fetch(`${ORIGIN}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: cookie, Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    await expect413(
      await post(`/approve/${s.id}`, { csrf: csrfOf(page), token: s.token, action: "approve", cred_GITHUB_TOKEN: "g".repeat(APPROVAL_FORM_BODY_LIMIT) }),
    );
    expect((await call("GET", `/v1/proposals/${s.id}`, { token: s.agent.token })).body.status).toBe("pending");
    await expect413(await post("/sign-out", { csrf: csrfOf(page), padding: "x".repeat(FORM_BODY_LIMIT) }));
    expect((await SELF.fetch(`${ORIGIN}/inbox`, { headers: { Cookie: cookie } })).status).toBe(200);
  });
});
