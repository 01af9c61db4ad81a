/**
 * The CLI's edge types (cli/edge/edge-api.generated.ts) are rendered from the app bundled in Node
 * (scripts/edge-api-types.ts); this checks that shortcut against the edge as wrangler builds and
 * serves it, so the types are those of the routes a user's CLI actually talks to.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { EDGE_API_TYPES_COMMAND, readCommitted, renderEdgeApiTypes } from "../../scripts/edge-api-types.ts";
import { startEdge, type Edge } from "./support/edge.ts";

describe("the CLI's edge types are those of the running edge", () => {
  let edge: Edge;
  before(async () => {
    edge = await startEdge();
  });
  after(() => edge?.stop());

  it("the edge's /openapi.json renders to the committed cli/edge/edge-api.generated.ts", async () => {
    const response = await fetch(`${edge.addr}/openapi.json`);
    assert.equal(response.status, 200);
    const rendered = await renderEdgeApiTypes(await response.text());
    assert.ok(rendered.includes('"/v1/vaults/{vault}/services"'), "the rendered types name the edge's paths");
    assert.ok(rendered === readCommitted(), `cli/edge/edge-api.generated.ts differs from what the edge serves: run ${EDGE_API_TYPES_COMMAND}`);
  });
});
