/**
 * Tampering with the records in D1 is caught at the index where it happened, by the edge's
 * `GET /v1/verify` and by an offline check of what the chain serves (the CLI's, with only the CA
 * key); and D1 itself refuses to rewrite or delete a record unless its guards are dropped first,
 * as only someone holding the database could.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { importCaPublicKey, verifyChain } from "../../workers/lib/crypto/chain-check.ts";
import { call, createCompany } from "./helpers.ts";
import { attest, vaneHash, wholeChain, withoutAppendOnlyGuards } from "./chain-support.ts";

/** A company whose chain holds `size` records, checked once in full. */
async function checkedChain(size: number) {
  const company = await createCompany();
  for (let n = 1; n < size; n += 1) await attest(company.ownerKey, { payload: { n } });
  const verdict = await call("GET", "/v1/verify?from=0", { token: company.ownerKey });
  expect(verdict.body).toMatchObject({ valid: true, treeSize: size, checkedFrom: 0 });
  return company;
}

const row = (companyId: string, index: number) =>
  env.DB.prepare("SELECT payload, created_at FROM chain_records WHERE company_id = ? AND record_index = ?")
    .bind(companyId, index)
    .first<{ payload: string; created_at: number }>();

const setRow = (companyId: string, index: number, values: { payload: string; created_at: number }) =>
  env.DB.prepare("UPDATE chain_records SET payload = ?, created_at = ? WHERE company_id = ? AND record_index = ?")
    .bind(values.payload, values.created_at, companyId, index)
    .run();

/** What the edge's full check and an offline check of the served chain each report. */
async function verdicts(token: string) {
  const edge = (await call("GET", "/v1/verify?from=0", { token })).body;
  const { head, records } = await wholeChain(token);
  const offline = await verifyChain({ head, records, key: await importCaPublicKey(head.caPublicKey) });
  return { edge, offline };
}

describe("a tampered, a removed and a swapped record are each caught at their index", () => {
  it("a record whose payload was rewritten in D1 fails at its index, and its served hash no longer matches", async () => {
    const company = await checkedChain(6);
    await withoutAppendOnlyGuards(async () => {
      const original = await row(company.id, 3);
      const payload = JSON.parse(original?.payload ?? "{}") as { payload: { n: number } };
      payload.payload.n = 999;
      await setRow(company.id, 3, { payload: JSON.stringify(payload), created_at: original?.created_at ?? 0 });
    });
    const { edge, offline } = await verdicts(company.ownerKey);
    expect(edge).toMatchObject({ valid: false, failedAtIndex: 3 });
    expect(edge.error).toContain("altered");
    expect(offline).toMatchObject({ valid: false, failedAtIndex: 3 });
    const served = (await call("GET", "/v1/proof/3", { token: company.ownerKey })).body.record as Parameters<typeof vaneHash>[0] & { hash: string };
    expect(await vaneHash(served)).not.toBe(served.hash);
  });

  it("a record deleted from D1 fails at its index", async () => {
    const company = await checkedChain(6);
    await withoutAppendOnlyGuards(() => env.DB.prepare("DELETE FROM chain_records WHERE company_id = ? AND record_index = 2").bind(company.id).run());
    const { edge, offline } = await verdicts(company.ownerKey);
    expect(edge).toMatchObject({ valid: false, failedAtIndex: 2 });
    expect(edge.error).toContain("missing");
    expect(offline).toMatchObject({ valid: false, failedAtIndex: 2 });
  });

  it("two records swapped in D1 fail at the first of them", async () => {
    const company = await checkedChain(6);
    await withoutAppendOnlyGuards(async () => {
      const [one, two] = await Promise.all([row(company.id, 1), row(company.id, 2)]);
      if (!one || !two) throw new Error("no rows to swap");
      await setRow(company.id, 1, two);
      await setRow(company.id, 2, one);
    });
    const { edge, offline } = await verdicts(company.ownerKey);
    expect(edge).toMatchObject({ valid: false, failedAtIndex: 1 });
    expect(offline).toMatchObject({ valid: false, failedAtIndex: 1 });
  });

  it("the routine check re-reads what was sealed since the last one (plus the head and the tree's growth), and catches tampering there", async () => {
    const company = await checkedChain(4);
    await attest(company.ownerKey, { payload: { late: 1 } });
    await attest(company.ownerKey, { payload: { late: 2 } });
    await withoutAppendOnlyGuards(async () => {
      const original = await row(company.id, 5);
      await setRow(company.id, 5, { payload: original?.payload ?? "{}", created_at: (original?.created_at ?? 0) + 1 });
    });
    const routine = await call("GET", "/v1/verify", { token: company.ownerKey });
    expect(routine.body).toMatchObject({ valid: false, failedAtIndex: 5, checkedFrom: 4 });
  });

  it("a hole below the sealed records stops sealing there, and the check names it", async () => {
    const company = await checkedChain(3);
    // Someone removes the record that was about to be sealed: it is written, then gone before any read.
    const next = await env.DB.prepare("SELECT max(record_index) + 1 AS n FROM chain_records WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    await env.DB.prepare("INSERT INTO chain_records (company_id, record_index, created_at, payload) VALUES (?, ?, ?, ?), (?, ?, ?, ?)")
      .bind(company.id, next?.n, Date.now(), "{}", company.id, (next?.n ?? 0) + 1, Date.now(), "{}")
      .run();
    await withoutAppendOnlyGuards(() => env.DB.prepare("DELETE FROM chain_records WHERE company_id = ? AND record_index = ?").bind(company.id, next?.n).run());
    const verdict = await call("GET", "/v1/verify", { token: company.ownerKey });
    expect(verdict.body).toMatchObject({ valid: false, failedAtIndex: 3, treeSize: 3 });
    expect((await call("GET", "/v1/chain/head", { token: company.ownerKey })).body.treeSize).toBe(3);
  });
});

describe("D1 keeps the records append-only", () => {
  it("rewriting or deleting a record is refused; removing its company removes its chain", async () => {
    const company = await checkedChain(2);
    const update = env.DB.prepare("UPDATE chain_records SET payload = '{}' WHERE company_id = ?").bind(company.id).run();
    await expect(update).rejects.toThrow(/append-only/);
    const remove = env.DB.prepare("DELETE FROM chain_records WHERE company_id = ?").bind(company.id).run();
    await expect(remove).rejects.toThrow(/append-only/);
    expect((await call("GET", "/v1/verify?from=0", { token: company.ownerKey })).body).toMatchObject({ valid: true, treeSize: 2 });

    await env.DB.prepare("DELETE FROM companies WHERE id = ?").bind(company.id).run();
    const left = await env.DB.prepare("SELECT count(*) AS n FROM chain_records WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
