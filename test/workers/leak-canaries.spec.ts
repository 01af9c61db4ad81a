/**
 * Leak canaries: unique values stored as a credential (set directly and through a proposal's
 * approval), a password, an invite token, an approval token, a webhook secret, an agent passport
 * and a master key,
 * then every operation that could echo them is driven — reads of every GET in /openapi.json,
 * the proxy, refusals, validation errors, webhooks, master-key rotation. Every response body and
 * header, every console line of the edge and every request an outside party received is scanned.
 * A canary may appear only where the design puts it: the upstream's injected header, and the one
 * response that shows a token once. Each is looked for verbatim, percent-encoded and in base64
 * (standard and URL-safe, at every alignment inside a longer encoded text), and D1's every row is
 * scanned too. Every step's status is checked, so a setup that failed cannot leave a canary
 * unexercised, and each stored canary is shown to work (the upstream receives it).
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { BASE, createCompany, unique } from "./helpers.ts";
import { randomText, spellingsOf, urlSafe } from "./leak-scan.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

type Canary = { kind: string; value: string; spellings: string[]; allowedIn: Set<string> };
type Seen = { label: string; text: string };

/** 32 bytes of canary for the master key, base64 as MASTER_KEYS holds it. */
const masterKeyBytes = crypto.getRandomValues(new Uint8Array(32));
const MASTER_KEY_B64 = btoa(String.fromCharCode(...masterKeyBytes)).replace(/=+$/, "");

