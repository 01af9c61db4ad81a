import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { EDGE_API_TYPES_COMMAND, edgeOpenApiDocument, readCommitted, renderEdgeApiTypes } from "../../scripts/edge-api-types.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the CLI's edge types are the routes' own (cli/edge/edge-api.generated.ts)", () => {
  it("the committed file is what the app's /openapi.json renders to", { timeout: 60_000 }, async () => {
    const rendered = await renderEdgeApiTypes(await edgeOpenApiDocument());
    expect(rendered.length).toBeGreaterThan(1000);
    expect(readCommitted() === rendered, `cli/edge/edge-api.generated.ts is stale: run ${EDGE_API_TYPES_COMMAND}`).toBe(true);
  });
});

/**
 * Type-checks CLI modules written here with the CLI's compiler options, as if they sat in cli/edge/,
 * all in one program so the edge's types are checked once. Returns each module's errors.
 */
function typeCheck(modules: Record<string, string>): Record<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "cli/tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("cli/tsconfig.json did not parse");
  const files = new Map(Object.entries(modules).map(([name, text]) => [path.join(ROOT, "cli/edge", `typed-call-${name}.ts`), text]));
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => files.get(file) ?? readFile(file);
  host.fileExists = (file) => files.has(file) || fileExists(file);
  const program = ts.createProgram([...files.keys()], config.options, host);
  return Object.fromEntries(
    Object.keys(modules).map((name) => {
      const source = program.getSourceFile(path.join(ROOT, "cli/edge", `typed-call-${name}.ts`));
      const diagnostics = source ? ts.getPreEmitDiagnostics(program, source) : [];
      return [name, diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))];
    }),
  );
}

/** A module calling the edge once: `call` is the line under test. */
const module = (call: string) => `
import type { ApiClient } from "./api-client.ts";
import { OneService } from "../../workers/services/services.contract.ts";
import { VaultList } from "../../workers/vaults/vaults.contract.ts";
const auth = { type: "bearer", token: "STRIPE_KEY" } as const;
export async function probe(client: ApiClient, vault: string): Promise<unknown> {
  return ${call};
}
`;

describe("a call the edge would refuse fails the typecheck (ApiClient.call)", () => {
  let errors: Record<string, string[]> = {};
  beforeAll(() => {
    errors = typeCheck({
      right: module(
        `[await client.call("post", "/v1/vaults/{vault}/services", OneService, { params: { vault }, body: { name: "stripe", host: "api.stripe.com", auth } }), await client.call("get", "/v1/vaults", VaultList)]`,
      ),
      wrongPath: module(`client.call("get", "/v1/vault", VaultList)`),
      wrongMethod: module(`client.call("put", "/v1/vaults", VaultList)`),
      wrongBodyField: module(
        `client.call("post", "/v1/vaults/{vault}/services", OneService, { params: { vault }, body: { name: "stripe", hostname: "api.stripe.com", auth } })`,
      ),
      missingBodyField: module(`client.call("post", "/v1/vaults/{vault}/services", OneService, { params: { vault }, body: { name: "stripe", auth } })`),
      missingPathParameter: module(
        `client.call("post", "/v1/vaults/{vault}/services", OneService, { body: { name: "stripe", host: "api.stripe.com", auth } })`,
      ),
      unknownQuery: module(`client.call("get", "/v1/vaults", VaultList, { query: { page: 2 } })`),
      viewOfAnotherRoute: module(`client.call("get", "/v1/vaults", OneService)`),
    });
  }, 60_000);

  it("accepts a call the edge declares, so the failures below are the calls' own", () => {
    expect(errors.right).toEqual([]);
  });

  it("refuses a path the edge does not have", () => {
    expect(errors.wrongPath).toEqual([expect.stringContaining(`'"/v1/vault"' is not assignable to parameter of type 'keyof paths'`)]);
  });

  it("refuses a method the path does not take, naming the ones it does", () => {
    expect(errors.wrongMethod).toEqual([expect.stringMatching(/'"put"' is not assignable to parameter of type '("get" \| "post"|"post" \| "get")'/)]);
  });

  it("refuses a body field the operation does not take, and a missing required one", () => {
    expect(errors.wrongBodyField).toEqual([expect.stringMatching(/'hostname' does not exist in type/)]);
    expect(errors.missingBodyField).toEqual([expect.stringMatching(/Property 'host' is missing/)]);
  });

  it("refuses a call without the path's parameters, or with a query the operation does not take", () => {
    expect(errors.missingPathParameter).toEqual([expect.stringMatching(/Property 'params' is missing/)]);
    expect(errors.unknownQuery).toEqual([expect.stringMatching(/'\{ page: number; \}' is not assignable to type 'undefined'/)]);
  });

  it("refuses a view that does not describe what the route answers", () => {
    expect(errors.viewOfAnotherRoute).toEqual([expect.stringContaining("the view does not describe what this route answers")]);
  });
});
