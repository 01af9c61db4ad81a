/**
 * `edgevault admin company create` against a real edge: the platform operator makes the first
 * company and invites its owner without curl or hand-written JSON; the platform token comes from
 * stdin or EDGEVAULT_PLATFORM_TOKEN, never argv, and is printed nowhere; the owner key it prints
 * works, and the owner's accept link is the edge's own.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { printed, runCli, tempConfigHome } from "./support/cli.ts";
import { startEdge, type Edge } from "./support/edge.ts";

describe("edgevault admin company create: the first company and owner with the platform token", { timeout: 120_000 }, () => {
  let edge: Edge;
  let home: string;
  before(async () => {
    edge = await startEdge();
    home = await tempConfigHome();
  });
  after(async () => {
    await edge?.stop();
  });

  it("creates the company with the token from stdin, prints its owner key once, and invites the owner to choose a password", async () => {
    const id = `acme-${randomBytes(3).toString("hex")}`;
    const email = `ada-${id}@acme.example`;
    const result = await runCli(["admin", "company", "create", id, "--name", "Acme Inc", "--owner", email, "--addr", edge.addr], {
      configHome: home,
      stdin: `${edge.platformToken}\n`,
    });
    assert.equal(result.code, 0, printed(result));
    assert.ok(!printed(result).includes(edge.platformToken), "the platform token is printed nowhere");
    assert.match(result.stdout, new RegExp(`^Company "${id}" \\(Acme Inc\\) created, with a vault named "default"\\.$`, "m"));
    const key = /Owner API key \(shown once; hand it over as you would a password\): (evk_\S+)/.exec(result.stdout)?.[1];
    assert.ok(key, result.stdout);
    const accept = new RegExp(`Owner ${email} invited: they open (${edge.addr}/accept/evi_\\S+) to choose their password`).exec(result.stdout)?.[1];
    assert.ok(accept, result.stdout);
    assert.ok(result.stdout.includes(`Then: edgevault login --addr ${edge.addr} --email ${email}`));
    // The key is the company's owner key, and the owner waits on their invite.
    const users = await edge.call("GET", "/v1/users", key);
    assert.equal(users.status, 200);
    assert.deepEqual(
      (users.body as { users: { email: string; role: string; status: string }[] }).users.map((u) => [u.email, u.role, u.status]),
      [[email, "owner", "invited"]],
    );
    const vaults = (await edge.call("GET", "/v1/vaults", key)).body as { vaults: { name: string }[] };
    assert.deepEqual(
      vaults.vaults.map((v) => v.name),
      ["default"],
    );
    assert.equal((await fetch(accept)).status, 200);
  });

  it("takes EDGEVAULT_PLATFORM_TOKEN and answers --json; a wrong token is the edge's 401, and nothing is made", async () => {
    const id = `beta-${randomBytes(3).toString("hex")}`;
    const json = await runCli(["admin", "company", "create", id, "--name", "Beta", "--json"], {
      configHome: home,
      env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_PLATFORM_TOKEN: edge.platformToken },
    });
    assert.equal(json.code, 0, printed(json));
    const answer = JSON.parse(json.stdout) as { company: { id: string }; api_key: { token: string }; owner: null };
    assert.equal(answer.company.id, id);
    assert.match(answer.api_key.token, /^evk_/);
    assert.equal(answer.owner, null);

    const other = `gamma-${randomBytes(3).toString("hex")}`;
    const wrong = await runCli(["admin", "company", "create", other, "--name", "Gamma", "--addr", edge.addr], {
      configHome: home,
      stdin: "not-the-platform-token\n",
    });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /not this deployment's PLATFORM_TOKEN/);
    const missing = await edge.call("POST", "/v1/companies", edge.platformToken, { id: other, name: "Gamma" });
    assert.equal(missing.status, 201, "the refused run made nothing");
  });

  it("refuses a bad company id or e-mail before asking for the token (exit 2)", async () => {
    for (const args of [
      ["admin", "company", "create", "Not_An_Id", "--name", "X"],
      ["admin", "company", "create", "ok-id", "--name", "X", "--owner", "not-an-email"],
      ["admin", "company", "create", "ok-id"],
    ]) {
      const result = await runCli(args, { configHome: home, env: { EDGEVAULT_ADDR: "http://127.0.0.1:9" } });
      assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
    }
  });
});
