/**
 * Leak canaries: unique values stored as a credential (set directly and through a proposal's
 * approval), a password, an invite token, an approval token, a webhook secret and a master key,
 * then every operation that could echo them is driven — reads of every GET in /openapi.json,
 * the proxy, refusals, validation errors, webhooks, master-key rotation. Every response body and
 * header, every console line of the edge and every request an outside party received is scanned.
 * A canary may appear only where the design puts it: the upstream's injected header, and the one
 * response that shows a token once.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { BASE, createCompany, unique } from "./helpers.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

type Canary = { kind: string; value: string; allowedIn: Set<string> };
type Seen = { label: string; text: string };

const randomText = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
/** 32 bytes of canary for the master key, base64 as MASTER_KEYS holds it. */
const masterKeyBytes = crypto.getRandomValues(new Uint8Array(32));
const MASTER_KEY_B64 = btoa(String.fromCharCode(...masterKeyBytes)).replace(/=+$/, "");

describe("leak canaries", () => {
  const seen: Seen[] = [];
  const logged: string[] = [];
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
    options: { token?: string; body?: unknown; headers?: Record<string, string>; masterKeys?: string } = {},
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
    if (options.masterKeys) {
      const ctx = createExecutionContext();
      response = await buildApp().fetch(request, { ...env, MASTER_KEYS: options.masterKeys }, ctx);
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
    return { status: response.status, body: json };
  }

  it("no canary appears anywhere but where the design puts it", { timeout: 120_000 }, async () => {
    const canaries: Canary[] = [];
    const canary = (kind: string, value: string, ...allowedIn: string[]) => {
      canaries.push({ kind, value, allowedIn: new Set(allowedIn) });
      return value;
    };
    const CREDENTIAL = canary("credential", `sk_canary_${randomText(16)}`);
    const APPROVED_CREDENTIAL = canary("credential via approval", `sk_canary_${randomText(16)}`);
    const PASSWORD = canary("password", `canary pass ${randomText(12)}`);
    canary("master key", MASTER_KEY_B64);
    const masterKeys = `${env.MASTER_KEYS},v2:${MASTER_KEY_B64}`;

    const company = await createCompany();
    const owner = company.ownerKey;
    const vault = unique("canary").slice(0, 30);
    await send("create vault", "POST", "/v1/vaults", { token: owner, body: { name: vault } });
    const email = `${unique("person")}@example.com`;
    await send("create user", "POST", "/v1/users", { token: owner, body: { email, role: "owner", password: PASSWORD } });
    const signedIn = await send("sign in", "POST", "/v1/auth/sign-in", { body: { email, password: PASSWORD } });
    const person = signedIn.body.token as string;
    await send("wrong account", "POST", "/v1/auth/sign-in", { body: { email: `x${email}`, password: PASSWORD } });
    await send("short password", "POST", "/v1/users", { token: owner, body: { email: `y${email}`, password: PASSWORD.slice(0, 5) } });
    await send("bad user body", "POST", "/v1/users", { token: owner, body: { email: "not an email", password: PASSWORD, extra: PASSWORD } });

    // The credential, under a second master key (the canary) that becomes the current one.
    await send("set credential", "POST", "/v1/credentials", { token: owner, body: { vault, credentials: { API_KEY: CREDENTIAL } }, masterKeys });
    await send("bad credential key", "POST", "/v1/credentials", { token: owner, body: { vault, credentials: { "bad key": CREDENTIAL } }, masterKeys });
    await send("credential to foreign vault", "POST", "/v1/credentials", { token: owner, body: { vault: "nope", credentials: { API_KEY: CREDENTIAL } } });
    await send("rotate master key", "POST", "/v1/platform/master-key/rotate", { token: env.PLATFORM_TOKEN, masterKeys });
    const host = `${unique("api").slice(0, 30)}.example.com`;
    await send("add service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } },
      masterKeys,
    });

    const hookId = requestId();
    const webhook = await send("create webhook", "POST", `/v1/vaults/${vault}/webhooks`, { token: owner, body: { url: upstreamUrl(`/r/${hookId}/hook`) } });
    canary("webhook secret", webhook.body.secret as string, "create webhook");

    const invite = await send("invite agent", "POST", "/v1/agents/invites", {
      token: owner,
      body: { name: unique("agent").slice(0, 40), vaults: [{ vault, role: "member" }] },
    });
    const inviteUrl = invite.body.invite_url as string;
    canary("invite token", inviteUrl.slice(inviteUrl.lastIndexOf("/") + 1), "invite agent");
    const redeemed = await send("redeem invite", "POST", new URL(inviteUrl).pathname);
    const agent = redeemed.body.token as string;
    await send("redeem again", "POST", new URL(inviteUrl).pathname);

    // The proxy: the upstream gets the credential; the agent gets the upstream's answer only.
    const proxyId = requestId();
    await send("proxy", "GET", `/proxy/${host}/r/${proxyId}/big/64`, { token: agent, headers: { "X-Vault": vault }, masterKeys });
    await send("proxy refused", "GET", `/proxy/other.example.com/x`, { token: agent, headers: { "X-Vault": vault }, masterKeys });
    // An upstream that refuses: the edge logs the reason (its only log lines), and must not log the credential.
    const downHost = `down-${host}`;
    await send("add down service", "POST", `/v1/vaults/${vault}/services`, {
      token: owner,
      body: { name: "down", host: downHost, upstream: "http://127.0.0.1:1", auth: { type: "bearer", token: "API_KEY" } },
      masterKeys,
    });
    await send("proxy to a refusing upstream", "GET", `/proxy/${downHost}/x`, { token: agent, headers: { "X-Vault": vault }, masterKeys });
    const [atUpstream] = await recordedSettled(proxyId);
    expect(atUpstream?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);

    // A proposal, approved with a new credential value.
    const raised = await send("raise proposal", "POST", "/v1/proposals", {
      token: agent,
      headers: { "X-Vault": vault },
      body: { credentials: [{ key: "OTHER_KEY", description: "another" }], message: "please" },
    });
    const approvalUrl = raised.body.approval_url as string;
    // By design the approval_url also goes to the vault's webhooks (proposal.created, docs/proposals.md).
    canary("approval token", new URL(approvalUrl).searchParams.get("token") ?? "missing", "raise proposal", "webhook delivery");
    const proposal = raised.body.id as string;
    await send("approve with bad token", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL }, token: "evp_wrong_wrong" },
      masterKeys,
    });
    await send("approve", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL } },
      masterKeys,
    });
    await send("approve twice", "POST", `/v1/proposals/${proposal}/approve`, {
      token: person,
      body: { credentials: { OTHER_KEY: APPROVED_CREDENTIAL } },
      masterKeys,
    });
    await recordedSettled(hookId, 1);

    // Every GET of /openapi.json, as the owner and as the agent, with this company's names.
    await flushRequestLog();
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const fill = (path: string) =>
      path
        .replace("{vault}", vault)
        .replace("{name}", "svc")
        .replace("{companyId}", company.id)
        .replace(/\{(agentId|id|agent|userId|realm|suffix)\}/g, "x");
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!("get" in methods) || path.startsWith("/proxy")) continue;
      for (const [who, token] of [
        ["owner", owner],
        ["person", person],
        ["agent", agent],
      ] as const) {
        await send(`GET ${path} as ${who}`, "GET", fill(path), { token, headers: { "X-Vault": vault }, masterKeys });
      }
    }

    // Outside parties: the webhook receiver, and the upstream's answers as the agent saw them.
    const outside = [...(await recorded(hookId)).map((r) => ({ label: "webhook delivery", text: JSON.stringify(r) }))];
    const places = [...seen, ...logged.map((text) => ({ label: "console", text })), ...outside];
    const leaks = canaries.flatMap((c) => places.filter((p) => p.text.includes(c.value) && !c.allowedIn.has(p.label)).map((p) => `${c.kind} in ${p.label}`));
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
