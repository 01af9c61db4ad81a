/**
 * `edgevault login --web` in real Chromium: the CLI prints a code and the /cli-login link; the
 * person opens it, signs in (the code survives the sign-in), sees what asks (in its own words) and
 * the same code, types that code from the terminal to confirm, and the CLI saves their login. Everything the page loads comes from the edge.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import type { Browser } from "playwright-core";
import { TEST_STORE, tempConfigHome } from "../cli/support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany, type TestUser } from "../cli/support/edge.ts";
import { launchChromium } from "./support/browser.ts";
import { assertEveryFieldLabelled, assertOnlyOwnOrigin } from "./support/page-checks.ts";

const ACTION_TIMEOUT_MS = 15_000;

describe("a person confirms a CLI login on the /cli-login page, and the CLI saves their login", { timeout: 120_000 }, () => {
  let edge: Edge;
  let browser: Browser;
  let company: TestCompany;
  let person: TestUser;

  before(async () => {
    const started = await Promise.allSettled([startEdge(), launchChromium()]);
    if (started[0].status === "fulfilled") edge = started[0].value;
    if (started[1].status === "fulfilled") browser = started[1].value;
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    company = await edge.createCompany();
    person = await edge.createUser(company, "member");
  });
  after(async () => {
    await Promise.allSettled([browser?.close(), edge?.stop()]);
  });

  it("from the printed link through sign-in to Confirm; the saved login is that person", async () => {
    const home = await tempConfigHome();
    const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home, ...TEST_STORE };
    const cli = spawn(process.execPath, [path.join(ROOT, "cli", "bin", "edgevault.js"), "login", "--web", "--addr", edge.addr], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    let onLink: (found: { code: string; link: string }) => void = () => {};
    const printedLink = new Promise<{ code: string; link: string }>((resolve) => (onLink = resolve));
    cli.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    cli.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const code = /one-time code: (\S+)/.exec(stderr)?.[1];
      const link = /open (http\S+\/cli-login\?code=\S+) /.exec(stderr)?.[1];
      if (code && link) onLink({ code, link });
    });
    const exited = once(cli, "close") as Promise<[number | null]>;
    const { code, link } = await printedLink;

    const context = await browser.newContext();
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const loaded: string[] = [];
    context.on("request", (request) => loaded.push(request.url()));
    const page = await context.newPage();
    await page.goto(link);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/cli-login" && url.searchParams.get("code") === code);

    assert.equal(await page.locator("#user-code").innerText(), code, "the page shows the code the terminal shows");
    assert.match(await page.locator("#client-name").innerText(), /^edgevault \S+ on .+ \(\w+\)$/);
    assert.match(await page.locator("#client-name").innerHTML(), /^<bdi class="chosen">/, "the name the CLI chose is shown as its own words");
    await assertEveryFieldLabelled(page);
    // The link filled in the code; confirming takes it typed again, as the person reads it on their terminal.
    await page.getByLabel("The code your terminal shows").fill(code);
    await page.getByRole("button", { name: "Confirm and log in" }).click();
    await page.waitForURL((url) => url.pathname === "/cli-login/approve");
    assert.match(await page.getByRole("status").innerText(), /Confirmed: the command line is logged in as you/);
    assert.equal(await page.getByRole("button", { name: "Confirm and log in" }).count(), 0, "a decided login offers no more buttons");

    const [exit] = await exited;
    assert.equal(exit, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, new RegExp(`Logged in to ${edge.addr} as ${person.email.replace(/[.]/g, "\\.")}`));
    const saved = JSON.parse(await readFile(path.join(home, "edgevault", "config.json"), "utf8")) as { token: string };
    assert.equal(((await edge.call("GET", "/v1/whoami", saved.token)).body as { email: string }).email, person.email);
    assertOnlyOwnOrigin(loaded, edge.addr);
    await context.close();
  });
});
