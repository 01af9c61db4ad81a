/**
 * The attestation chain from the command line: `attest` appends a record (`POST /v1/attest`),
 * `chain export` writes the whole chain as NDJSON, `chain verify` fetches it and checks it here,
 * and `audit verify` checks an export offline. Checking needs nothing of the edge's word: every
 * record's hash and signature, the RFC 9162 root the records give, the signed tree head, and a
 * pinned older head (its root at its size) are recomputed with the CA key alone
 * (workers/lib/crypto/chain-check.ts). The first bad index is reported.
 */
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import readline from "node:readline";
import { z } from "zod";
import {
  AttestationRecord,
  type AttestationRecordView,
  ChainPage,
  ExportHead,
  MAX_ACTION_TYPE_LENGTH,
  MAX_AGENT_ID_LENGTH,
  MAX_CHAIN_PAGE,
  TreeHead,
  type TreeHeadView,
} from "../../workers/chain/chain.contract.ts";
import { importCaPublicKey, type VerifyKey, verifyChain } from "../../workers/lib/crypto/chain-check.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import type { CommandContext } from "../command/command-context.ts";
import type { ApiClient } from "../edge/api-client.ts";
import { requireSession } from "../edge/session.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { readSecret } from "../prompt.ts";

const Path = z.string().min(1, "must not be empty");
const PIN_OPTION = {
  type: "string",
  placeholder: "file",
  schema: Path.optional(),
  description: "A tree head saved earlier (--save-pin, or GET /v1/chain/head): the chain must still hold it, and its CA key is used unless --ca-key is given",
} as const;
const CA_KEY_OPTION = {
  type: "string",
  placeholder: "file",
  schema: Path.optional(),
  description: "The company's CA public key (SPKI PEM) to check signatures with; default: the pinned head's, else the one the chain names",
} as const;

/** A pin file: a tree head as `GET /v1/chain/head` answers it, or an export's first line. */
async function readPin(file: string): Promise<TreeHeadView> {
  const parsed = z.union([TreeHead, ExportHead.transform((e) => e.head)]).safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success) throw new CliError(`${file} is not a tree head (save one with --save-pin, or from GET /v1/chain/head)`);
  return parsed.data;
}

type Checked = { head: TreeHeadView; records: AsyncIterable<AttestationRecordView> | Iterable<AttestationRecordView> };

/** Checks the chain and reports: one line (or --json) on success, an error naming the first bad index otherwise. */
async function check(context: CommandContext, chain: Checked, options: { pin?: string; caKey?: string; savePin?: string; json: boolean }): Promise<void> {
  const pinned = options.pin === undefined ? undefined : await readPin(options.pin);
  const pem = options.caKey !== undefined ? await readFile(options.caKey, "utf8") : (pinned?.caPublicKey ?? chain.head.caPublicKey);
  if (options.caKey === undefined && !pinned)
    context.err("Checking with the CA key the chain names (pin a head with --save-pin, or give --ca-key, to trust nothing it says).");
  if (pinned && pinned.caKid !== chain.head.caKid)
    throw new CliError(`The chain is signed by CA key ${chain.head.caKid}, the pinned head by ${pinned.caKid}: a company's CA key never changes`);
  let key: VerifyKey;
  try {
    key = await importCaPublicKey(pem);
  } catch {
    throw new CliError("The CA key is not an Ed25519 public key in SPKI PEM");
  }
  const verdict = await verifyChain({ head: chain.head, records: chain.records, key, ...(pinned ? { pinned } : {}) });
  if (options.json) printJson(context, verdict);
  if (!verdict.valid) {
    const at = verdict.failedAtIndex === undefined ? "" : ` at index ${verdict.failedAtIndex}`;
    throw new CliError(`The chain does not verify${at}: ${verdict.error}`, undefined, { code: "chain_invalid" });
  }
  if (options.savePin !== undefined) await writeFile(options.savePin, `${JSON.stringify(chain.head, null, 2)}\n`);
  if (!options.json) {
    const since = pinned ? `; it extends the pinned head of ${pinned.treeSize} records` : "";
    context.out(`Verified ${verdict.treeSize} records: root ${verdict.rootHash}, signed ${new Date(chain.head.timestamp).toISOString()}${since}`);
  }
}

/** The chain's records up to `head`, read from the edge page by page. */
async function* pagesOf(client: ApiClient, head: TreeHeadView): AsyncGenerator<AttestationRecordView> {
  for (let from = 0; from < head.treeSize; ) {
    const page = await client.call("get", "/v1/chain", ChainPage, { query: { from, limit: Math.min(MAX_CHAIN_PAGE, head.treeSize - from) } });
    for (const record of page.records) if (record.index < head.treeSize) yield record;
    if (page.next === null) return;
    from = page.next;
  }
}

