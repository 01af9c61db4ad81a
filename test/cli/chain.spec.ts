/**
 * `edgevault attest`, `chain verify`, `chain export` and `audit verify` against a real edge: a
 * record is appended and printed as sealed; the chain verifies here against a pinned head, which
 * it must keep extending; an export verifies offline, and a tampered, a removed and a swapped
 * record each fail at their index, as does a forged pin or another company's.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { printed, runCli, tempConfigHome, type CliOptions } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";

type Record_ = { index: number; timestamp: string; payload: unknown; hash: string; signature: string };

/** RFC 8785 for plain JSON (sorted keys, no whitespace): what this spec attests. */
const jcs = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(jcs).join(",")}]`
    : value !== null && typeof value === "object"
      ? `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${jcs((value as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(value);

describe("edgevault attest, chain verify and audit verify", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  let pin: string;
  const cli = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => runCli(args, { configHome: home, ...options });
  const file = (name: string) => path.join(home, name);

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    pin = file("chain-head.json");
    assert.equal((await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey })).code, 0);
  });
  after(async () => {
    await edge?.stop();
  });

  it("attest appends Vane's record and prints it sealed; the payload must be JSON", async () => {
    const result = await cli(["attest", "web-search", "--agent", "researcher-1", "--payload", '{"query":"EU AI Act","results":10}', "--json"]);
    assert.equal(result.code, 0, printed(result));
    const record = JSON.parse(result.stdout) as Record_;
    assert.equal(record.index, 1);
    assert.deepEqual((record.payload as { payload: unknown }).payload, { query: "EU AI Act", results: 10 });
    // Vane's hash: index|timestamp|JCS(payload).
    assert.equal(
      createHash("sha256")
        .update(`${record.index}|${record.timestamp}|${jcs(record.payload)}`)
        .digest("hex"),
      record.hash,
    );

    const plain = await cli(["attest", "tool-call", "--agent", "researcher-1", "--payload", "[1,2]"]);
    assert.match(plain.stdout, /^Record 2 sealed at \S+: hash [0-9a-f]{64}\n$/);
    const notJson = await cli(["attest", "tool-call", "--agent", "researcher-1", "--payload", "{oops"]);
    assert.equal(notJson.code, 2, printed(notJson));
    assert.equal((await cli(["attest", "tool-call", "--agent", "researcher-1"])).code, 2);
  });

  it("chain verify checks everything here, saves a pin, and later holds the chain to it", async () => {
    const first = await cli(["chain", "verify", "--save-pin", pin]);
    assert.equal(first.code, 0, printed(first));
    assert.match(first.stdout, /^Verified 3 records: root [0-9a-f]{64}/);
    const pinned = JSON.parse(await readFile(pin, "utf8")) as { treeSize: number; caPublicKey: string };
    assert.equal(pinned.treeSize, 3);

    for (const n of [1, 2]) assert.equal((await cli(["attest", "tool-call", "--agent", "researcher-1", "--payload", `{"n":${n}}`])).code, 0);
    const later = await cli(["chain", "verify", "--pin", pin, "--json"]);
    assert.equal(later.code, 0, printed(later));
    assert.deepEqual(JSON.parse(later.stdout), { valid: true, treeSize: 5, rootHash: JSON.parse(later.stdout).rootHash });

    // A pin whose root was changed is no head this company's CA signed.
    const forged = file("forged-head.json");
    await writeFile(forged, JSON.stringify({ ...pinned, rootHash: "0".repeat(64) }));
    const refused = await cli(["chain", "verify", "--pin", forged]);
    assert.equal(refused.code, 1, printed(refused));
    assert.match(refused.stderr, /pinned tree head's signature does not verify/);

    // Another company's head, under another CA key.
    const other = await edge.createCompany();
    const otherHead = await edge.call("GET", "/v1/chain/head", other.ownerKey);
    const foreign = file("foreign-head.json");
    await writeFile(foreign, JSON.stringify(otherHead.body));
    const mismatch = await cli(["chain", "verify", "--pin", foreign]);
    assert.equal(mismatch.code, 1, printed(mismatch));
    assert.match(mismatch.stderr, /CA key/);
  });

  it("an export verifies offline, and a tampered, a removed and a swapped record each fail at their index", async () => {
    const exported = await cli(["chain", "export"]);
    assert.equal(exported.code, 0, printed(exported));
    const lines = exported.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1 + 5);
    const good = file("chain.ndjson");
    await writeFile(good, exported.stdout);
    const ok = await cli(["audit", "verify", good, "--pin", pin]);
    assert.equal(ok.code, 0, printed(ok));
    assert.match(ok.stdout, /^Verified 5 records: .*extends the pinned head of 3 records/);

    const cases: [string, string[], number][] = [];
    const tampered = [...lines];
    const record = JSON.parse(tampered[3] ?? "{}") as Record_;
    tampered[3] = JSON.stringify({ ...record, payload: { ...(record.payload as object), actionType: "something-else" } });
    cases.push(["tampered", tampered, 2]);
    cases.push(["removed", lines.filter((_, i) => i !== 4), 3]);
    const swapped = [...lines];
    [swapped[2], swapped[3]] = [lines[3] ?? "", lines[2] ?? ""];
    cases.push(["swapped", swapped, 1]);
    for (const [name, content, index] of cases) {
      const path_ = file(`${name}.ndjson`);
      await writeFile(path_, `${content.join("\n")}\n`);
      const result = await cli(["audit", "verify", path_, "--json"]);
      assert.equal(result.code, 1, `${name}: ${printed(result)}`);
      assert.equal(JSON.parse(result.stdout).failedAtIndex, index, name);
      assert.match(result.stderr, new RegExp(`at index ${index}`), name);
    }

    const notAnExport = file("not-an-export.ndjson");
    await writeFile(notAnExport, `${lines[1]}\n`);
    const refused = await cli(["audit", "verify", notAnExport]);
    assert.equal(refused.code, 1, printed(refused));
    assert.match(refused.stderr, /does not start with a signed tree head/);
  });
});
