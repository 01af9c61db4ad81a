/**
 * JSON a caller stores nests at most 64 levels deep, refused with 400 before anything is written,
 * and a record stored deeper before that limit (thousands deep: deeper than RPC and the Worker's
 * serializer can recurse) still reads, proves, verifies and exports: nothing an agent sends can
 * make its company's chain unreadable or unexportable.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, inviteAgent } from "./helpers.ts";
import { importCaPublicKey, recordProblem } from "../../workers/lib/crypto/chain-check.ts";
import { attest, caKey, hex, sha256, vaneHash, vaneSignatureVerifies, type WireHead, type WireRecord } from "./chain-support.ts";

/** `[[[…]]]`, `levels` arrays deep, built without recursion (as a client's JSON.parse would). */
const nested = (levels: number): unknown => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);

async function chainSize(token: string): Promise<number> {
  return ((await call("GET", "/v1/chain/head", { token })).body as unknown as WireHead).treeSize;
}

describe("JSON a caller stores nests at most 64 levels, refused before anything is written", () => {
  it("an attestation payload 5,000 deep is 400 and adds no record; 64 levels land, 65 do not", async () => {
    const company = await createCompany();
    const before = await chainSize(company.ownerKey);
    const deep = await attest(company.ownerKey, { payload: { a: nested(5000) } });
    expect([deep.status, deep.body.error]).toEqual([400, "invalid_request"]);
    expect(deep.body.message).toContain("64 levels");
    expect(await chainSize(company.ownerKey)).toBe(before);

    // The payload itself is one level ({"a": …}), so 63 arrays inside make 64.
    expect((await attest(company.ownerKey, { payload: { a: nested(63) } })).status).toBe(201);
    expect((await attest(company.ownerKey, { payload: { a: nested(64) } })).status).toBe(400);
    expect(await chainSize(company.ownerKey)).toBe(before + 1);
  });

  it("a payload may be any JSON value, a string or null included (Vane hashes canonicalize(payload))", async () => {
    const company = await createCompany();
    for (const payload of ["a plain string", null, 42, [1, "two"]]) {
      const res = await attest(company.ownerKey, { payload });
      expect(res.status).toBe(201);
      const record = res.body as unknown as WireRecord;
      expect((record.payload as { payload: unknown }).payload).toEqual(payload);
      expect(record.hash).toBe(await vaneHash(record));
    }
  });

  it("agent metadata 5,000 deep is 400 through PATCH /v1/agents/{id} and Vane's register, and the agent keeps what it had", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    expect((await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { metadata: { team: "research" } } })).status).toBe(200);
    const patched = await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { metadata: { a: nested(5000) } } });
    expect([patched.status, patched.body.error]).toEqual([400, "invalid_request"]);
    expect(patched.body.message).toContain("64 levels");
    const edge = await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { metadata: { a: nested(64) } } });
    expect(edge.status).toBe(400);
    expect((await call("GET", `/v1/agents/${agent.name}`, { token: company.ownerKey })).body.metadata).toEqual({ team: "research" });

    const registered = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "deep-one", metadata: { a: nested(5000) } } });
    expect([registered.status, registered.body.error]).toEqual([400, "invalid_request"]);
    expect((await call("GET", "/v1/agents/deep-one", { token: company.ownerKey })).status).toBe(404);
    expect((await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "deep-one", metadata: { a: nested(63) } } })).status).toBe(
      201,
    );
  });
});

describe("a record stored 5,000 deep before the limit leaves the chain readable and exportable", () => {
  it("its page, proof, verify and export answer; it travels as payloadText, which its hash and signature cover", { timeout: 60_000 }, async () => {
    const company = await createCompany();
    expect((await attest(company.ownerKey, { payload: { before: true } })).status).toBe(201);
    // Written as the edge wrote it before payloads were limited: straight into D1, numbered max + 1.
    // As text: serializing a value this deep overflows this test's stack as it did the edge's.
    const arrays = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const payloadText = `{"actionType":"x","agentId":"researcher-1","companyId":${JSON.stringify(company.id)},"payload":{"a":${arrays}},"source":"agent"}`;
    const next = await env.DB.prepare("SELECT max(record_index) + 1 AS n FROM chain_records WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    const index = next?.n ?? -1;
    await env.DB.prepare("INSERT INTO chain_records (company_id, record_index, created_at, payload) VALUES (?, ?, ?, ?)")
      .bind(company.id, index, Date.now(), payloadText)
      .run();
    expect((await attest(company.ownerKey, { payload: { after: true } })).status).toBe(201);

    const page = await call("GET", `/v1/chain?from=${index - 1}`, { token: company.ownerKey });
    expect(page.status).toBe(200);
    const records = page.body.records as (WireRecord & { payloadText?: string })[];
    expect(records.map((r) => r.index)).toEqual([index - 1, index, index + 1]);
    const deep = records[1] as WireRecord & { payloadText: string };
    expect(deep.payload).toBeNull();
    expect(deep.payloadText).toBe(payloadText); // its keys were stored sorted, so this is its canonical JSON
    // The hash covers the canonical text as is: index|timestamp|payloadText.
    const preimage = new TextEncoder().encode(`${deep.index}|${deep.timestamp}|${deep.payloadText}`);
    expect(deep.hash).toBe(hex(await sha256(preimage)));
    const head = (await call("GET", "/v1/chain/head", { token: company.ownerKey })).body as unknown as WireHead;
    expect(await vaneSignatureVerifies(await caKey(head.caPublicKey), deep)).toBe(true);
    // What `chain verify` and `audit verify` run over an export finds nothing wrong with it.
    expect(await recordProblem(deep, await importCaPublicKey(head.caPublicKey))).toBeUndefined();
    expect(await recordProblem({ ...deep, payloadText: deep.payloadText.replace('"x"', '"y"') }, await importCaPublicKey(head.caPublicKey))).toMatch(/altered/);
    expect(records[2]?.payload).toMatchObject({ payload: { after: true } });

    const proof = await call("GET", `/v1/proof/${index}`, { token: company.ownerKey });
    expect([proof.status, (proof.body.record as { hash: string }).hash]).toEqual([200, deep.hash]);
    const verified = await call("GET", "/v1/verify?from=0", { token: company.ownerKey });
    expect([verified.status, verified.body.valid]).toEqual([200, true]);

    const exported = await SELF.fetch(`${BASE}/v1/chain/export`, { headers: { Authorization: `Bearer ${company.ownerKey}` } });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trimEnd().split("\n");
    const exportedHead = (JSON.parse(lines[0] ?? "{}") as { head: WireHead }).head;
    const exportedRecords = lines.slice(1).map((line) => JSON.parse(line) as WireRecord & { error?: string; payloadText?: string });
    expect(exportedRecords.some((r) => r.error !== undefined)).toBe(false);
    expect(exportedRecords.map((r) => r.index)).toEqual(Array.from({ length: exportedHead.treeSize }, (_, i) => i));
    expect(exportedRecords[index]?.payloadText).toBe(payloadText);
    expect(exportedRecords[index]?.hash).toBe(deep.hash);
  });
});
