/**
 * The chain's Merkle tree is RFC 9162's, and its proofs hold for anyone: every inclusion and
 * consistency proof the edge serves is checked against RFC 9162 written from its text in
 * chain-support.ts (the tree by its definitions, the verifiers step by step), and the verifiers
 * the CLI ships (workers/lib/crypto/merkle-tree.ts) are held to the same.
 */
import { describe, expect, it } from "vitest";
import { fromHex, rootFromInclusionPath, toHex, verifyConsistency } from "../../workers/lib/crypto/merkle-tree.ts";
import { call, createCompany } from "./helpers.ts";
import {
  attest,
  consistencyHolds,
  hex,
  inclusionHolds,
  mth,
  referenceConsistency,
  referencePath,
  sha256,
  unhex,
  type WireRecord,
  wholeChain,
} from "./chain-support.ts";

type Proof = { record: WireRecord; proof: { sibling: string; position: "left" | "right" }[]; root: string; treeSize: number; leafHash: string };
type Consistency = { first: number; second: number; firstRoot: string; secondRoot: string; proof: string[] };

/** A company whose chain holds `size` records: its creation, then attestations. */
async function chainOf(size: number) {
  const company = await createCompany();
  for (let n = 1; n < size; n += 1) expect((await attest(company.ownerKey, { payload: { n } })).status).toBe(201);
  const { head, records } = await wholeChain(company.ownerKey);
  expect(head.treeSize).toBe(size);
  return { company, head, entries: records.map((r) => unhex(r.hash)) };
}

describe("hashes travel as lowercase hex", () => {
  it("every byte goes both ways; odd lengths, capitals and other characters are not hex", () => {
    const every = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    expect(toHex(every)).toBe(hex(every));
    expect(fromHex(toHex(every))).toEqual(every);
    expect(fromHex("")).toEqual(new Uint8Array());
    for (const bad of ["0", "abc", "0A", "0g", "g0", "/0", ":0", "`0", " 00", "0x"]) expect(fromHex(bad), bad).toBeUndefined();
  });
});

describe("inclusion proofs are RFC 9162's, for every record of every tree size", () => {
  it("each record's path is PATH(m, D[n]), its root MTH(D[n]), and §2.1.3.2 accepts it; Vane's left/right fold gives the same root", {
    timeout: 120_000,
  }, async () => {
    const { company, head, entries } = await chainOf(13);
    expect(head.rootHash).toBe(hex(await mth(entries)));
    let checked = 0;
    for (let size = 1; size <= entries.length; size += 1) {
      const tree = entries.slice(0, size);
      const root = await mth(tree);
      for (let index = 0; index < size; index += 1) {
        const res = await call("GET", `/v1/proof/${index}?treeSize=${size}`, { token: company.ownerKey });
        expect(res.status).toBe(200);
        const served = res.body as unknown as Proof;
        const path = served.proof.map((p) => unhex(p.sibling));
        expect(served.root).toBe(hex(root));
        expect(served.treeSize).toBe(size);
        expect(served.leafHash).toBe(hex(await sha256(Uint8Array.of(0), unhex(served.record.hash))));
        expect(path.map(hex)).toEqual((await referencePath(index, tree)).map(hex));
        expect(await inclusionHolds(index, size, unhex(served.leafHash), path, root)).toBe(true);
        // Folding by the sibling's side, as Vane's verifier does, with RFC 9162's prefixes.
        let current: Uint8Array = unhex(served.leafHash);
        for (const step of served.proof) {
          current =
            step.position === "left"
              ? await sha256(Uint8Array.of(1), unhex(step.sibling), current)
              : await sha256(Uint8Array.of(1), current, unhex(step.sibling));
        }
        expect(hex(current)).toBe(hex(root));
        expect(hex((await rootFromInclusionPath(unhex(served.leafHash), index, size, path)) ?? new Uint8Array())).toBe(hex(root));
        checked += 1;
      }
    }
    expect(checked).toBe((13 * 14) / 2);
  });

  it("a proof for the wrong index, a shortened or a lengthened path, or another leaf fails both verifiers", async () => {
    const { company, entries } = await chainOf(7);
    const root = await mth(entries);
    const served = (await call("GET", "/v1/proof/5", { token: company.ownerKey })).body as unknown as Proof;
    const path = served.proof.map((p) => unhex(p.sibling));
    const leaf = unhex(served.leafHash);
    const otherLeaf = await sha256(Uint8Array.of(0), entries[4] as Uint8Array);
    const forged: [number, Uint8Array, Uint8Array[]][] = [
      [4, leaf, path],
      [5, leaf, path.slice(1)],
      [5, leaf, [...path, root]],
      [5, otherLeaf, path],
    ];
    for (const [index, l, p] of forged) {
      expect(await inclusionHolds(index, 7, l, p, root)).toBe(false);
      const derived = await rootFromInclusionPath(l, index, 7, p);
      expect(derived === undefined || hex(derived) !== hex(root)).toBe(true);
    }
  });

  it("no leaf is repeated to fill a level: three records hash as H(H(l0,l1), l2), not Vane's H(H(l0,l1), H(l2,l2))", async () => {
    const { head, entries } = await chainOf(3);
    const leaves = await Promise.all(entries.map((e) => sha256(Uint8Array.of(0), e)));
    const [l0, l1, l2] = leaves as [Uint8Array, Uint8Array, Uint8Array];
    const left = await sha256(Uint8Array.of(1), l0, l1);
    expect(head.rootHash).toBe(hex(await sha256(Uint8Array.of(1), left, l2)));
    expect(head.rootHash).not.toBe(hex(await sha256(Uint8Array.of(1), left, await sha256(Uint8Array.of(1), l2, l2))));
  });
});