export const attest = createCommand({
  path: ["attest"],
  summary: "Append a signed record of what an agent did to the company's attestation chain",
  description: `Appends {agentId, companyId, actionType, payload} (Vane's record) to the company's attestation
chain and prints its index and hash. The payload is JSON, given with --payload or read from
--payload-file. A delegation token (from token exchange) is bound to the record when
--delegation-stdin is given; it is read from stdin, never from arguments. An agent attests only
as itself; a company owner or an API key may name any agent.`,
  positionals: [
    { name: "action-type", description: "What was done, e.g. web-search, tool-call, data-export", schema: z.string().min(1).max(MAX_ACTION_TYPE_LENGTH) },
  ],
  options: {
    agent: { type: "string", placeholder: "name", schema: z.string().min(1).max(MAX_AGENT_ID_LENGTH), description: "The agent that acted (its name)" },
    payload: { type: "string", placeholder: "json", schema: z.string().optional(), description: "The payload, as JSON text" },
    "payload-file": { type: "string", placeholder: "file", schema: Path.optional(), description: "Read the payload (JSON) from this file" },
    "delegation-stdin": { type: "boolean", description: "Read a delegation token from stdin and bind it to the record" },
    json: JSON_OPTION("the sealed record"),
  },
  examples: [
    'edgevault attest web-search --agent researcher-1 --payload \'{"query":"EU AI Act","results":10}\'',
    "edgevault attest data-export --agent researcher-1 --payload-file export.json --delegation-stdin < delegation.jwt",
  ],
  async handler(args, context) {
    if ((args.payload === undefined) === (args["payload-file"] === undefined))
      throw new UsageError("Give the payload with --payload or --payload-file (one of them)");
    const text = args.payload ?? (await readFile(args["payload-file"] ?? "", "utf8"));
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new UsageError("The payload is not JSON");
    }
    const delegation = args["delegation-stdin"] ? await readSecret(context, "delegation token") : undefined;
    const { client } = await requireSession(context);
    const record = await client.call("post", "/v1/attest", AttestationRecord, {
      body: { agentId: args.agent, actionType: args["action-type"], payload, ...(delegation ? { delegation } : {}) },
    });
    if (args.json) printJson(context, record);
    else context.out(`Record ${record.index} sealed at ${record.timestamp}: hash ${record.hash}`);
  },
});

export const chainExport = createCommand({
  path: ["chain", "export"],
  summary: "Write the company's attestation chain as NDJSON: its signed tree head, then every record",
  description: `Writes the chain on stdout as JSON lines: first {"head": <signed tree head>}, then each record
it covers, in index order, as GET /v1/chain/export does. Keep the file: \`edgevault audit verify
<file>\` checks it offline, now or years from now. Company owners (and API keys) only.`,
  examples: ["edgevault chain export > chain.ndjson"],
  async handler(_args, context) {
    const { client } = await requireSession(context);
    const head = await client.call("get", "/v1/chain/head", TreeHead);
    context.out(JSON.stringify({ head }));
    for await (const record of pagesOf(client, head)) context.out(JSON.stringify(record));
  },
});

export const chainVerify = createCommand({
  path: ["chain", "verify"],
  summary: "Fetch the company's attestation chain and check it here, against a pinned tree head",
  description: `Fetches the signed tree head and every record it covers, then checks, here and with the CA key
only: each record's hash (Vane's: index|timestamp|JCS(payload)[|JCS(delegation)]) and its
signature, that no index is missing or out of place, that the records give the head's RFC 9162
root, the head's signature, and with --pin that the first records still give the pinned head's
root (the chain only grew). Reports the first bad index and exits 1 if anything fails.
--save-pin keeps the verified head for the next run. Company owners (and API keys) only.`,
  options: {
    pin: PIN_OPTION,
    "ca-key": CA_KEY_OPTION,
    "save-pin": { type: "string", placeholder: "file", schema: Path.optional(), description: "After a successful check, save the verified head here" },
    json: JSON_OPTION("the verdict", "{valid, treeSize, rootHash} or {valid: false, failedAtIndex, error}"),
  },
  examples: ["edgevault chain verify --save-pin chain-head.json", "edgevault chain verify --pin chain-head.json --save-pin chain-head.json"],
  async handler(args, context) {
    const { client } = await requireSession(context);
    const head = await client.call("get", "/v1/chain/head", TreeHead);
    await check(context, { head, records: pagesOf(client, head) }, { pin: args.pin, caKey: args["ca-key"], savePin: args["save-pin"], json: args.json });
  },
});

export const auditVerify = createCommand({
  path: ["audit", "verify"],
  summary: "Check a downloaded attestation chain (chain export) offline, against a pinned tree head",
  description: `Checks an export (edgevault chain export, or GET /v1/chain/export) without the edge: every
record's hash and signature, the order of indexes, the RFC 9162 root the records give against
the signed head in the file, and with --pin a head saved earlier. Every audit event of the
company is a record of this chain, so a file that verifies holds the complete, unaltered audit
log up to its head. Reports the first bad index and exits 1 if anything fails.`,
  positionals: [{ name: "file", description: "The export (NDJSON)", schema: Path }],
  options: { pin: PIN_OPTION, "ca-key": CA_KEY_OPTION, json: JSON_OPTION("the verdict") },
  examples: ["edgevault audit verify chain.ndjson --pin chain-head.json", "edgevault audit verify chain.ndjson --ca-key company-ca.pem"],
  async handler(args, context) {
    const lines = readline.createInterface({ input: createReadStream(args.file, "utf8"), crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
    const first = await lines.next();
    const head = first.done ? undefined : ExportHead.safeParse(parseLine(first.value, 1)).data?.head;
    if (!head) throw new CliError(`${args.file} does not start with a signed tree head ({"head": …}): is it a chain export?`);
    async function* records(): AsyncGenerator<AttestationRecordView> {
      let line = 1;
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        line += 1;
        if (next.value.trim() === "") continue;
        const record = AttestationRecord.safeParse(parseLine(next.value, line));
        if (!record.success) throw new CliError(`${args.file}, line ${line}: not an attestation record`);
        yield record.data;
      }
    }
    await check(context, { head, records: records() }, { pin: args.pin, caKey: args["ca-key"], json: args.json });
  },
});

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`Line ${line} is not JSON`);
  }
}
