/**
 * Services through the CLI against a real edge: every `--auth` form lands as the edge's auth
 * config, listing as a table and JSON, update, enable/disable, remove with confirmation, and
 * bad flags refused (exit 2) before any request is sent.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { parseAuthFlags } from "../../cli/service-auth.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

type Service = {
  name: string;
  host: string;
  upstream: string | null;
  description: string | null;
  auth: Record<string, unknown>;
  enabled: boolean;
  credential_keys: string[];
};

describe("edgevault vault service", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** Runs the CLI logged in as the company's owner key, with EDGEVAULT_VAULT=payments. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  /** The vault's services as the edge holds them, read without the CLI. */
  async function servicesOnEdge(vault = "payments"): Promise<Map<string, Service>> {
    const res = await edge.call("GET", `/v1/vaults/${vault}/services`, company.ownerKey);
    assert.equal(res.status, 200);
    return new Map((res.body as { services: Service[] }).services.map((s) => [s.name, s]));
  }

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options, env: { EDGEVAULT_VAULT: "payments", ...options.env } });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    assert.equal((await cli(["vault", "create", "payments"])).code, 0);
  });
  after(async () => {
    await edge?.stop();
  });

  describe("add: each --auth form becomes the edge's auth config", () => {
    const cases: { name: string; flags: string[]; auth: Record<string, unknown>; shown: RegExp }[] = [
      {
        name: "stripe",
        flags: ["--host", "api.stripe.com", "--auth", "bearer:STRIPE_KEY"],
        auth: { type: "bearer", token: "STRIPE_KEY" },
        shown: /bearer STRIPE_KEY/,
      },
      {
        name: "twilio",
        flags: ["--host", "api.twilio.com", "--auth", "basic:TWILIO_SID:TWILIO_TOKEN"],
        auth: { type: "basic", username: "TWILIO_SID", password: "TWILIO_TOKEN" },
        shown: /basic TWILIO_SID:TWILIO_TOKEN/,
      },
      {
        name: "mailgun",
        flags: ["--host", "api.mailgun.net", "--auth", "basic:MAILGUN_KEY"],
        auth: { type: "basic", username: "MAILGUN_KEY" },
        shown: /basic MAILGUN_KEY/,
      },
      {
        name: "plain-key",
        flags: ["--host", "api.plain.test", "--auth", "api-key:PLAIN_KEY"],
        auth: { type: "api-key", key: "PLAIN_KEY", header: "Authorization" },
        shown: /api-key Authorization: PLAIN_KEY/,
      },
      {
        name: "acme-key",
        flags: ["--host", "api.acme.test", "--auth", "api-key:ACME_KEY:X-Api-Key"],
        auth: { type: "api-key", key: "ACME_KEY", header: "X-Api-Key" },
        shown: /api-key X-Api-Key: ACME_KEY/,
      },
      {
        name: "openai",
        flags: ["--host", "api.openai.com", "--auth", "api-key:OPENAI_KEY:Authorization:Bearer "],
        auth: { type: "api-key", key: "OPENAI_KEY", header: "Authorization", prefix: "Bearer " },
        shown: /api-key Authorization: Bearer OPENAI_KEY/,
      },
      {
        name: "custom-two",
        flags: ["--host", "api.custom.test", "--auth", "custom", "--header", "X-Org: {{ ORG_ID }}", "--header", "X-Signature: sig={{SIGNING_KEY}}; v=1"],
        auth: { type: "custom", headers: { "X-Org": "{{ ORG_ID }}", "X-Signature": "sig={{SIGNING_KEY}}; v=1" } },
        shown: /custom X-Org, X-Signature/,
      },
      {
        name: "custom-inline",
        flags: ["--host", "api.inline.test", "--auth", "custom:X-Token={{ INLINE_TOKEN }}"],
        auth: { type: "custom", headers: { "X-Token": "{{ INLINE_TOKEN }}" } },
        shown: /custom X-Token/,
      },
      { name: "open-data", flags: ["--host", "*.opendata.test", "--auth", "passthrough"], auth: { type: "passthrough" }, shown: /passthrough/ },
    ];

    it("adds one service per form; the edge stores exactly that auth", async () => {
      for (const c of cases) {
        const add = await cli(["vault", "service", "add", c.name, ...c.flags]);
        assert.equal(add.code, 0, `${c.name}: ${printed(add)}`);
        assert.match(add.stdout, new RegExp(`^Added service "${c.name}" to vault "payments": `));
        assert.match(add.stdout, c.shown);
        assert.match(add.stdout, /, enabled\.$/m);
      }
      const stored = await servicesOnEdge();
      for (const c of cases) assert.deepEqual(stored.get(c.name)?.auth, c.auth, c.name);
      assert.deepEqual(stored.get("custom-two")?.credential_keys, ["ORG_ID", "SIGNING_KEY"]);
    });

    it("says which credential keys the vault does not hold yet", async () => {
      assert.equal((await cli(["vault", "credential", "set", "HELD_KEY"], { stdin: "v" })).code, 0);
      const add = await cli(["vault", "service", "add", "held", "--host", "api.held.test", "--auth", "basic:HELD_KEY:MISSING_PASS"]);
      assert.equal(add.code, 0, printed(add));
      assert.match(add.stderr, /vault "payments" has no MISSING_PASS yet; set it with: edgevault vault credential set MISSING_PASS --vault payments/);
      assert.doesNotMatch(add.stderr, /HELD_KEY/);
    });

    it("takes --upstream, --description and --disabled", async () => {
      const add = await cli([
        "vault",
        "service",
        "add",
        "stripe-eu",
        "--host",
        "eu.stripe.test",
        "--auth",
        "bearer:STRIPE_KEY",
        "--upstream",
        "https://eu.api.stripe.com",
        "--description",
        "Stripe, EU region",
        "--disabled",
      ]);
      assert.equal(add.code, 0, printed(add));
      assert.match(add.stdout, /"stripe-eu" to vault "payments": eu\.stripe\.test via https:\/\/eu\.api\.stripe\.com, bearer STRIPE_KEY, disabled/);
      assert.deepEqual((({ upstream, description, enabled }) => ({ upstream, description, enabled }))((await servicesOnEdge()).get("stripe-eu") as Service), {
        upstream: "https://eu.api.stripe.com",
        description: "Stripe, EU region",
        enabled: false,
      });
    });

    it("lists services as a table and as JSON", async () => {
      const list = await cli(["vault", "service", "list"]);
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /^NAME +HOST +AUTH +UPSTREAM +ENABLED +DESCRIPTION$/m);
      assert.match(list.stdout, /^stripe +api\.stripe\.com +bearer STRIPE_KEY +- +yes +-$/m);
      assert.match(list.stdout, /^stripe-eu +eu\.stripe\.test +bearer STRIPE_KEY +https:\/\/eu\.api\.stripe\.com +no +Stripe, EU region$/m);
      assert.match(list.stdout, /^open-data +\*\.opendata\.test +passthrough /m);

      const json = await cli(["vault", "service", "list", "--json", "--vault", "payments"]);
      assert.equal(json.code, 0, printed(json));
      const services = JSON.parse(json.stdout) as Service[];
      assert.deepEqual(
        services.slice(0, 3).map((s) => s.name),
        ["stripe", "twilio", "mailgun"],
        "matching order",
      );
      assert.deepEqual(services.find((s) => s.name === "twilio")?.credential_keys, ["TWILIO_SID", "TWILIO_TOKEN"]);

      assert.equal((await cli(["vault", "create", "empty"])).code, 0);
      const empty = await cli(["vault", "service", "list", "--vault", "empty"]);
      assert.equal(empty.code, 0, printed(empty));
      assert.equal(empty.stdout, "");
      assert.match(empty.stderr, /No services in vault "empty"/);
    });

    it("reports the edge's refusals with exit 1: a taken name or host, a header the proxy sets itself", async () => {
      const taken = await cli(["vault", "service", "add", "stripe", "--host", "other.stripe.test", "--auth", "passthrough"]);
      assert.equal(taken.code, 1, printed(taken));
      assert.match(taken.stderr, /A service named "stripe" already exists in this vault \(service_exists, HTTP 409\)/);
      const host = await cli(["vault", "service", "add", "stripe-2", "--host", "API.Stripe.com", "--auth", "passthrough"]);
      assert.equal(host.code, 1, printed(host));
      assert.match(host.stderr, /service_host_exists, HTTP 409/);
      const injected = await cli(["vault", "service", "add", "sneaky", "--host", "sneaky.test", "--auth", "custom", "--header", "Host: {{ KEY }}"]);
      assert.equal(injected.code, 1, printed(injected));
      assert.match(injected.stderr, /HTTP 400/);
      const unknownVault = await cli(["vault", "service", "list", "--vault", "nope"]);
      assert.equal(unknownVault.code, 1, printed(unknownVault));
      assert.match(unknownVault.stderr, /Vault "nope" not found \(not_found, HTTP 404\)/);
    });
  });

  describe("update, enable, disable", () => {
    it("changes only what is given, and --auth replaces the auth config", async () => {
      assert.equal(
        (
          await cli([
            "vault",
            "service",
            "add",
            "github",
            "--host",
            "api.github.com",
            "--auth",
            "bearer:GITHUB_TOKEN",
            "--upstream",
            "https://ghe.example.com",
            "--description",
            "GitHub",
          ])
        ).code,
        0,
      );

      const auth = await cli(["vault", "service", "update", "github", "--auth", "custom", "--header", "Authorization: token {{ GITHUB_TOKEN }}"]);
      assert.equal(auth.code, 0, printed(auth));
      assert.match(
        auth.stdout,
        /^Updated service "github" in vault "payments": api\.github\.com via https:\/\/ghe\.example\.com, custom Authorization, enabled\.$/m,
      );
      let github = (await servicesOnEdge()).get("github");
      assert.deepEqual(github?.auth, { type: "custom", headers: { Authorization: "token {{ GITHUB_TOKEN }}" } });
      assert.equal(github?.description, "GitHub");

      const rest = await cli([
        "vault",
        "service",
        "update",
        "github",
        "--host",
        "api.github.com/repos/*",
        "--upstream",
        "none",
        "--description",
        "",
        "--rename",
        "gh",
      ]);
      assert.equal(rest.code, 0, printed(rest));
      const services = await servicesOnEdge();
      assert.ok(!services.has("github"));
      github = services.get("gh");
      assert.deepEqual(
        { host: github?.host, upstream: github?.upstream, description: github?.description, auth: github?.auth },
        { host: "api.github.com/repos/*", upstream: null, description: null, auth: { type: "custom", headers: { Authorization: "token {{ GITHUB_TOKEN }}" } } },
      );

      const missing = await cli(["vault", "service", "update", "no-such", "--host", "x.test"]);
      assert.equal(missing.code, 1, printed(missing));
      assert.match(missing.stderr, /Service "no-such" not found \(service_not_found, HTTP 404\)/);
    });

    it("disable keeps the config and enable restores it; update --enabled/--disabled does the same", async () => {
      const disable = await cli(["vault", "service", "disable", "stripe"]);
      assert.equal(disable.code, 0, printed(disable));
      assert.match(disable.stdout, /^Service "stripe" in vault "payments" is disabled\.$/m);
      assert.equal((await servicesOnEdge()).get("stripe")?.enabled, false);
      assert.deepEqual((await servicesOnEdge()).get("stripe")?.auth, { type: "bearer", token: "STRIPE_KEY" });

      const enable = await cli(["vault", "service", "enable", "stripe"]);
      assert.equal(enable.code, 0, printed(enable));
      assert.match(enable.stdout, /^Service "stripe" in vault "payments" is enabled\.$/m);
      assert.equal((await servicesOnEdge()).get("stripe")?.enabled, true);

      assert.equal((await cli(["vault", "service", "update", "stripe", "--disabled"])).code, 0);
      assert.equal((await servicesOnEdge()).get("stripe")?.enabled, false);
      assert.equal((await cli(["vault", "service", "update", "stripe", "--enabled"])).code, 0);
      assert.equal((await servicesOnEdge()).get("stripe")?.enabled, true);
    });
  });

  describe("remove", () => {
    it("needs --yes without a terminal, then removes the service and leaves its credentials", async () => {
      assert.equal((await cli(["vault", "service", "add", "doomed", "--host", "doomed.test", "--auth", "bearer:HELD_KEY"])).code, 0);
      const unconfirmed = await cli(["vault", "service", "remove", "doomed"]);
      assert.equal(unconfirmed.code, 2, printed(unconfirmed));
      assert.match(
        unconfirmed.stderr,
        /Refusing to remove service "doomed" from vault "payments" without confirmation: stdin is not a terminal, so pass --yes/,
      );
      assert.ok((await servicesOnEdge()).has("doomed"), "nothing was removed");

      const removed = await cli(["vault", "service", "remove", "doomed", "--yes"]);
      assert.equal(removed.code, 0, printed(removed));
      assert.match(removed.stdout, /^Removed service "doomed" from vault "payments"\.$/m);
      assert.ok(!(await servicesOnEdge()).has("doomed"));
      const keys = await cli(["vault", "credential", "list", "--json"]);
      assert.ok((JSON.parse(keys.stdout) as string[]).includes("HELD_KEY"), "the credential stays");

      const again = await cli(["vault", "service", "remove", "doomed", "-y"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /Service "doomed" not found \(service_not_found, HTTP 404\)/);
    });
  });

  describe("bad flags", () => {
    it("are refused with exit 2 before any request is sent", async () => {
      // An edge that is not there: a command that sent a request would fail with exit 1 instead.
      const offline = {
        configHome: await tempConfigHome(),
        env: { EDGEVAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_API_KEY: "evk_unused", EDGEVAULT_VAULT: "payments" },
      };
      const add = ["vault", "service", "add", "svc", "--host", "api.example.com"];
      const cases: [string[], RegExp][] = [
        [["vault", "service", "add", "svc", "--auth", "bearer:KEY"], /--host: is required/],
        [add, /--auth: is required/],
        [[...add, "--auth", "bearer"], /--auth: bearer:<KEY> needs a credential key/],
        [[...add, "--auth", "bearer:"], /--auth: bearer:<KEY> needs a credential key/],
        [[...add, "--auth", "bearer:stripe_key"], /--auth: a credential key "stripe_key" must be upper case/],
        [[...add, "--auth", "basic:A:B:C"], /--auth: basic takes at most two keys/],
        [[...add, "--auth", "basic:USER:"], /--auth: basic:<USER_KEY>:<PASS_KEY> needs a password key/],
        [[...add, "--auth", "api-key:KEY:X_Bad Header"], /--auth: the header name "X_Bad Header" must be letters, digits and hyphens/],
        [[...add, "--auth", "api-key:KEY:X-Key:pre\tfix\n"], /--auth: the api-key prefix must be at most 256 visible ASCII characters/],
        [[...add, "--auth", "custom"], /--auth: custom needs at least one --header/],
        [[...add, "--auth", "custom", "--header", "X-Key {{ KEY }}"], /--header: write it as '<Header>: <template>'/],
        [[...add, "--auth", "custom", "--header", "X-Key: {{ lower_key }}"], /--header X-Key: "\{\{ lower_key \}\}" is not a credential key/],
        [[...add, "--auth", "custom", "--header", "X-Key: {{ KEY }"], /--header X-Key: unbalanced "\{\{" or "\}\}"/],
        [[...add, "--auth", "custom", "--header", "X-Key: {{ KEY }}\r\nX-Evil: 1"], /--header X-Key: the template must be visible ASCII/],
        [[...add, "--auth", "custom", "--header", "X-Key: {{ A }}", "--header", "x-key: {{ B }}"], /--header: "x-key" is given twice/],
        [[...add, "--auth", "bearer:KEY", "--header", "X-Key: {{ KEY }}"], /--header goes with --auth custom, not with --auth bearer/],
        [[...add, "--header", "X-Key: {{ KEY }}"], /--auth: is required/],
        [[...add, "--auth", "oauth2:KEY"], /--auth: unknown type "oauth2" \(forms: bearer:<KEY>, basic:/],
        [[...add, "--auth", "oauth:KEY"], /--auth oauth needs --client-id/],
        [[...add, "--auth", "oauth:KEY", "--client-id", "c"], /--auth oauth needs --provider <id> \(vault oauth providers\) or --token-endpoint/],
        [[...add, "--auth", "passthrough:KEY"], /--auth: passthrough takes no keys/],
        [["vault", "service", "add", "svc", "--host", "https://api.example.com", "--auth", "passthrough"], /--host: is a host pattern, not a URL/],
        [[...add, "--auth", "passthrough", "--upstream", "https://eu.example.com/v1"], /--upstream: must be an origin only/],
        [[...add, "--auth", "passthrough", "--upstream", "ftp://eu.example.com"], /--upstream: must be an origin only/],
        [["vault", "service", "add", "Bad_Name", "--host", "a.test", "--auth", "passthrough"], /<name> must be lowercase letters/],
        [[...add, "--auth", "passthrough", "extra"], /Too many arguments/],
        [[...add, "--auth", "passthrough", "--enabled"], /Unknown option '--enabled'/],
        [["vault", "service", "update", "svc"], /Nothing to change/],
        [["vault", "service", "update", "svc", "--enabled", "--disabled"], /--enabled and --disabled contradict each other/],
        [["vault", "service", "update", "svc", "--header", "X-Key: {{ KEY }}"], /--header goes with --auth custom/],
        [["vault", "service", "update", "svc", "--rename", "No"], /--rename: must be lowercase letters/],
        [["vault", "service", "enable"], /Missing argument <name>/],
        [["vault", "service", "remove", "svc", "--vault", "Bad Vault", "--yes"], /--vault: must be lowercase letters/],
        [["vault", "service", "frobnicate"], /Unknown command "vault service frobnicate"/],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(args, offline);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message, args.join(" "));
        assert.doesNotMatch(result.stderr, /Cannot reach/);
      }
      // No vault named anywhere: the company's default vault, said on stderr (and then the edge is unreachable).
      const noVault = await runCli(["vault", "service", "list"], {
        configHome: offline.configHome,
        env: { EDGEVAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_API_KEY: "evk_unused" },
      });
      assert.equal(noVault.code, 1, printed(noVault));
      assert.match(noVault.stderr, /^Using vault "default" \(the default; /m);
      assert.equal(noVault.stdout, "");
    });

    it("parseAuthFlags: an api-key prefix keeps its colons, an empty header means Authorization", () => {
      assert.deepEqual(parseAuthFlags("api-key:KEY::Token: ", []), { type: "api-key", key: "KEY", prefix: "Token: " });
      assert.deepEqual(parseAuthFlags("custom", ["X-A=a {{ A }}", "X-B:{{ B }}"]), { type: "custom", headers: { "X-A": "a {{ A }}", "X-B": "{{ B }}" } });
      assert.equal(parseAuthFlags(undefined, []), undefined);
    });
  });

  it("every vault service command has --help with an example", async () => {
    const commands = COMMANDS.filter((c) => c.path[0] === "vault" && c.path[1] === "service");
    assert.deepEqual(
      commands.map((c) => c.path[2]),
      ["list", "show", "add", "update", "enable", "disable", "remove"],
    );
    await assertHelpWithExamples(commands);
  });
});