describe("consistency proofs show every tree is a prefix of every later one", () => {
  it("for every pair of sizes, the proof is PROOF(m, D[n]), the roots MTH(D[m]) and MTH(D[n]), and §2.1.4.2 accepts it", { timeout: 120_000 }, async () => {
    const { company, entries } = await chainOf(12);
    let checked = 0;
    for (let second = 1; second <= entries.length; second += 1) {
      const later = entries.slice(0, second);
      const secondRoot = await mth(later);
      for (let first = 1; first <= second; first += 1) {
        const res = await call("GET", `/v1/chain/consistency?first=${first}&second=${second}`, { token: company.ownerKey });
        expect(res.status).toBe(200);
        const served = res.body as unknown as Consistency;
        const firstRoot = await mth(entries.slice(0, first));
        const proof = served.proof.map(unhex);
        expect([served.firstRoot, served.secondRoot]).toEqual([hex(firstRoot), hex(secondRoot)]);
        expect(served.proof).toEqual((await referenceConsistency(first, later)).map(hex));
        expect(await consistencyHolds(first, second, firstRoot, secondRoot, proof)).toBe(true);
        expect(await verifyConsistency(first, second, firstRoot, secondRoot, proof)).toBe(true);
        if (first < second) {
          // A different earlier tree is not a prefix: change one node of the proof, or the old root.
          const bent = proof.map((node, i) => (i === 0 ? sha256(node) : Promise.resolve(node)));
          const bentProof = await Promise.all(bent);
          expect(await consistencyHolds(first, second, firstRoot, secondRoot, bentProof)).toBe(false);
          expect(await verifyConsistency(first, second, firstRoot, secondRoot, bentProof)).toBe(false);
          expect(await verifyConsistency(first, second, await sha256(firstRoot), secondRoot, proof)).toBe(false);
        }
        checked += 1;
      }
    }
    expect(checked).toBe((12 * 13) / 2);
    // The default second size is the chain's current one.
    const latest = await call("GET", "/v1/chain/consistency?first=5", { token: company.ownerKey });
    expect(latest.body).toMatchObject({ first: 5, second: 12 });
  });
});
