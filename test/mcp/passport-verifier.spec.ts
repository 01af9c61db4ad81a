/**
 * The passport verifier (mcp-verifier/) in a real MCP server of the official SDK, over Streamable
 * HTTP, called by a real SDK client with passports the real edge issued: a good passport runs the
 * tool with Vane's receipt; a missing scope, an expired, a revoked (OCSP mode), a forged or an
 * SVID-typed token each come back as a tool error naming Vane's code.
 */
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { createPassportVerifier, type PassportVerifierOptions, REFUSAL_META_KEY } from "../../mcp-verifier/src/index.ts";
import { inviteUrlIn, redeem } from "../cli/support/agent-invites.ts";
import { startEdge, type Edge, type TestCompany } from "../cli/support/edge.ts";
import { callTool, type McpEndpoint, startMcpServer, textOf } from "./support/mcp-server.ts";

type Issued = { passport: string; caPublicKey: string; jti: string };

describe("an MCP server of the SDK, its tools guarded by the passport verifier", () => {
  let edge: Edge;
  let company: TestCompany;
  let agent: { name: string; token: string };
  /** The MCP server's own agent: no vault grants, only reads passport statuses. */
  let statusReader: string;
  const servers: McpEndpoint[] = [];

  async function inviteAgent(name: string) {
    const invite = await edge.call("POST", "/v1/agents/invites", company.ownerKey, { name });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    return { name, token: (await redeem(inviteUrlIn((invite.body as { prompt: string }).prompt))).token };
  }

  async function issue(scopes: string[]): Promise<Issued> {
    const res = await edge.call("POST", `/v1/agents/${agent.name}/passport`, company.ownerKey, { scopes });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Issued;
  }

  async function serve(options: Omit<PassportVerifierOptions, "key"> & { key?: PassportVerifierOptions["key"] }, pem: string): Promise<McpEndpoint> {
    const server = await startMcpServer(createPassportVerifier({ key: { publicKeyPem: pem }, org: company.id, ...options }));
    servers.push(server);
    return server;
  }

  const refusalOf = (result: Awaited<ReturnType<typeof callTool>>) => {
    assert.equal(result.isError, true, textOf(result));
    return (result._meta?.[REFUSAL_META_KEY] as { code: string } | undefined)?.code;
  };

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    agent = await inviteAgent("mcp-caller");
    statusReader = (await inviteAgent("mcp-server")).token;
  });
  after(async () => {
    for (const server of servers) await server.close();
    await edge?.stop();
  });

  it("a good passport runs the tool, which gets Vane's receipt; with the JWK Set instead of a pinned key too", async () => {
    const { passport, caPublicKey, jti } = await issue(["tool:search"]);
    const pinned = await serve({}, caPublicKey);
    const result = await callTool(pinned, passport, "search", "weather");
    assert.notEqual(result.isError, true, textOf(result));
    const { q, receipt } = JSON.parse(textOf(result)) as { q: string; receipt: Record<string, unknown> };
    assert.equal(q, "weather");
    assert.equal(receipt.type, "CounselAttestationReceipt");
    assert.equal(receipt.passportId, jti);
    assert.equal(receipt.agentId, agent.name);
    assert.equal(receipt.tool, "search");
    assert.equal(receipt.scopeGranted, "tool:search");
    assert.equal(receipt.org, company.id);

    const viaJwks = await startMcpServer(createPassportVerifier({ key: { jwksUrl: `${edge.addr}/v1/companies/${company.id}/jwks.json` }, org: company.id }));
    servers.push(viaJwks);
    assert.notEqual((await callTool(viaJwks, passport, "search")).isError, true);
  });

  it("a tool the passport's scopes do not cover is refused: SCOPE_DENIED, in words the agent reads", async () => {
    const { passport, caPublicKey } = await issue(["tool:search"]);
    const result = await callTool(await serve({}, caPublicKey), passport, "delete");
    assert.equal(refusalOf(result), "SCOPE_DENIED");
    assert.match(textOf(result), /^Passport refused \(SCOPE_DENIED\): .*"tool:delete"/);
  });

  it("an expired passport is refused (TOKEN_EXPIRED); no passport at all is refused too", async () => {
    const { passport, caPublicKey } = await issue(["tool:*"]);
    const later = await serve({ now: () => (decodeJwt(passport).exp ?? 0) * 1000 + 60_000 }, caPublicKey);
    assert.equal(refusalOf(await callTool(later, passport, "search")), "TOKEN_EXPIRED");
    assert.equal(refusalOf(await callTool(await serve({}, caPublicKey), undefined, "search")), "MALFORMED_TOKEN");
  });

  it("in OCSP mode a revoked passport is refused at its next call (PASSPORT_REVOKED); statuses are kept between calls", async () => {
    const { passport, caPublicKey, jti } = await issue(["tool:search"]);
    const asked: string[] = [];
    const counting: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(input, init);
    };
    const strict = await serve({ ocsp: { url: edge.addr, token: statusReader, maxAgeSeconds: 0, fetch: counting } }, caPublicKey);
    assert.notEqual((await callTool(strict, passport, "search")).isError, true);
    const revoked = await edge.call("POST", `/v1/passports/${jti}/revoke`, company.ownerKey, { reason: "lost laptop" });
    assert.equal(revoked.status, 200);
    const refused = await callTool(strict, passport, "search");
    assert.equal(refusalOf(refused), "PASSPORT_REVOKED");
    assert.match(textOf(refused), /lost laptop/);
    assert.deepEqual(asked, [`${edge.addr}/v1/ocsp/${jti}`, `${edge.addr}/v1/ocsp/${jti}`]);

    // Offline only, the same revoked passport still passes until it expires: what OCSP mode is for.
    assert.notEqual((await callTool(await serve({}, caPublicKey), passport, "search")).isError, true);
    // With the default cache, a valid status is asked once for two calls.
    const fresh = await issue(["tool:search"]);
    const cached: string[] = [];
    const keeping = await serve(
      {
        ocsp: {
          url: edge.addr,
          token: statusReader,
          fetch: (input, init) => {
            cached.push(String(input));
            return fetch(input, init);
          },
        },
      },
      caPublicKey,
    );
    for (let i = 0; i < 2; i++) assert.notEqual((await callTool(keeping, fresh.passport, "search")).isError, true);
    assert.equal(cached.length, 1);
  });

  it("in OCSP mode a replayed signed `valid` answer older than it may be kept, or from the future, is refused (VERIFICATION_ERROR)", async () => {
    const { passport, caPublicKey, jti } = await issue(["tool:search"]);
    // A real answer the edge signed while the passport was valid, replayed by whoever sits between after it is revoked.
    const recorded = await fetch(`${edge.addr}/v1/ocsp/${jti}`, { headers: { Authorization: `Bearer ${statusReader}` } });
    assert.equal(recorded.status, 200);
    const body = await recorded.text();
    const headers = { "Content-Type": "application/json", "Cache-Control": recorded.headers.get("Cache-Control") ?? "" };
    assert.equal((JSON.parse(body) as { status: string }).status, "valid");
    assert.equal((await edge.call("POST", `/v1/passports/${jti}/revoke`, company.ownerKey, {})).status, 200);
    const replay: typeof fetch = async () => new Response(body, { headers });
    const ocsp = { url: edge.addr, token: statusReader, fetch: replay };

    // Fresh enough (within its 60 s and the 30 s tolerance), the replay is still believed: the bound is the answer's own age.
    assert.notEqual((await callTool(await serve({ ocsp }, caPublicKey), passport, "search")).isError, true);
    const twoMinutesOn = await serve({ ocsp, now: () => Date.now() + 120_000 }, caPublicKey);
    const stale = await callTool(twoMinutesOn, passport, "search");
    assert.equal(refusalOf(stale), "VERIFICATION_ERROR");
    assert.match(textOf(stale), /stale/);
    // The same answer seen by a clock two minutes behind the edge's: from the future (the passport itself still within its tolerance).
    const behind = await serve({ ocsp, now: () => Date.now() - 120_000, clockToleranceSeconds: 300 }, caPublicKey);
    const future = await callTool(behind, passport, "search");
    assert.equal(refusalOf(future), "VERIFICATION_ERROR");
    assert.match(textOf(future), /future/);
    // Asked for real, the edge says revoked.
    assert.equal(
      refusalOf(await callTool(await serve({ ocsp: { url: edge.addr, token: statusReader } }, caPublicKey), passport, "search")),
      "PASSPORT_REVOKED",
    );
  });

  it("a forged passport (the real claims and kid, another key) is refused: SIGNATURE_INVALID", async () => {
    const { passport, caPublicKey } = await issue(["tool:*"]);
    const { privateKey } = await generateKeyPair("EdDSA");
    const forged = await new SignJWT({ ...decodeJwt(passport), counsel: { ...(decodeJwt(passport).counsel as object), scopes: ["*"] } })
      .setProtectedHeader({ alg: "EdDSA", typ: "CAP+JWT", kid: decodeProtectedHeader(passport).kid as string })
      .sign(privateKey);
    assert.equal(refusalOf(await callTool(await serve({}, caPublicKey), forged, "search")), "SIGNATURE_INVALID");
  });

  it("an SVID, or the agent's edge token, is not a passport: WRONG_TOKEN_TYPE, MALFORMED_TOKEN", async () => {
    const { caPublicKey } = await issue(["tool:*"]);
    const server = await serve({}, caPublicKey);
    const svid = await edge.call("GET", `/v1/agents/${agent.name}/svid`, agent.token);
    assert.equal(svid.status, 200);
    const result = await callTool(server, (svid.body as { svid: string }).svid, "search");
    assert.equal(refusalOf(result), "WRONG_TOKEN_TYPE");
    assert.match(textOf(result), /not a passport/);
    assert.equal(refusalOf(await callTool(server, agent.token, "search")), "MALFORMED_TOKEN");
  });
});
