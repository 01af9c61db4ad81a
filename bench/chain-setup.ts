/**
 * What the attestation chain's scenarios need in the edge: a company to append to, one whose
 * chain holds one record (its creation), and one holding 100,000. The API would take minutes to
 * append 100,000 records one by one, so they are written straight into the edge's local D1 while
 * it is stopped (as the triggers would write them: numbered from the company's next index, JSON
 * payloads), and the edge is started again on the same state; its ChainSealer seals them all
 * when the chain is first read, before anything is measured.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { launchEdge, type OwnEdge, ROOT, type TestCompany } from "../test/cli/support/edge.ts";
import { selected } from "./settings.ts";

export const BIG_CHAIN = 100_000;
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const execFileAsync = promisify(execFile);

export type ChainBench = {
  /** Appended to by `chain-append`. */
  append: TestCompany;
  /** A chain of one record. */
  single: TestCompany;
  /** A chain of BIG_CHAIN records. */
  big: TestCompany;
};

/** Whether any chain scenario is measured (`--only` may leave them out, and their setup with them). */
export const chainsMeasured = (): boolean => ["chain-append", "chain-proof-1", `chain-proof-${BIG_CHAIN}`].some(selected);

/** Measured, the edge runs without wrangler's inspector, as the floor does (test/cli/support/dev-worker.ts). */
const NO_INSPECTOR = { inspector: false } as const;

/**
 * Starts the edge; when the chain scenarios are measured, first gives a company BIG_CHAIN records
 * (stop, write D1, start again: the edge answers at a new address) and seals them.
 */
export async function launchEdgeWithChains(progress: (line: string) => void): Promise<{ edge: OwnEdge; chains?: ChainBench }> {
  const first = await launchEdge(undefined, NO_INSPECTOR);
  if (!chainsMeasured()) return { edge: first };
  const big = await first.createCompany();
  await first.crash();
  progress(`writing ${BIG_CHAIN - 1} chain records for ${big.id} into the stopped edge's D1`);
  const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG_CHAIN - 1})
    INSERT INTO chain_records (company_id, record_index, created_at, payload)
    SELECT '${big.id}', base.next + n.i - 1, 1750000000000 + n.i, json_object('source', 'bench', 'n', n.i)
    FROM n, (SELECT coalesce(max(record_index), -1) + 1 AS next FROM chain_records WHERE company_id = '${big.id}') AS base`;
  await execFileAsync(
    process.execPath,
    [WRANGLER, "d1", "execute", "DB", "--local", "--env", "dev", "--persist-to", path.join(first.identity.dir, "state"), "--command", sql],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" }, maxBuffer: 16 * 1024 * 1024 },
  );
  const edge = await launchEdge(first.identity, NO_INSPECTOR);
  const sealing = performance.now();
  const head = await edge.call("GET", "/v1/chain/head", big.ownerKey);
  const size = (head.body as { treeSize?: number } | undefined)?.treeSize;
  if (head.status !== 200 || size !== BIG_CHAIN) throw new Error(`sealing the big chain: ${head.status} ${JSON.stringify(head.body)}`);
  progress(`sealed ${BIG_CHAIN} records in ${((performance.now() - sealing) / 1000).toFixed(1)} s`);
  const [append, single] = [await edge.createCompany(), await edge.createCompany()];
  return { edge, chains: { append, single, big } };
}
