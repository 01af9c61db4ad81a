/**
 * The attestation chain as Vane's clients see it: `POST /v1/attest` answers Vane's record, hashed
 * and signed byte for byte as Vane documents; agents attest only as themselves; concurrent appends
 * get consecutive indexes; the chain pages, exports and stays each company's own.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, inviteAgent } from "./helpers.ts";
import {
  attest,
  caKey,
  ed25519Verifies,
  hex,
  jcs,
  mth,
  referencePath,
  treeHeadData,
  unhex,
  vaneHash,
  vaneSignatureVerifies,
  type WireHead,
  type WireRecord,
  wholeChain,
} from "./chain-support.ts";

describe("an attestation record is Vane's, byte for byte", () => {
  it("POST /v1/attest answers the record: hash over index|timestamp|JCS(payload), Ed25519 over JCS(hash) under the CA key the JWK Set publishes", async () => {
    const company = await createCompany();
    const payload = { query: "EU AI Act compliance requirements", results: 10, nested: { z: 1, a: [true, null, "ü"] } };
    const res = await attest(company.ownerKey, { payload });
    expect(res.status).toBe(201);
    const record = res.body as unknown as WireRecord;
    expect(Object.keys(record).sort()).toEqual(["hash", "index", "payload", "signature", "timestamp"]);
    expect(record.index).toBe(1); // index 0 is the company's creation, attested by the broker
    expect(record.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(record.payload).toEqual({
      source: "agent",
      agentId: "researcher-1",
      companyId: company.id,
      actionType: "web-search",
      payload,
      attestedBy: { type: "company_key", id: expect.stringMatching(/^key_/) },
    });
    expect(record.hash).toBe(await vaneHash(record));
    const head = (await call("GET", "/v1/chain/head", { token: company.ownerKey })).body as unknown as WireHead;
    const jwks = await call("GET", `/v1/companies/${company.id}/jwks.json`);
    expect((jwks.body.keys as { kid: string }[]).map((k) => k.kid)).toContain(head.caKid);
    const key = await caKey(head.caPublicKey);
    expect(await vaneSignatureVerifies(key, record)).toBe(true);
    expect(await vaneSignatureVerifies(key, { ...record, hash: record.hash.replace(/^./, (c) => (c === "0" ? "1" : "0")) })).toBe(false);
  });

  it("a delegation from token exchange is verified, bound as Vane's DelegationInfo and hashed as |JCS(delegation)", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const svid = await call("GET", `/v1/agents/${agent.name}/svid`, { token: agent.token });
    const exchanged = await call("POST", "/v1/token/exchange", {
      body: {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: svid.body.svid,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      },
    });
    expect(exchanged.status).toBe(200);
    const res = await attest(agent.token, { agentId: agent.name, delegation: exchanged.body.access_token });
    expect(res.status).toBe(201);
    const record = res.body as unknown as WireRecord & { delegation: { subject: string; delegationChain: string[]; act: unknown; tokenId: string } };
    expect(record.delegation).toEqual({ subject: svid.body.spiffeId, delegationChain: [svid.body.spiffeId], act: null, tokenId: expect.any(String) });
    expect(record.hash).toBe(await vaneHash(record));
    expect(record.hash).not.toBe(await vaneHash({ ...record, delegation: undefined }));

    // An SVID is no delegation (it carries no id), another agent's exchange names someone else, and garbage is garbage.
    const other = await inviteAgent(company.ownerKey);
    expect((await attest(other.token, { agentId: other.name, delegation: exchanged.body.access_token })).body.error).toBe("invalid_delegation");
    expect((await attest(agent.token, { agentId: agent.name, delegation: svid.body.svid })).body.error).toBe("invalid_delegation");
    const garbage = await attest(agent.token, { agentId: agent.name, delegation: "not.a.token" });
    expect([garbage.status, garbage.body.error]).toEqual([400, "invalid_delegation"]);
  });

  it("bad input is a 4xx with Vane's required fields, never a 500", async () => {
    const company = await createCompany();
    const { ownerKey } = company;
    const missing = await call("POST", "/v1/attest", { token: ownerKey, body: { agentId: "a", actionType: "x" } });
    expect([missing.status, missing.body.error]).toEqual([400, "missing_field"]);
    expect((await attest(ownerKey, { agentId: "" })).status).toBe(400);
    expect((await attest(ownerKey, { actionType: "x".repeat(129) })).status).toBe(400);
    const big = await attest(ownerKey, { payload: { blob: "x".repeat(70_000) } });
    expect([big.status, big.body.error]).toEqual([413, "payload_too_large"]);
    // Vane's SDK sends companyId; the edge ignores it and records the caller's company.
    const ignored = await attest(ownerKey, { companyId: "someone-else" });
    expect((ignored.body.payload as { companyId: string }).companyId).toBe(company.id);
    expect((await call("GET", "/v1/proof/x", { token: ownerKey })).status).toBe(400);
    expect((await call("GET", "/v1/proof/99", { token: ownerKey })).status).toBe(404);
    expect((await call("GET", "/v1/proof/0?treeSize=99", { token: ownerKey })).status).toBe(400);
    expect((await call("GET", "/v1/chain/consistency?first=3&second=2", { token: ownerKey })).status).toBe(400);
    expect((await call("GET", "/v1/chain/consistency?first=1&second=99", { token: ownerKey })).status).toBe(400);
  });
});

describe("an agent attests only as itself, and only people owners and keys read the chain", () => {
  it("an agent's own attestation lands; naming another agent is 404; reading the chain is refused", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const other = await inviteAgent(company.ownerKey);
    const own = await attest(agent.token, { agentId: agent.name });
    expect(own.status).toBe(201);
    expect((own.body.payload as { attestedBy: { type: string } }).attestedBy.type).toBe("agent");
    expect((await attest(agent.token, { agentId: other.name })).status).toBe(404);
    expect((await attest(agent.token, { agentId: "no-such-agent" })).status).toBe(404);
    expect((await call("GET", "/v1/chain", { token: agent.token })).status).toBe(403);
    expect((await call("GET", "/v1/proof/0", { token: agent.token })).status).toBe(403);
    // The head is a size and a root: an agent may pin it.
    expect((await call("GET", "/v1/chain/head", { token: agent.token })).status).toBe(200);
    const member = await createUser(company, "member");
    expect((await attest(member.token, {})).status).toBe(403);
    expect((await call("GET", "/v1/chain", { token: member.token })).status).toBe(403);
  });
});

describe("one writer per company: concurrent appends never collide or skip", () => {
  it("200 concurrent appends give 200 distinct, consecutive indexes, each sealed once, in order", { timeout: 120_000 }, async () => {
    const company = await createCompany();
    const before = ((await call("GET", "/v1/chain/head", { token: company.ownerKey })).body as unknown as WireHead).treeSize;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => attest(company.ownerKey, { payload: { n } })));
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(201));
    const indexes = answers.map((a) => a.body.index as number).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 200 }, (_, i) => before + i));
    const { head, records } = await wholeChain(company.ownerKey);
    expect(head.treeSize).toBe(before + 200);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: head.treeSize }, (_, i) => i));
    // What each caller was answered is what the chain holds at that index.
    const byIndex = new Map(records.map((r) => [r.index, r]));
    for (const answer of answers) expect(byIndex.get(answer.body.index as number)).toEqual(answer.body);
    const verdict = await call("GET", "/v1/verify?from=0", { token: company.ownerKey });
    expect(verdict.body).toMatchObject({ valid: true, merkleRoot: head.rootHash, treeSize: head.treeSize });
    // Sealed many at a time, the tree is still RFC 9162's over every record, and its stored subtrees give each proof.
    const leaves = records.map((r) => unhex(r.hash));
    expect(head.rootHash).toBe(hex(await mth(leaves)));
    for (const index of [0, before + 99, head.treeSize - 1]) {
      const served = (await call("GET", `/v1/proof/${index}`, { token: company.ownerKey })).body as { proof: { sibling: string }[] };
      expect(served.proof.map((p) => p.sibling)).toEqual((await referencePath(index, leaves)).map(hex));
    }
  });
});

describe("the chain pages by index, and the export streams all of it under a signed head", () => {
  it("pages follow `next`; the NDJSON export is the head, then every record it covers; the head verifies as TreeHeadDataV2", async () => {
    const company = await createCompany();
    for (let n = 0; n < 4; n += 1) expect((await attest(company.ownerKey, { payload: { n } })).status).toBe(201);
    const first = await call("GET", "/v1/chain?limit=2", { token: company.ownerKey });
    expect(first.body).toMatchObject({ treeSize: 5, next: 2 });
    expect((first.body.records as WireRecord[]).map((r) => r.index)).toEqual([0, 1]);
    const last = await call("GET", "/v1/chain?from=4&limit=2", { token: company.ownerKey });
    expect(last.body).toMatchObject({ treeSize: 5, next: null });
    expect((await call("GET", "/v1/chain?limit=1001", { token: company.ownerKey })).status).toBe(400);

    const exported = await SELF.fetch(`${BASE}/v1/chain/export`, { headers: { Authorization: `Bearer ${company.ownerKey}` } });
    expect(exported.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = new TextDecoder()
      .decode(await exported.arrayBuffer())
      .trimEnd()
      .split("\n");
    const { head } = JSON.parse(lines[0] ?? "{}") as { head: WireHead };
    expect(head.treeSize).toBe(5);
    expect(lines.slice(1).map((line) => (JSON.parse(line) as WireRecord).index)).toEqual([0, 1, 2, 3, 4]);
    const { records } = await wholeChain(company.ownerKey);
    expect(lines.slice(1).map((line) => JSON.parse(line))).toEqual(records);
    const key = await caKey(head.caPublicKey);
    expect(await ed25519Verifies(key, head.signature, treeHeadData(head))).toBe(true);
    expect(await ed25519Verifies(key, head.signature, treeHeadData({ ...head, treeSize: head.treeSize + 1 }))).toBe(false);
  });
});

describe("a page stays small whatever the payloads", () => {
  it("a page of large records ends early, before 4 MiB, and `next` goes on from there without losing one", { timeout: 120_000 }, async () => {
    const company = await createCompany();
    const blob = "x".repeat(15_000);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, n) => attest(company.ownerKey, { payload: { n, blob } })));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const first = await call("GET", "/v1/chain?limit=1000", { token: company.ownerKey });
    const records = first.body.records as WireRecord[];
    expect(first.text.length).toBeLessThan(4.5 * 1024 * 1024);
    expect(records.length).toBeLessThan(301);
    expect(first.body.next).toBe(records.length);
    const { records: all } = await wholeChain(company.ownerKey);
    expect(all.map((r) => r.index)).toEqual(Array.from({ length: 301 }, (_, i) => i));
  });
});

describe("each company's chain is its own", () => {
  it("another company reads, proves and verifies only its own records, and its appends never show in ours", async () => {
    const a = await createCompany();
    const b = await createCompany();
    for (let n = 0; n < 3; n += 1) await attest(a.ownerKey, { payload: { secret: `a-only-${n}` } });
    await attest(b.ownerKey, { payload: { mine: "b" } });
    const seenByB = await wholeChain(b.ownerKey);
    expect(seenByB.records.map((r) => r.index)).toEqual([0, 1]);
    expect(JSON.stringify(seenByB)).not.toContain(a.id);
    expect(JSON.stringify(seenByB)).not.toContain("a-only");
    expect((await call("GET", "/v1/proof/3", { token: b.ownerKey })).status).toBe(404);
    const aHead = (await call("GET", "/v1/chain/head", { token: a.ownerKey })).body as unknown as WireHead;
    expect(aHead.treeSize).toBe(4);
    expect(seenByB.head.caKid).not.toBe(aHead.caKid);
    expect((await call("GET", "/v1/verify?from=0", { token: b.ownerKey })).body).toMatchObject({ valid: true, treeSize: 2 });
  });
});

/** Keeps the spec honest about what it imported: the independent JCS handles what the specs attest. */
describe("the specs' canonical JSON is RFC 8785's for their payloads", () => {
  it("sorts keys by code unit and writes no whitespace", () => {
    expect(jcs({ b: [1, { d: null, c: "é" }], a: true })).toBe('{"a":true,"b":[1,{"c":"é","d":null}]}');
  });
});
