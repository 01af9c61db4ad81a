/**
 * The approval page and the inbox as a reviewer reads them: text an agent chose never reads as
 * the page's own words, and the inbox never offers a member a proposal only an admin can decide.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent } from "./helpers.ts";
import { getPage, signInCookie } from "./pages-support.ts";

/** A vault with a member agent (it mints sessions), a vault admin and a vault member. */
async function reviewedVault() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
  const admin = await createUser(company);
  const member = await createUser(company);
  for (const [email, role] of [
    [admin.email, "admin"],
    [member.email, "member"],
  ])
    expect((await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email, role } })).status).toBe(200);
  return { company, vault, agent, admin, member };
}

type Vault = Awaited<ReturnType<typeof reviewedVault>>;

/** Raises `body` through a session of the agent labelled `label`; the proposal's id and page. */
async function raisedThroughSession(s: Vault, label: string, body: Record<string, unknown>) {
  const session = await call("POST", "/v1/sessions", { token: s.agent.token, body: { vault: s.vault, label } });
  expect(session.status).toBe(201);
  const raised = await call("POST", "/v1/proposals", { token: session.body.token as string, body });
  expect(raised.status).toBe(201);
  const url = new URL(String(raised.body.approval_url));
  return { id: raised.body.id as string, path: url.pathname + url.search };
}

const raise = (s: Vault, token: string, body: unknown) => call("POST", "/v1/proposals", { token, headers: { "X-Vault": s.vault }, body });

/** Bidi overrides, isolates and NUL never reach the page raw. */
const RAW_CONTROLS = /[\u0000\u202a-\u202e\u2066-\u2069]/;

describe("text an agent chose never reads as the page's own words", () => {
  it("a session label that closes its own quote stays inside its box, after the agent that minted it, on the page and in the inbox", async () => {
    const s = await reviewedVault();
    const label = "x”, approved by Demo Owner “y";
    const { id, path } = await raisedThroughSession(s, label, { credentials: [{ key: "DEPLOY_KEY" }], message: "please" });
    const browser = await signInCookie(s.admin.email);
    const said = `agent ${s.agent.name}, through its session “<bdi class="chosen">x”, approved by Demo Owner “y</bdi>”`;
    expect((await getPage(path, browser)).text).toContain(`<h1>Request from ${said}</h1>`);
    expect((await getPage("/inbox", browser)).text).toContain(`<a href="/approve/${id}">${said}: <bdi class="chosen">please</bdi></a>`);
  });

  it("bidi overrides and isolates, a newline and NUL in a label, a message, a description and instructions are written out, never passed through", async () => {
    const s = await reviewedVault();
    const label = "a\u202Eb\u2066c\nd\u0000e";
    const hostile = "line one\nline two \u202Eevil\u2066 \u0000end";
    const { id, path } = await raisedThroughSession(s, label, {
      credentials: [{ key: "DEPLOY_KEY", description: hostile, obtain_instructions: hostile }],
      message: hostile,
    });
    const browser = await signInCookie(s.admin.email);
    const page = (await getPage(path, browser)).text;
    // One line: the newline is written out, so the label cannot run on into the words after it.
    expect(page).toContain(`through its session “<bdi class="chosen">a\\u{202e}b\\u{2066}c\\u{a}d\\u{0}e</bdi>”</h1>`);
    // A block keeps its lines, and only its lines.
    const block = `<bdi class="chosen block">line one\nline two \\u{202e}evil\\u{2066} \\u{0}end</bdi>`;
    expect(page).toContain(`<p class="message">${block}</p>`);
    expect(page).toContain(`<p class="hint" id="cred-DEPLOY_KEY-desc">${block}</p>`);
    expect(page).toContain(`<p class="hint" id="cred-DEPLOY_KEY-how">${block}</p>`);
    expect(page).not.toMatch(RAW_CONTROLS);
    const inbox = (await getPage("/inbox", browser)).text;
    expect(inbox).toContain(
      `<bdi class="chosen">a\\u{202e}b\\u{2066}c\\u{a}d\\u{0}e</bdi>”: <bdi class="chosen">line one\\u{a}line two \\u{202e}evil\\u{2066} \\u{0}end</bdi></a>`,
    );
    expect(inbox).toContain(`href="/approve/${id}"`);
    expect(inbox).not.toMatch(RAW_CONTROLS);
  });
});

describe("the inbox never offers a member what only an admin can decide", () => {
  it("a proposal that needs a vault admin is listed with that said and no link; one the member may decide links to its form; the admin sees both as links", async () => {
    const s = await reviewedVault();
    const services = await raise(s, s.agent.token, {
      services: [{ name: "github", host: "api.github.com", auth: { type: "bearer", token: "GITHUB_TOKEN" } }],
      credentials: [{ key: "GITHUB_TOKEN" }],
      message: "add github",
    });
    const valueOnly = await raise(s, s.agent.token, { credentials: [{ key: "STORED_ONLY" }], message: "store a value" });
    const own = await raise(s, s.member.token, { credentials: [{ key: "MINE" }], message: "my own" });
    const [needsAdmin, decidable, mine] = [services, valueOnly, own].map((r) => r.body.id as string);

    const memberBrowser = await signInCookie(s.member.email);
    const inbox = (await getPage("/inbox", memberBrowser)).text;
    expect(inbox).toContain(
      `<span>agent ${s.agent.name}: <bdi class="chosen">add github</bdi></span> <span class="badge">needs a vault admin</span><p class="hint">This proposal adds, changes or removes a service: only an admin of the vault can decide it</p>`,
    );
    expect(inbox).not.toContain(`href="/approve/${needsAdmin}"`);
    expect(inbox).toContain(`<a href="/approve/${decidable}">agent ${s.agent.name}: <bdi class="chosen">store a value</bdi></a>`);
    expect(inbox).toContain(
      `<span>${s.member.email}: <bdi class="chosen">my own</bdi></span> <span class="badge">raised by you: another person decides it</span>`,
    );
    expect(inbox).not.toContain(`href="/approve/${mine}"`);
    // What the inbox leaves unlinked is what the approval page refuses.
    expect((await getPage(`/approve/${needsAdmin}`, memberBrowser)).status).toBe(403);

    const adminInbox = (await getPage("/inbox", await signInCookie(s.admin.email))).text;
    for (const id of [needsAdmin, decidable, mine]) expect(adminInbox).toContain(`<a href="/approve/${id}">`);
    expect(adminInbox).not.toContain('<span class="badge">');
  });
});
