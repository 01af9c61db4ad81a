/**
 * The broker attests itself: every audit event and every proxied request is a record of its
 * company's chain, written in the very statement that writes the event, so a change that lands
 * has its record and a change that fails (its guard refused it, or any statement of its batch
 * failed) leaves neither the event nor a record. Records are sealed after the commit without
 * anyone reading the chain.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditStatement } from "../../workers/db/audit.ts";
import { change, commit } from "../../workers/db/change.ts";
import { createDatabase } from "../../workers/db/client.ts";
import { companies } from "../../workers/db/schema.ts";
import { effectsOf } from "../../workers/effects.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { MAX_WEBHOOKS_PER_VAULT } from "../../workers/webhooks/webhooks.contract.ts";
import { call, createCompany, createVault } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";
import { type WireRecord, wholeChain } from "./chain-support.ts";

type AuditRow = { id: number; action: string; actor_type: string; actor_id: string; target_type: string; target_id: string; detail: string | null };
type AuditPayload = {
  source: "audit";
  auditId: number;
  actionType: string;
  actor: { type: string; id: string };
  target: { type: string; id: string };
  detail: unknown;
};

const auditRows = async (companyId: string) =>
  (await env.DB.prepare("SELECT * FROM audit_log WHERE company_id = ? ORDER BY id").bind(companyId).all<AuditRow>()).results;
const chainSize = async (companyId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM chain_records WHERE company_id = ?").bind(companyId).first<{ n: number }>())?.n ?? 0;
const auditRecords = (records: WireRecord[]) =>
  records.map((r) => r.payload as AuditPayload & { source: string }).filter((p): p is AuditPayload => p.source === "audit");

describe("every audit event is a record of its company's chain, written with it", () => {
  it("the chain holds each audit row, in the order written, with its action, actor, target and detail", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "svc", host: "svc.example.com", auth: { type: "passthrough" } },
    });
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { API_KEY: "never-in-the-chain" } } });
    const rows = await auditRows(company.id);
    expect(rows.map((r) => r.action)).toEqual(["company.create", "vault.create", "service.create", "credential.set"]);
    const { records } = await wholeChain(company.ownerKey);
    expect(auditRecords(records)).toEqual(
      rows.map((r) => ({
        source: "audit",
        companyId: company.id,
        actionType: r.action,
        auditId: r.id,
        actor: { type: r.actor_type, id: r.actor_id },
        target: { type: r.target_type, id: r.target_id },
        detail: r.detail === null ? null : JSON.parse(r.detail),
      })),
    );
    expect(JSON.stringify(records)).not.toContain("never-in-the-chain");
  });

  it("changes refused by their write-time guard leave neither an audit row nor a record (25 webhooks fired at a cap of 10)", { timeout: 60_000 }, async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        call("POST", `/v1/vaults/${vault}/webhooks`, { token: company.ownerKey, body: { url: `https://hooks.example.com/${i}` } }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(MAX_WEBHOOKS_PER_VAULT);
    const created = (await auditRows(company.id)).filter((r) => r.action === "webhook.create");
    expect(created).toHaveLength(MAX_WEBHOOKS_PER_VAULT);
    const { records } = await wholeChain(company.ownerKey);
    expect(auditRecords(records).filter((p) => p.actionType === "webhook.create")).toHaveLength(MAX_WEBHOOKS_PER_VAULT);
    expect(await chainSize(company.id)).toBe(records.length);
  });

  it("a batch that fails after its audit row was written leaves neither the row nor its record", async () => {
    const company = await createCompany();
    const db = createDatabase(env.DB);
    const before = { audit: (await auditRows(company.id)).length, chain: await chainSize(company.id) };
    const principal = { kind: "company_key", companyId: company.id, id: "key_probe", companyRole: "owner" } as const;
    // The audit row (and so its trigger's record) comes first; the second statement breaks the batch.
    const failing = change([
      auditStatement(db, principal, { action: "probe.first", targetType: "probe", targetId: "1" }),
      db.insert(companies).values({ id: company.id, name: "a company that already exists" }),
    ] as const);
    await expect(commit(db, effectsOf(env), failing)).rejects.toThrow();
    expect({ audit: (await auditRows(company.id)).length, chain: await chainSize(company.id) }).toEqual(before);
  });

  it("a commit has its records sealed without anyone reading the chain", async () => {
    const company = await createCompany();
    await createVault(company.ownerKey);
    const sealer = env.CHAIN_SEALER.getByName(`chain:${company.id}`);
    // The commit nudged the sealer: its alarm is set (within the second), and running it seals the records.
    const unsealed = await runInDurableObject(sealer, (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ledger").one().n);
    expect(unsealed).toBe(0);
    expect(await runDurableObjectAlarm(sealer)).toBe(true);
    const sealed = await runInDurableObject(sealer, (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ledger").one().n);
    expect(sealed).toBe(await chainSize(company.id));
    expect(sealed).toBe(2);
  });
});

describe("each proxied request is attested as it is logged", () => {
  it("a forwarded request and a refused one each become a record carrying their request-log row", async () => {
    const s = await proxySetup();
    expect((await proxyFetch(s, `/r/${requestId()}/v1/items?secret_query=1`)).status).toBe(200);
    expect((await proxyFetch(s, `/r/${requestId()}/x`, {}, "not-a-service.example.com")).status).toBe(403);
    await flushRequestLog();
    const logged = (
      await env.DB.prepare("SELECT id, status, path, denial FROM request_log WHERE company_id = ? ORDER BY id").bind(s.company.id).all<{
        id: number;
        status: number;
        path: string;
        denial: string | null;
      }>()
    ).results;
    expect(logged.length).toBeGreaterThanOrEqual(1);
    const { records } = await wholeChain(s.company.ownerKey);
    const attested = records
      .map((r) => r.payload as { source: string; requestId?: number; status?: number; path?: string })
      .filter((p) => p.source === "request");
    expect(attested.map((p) => [p.requestId, p.status, p.path])).toEqual(logged.map((l) => [l.id, l.status, l.path]));
    expect(JSON.stringify(attested)).not.toContain("secret_query");
  });

  it("a record says how many credential values the edge redacted from the answer (none looked for: null)", async () => {
    const s = await proxySetup({ credentials: { API_KEY: "sk_live_chain_redaction_canary_0001" } });
    const echoed = await proxyFetch(s, `/r/${requestId()}/x?shape=json`, { headers: { "X-Test-Route": "/reflect" } });
    expect(await echoed.text()).toContain("[REDACTED:API_KEY]");
    expect((await proxyFetch(s, `/r/${requestId()}/x`, {}, "not-a-service.example.com")).status).toBe(403);
    await flushRequestLog();
    const { records } = await wholeChain(s.company.ownerKey);
    const attested = records
      .map((r) => r.payload as { source: string; status?: number; redactions?: number | null })
      .filter((p) => p.source === "request")
      .map((p) => [p.status, p.redactions]);
    expect(attested).toEqual([
      [200, 2],
      [403, null],
    ]);
    expect(JSON.stringify(records)).not.toContain("sk_live_chain_redaction_canary_0001");
  });
});