describe("leak canaries", () => {
  const seen: Seen[] = [];
  const logged: string[] = [];
  /** MASTER_KEYS as the edge is deployed with once the rotation is under way (undefined: the suite's own). */
  let deployedMasterKeys: string | undefined;
  beforeEach(() => {
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack ?? ""}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  /** Every response the test sees goes through here: status, headers and body are recorded. */
  async function send(
    label: string,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; masterKeys?: string; status?: number } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const request = new Request(path.startsWith("http") ? path : `${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: "manual",
    });
    let response: Response;
    const masterKeys = options.masterKeys ?? deployedMasterKeys;
    if (masterKeys) {
      const ctx = createExecutionContext();
      response = await buildApp().fetch(request, { ...env, MASTER_KEYS: masterKeys }, ctx);
      await waitOnExecutionContext(ctx);
    } else {
      response = await SELF.fetch(request);
    }
    const text = await response.text();
    seen.push({ label, text: `${response.status} ${JSON.stringify([...response.headers])} ${text}` });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* not JSON: scanned as text all the same */
    }
    // A step that did not do what it is there for would leave its canary unexercised.
    if (options.status !== undefined) expect(`${response.status} ${text.slice(0, 200)}`, label).toBe(`${options.status} ${text.slice(0, 200)}`);
    return { status: response.status, body: json };
  }

  it("no canary appears anywhere but where the design puts it", { timeout: 120_000 }, async () => {
    const canaries: Canary[] = [];
    const canary = (kind: string, value: string, ...allowedIn: string[]) => {
      canaries.push({ kind, value, spellings: spellingsOf(value), allowedIn: new Set(allowedIn) });
      return value;
    };
    const CREDENTIAL = canary("credential", `sk_canary_${randomText(16)}`);
    const APPROVED_CREDENTIAL = canary("credential via approval", `sk_canary_${randomText(16)}`);
    const PASSWORD = canary("password", `canary pass ${randomText(12)}`);
    canary("master key", MASTER_KEY_B64);
    // The key's bytes in the other spellings a careless log line would use.
    canaries.at(-1)?.spellings.push(urlSafe(MASTER_KEY_B64), [...masterKeyBytes].map((b) => b.toString(16).padStart(2, "0")).join(""));
    const masterKeys = `${env.MASTER_KEYS},v2:${MASTER_KEY_B64}`;

    const company = await createCompany();
    const owner = company.ownerKey;
    const vault = unique("canary").slice(0, 30);
    await send("create vault", "POST", "/v1/vaults", { token: owner, body: { name: vault }, status: 201 });
    const email = `${unique("person")}@example.com`;
    await send("create user", "POST", "/v1/users", { token: owner, body: { email, role: "owner", password: PASSWORD }, status: 201 });
    const signedIn = await send("sign in", "POST", "/v1/auth/sign-in", { body: { email, password: PASSWORD }, status: 200 });
    const person = signedIn.body.token as string;
    await send("wrong account", "POST", "/v1/auth/sign-in", { body: { email: `x${email}`, password: PASSWORD }, status: 401 });
    await send("short password", "POST", "/v1/users", { token: owner, body: { email: `y${email}`, password: PASSWORD.slice(0, 5) }, status: 400 });
    await send("bad user body", "POST", "/v1/users", { token: owner, body: { email: "not an email", password: PASSWORD, extra: PASSWORD }, status: 400 });

    // The credential, under the first master key (the Durable Objects that deliver webhooks hold only it).
    await send("set credential", "POST", "/v1/credentials", { token: owner, body: { vault, credentials: { API_KEY: CREDENTIAL } }, status: 200 });
    await send("bad credential key", "POST", "/v1/credentials", {
      token: owner,
      body: { vault, credentials: { "bad key": CREDENTIAL } },
      status: 400,
    });
    await send("credential to foreign vault", "POST", "/v1/credentials", {
      token: owner,
      body: { vault: "nope", credentials: { API_KEY: CREDENTIAL } },
      status: 404,
    });
    const host = `${unique("api").slice(0, 30)}.example.com`;
    await send("add service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } },
      status: 201,
    });

    const hookId = requestId();
    const webhook = await send("create webhook", "POST", `/v1/vaults/${vault}/webhooks`, {
      token: owner,
      body: { url: upstreamUrl(`/r/${hookId}/hook`) },
      status: 201,
    });
    canary("webhook secret", webhook.body.secret as string, "create webhook");

    const agentName = unique("agent").slice(0, 40);
    const invite = await send("invite agent", "POST", "/v1/agents/invites", {
      token: owner,
      body: { name: agentName, vaults: [{ vault, role: "member" }] },
      status: 201,
    });
    const inviteUrl = invite.body.invite_url as string;
    canary("invite token", inviteUrl.slice(inviteUrl.lastIndexOf("/") + 1), "invite agent");
    const redeemed = await send("redeem invite", "POST", new URL(inviteUrl).pathname, { status: 200 });
    const agent = redeemed.body.token as string;
    await send("redeem again", "POST", new URL(inviteUrl).pathname, { status: 410 });

    // A passport is shown once, in the answer that issues it; presented where it is no edge token, or verified, it is not echoed.
    const issuedPassport = await send("issue passport", "POST", `/v1/agents/${agentName}/passport`, {
      token: owner,
      body: { scopes: ["tool:*"] },
      status: 201,
    });
    canary("passport", issuedPassport.body.passport as string, "issue passport");
    const passportJti = issuedPassport.body.jti as string;
    await send("passport at the proxy", "GET", `/proxy/${host}/x`, {
      token: issuedPassport.body.passport as string,
      headers: { "X-Vault": vault },
      status: 401,
    });
    await send("verify passport", "POST", "/v1/passport/verify", {
      token: agent,
      body: { passport: issuedPassport.body.passport, tool: "search" },
      status: 200,
    });

    // The proxy, under the re-wrapped data key: the upstream gets the credential; the agent gets the upstream's answer only.
    const proxyId = requestId();
    await send("proxy", "GET", `/proxy/${host}/r/${proxyId}/big/64`, { token: agent, headers: { "X-Vault": vault }, status: 200 });
    await send("proxy refused", "GET", "/proxy/other.example.com/x", { token: agent, headers: { "X-Vault": vault }, status: 403 });
    // An upstream that refuses: the edge logs the reason (its only log lines), and must not log the credential.
    const downHost = `down-${host}`;
    await send("add down service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "down", host: downHost, upstream: "http://127.0.0.1:1", auth: { type: "bearer", token: "API_KEY" } },
      status: 201,
    });
    await send("proxy to a refusing upstream", "GET", `/proxy/${downHost}/x`, { token: agent, headers: { "X-Vault": vault }, status: 502 });
    const [atUpstream] = await recordedSettled(proxyId);
    expect(atUpstream?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);

    // A call held for a person, then approved: the held record, its webhook and its page never carry the credential.
    const heldHost = `held-${host}`;
    await send("add held service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "held", host: heldHost, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" }, require_approval: true },
      status: 201,
    });
    const heldCall = send("proxy held for a person", "GET", `/proxy/${heldHost}/r/${requestId()}/status/204`, { token: agent, headers: { "X-Vault": vault } });
    let heldId = "";
    while (!heldId) {
      const pending = await send("list held requests", "GET", `/v1/vaults/${vault}/requests?status=pending`, { token: person, status: 200 });
      heldId = ((pending.body.requests as { id: string }[])[0]?.id ?? "") as string;
    }
    await send("approve held request", "POST", `/v1/requests/${heldId}/approve`, { token: person, body: { for_seconds: 60 }, status: 200 });
    expect((await heldCall).status).toBe(204);

    // A proposal, approved with a new credential value.
    const raised = await send("raise proposal", "POST", "/v1/proposals", {
      token: agent,
      headers: { "X-Vault": vault },
      body: { credentials: [{ key: "OTHER_KEY", description: "another" }], message: "please" },
      status: 201,
    });
    const approvalUrl = raised.body.approval_url as string;
    // By design the approval_url also goes to the vault's webhooks (proposal.created, docs/proposals.md).
    canary("approval token", new URL(approvalUrl).searchParams.get("token") ?? "missing", "raise proposal", "webhook delivery");
    const proposal = raised.body.id as string;
    await send("approve with bad token", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL }, token: "evp_wrong_wrong" },
      status: 403,
    });
    await send("approve", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL } },
      status: 200,
    });
    await send("approve twice", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL } },
      status: 409,
    });
    // Every delivery arrived (the held call's, then the proposal's: the approval link rides on its first): the webhook canaries were exercised.
    expect((await recordedSettled(hookId, 3)).map((r) => r.headers["x-edgevault-event"])).toEqual(["request.pending", "proposal.created", "proposal.applied"]);

    // The master key rotated to the canary: the company's data key is re-wrapped under it, and the
    // edge, deployed with both keys, uses it from here on.
    const rotated = await send("rotate master key", "POST", "/v1/platform/master-key/rotate", { token: env.PLATFORM_TOKEN, masterKeys, status: 200 });
    expect(rotated.body).toEqual({ current_version: 2, rewrapped: 1, remaining: 0 });
    const wrapped = await env.DB.prepare("SELECT data_key_version FROM companies WHERE id = ?").bind(company.id).first<{ data_key_version: number }>();
    expect(wrapped?.data_key_version).toBe(2);
    deployedMasterKeys = masterKeys;
    // Both values open under the re-wrapped data key: services using them send them upstream.
    await send("add approved service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "approved", host: `approved-${host}`, upstream: upstreamUrl(), auth: { type: "bearer", token: "OTHER_KEY" } },
      status: 201,
    });
    const approvedId = requestId();
    await send("proxy with the approved credential", "GET", `/proxy/approved-${host}/r/${approvedId}/status/204`, {
      token: agent,
      headers: { "X-Vault": vault },
      status: 204,
    });
    expect((await recordedSettled(approvedId))[0]?.headers.authorization).toBe(`Bearer ${APPROVED_CREDENTIAL}`);
    const afterRotation = requestId();
    await send("proxy after the rotation", "GET", `/proxy/${host}/r/${afterRotation}/status/204`, { token: agent, headers: { "X-Vault": vault }, status: 204 });
    expect((await recordedSettled(afterRotation))[0]?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);

    // An OAuth service's connect, so its read has something to find (docs/oauth.md; its own canaries: oauth-leak-canaries.spec.ts).
    const githubAuth = {
      type: "oauth",
      client_id: "Iv1.canary",
      client_secret_key: "GH_SECRET",
      refresh_token_key: "GH_REFRESH",
      token_endpoint: "https://github.com/login/oauth/access_token",
    };
    await send("oauth service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "gh", host: "api.github.com", auth: githubAuth },
      status: 201,
    });
    const connect = await send("oauth connect", "POST", `/v1/vaults/${vault}/services/gh/oauth/connections`, {
      token: owner,
      body: { client_secret: CREDENTIAL },
      status: 201,
    });

    // Every GET of /openapi.json, as the owner and as the agent, with this company's real names and ids.
    await flushRequestLog();
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    // A CLI login waiting for a person, for its read (people only: the key is refused, the person finds it).
    const cliLogin = (await (
      await SELF.fetch(`${BASE}/v1/cli-logins`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
    ).json()) as {
      user_code: string;
    };
    const fill = (path: string) =>
      path
        .replace("{vault}", vault)
        .replace("{name}", "svc")
        .replace("{companyId}", company.id)
        .replace("{agentId}", agentName)
        .replace("{jti}", passportJti)
        .replace("{index}", "0")
        .replace("{userCode}", cliLogin.user_code)
        .replace(/^\/api\/agents\/\{id\}/, `/api/agents/${agentName}`)
        .replace(/^\/v1\/proposals\/\{id\}/, `/v1/proposals/${proposal}`)
        .replace(/^\/v1\/requests\/\{id\}/, `/v1/requests/${heldId}`)
        .replace(/\/oauth\/connections\/\{id\}$/, `/oauth/connections/${connect.body.id as string}`);
    const unread: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!("get" in methods) || path.startsWith("/proxy")) continue;
      // Reads that name their vault in the query rather than by X-Vault, and the one that needs a size.
      const query: Record<string, string> = { "/v1/sessions": `?vault=${vault}`, "/v1/chain/consistency": "?first=1" };
      const filled = `${fill(path)}${query[path] ?? ""}`;
      expect(filled, path).not.toMatch(/[{}]/);
      for (const [who, token] of [
        ["owner", owner],
        ["person", person],
        ["agent", agent],
      ] as const) {
        const read = await send(`GET ${path} as ${who}`, "GET", filled, { token, headers: { "X-Vault": vault } });
        if (who !== "agent" && read.status !== 200) unread.push(`${path} as ${who}: ${read.status}`);
      }
    }
    // The owner's reads all found what they asked for (only the agent's own WebSocket needs an agent and an upgrade, and a CLI login a person).
    expect(unread).toEqual([
      "/v1/cli-logins/{userCode} as owner: 403",
      "/v1/agents/channel as owner: 403",
      "/v1/agents/channel as person: 403",
      expect.stringMatching(/^\/v1\/companies\/\{companyId\}\/agents\/channel as owner: 4\d\d$/),
      expect.stringMatching(/^\/v1\/companies\/\{companyId\}\/agents\/channel as person: 4\d\d$/),
    ]);

    // At rest: no canary in any D1 row (credentials, data keys and secrets are encrypted, tokens and passwords hashed).
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{
      name: string;
    }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      seen.push({ label: `D1 ${name}`, text: JSON.stringify(rows.results) });
    }
    expect(tables.results.map((t) => t.name)).toEqual(
      expect.arrayContaining(["credentials", "companies", "users", "invites", "webhooks", "proposals", "request_log", "audit_log"]),
    );

    // Outside parties: the webhook receiver, and the upstream's answers as the agent saw them.
    const outside = [...(await recorded(hookId)).map((r) => ({ label: "webhook delivery", text: JSON.stringify(r) }))];
    const places = [...seen, ...logged.map((text) => ({ label: "console", text })), ...outside];
    const leaks = canaries.flatMap((c) =>
      places
        .filter((p) => !c.allowedIn.has(p.label))
        .flatMap((p) =>
          c.spellings.filter((spelling) => p.text.includes(spelling)).map((spelling) => `${c.kind} in ${p.label} (as "${spelling.slice(0, 12)}…")`),
        ),
    );
    // Each canary shown once by design is really shown there (the scan would catch it).
    for (const c of canaries.filter((c) => c.allowedIn.size > 0)) {
      expect(
        seen.some((p) => c.allowedIn.has(p.label) && p.text.includes(c.value)),
        c.kind,
      ).toBe(true);
    }
    vi.restoreAllMocks();
    console.info(
      `leak canaries: ${canaries.length} canaries, ${seen.length} responses, ${logged.length} edge log lines and ${outside.length} outside deliveries scanned`,
    );
    expect(leaks).toEqual([]);
    expect(seen.length).toBeGreaterThan(100);
    expect(logged.length).toBeGreaterThan(0);
  });
});
