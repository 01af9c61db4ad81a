/**
 * A service's per-request rules at the other door: the local MITM (`edgevault proxy`) in front of
 * a real edge and a real upstream, driven by curl as an agent would. The MITM forwards to the
 * edge's `/proxy`, so what the edge does holds here too: a method the service leaves out is 403
 * `method_not_allowed` and never reaches the upstream, a placeholder in the path gets the
 * credential, the upstream's echo of it comes back redacted, and a client asking for problem
 * details gets them.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { tempConfigHome } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import {
  createServiceVault,
  execClient,
  mintSession,
  type ProxyProcess,
  type ServiceVault,
  startProxyCli,
  startUpstream,
  type Upstream,
} from "./support/mitm.ts";

const HOST = "api.rules.test";
const SID = "AC5a1d0e7f3c2b4a6987fedcba01234567";

describe("per-request rules through the local MITM (curl via HTTPS_PROXY)", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let proxy: ProxyProcess;
  let caPath: string;
  let vault: ServiceVault;
  let env: Record<string, string>;

  before(async () => {
    [edge, upstream] = await Promise.all([startEdge(), startUpstream()]);
    company = await edge.createCompany();
    vault = await createServiceVault(edge.call, company.ownerKey, { vault: "ruled", host: HOST, upstreamOrigin: upstream.origin });
    const rules = await edge.call("PATCH", "/v1/vaults/ruled/services/api", company.ownerKey, {
      methods: ["GET", "HEAD"],
      substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
    });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    assert.equal((await edge.call("POST", "/v1/credentials", company.ownerKey, { vault: "ruled", credentials: { TW_SID: SID } })).status, 200);
    const token = await mintSession(edge.call, company.ownerKey, "ruled");
    const home = await tempConfigHome();
    proxy = await startProxyCli(home, { EDGEVAULT_ADDR: edge.addr });
    caPath = path.join(home, "edgevault", "ca", "ca.pem");
    env = { HTTPS_PROXY: `http://${token}:ruled@127.0.0.1:${proxy.port}` };
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([edge?.stop(), upstream?.close()]);
  });

  const curl = (args: string[]) => execClient("curl", ["-sS", "--cacert", caPath, "--write-out", "\n%{http_code}", ...args], env);
  const split = (stdout: string) => {
    const at = stdout.lastIndexOf("\n");
    return { body: stdout.slice(0, at), status: stdout.slice(at + 1) };
  };

  it("GET with a placeholder: the upstream gets the credential in the path, the agent its echo redacted", async () => {
    const result = await curl([`https://${HOST}/2010-04-01/Accounts/__sid__/Calls.json`]);
    assert.equal(result.code, 0, result.stderr);
    const { body, status } = split(result.stdout);
    assert.equal(status, "200");
    assert.equal(upstream.received.at(-1)?.url, `/2010-04-01/Accounts/${SID}/Calls.json`);
    assert.equal(upstream.received.at(-1)?.headers.authorization, `Bearer ${vault.credential}`);
    assert.deepEqual(JSON.parse(body), { upstream: true, method: "GET", url: "/2010-04-01/Accounts/[REDACTED:TW_SID]/Calls.json", bytes: 0 });
  });

  it("DELETE is the edge's 403 method_not_allowed with its proposal_hint, and the upstream never hears it", async () => {
    const before = upstream.received.length;
    const result = await curl(["-X", "DELETE", `https://${HOST}/repos/o/r`]);
    assert.equal(result.code, 0, result.stderr);
    const { body, status } = split(result.stdout);
    assert.equal(status, "403");
    const parsed = JSON.parse(body) as { error: string; allowed_methods: string[]; proposal_hint: { methods: string[] } };
    assert.equal(parsed.error, "method_not_allowed");
    assert.deepEqual(parsed.allowed_methods, ["GET", "HEAD"]);
    assert.deepEqual(parsed.proposal_hint.methods, ["GET", "HEAD", "DELETE"]);
    assert.equal(upstream.received.length, before);
  });

  it("asking for problem details gets RFC 9457's members through the MITM", async () => {
    const result = await execClient(
      "curl",
      [
        "-sS",
        "--cacert",
        caPath,
        "-X",
        "POST",
        "-H",
        "Accept: application/problem+json",
        "--data",
        "{}",
        "--write-out",
        "\n%{http_code}\n%{content_type}",
        `https://${HOST}/x`,
      ],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.equal(lines.at(-1), "application/problem+json");
    assert.equal(lines.at(-2), "403");
    assert.deepEqual(
      (({ type, title, status, error }) => ({ type, title, status, error }))(JSON.parse(lines.slice(0, -2).join("\n")) as Record<string, unknown>),
      { type: "https://edgevault.dev/problems/method_not_allowed", title: "Method not allowed", status: 403, error: "method_not_allowed" },
    );
  });
});
