/**
 * Agents through the CLI against a real edge: invites the agent redeems with real curl, the
 * listing, details and management commands, rotation effective on the very next request, and
 * self-registrations approved from the CLI. No command may print an agent token.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { revokeCommand } from "../../cli/commands/agent-invite.ts";
import { COMMANDS } from "../../cli/main.ts";
import { count, curl, inviteUrlIn, redeem, revokeArgs, suffixIn, whoamiStatus } from "./support/agent-invites.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type ListedAgent = { name: string; role: string; status: string; capabilities: string[]; realm: { slug: string } | null };
type Invite = { name: string; kind: string; status: string; role: string; vaults: { vault: string; role: string }[]; token_suffix: string };

describe("edgevault agent", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** Runs the CLI logged in as the company's owner key. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;
  /** Every CLI result, checked at the end for leaked agent tokens. */
  const results: CliResult[] = [];
  const tokens: string[] = [];

  /** Invites `name` from the CLI and redeems the printed prompt with curl. */
  async function inviteAndRedeem(name: string, ...flags: string[]) {
    const invite = await cli(["agent", "invite", name, ...flags]);
    assert.equal(invite.code, 0, printed(invite));
    const redeemed = await redeem(inviteUrlIn(invite.stdout));
    tokens.push(redeemed.token);
    return redeemed;
  }

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = async (args, options = {}) => {
      const result = await runCli(args, { configHome: home, ...options });
      results.push(result);
      return result;
    };
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    assert.equal((await cli(["vault", "create", "payments"])).code, 0);
    assert.equal((await cli(["vault", "create", "ops"])).code, 0);
  });
  after(async () => {
    await edge?.stop();
  });

  describe("an invited agent connects, is listed, and rotates its token", () => {
    it("invite → curl redeem → list and info → rotate → curl redeem → the old token is refused at once", async () => {
      const invite = await cli(["agent", "invite", "my-agent", "--vault", "payments:proxy"]);
      assert.equal(invite.code, 0, printed(invite));
      assert.match(invite.stdout, /access to Edgevault as the agent "my-agent"/);
      const inviteUrl = inviteUrlIn(invite.stdout);
      assert.ok(inviteUrl.startsWith(`${edge.addr}/invite/`));
      // The URL is a bearer: printed once, inside the prompt, nowhere else.
      assert.equal(count(printed(invite), inviteUrl), 1);
      assert.match(invite.stderr, /Invite for agent "my-agent" \(member; payments:proxy\), single use, expires /);
      const suffix = suffixIn(invite.stderr);
      assert.ok(inviteUrl.endsWith(suffix));

      const pending = await cli(["agent", "invite", "list"]);
      assert.equal(pending.code, 0, printed(pending));
      assert.match(pending.stdout, /^SUFFIX +NAME +KIND +STATUS +ROLE +VAULTS +EXPIRES$/m);
      assert.match(pending.stdout, new RegExp(`^${suffix} +my-agent +agent +pending +member +payments:proxy `, "m"));
      assert.ok(!printed(pending).includes(inviteUrl));

      const redeemed = await redeem(inviteUrl);
      tokens.push(redeemed.token);
      assert.equal(redeemed.agent.name, "my-agent");
      assert.deepEqual(redeemed.vaults, [{ vault: "payments", role: "proxy" }]);
      assert.equal(await whoamiStatus(edge.addr, redeemed.token), 200);

      const list = await cli(["agent", "list"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^NAME +ROLE +STATUS +REALM +ONLINE +LAST SEEN +CAPABILITIES$/m);
      assert.match(list.stdout, /^my-agent +member +active +- +(yes|no) /m);
      const json = await cli(["agent", "list", "--json"]);
      assert.equal(json.code, 0, printed(json));
      const listed = (JSON.parse(json.stdout) as ListedAgent[]).find((a) => a.name === "my-agent");
      assert.deepEqual([listed?.role, listed?.status], ["member", "active"]);

      const info = await cli(["agent", "info", "my-agent"]);
      assert.equal(info.code, 0, printed(info));
      assert.match(info.stdout, /^Name: +my-agent$/m);
      assert.match(info.stdout, /^Status: +active$/m);
      assert.match(info.stdout, new RegExp(`^SPIFFE ID: +spiffe://\\S+/company/${company.id}/agent/my-agent$`, "m"));
      assert.match(info.stdout, /^Active sessions: +0$/m);
      assert.match(info.stdout, /^Vaults:\n {2}payments {2}proxy$/m);
      const infoJson = JSON.parse((await cli(["agent", "info", "my-agent", "--json"])).stdout) as { vaults: unknown; activeSessions: number };
      assert.deepEqual(infoJson.vaults, [{ vault: "payments", role: "proxy" }]);

      const rotate = await cli(["agent", "rotate", "my-agent"]);
      assert.equal(rotate.code, 0, printed(rotate));
      assert.match(rotate.stdout, /a new token for the Edgevault agent "my-agent"/);
      assert.match(rotate.stderr, /The old token works until it is redeemed/);
      const rotationUrl = inviteUrlIn(rotate.stdout);
      // Until the rotation is redeemed the old token keeps working.
      assert.equal(await whoamiStatus(edge.addr, redeemed.token), 200);
      const rotated = await redeem(rotationUrl);
      tokens.push(rotated.token);
      assert.notEqual(rotated.token, redeemed.token);
      assert.equal(await whoamiStatus(edge.addr, redeemed.token), 401, "the old token must fail on the very next call");
      assert.equal(await whoamiStatus(edge.addr, rotated.token), 200);
      // A rotation invite is single use too.
      assert.match(await curl(["-X", "POST", rotationUrl]), /"invite_used"/);

      const used = JSON.parse((await cli(["agent", "invite", "list", "--status", "used", "--json"])).stdout) as Invite[];
      assert.deepEqual(used.map((i) => [i.name, i.kind]).sort(), [
        ["my-agent", "agent"],
        ["my-agent", "rotation"],
      ]);
    });

    it("a --vault without a role grants proxy, and --role owner makes an owner agent", async () => {
      const { vaults } = await inviteAndRedeem("ops-agent", "--vault", "ops", "--vault", "payments:member", "--role", "owner", "--ttl", "2h");
      assert.deepEqual(
        [...vaults].sort((a, b) => a.vault.localeCompare(b.vault)),
        [
          { vault: "ops", role: "proxy" },
          { vault: "payments", role: "member" },
        ],
      );
      const info = JSON.parse((await cli(["agent", "info", "ops-agent", "--json"])).stdout) as { role: string };
      assert.equal(info.role, "owner");
    });

    it("an agent named like a subcommand is invited after --", async () => {
      const invite = await cli(["agent", "invite", "--", "list"]);
      assert.equal(invite.code, 0, printed(invite));
      assert.match(invite.stdout, /as the agent "list"/);
      assert.equal((await cli(revokeArgs(suffixIn(invite.stderr)))).code, 0);
    });
  });

  describe("invites", () => {
    it("revokes a pending invite by a tail of its suffix; the agent then cannot redeem it", async () => {
      const invite = await cli(["agent", "invite", "temp-agent", "--ttl", "1h"]);
      assert.equal(invite.code, 0, printed(invite));
      const inviteUrl = inviteUrlIn(invite.stdout);
      const listed = (JSON.parse((await cli(["agent", "invite", "list", "--json"])).stdout) as Invite[]).find((i) => i.name === "temp-agent");
      assert.ok(listed);
      assert.ok(!("invite_url" in listed), "the list never shows the URL");
      assert.ok(inviteUrl.endsWith(listed.token_suffix));

      const revoke = await cli(revokeArgs(listed.token_suffix.slice(-6)));
      assert.equal(revoke.code, 0, printed(revoke));
      assert.match(revoke.stdout, new RegExp(`Revoked the invite for agent "temp-agent" \\(suffix ${listed.token_suffix}\\)`));

      const pending = await cli(["agent", "invite", "list"]);
      assert.ok(!pending.stdout.includes("temp-agent"));
      const revoked = await cli(["agent", "invite", "list", "--status", "revoked"]);
      assert.match(revoked.stdout, /^\S+ +temp-agent +agent +revoked /m);
      assert.match(await curl(["-X", "POST", inviteUrl]), /"invite_revoked"/);

      const again = await cli(revokeArgs(listed.token_suffix));
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /Pending invite with that suffix not found \(not_found, HTTP 404\)/);
    });

    it("reports the edge's refusals: an existing agent, a vault you cannot grant", async () => {
      await inviteAndRedeem("taken-agent");
      const taken = await cli(["agent", "invite", "taken-agent"]);
      assert.equal(taken.code, 1, printed(taken));
      assert.match(taken.stderr, /An agent named "taken-agent" already exists \(agent_exists, HTTP 409\)/);
      const noVault = await cli(["agent", "invite", "lost-agent", "--vault", "no-such-vault"]);
      assert.equal(noVault.code, 1, printed(noVault));
      assert.match(noVault.stderr, /no-such-vault.*HTTP 404/);
    });

    it("rejects bad names, roles, vault grants, TTLs and statuses with exit 2 before calling the edge", async () => {
      const cases: [string[], RegExp][] = [
        [["agent", "invite", "My Agent"], /<name> must be 1-128 characters: letters, digits/],
        [["agent", "invite", "ok-agent", "--role", "admin"], /--role: must be owner or member/],
        [["agent", "invite", "ok-agent", "--vault", "payments:root"], /--vault: "payments:root": the role must be proxy, member or admin/],
        [["agent", "invite", "ok-agent", "--vault", "Pay"], /--vault: "Pay": the vault name must be lowercase/],
        [["agent", "invite", "ok-agent", "--ttl", "30s"], /--ttl: must be a duration from 1m to 7d/],
        [["agent", "invite", "ok-agent", "--ttl", "8d"], /--ttl: must be a duration from 1m to 7d/],
        [["agent", "invite", "ok-agent", "--ttl", "soon"], /--ttl: must be a duration/],
        [["agent", "invite", "list", "--status", "open"], /--status: must be one of pending, used, expired, revoked, all/],
        [["agent", "invite", "revoke", "ab"], /<token_suffix> must be 4-64 characters/],
        [["agent", "invite"], /Missing argument <name>/],
      ];
      for (const [args, message] of cases) {
        const result = await cli(args);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message);
      }
    });
  });

  describe("managing agents", () => {
    it("set-role, rename, disable and enable, each effective on the agent's next request", async () => {
      const { token } = await inviteAndRedeem("worker-agent", "--vault", "payments");

      const promote = await cli(["agent", "set-role", "worker-agent", "--role", "owner"]);
      assert.equal(promote.code, 0, printed(promote));
      assert.match(promote.stdout, /Agent "worker-agent" is now an owner of the company/);
      const me = JSON.parse(await curl(["-H", `Authorization: Bearer ${token}`, `${edge.addr}/v1/whoami`])) as { company_role: string };
      assert.equal(me.company_role, "owner");
      assert.equal((await cli(["agent", "set-role", "worker-agent", "--role", "member"])).code, 0);

      const rename = await cli(["agent", "rename", "worker-agent", "billing-agent"]);
      assert.equal(rename.code, 0, printed(rename));
      assert.match(rename.stdout, /Renamed agent "worker-agent" to "billing-agent"/);
      const list = await cli(["agent", "list", "--q", "agent"]);
      assert.match(list.stdout, /^billing-agent +member +active /m);
      assert.ok(!/^worker-agent /m.test(list.stdout));
      assert.equal(await whoamiStatus(edge.addr, token), 200, "a rename keeps the token");
      const gone = await cli(["agent", "info", "worker-agent"]);
      assert.equal(gone.code, 1, printed(gone));
      assert.match(gone.stderr, /Agent "worker-agent" not found \(not_found, HTTP 404\)/);

      const disable = await cli(["agent", "disable", "billing-agent"]);
      assert.equal(disable.code, 0, printed(disable));
      assert.match(disable.stdout, /Agent "billing-agent" is disabled/);
      assert.equal(await whoamiStatus(edge.addr, token), 401);
      const disabled = JSON.parse((await cli(["agent", "list", "--status", "disabled", "--json"])).stdout) as ListedAgent[];
      assert.deepEqual(
        disabled.map((a) => a.name),
        ["billing-agent"],
      );
      assert.equal((await cli(["agent", "rotate", "billing-agent"])).code, 1, "a disabled agent cannot rotate");

      const enable = await cli(["agent", "enable", "billing-agent"]);
      assert.equal(enable.code, 0, printed(enable));
      assert.match(enable.stdout, /Agent "billing-agent" is enabled/);
      assert.equal(await whoamiStatus(edge.addr, token), 200);
    });

    it("delete needs --yes without a terminal, then removes the agent and its token", async () => {
      const { token } = await inviteAndRedeem("doomed-agent", "--vault", "payments");

      const unconfirmed = await cli(["agent", "delete", "doomed-agent"]);
      assert.equal(unconfirmed.code, 2, printed(unconfirmed));
      assert.match(unconfirmed.stderr, /Refusing to delete agent "doomed-agent" without confirmation: stdin is not a terminal, so pass --yes/);
      assert.equal(await whoamiStatus(edge.addr, token), 200, "nothing was deleted");

      const deleted = await cli(["agent", "delete", "doomed-agent", "--yes"]);
      assert.equal(deleted.code, 0, printed(deleted));
      assert.match(deleted.stdout, /Deleted agent "doomed-agent"/);
      assert.equal(await whoamiStatus(edge.addr, token), 401);
      const info = await cli(["agent", "info", "doomed-agent"]);
      assert.equal(info.code, 1, printed(info));
      assert.equal((await cli(["agent", "delete", "doomed-agent", "-y"])).code, 1);
    });

    it("an unknown agent is exit 1 with the edge's message; a bad role or name is exit 2", async () => {
      for (const args of [
        ["agent", "info", "nope-agent"],
        ["agent", "rotate", "nope-agent"],
        ["agent", "set-role", "nope-agent", "--role", "owner"],
        ["agent", "disable", "nope-agent"],
      ]) {
        const result = await cli(args);
        assert.equal(result.code, 1, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, /Agent "nope-agent" not found \(not_found, HTTP 404\)/);
      }
      const cases: [string[], RegExp][] = [
        [["agent", "set-role", "my-agent", "--role", "admin"], /--role: must be owner or member/],
        [["agent", "set-role", "my-agent"], /--role: is required: owner or member/],
        [["agent", "rename", "my-agent"], /Missing argument <new-name>/],
        [["agent", "rename", "my-agent", "Bad Name"], /<new-name> must be 1-128 characters/],
        [["agent", "info", ".."], /<name> must be 1-128 characters/],
        [["agent", "rotate", "my-agent", "--ttl", "0m"], /--ttl: must be a duration/],
        [["agent", "list", "--status", "sleeping"], /--status: must be one of pending, active, rejected, disabled/],
        [["agent", "list", "--capabilities", "api_call,teleport"], /--capabilities: unknown capability "teleport"/],
        [["agent", "list", "extra"], /Too many arguments/],
        [["agent", "frobnicate"], /Unknown command "agent frobnicate"/],
      ];
      for (const [args, message] of cases) {
        const result = await cli(args);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message);
      }
    });

    it("agent list fetches every page", async () => {
      // A company of its own, so the count is exact; agents registered Vane-style are quickest.
      const other = await edge.createCompany();
      const names = Array.from({ length: 105 }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
      for (let i = 0; i < names.length; i += 15) {
        const batch = names.slice(i, i + 15).map((agentId) => edge.call("POST", "/v1/agents/register", other.ownerKey, { agentId }));
        for (const response of await Promise.all(batch)) assert.equal(response.status, 201);
      }
      const env = { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: other.ownerKey };
      const json = await runCli(["agent", "list", "--json"], { configHome: await tempConfigHome(), env });
      assert.equal(json.code, 0, printed(json));
      assert.deepEqual(
        (JSON.parse(json.stdout) as ListedAgent[]).map((a) => a.name),
        names,
      );
      const text = await runCli(["agent", "list", "--q", "bulk-10"], { configHome: await tempConfigHome(), env });
      // bulk-100 to bulk-104, under a header row.
      assert.equal(text.stdout.trim().split("\n").length, 1 + 5);
      assert.match(text.stderr, /^5 agents, \d+ online$/m);
    });
  });

  describe("self-registrations", () => {
    /** The agent's side, with curl: register (no auth), then claim with the claim token. */
    async function register(name: string, capabilities: string[]): Promise<string> {
      const body = JSON.parse(
        await curl([
          "-X",
          "POST",
          `${edge.addr}/v1/companies/${company.id}/agents/register`,
          "-H",
          "Content-Type: application/json",
          "-d",
          JSON.stringify({ name, version: "1.0.0", capabilities }),
        ]),
      ) as { claim_token?: string; status?: string };
      assert.equal(body.status, "pending", JSON.stringify(body));
      assert.ok(body.claim_token);
      return body.claim_token;
    }
    const claim = (claimToken: string) =>
      curl([
        "-w",
        "\n%{http_code}",
        "-X",
        "POST",
        `${edge.addr}/v1/registrations/claim`,
        "-H",
        "Content-Type: application/json",
        "-d",
        JSON.stringify({ claim_token: claimToken }),
      ]).then((out) => {
        const [body = "", status = ""] = out.split(/\n(?=\d{3}$)/);
        return { status: Number(status), body: JSON.parse(body) as Record<string, unknown> };
      });

    it("lists a pending registration, approves a subset of its capabilities, and the agent claims its token", async () => {
      const claimToken = await register("my-new-agent", ["api_call", "file_access"]);
      assert.equal((await claim(claimToken)).status, 202);

      const list = await cli(["agent", "registrations"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^ID +NAME +VERSION +REQUESTED +CAPABILITIES$/m);
      assert.match(list.stdout, /^reg_\S+ +my-new-agent +1\.0\.0 +\S+ +api_call,file_access$/m);
      assert.match(list.stderr, /Available capabilities: file_access, internet_access, .*agent_communication/);
      const json = JSON.parse((await cli(["agent", "registrations", "--json"])).stdout) as {
        registrations: { id: string; name: string; requestedCapabilities: string[] }[];
        availableCapabilities: string[];
      };
      assert.ok(json.availableCapabilities.includes("api_call"));
      const registration = json.registrations.find((r) => r.name === "my-new-agent");
      assert.ok(registration);

      const tooMuch = await cli(["agent", "approve", registration.id, "--capabilities", "api_call,mail_send"]);
      assert.equal(tooMuch.code, 1, printed(tooMuch));
      assert.match(tooMuch.stderr, /Not requested by this agent: mail_send \(capability_not_requested, HTTP 400\)/);

      const approve = await cli(["agent", "approve", registration.id, "--capabilities", "api_call"]);
      assert.equal(approve.code, 0, printed(approve));
      assert.match(approve.stdout, /Approved agent "my-new-agent" with api_call\./);

      const claimed = await claim(claimToken);
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      assert.deepEqual(claimed.body.capabilities, ["api_call"]);
      const token = String(claimed.body.token);
      tokens.push(token);
      assert.equal(await whoamiStatus(edge.addr, token), 200);

      const info = await cli(["agent", "info", "my-new-agent"]);
      assert.match(info.stdout, /^Capabilities: +api_call$/m);
      const withCapability = JSON.parse((await cli(["agent", "list", "--capabilities", "api_call", "--json"])).stdout) as ListedAgent[];
      assert.deepEqual(
        withCapability.map((a) => a.name),
        ["my-new-agent"],
      );
      const again = await cli(["agent", "approve", registration.id, "--capabilities", "api_call"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /registration_decided, HTTP 409/);
    });

    it("approves into a realm, and rejects with a reason the agent sees", async () => {
      const realm = await edge.call("POST", "/v1/realms", company.ownerKey, { name: "Engineering", slug: "eng" });
      assert.equal(realm.status, 201);
      const realmClaim = await register("realm-agent", ["file_access"]);
      const rejectedClaim = await register("shady-agent", ["system_command"]);
      const pending = JSON.parse((await cli(["agent", "registrations", "--json"])).stdout) as { registrations: { id: string; name: string }[] };
      const idOf = (name: string) => pending.registrations.find((r) => r.name === name)?.id ?? "";

      const approve = await cli(["agent", "approve", idOf("realm-agent"), "--capabilities", "", "--realm", "eng"]);
      assert.equal(approve.code, 0, printed(approve));
      assert.match(approve.stdout, /Approved agent "realm-agent" with no capabilities in realm "eng"/);
      const claimed = await claim(realmClaim);
      assert.equal(claimed.status, 200);
      tokens.push(String(claimed.body.token));
      const inRealm = JSON.parse((await cli(["agent", "list", "--realm", "eng", "--json"])).stdout) as ListedAgent[];
      assert.deepEqual(
        inRealm.map((a) => [a.name, a.realm?.slug]),
        [["realm-agent", "eng"]],
      );

      const missingReason = await cli(["agent", "reject", idOf("shady-agent")]);
      assert.equal(missingReason.code, 2, printed(missingReason));
      assert.match(missingReason.stderr, /--reason: is required/);
      const reject = await cli(["agent", "reject", idOf("shady-agent"), "--reason", "Unknown publisher"]);
      assert.equal(reject.code, 0, printed(reject));
      const refused = await claim(rejectedClaim);
      assert.equal(refused.status, 403);
      assert.deepEqual([refused.body.error, refused.body.reason], ["registration_rejected", "Unknown publisher"]);

      const empty = await cli(["agent", "registrations"]);
      assert.equal(empty.code, 0, printed(empty));
      assert.match(empty.stderr, /No registrations are waiting for approval/);
      const unknown = await cli(["agent", "approve", "reg_doesnotexist", "--capabilities", "api_call"]);
      assert.equal(unknown.code, 1, printed(unknown));
      assert.match(unknown.stderr, /Registration not found \(registration_not_found, HTTP 404\)/);
      const badCapability = await cli(["agent", "approve", "reg_x", "--capabilities", "api_call,fly"]);
      assert.equal(badCapability.code, 2, printed(badCapability));
    });
  });

  describe("secrets and help", () => {
    it("no command printed an agent token", () => {
      assert.ok(tokens.length >= 5);
      for (const result of results) for (const token of tokens) assert.ok(!printed(result).includes(token), `a token leaked in: ${printed(result)}`);
    });

    it("every agent command has --help with an example", async () => {
      const agentCommands = COMMANDS.filter((c) => c.path[0] === "agent" || (c.path[0] === "vault" && c.path[1] === "agent"));
      assert.equal(agentCommands.length, 23);
      await assertHelpWithExamples(agentCommands);
    });

    it("a revoke hint puts -- before a suffix that starts with a hyphen", () => {
      assert.equal(revokeCommand("-b4Tq9Lz"), "edgevault agent invite revoke -- -b4Tq9Lz");
      assert.equal(revokeCommand("Xy7_k2Qa"), "edgevault agent invite revoke Xy7_k2Qa");
    });
  });
});
