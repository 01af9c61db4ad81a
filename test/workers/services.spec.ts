import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { createDatabase } from "../../workers/db/client.ts";
import { listVaultServices } from "../../workers/services/services.queries.ts";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { upstreamUrl } from "./upstream.ts";

type Service = {
  id: string;
  name: string;
  host: string;
  upstream: string | null;
  description: string | null;
  auth: Record<string, unknown>;
  enabled: boolean;
  position: number;
  credential_keys: string[];
  created_at: string;
  updated_at: string | null;
};
type Entry = { action: string; target_type: string; detail: Record<string, unknown> | null };

const servicesPath = (vault: string) => `/v1/vaults/${vault}/services`;
const stripe = { name: "stripe", host: "api.stripe.com", description: "Stripe API", auth: { type: "bearer", token: "STRIPE_KEY" } };

async function addService(token: string, vault: string, body: Record<string, unknown>) {
  const res = await call("POST", servicesPath(vault), { token, body });
  if (res.status !== 201) throw new Error(`addService failed: ${res.status} ${res.text}`);
  return res.body.service as Service;
}

/** Calls the app as production would run it (ALLOW_PRIVATE_UPSTREAMS=false). */
async function callProduction(method: string, path: string, token: string, body: unknown) {
  const ctx = createExecutionContext();
  const response = await buildApp().fetch(
    new Request(`${BASE}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    { ...env, ALLOW_PRIVATE_UPSTREAMS: "false" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("services: create, read, update, delete", () => {
  it("a vault admin adds a service; every field reads back; no credential values anywhere", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { STRIPE_KEY: "sk_live_secret_value" } } });

    const created = await call("POST", servicesPath(vault), { token: company.ownerKey, body: stripe });
    expect(created.status).toBe(201);
    const service = created.body.service as Service;
    expect(service).toMatchObject({
      name: "stripe",
      host: "api.stripe.com",
      upstream: null,
      description: "Stripe API",
      auth: { type: "bearer", token: "STRIPE_KEY" },
      enabled: true,
      position: 0,
      credential_keys: ["STRIPE_KEY"],
    });
    expect(service.id).toMatch(/^svc_/);
    expect(Date.parse(service.created_at)).toBeGreaterThan(0);

    const list = await call("GET", servicesPath(vault), { token: company.ownerKey });
    expect(list.status).toBe(200);
    expect(list.body.services).toEqual([service]);
    const one = await call("GET", `${servicesPath(vault)}/stripe`, { token: company.ownerKey });
    expect(one.body.service).toEqual(service);
    expect(created.text + list.text + one.text).not.toContain("sk_live_secret_value");
  });

  it("host patterns are stored in canonical form", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const cases: [string, string][] = [
      ["API.Example.com", "api.example.com"],
      ["slack.com/api", "slack.com/api/*"],
      ["*.github.com", "*.github.com"],
      ["api.example.com:8443/v1/", "api.example.com:8443/v1/*"],
    ];
    for (const [i, [raw, canonical]] of cases.entries()) {
      const service = await addService(company.ownerKey, vault, { name: `s${i}`, host: raw, auth: { type: "passthrough" } });
      expect(service.host, raw).toBe(canonical);
    }
  });

  it("every auth type is accepted; keys need not exist yet", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const auths = [
      { type: "bearer", token: "A_KEY" },
      { type: "basic", username: "B_USER", password: "B_PASS" },
      { type: "api-key", key: "C_KEY", header: "x-api-key", prefix: "Key " },
      { type: "custom", headers: { "X-Auth": "{{ D_KEY }}", "X-Tenant": "{{E_TENANT}}" } },
      { type: "passthrough" },
    ];
    const keys = [["A_KEY"], ["B_USER", "B_PASS"], ["C_KEY"], ["D_KEY", "E_TENANT"], []];
    for (const [i, auth] of auths.entries()) {
      const service = await addService(company.ownerKey, vault, { name: `auth-${i}`, host: `h${i}.example.com`, auth });
      expect(service.auth).toEqual(auth);
      expect(service.credential_keys).toEqual(keys[i]);
    }
    const apiKey = await addService(company.ownerKey, vault, { name: "default-header", host: "x.example.com", auth: { type: "api-key", key: "K" } });
    expect(apiKey.auth).toEqual({ type: "api-key", key: "K", header: "Authorization" });
  });

  it("new services append to the matching order, even after deletions", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    for (const name of ["a", "b", "c"]) await addService(company.ownerKey, vault, { name, host: `${name}.example.com`, auth: { type: "passthrough" } });
    expect((await call("DELETE", `${servicesPath(vault)}/c`, { token: company.ownerKey })).status).toBe(200);
    expect((await call("DELETE", `${servicesPath(vault)}/a`, { token: company.ownerKey })).status).toBe(200);
    const d = await addService(company.ownerKey, vault, { name: "d", host: "d.example.com", auth: { type: "passthrough" } });
    expect(d.position).toBe(2);
    const list = await call("GET", servicesPath(vault), { token: company.ownerKey });
    expect((list.body.services as Service[]).map((s) => [s.name, s.position])).toEqual([
      ["b", 1],
      ["d", 2],
    ]);
  });

  it("PATCH changes any field, including the name and enabled; DELETE removes it", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const before = await addService(company.ownerKey, vault, { ...stripe, upstream: "https://eu.api.stripe.com" });
    expect(before.upstream).toBe("https://eu.api.stripe.com");

    const disabled = await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.service).toMatchObject({ name: "stripe", enabled: false, host: "api.stripe.com", upstream: "https://eu.api.stripe.com" });

    const changed = await call("PATCH", `${servicesPath(vault)}/stripe`, {
      token: company.ownerKey,
      body: { name: "payments", host: "*.stripe.com", upstream: null, description: "", auth: { type: "api-key", key: "PAY", header: "x-key" }, enabled: true },
    });
    expect(changed.status).toBe(200);
    const after = changed.body.service as Service;
    expect(after).toMatchObject({
      id: before.id,
      name: "payments",
      host: "*.stripe.com",
      upstream: null,
      description: null,
      auth: { type: "api-key", key: "PAY", header: "x-key" },
      enabled: true,
      position: before.position,
      credential_keys: ["PAY"],
    });
    expect(after.updated_at).not.toBeNull();

    expect((await call("GET", `${servicesPath(vault)}/stripe`, { token: company.ownerKey })).status).toBe(404);
    const deleted = await call("DELETE", `${servicesPath(vault)}/payments`, { token: company.ownerKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: "payments" });
    const gone = await call("GET", `${servicesPath(vault)}/payments`, { token: company.ownerKey });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe("service_not_found");
    expect((await call("DELETE", `${servicesPath(vault)}/payments`, { token: company.ownerKey })).body.error).toBe("service_not_found");
    expect((await call("PATCH", `${servicesPath(vault)}/payments`, { token: company.ownerKey, body: { enabled: true } })).body.error).toBe("service_not_found");
  });

  it("every change is audited, with names and types only", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const service = await addService(company.ownerKey, vault, stripe);
    await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: { enabled: false, host: "api.stripe.com/v1" } });
    await call("DELETE", `${servicesPath(vault)}/stripe`, { token: company.ownerKey });
    const audit = await call("GET", "/v1/audit?limit=3", { token: company.ownerKey });
    const entries = audit.body.entries as Entry[];
    expect(entries.map((e) => e.action)).toEqual(["service.delete", "service.update", "service.create"]);
    expect(entries.every((e) => e.target_type === "service")).toBe(true);
    expect(entries[2]?.detail).toMatchObject({ vault, name: "stripe", host: "api.stripe.com", auth_type: "bearer", enabled: true });
    expect(entries[1]?.detail).toMatchObject({ vault, name: "stripe", changed: ["enabled", "host"], enabled: false, host: "api.stripe.com/v1/*" });
    expect(entries[0]?.detail).toMatchObject({ vault, name: "stripe" });
    expect(service.id).toBeTruthy();
  });
});

describe("services: conflicts", () => {
  it("names are unique per vault (409 service_exists), also on rename; the same name in another vault is fine", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const other = await createVault(company.ownerKey);
    await addService(company.ownerKey, vault, stripe);
    await addService(company.ownerKey, vault, { name: "github", host: "api.github.com", auth: { type: "bearer", token: "GH" } });
    const dup = await call("POST", servicesPath(vault), { token: company.ownerKey, body: { ...stripe, host: "other.stripe.com" } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("service_exists");
    const rename = await call("PATCH", `${servicesPath(vault)}/github`, { token: company.ownerKey, body: { name: "stripe" } });
    expect(rename.status).toBe(409);
    expect(rename.body.error).toBe("service_exists");
    expect((await call("PATCH", `${servicesPath(vault)}/github`, { token: company.ownerKey, body: { name: "github" } })).status).toBe(200);
    expect((await call("POST", servicesPath(other), { token: company.ownerKey, body: stripe })).status).toBe(201);
  });

  it("a second service with the same canonical host is refused (it could never match): 409 service_host_exists", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await addService(company.ownerKey, vault, { name: "slack", host: "slack.com/api/*", auth: { type: "bearer", token: "SLACK" } });
    const dup = await call("POST", servicesPath(vault), {
      token: company.ownerKey,
      body: { name: "slack2", host: "SLACK.com/api", auth: { type: "passthrough" } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("service_host_exists");
    expect(
      (await call("POST", servicesPath(vault), { token: company.ownerKey, body: { name: "slack-root", host: "slack.com", auth: { type: "passthrough" } } }))
        .status,
    ).toBe(201);
    const moved = await call("PATCH", `${servicesPath(vault)}/slack-root`, { token: company.ownerKey, body: { host: "slack.com/api/" } });
    expect(moved.status).toBe(409);
    expect(moved.body.error).toBe("service_host_exists");
    expect((await call("PATCH", `${servicesPath(vault)}/slack`, { token: company.ownerKey, body: { host: "slack.com/api" } })).status).toBe(200);
  });
});

describe("services: bad input is a specific 400", () => {
  it.each([
    ["*", "invalid_host"],
    ["*.com", "invalid_host"],
    ["*.co.uk", "invalid_host"],
    ["*.github.io", "invalid_host"],
    ["**.example.com", "invalid_host"],
    ["api.*.example.com", "invalid_host"],
    ["169.254.169.254", "invalid_host"],
    ["0x7f.1", "invalid_host"],
    ["2130706433", "invalid_host"],
    ["[::ffff:127.0.0.1]", "invalid_host"],
    ["metadata.google.internal", "invalid_host"],
    ["*.localhost", "invalid_host"],
    ["printer.local", "invalid_host"],
    ["user@api.example.com", "invalid_host"],
    ["api.example.com.", "invalid_host"],
    ["api.example.com:70000", "invalid_host"],
    ["exa%6dple.com", "invalid_host"],
    ["https://api.example.com", "invalid_host"],
    ["api.example.com/../x", "invalid_host"],
    ["", "invalid_host"],
  ])("host %j → %s", async (host, code) => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const res = await call("POST", servicesPath(vault), { token: company.ownerKey, body: { ...stripe, host } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(code);
  });

  it("upstream must be an https origin (400 invalid_upstream)", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    for (const upstream of [
      "https://api.example.com/v1",
      "https://api.example.com?x",
      "https://u:p@api.example.com",
      "ftp://api.example.com",
      "https://169.254.169.254",
      "http://10.0.0.1",
      "https://metadata.google.internal",
      "api.example.com",
    ]) {
      const res = await call("POST", servicesPath(vault), { token: company.ownerKey, body: { ...stripe, upstream } });
      expect(res.status, upstream).toBe(400);
      expect(res.body.error, upstream).toBe("invalid_upstream");
    }
    await addService(company.ownerKey, vault, stripe);
    const patch = await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: { upstream: "https://api.example.com/path" } });
    expect(patch.body.error).toBe("invalid_upstream");
    const badHost = await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: { host: "*.com" } });
    expect(badHost.body.error).toBe("invalid_host");
  });

  it.each([
    [{ ...stripe, auth: { type: "bearer", token: "stripe_key" } }, "invalid_request"],
    [{ ...stripe, auth: { type: "bearer", token: "sk_live_pasted_secret" } }, "invalid_request"],
    [{ ...stripe, auth: { type: "oauth2" } }, "invalid_request"],
    [{ ...stripe, auth: { type: "oauth", client_id: "c", client_secret_key: "S", token_endpoint: "ftp://auth.example.com/token" } }, "invalid_request"],
    [
      { ...stripe, auth: { type: "oauth", client_id: "c", client_secret_key: "S", token_endpoint: "https://a.example/t", refresh_token_key: "S" } },
      "invalid_request",
    ],
    [{ ...stripe, auth: { type: "custom", headers: { "X-A": "{{ lower }}" } } }, "invalid_request"],
    [{ ...stripe, auth: { type: "custom", headers: { "X-A": "a\r\nb" } } }, "invalid_request"],
    [{ ...stripe, auth: { type: "api-key", key: "K", header: "Host" } }, "invalid_request"],
    [{ ...stripe, auth: { type: "bearer", token: "K", extra: 1 } }, "unknown_field"],
    [{ ...stripe, name: "Not Valid" }, "invalid_request"],
    [{ ...stripe, name: "-x" }, "invalid_request"],
    [{ ...stripe, description: "x".repeat(501) }, "invalid_request"],
    [{ ...stripe, enabled: "yes" }, "invalid_request"],
    [{ ...stripe, surprise: true }, "unknown_field"],
    [{ name: "x", host: "x.example.com" }, "missing_field"],
    [{ auth: { type: "passthrough" }, host: "x.example.com" }, "missing_field"],
  ])("body %j → %s", async (body, code) => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const res = await call("POST", servicesPath(vault), { token: company.ownerKey, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(code);
  });

  it("an empty PATCH, a bad service name in the path and a non-JSON body are refused", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await addService(company.ownerKey, vault, stripe);
    expect((await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: {} })).status).toBe(400);
    expect((await call("PATCH", `${servicesPath(vault)}/stripe`, { token: company.ownerKey, body: { enabled: true, nope: 1 } })).body.error).toBe(
      "unknown_field",
    );
    expect((await call("GET", `${servicesPath(vault)}/BAD_NAME`, { token: company.ownerKey })).status).toBe(400);
    const malformed = await call("POST", servicesPath(vault), {
      token: company.ownerKey,
      rawBody: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe("malformed_json");
  });
});

describe("services: local dev vs production", () => {
  it("local dev (ALLOW_PRIVATE_UPSTREAMS=true) accepts loopback upstreams and hosts; production refuses them", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const local = { name: "local", host: "localhost:9000", upstream: upstreamUrl(), auth: { type: "passthrough" } };
    const dev = await call("POST", servicesPath(vault), { token: company.ownerKey, body: local });
    expect(dev.status).toBe(201);
    expect(dev.body.service).toMatchObject({ host: "localhost:9000", upstream: upstreamUrl() });

    const prodHost = await callProduction("POST", servicesPath(vault), company.ownerKey, { ...local, name: "p1" });
    expect(prodHost).toMatchObject({ status: 400, body: { error: "invalid_host" } });
    // The refusal says why a host npm start takes is refused here.
    expect(prodHost.body.message).toContain("loopback hosts are served only by a local dev edge");
    const prodUpstream = await callProduction("POST", servicesPath(vault), company.ownerKey, { ...local, name: "p2", host: "api.example.com" });
    expect(prodUpstream).toMatchObject({ status: 400, body: { error: "invalid_upstream" } });
    const prodPlainHttp = await callProduction("POST", servicesPath(vault), company.ownerKey, {
      ...local,
      name: "p3",
      host: "api.example.com",
      upstream: "http://api.example.com",
    });
    expect(prodPlainHttp).toMatchObject({ status: 400, body: { error: "invalid_upstream" } });
    const prodFine = await callProduction("POST", servicesPath(vault), company.ownerKey, {
      ...local,
      name: "p4",
      host: "api.example.com",
      upstream: "https://eu.example.com",
    });
    expect(prodFine.status).toBe(201);
  });
});

describe("services: who may read and write", () => {
  it("any vault role reads; only vault admins write; no grant is 403", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await addService(company.ownerKey, vault, stripe);
    const users = { proxy: await createUser(company), member: await createUser(company), admin: await createUser(company) };
    for (const [role, user] of Object.entries(users)) {
      expect((await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: user.email, role } })).status).toBe(200);
    }
    const stranger = await createUser(company);
    const create = (token: string, name: string) => call("POST", servicesPath(vault), { token, body: { ...stripe, name, host: `${name}.example.com` } });

    for (const user of Object.values(users)) {
      const list = await call("GET", servicesPath(vault), { token: user.token });
      expect(list.status).toBe(200);
      expect((list.body.services as Service[]).map((s) => s.name)).toEqual(["stripe"]);
      expect((await call("GET", `${servicesPath(vault)}/stripe`, { token: user.token })).status).toBe(200);
    }
    for (const user of [users.proxy, users.member]) {
      expect((await create(user.token, unique("n").slice(0, 30))).status).toBe(403);
      expect((await call("PATCH", `${servicesPath(vault)}/stripe`, { token: user.token, body: { enabled: false } })).status).toBe(403);
      expect((await call("DELETE", `${servicesPath(vault)}/stripe`, { token: user.token })).status).toBe(403);
    }
    expect((await call("GET", servicesPath(vault), { token: stranger.token })).status).toBe(403);
    expect((await create(stranger.token, "s1")).status).toBe(403);

    expect((await create(users.admin.token, "by-admin")).status).toBe(201);
    expect((await call("PATCH", `${servicesPath(vault)}/by-admin`, { token: users.admin.token, body: { enabled: false } })).status).toBe(200);
    expect((await call("DELETE", `${servicesPath(vault)}/by-admin`, { token: users.admin.token })).status).toBe(200);
    expect((await call("GET", servicesPath(vault))).status).toBe(401);
  });

  it("agents and vault sessions with the proxy role read but cannot write", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await addService(company.ownerKey, vault, stripe);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    expect((await call("GET", servicesPath(vault), { token: agent.token })).status).toBe(200);
    expect((await call("POST", servicesPath(vault), { token: agent.token, body: { ...stripe, name: "mine", host: "evil.example.com" } })).status).toBe(403);
    expect((await call("PATCH", `${servicesPath(vault)}/stripe`, { token: agent.token, body: { host: "evil.example.com" } })).status).toBe(403);

    const session = await call("POST", "/v1/sessions", { token: company.ownerKey, body: { vault } });
    expect(session.status).toBe(201);
    const token = session.body.token as string;
    expect((await call("GET", servicesPath(vault), { token })).status).toBe(200);
    expect((await call("DELETE", `${servicesPath(vault)}/stripe`, { token })).status).toBe(403);
  });

  it("another company's vault answers 404 to every call and is left untouched", async () => {
    const mine = await createCompany();
    const theirs = await createCompany();
    const vault = await createVault(theirs.ownerKey);
    await addService(theirs.ownerKey, vault, stripe);
    const calls = [
      call("GET", servicesPath(vault), { token: mine.ownerKey }),
      call("GET", `${servicesPath(vault)}/stripe`, { token: mine.ownerKey }),
      call("POST", servicesPath(vault), { token: mine.ownerKey, body: { ...stripe, name: "x", host: "x.example.com" } }),
      call("PATCH", `${servicesPath(vault)}/stripe`, { token: mine.ownerKey, body: { enabled: false } }),
      call("DELETE", `${servicesPath(vault)}/stripe`, { token: mine.ownerKey }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("api.stripe.com");
    }
    const still = await call("GET", servicesPath(vault), { token: theirs.ownerKey });
    expect((still.body.services as Service[]).map((s) => [s.name, s.enabled])).toEqual([["stripe", true]]);
  });
});

describe("listVaultServices (the proxy's read)", () => {
  it("returns parsed hosts in position order, scoped to company and vault", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const other = await createCompany();
    await addService(company.ownerKey, vault, { name: "wild", host: "*.example.com:8443/v1", auth: { type: "passthrough" } });
    const exact = await addService(company.ownerKey, vault, { name: "exact", host: "api.example.com", auth: { type: "bearer", token: "K" }, enabled: false });
    const vaultRow = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(company.id, vault).first<{ id: string }>();
    const db = createDatabase(env.DB);
    const services = await listVaultServices(db, company.id, vaultRow?.id ?? "");
    expect(services.map((s) => s.name)).toEqual(["wild", "exact"]);
    expect(services[0]?.host).toEqual({ hostname: "example.com", wildcard: true, port: 8443, pathPrefix: "/v1" });
    expect(services[0]?.hostPattern).toBe("*.example.com:8443/v1/*");
    expect(services[1]).toMatchObject({ id: exact.id, enabled: false, auth: { type: "bearer", token: "K" }, upstream: null, position: 1 });
    expect(await listVaultServices(db, other.id, vaultRow?.id ?? "")).toEqual([]);
  });
});
