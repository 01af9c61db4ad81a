/**
 * The /cli-login page as a hostile tester used it: a login started under a name that vouches for
 * itself ("… (verified by Edgevault) - safe to confirm") and a `?code=` link sent to a person,
 * which made confirming one click. The name is shown as the requester's own words, isolated; and
 * Confirm takes the code typed from the person's terminal, so a link alone hands nobody a login.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser } from "./helpers.ts";
import { getPage, postForm, signInCookie } from "./pages-support.ts";

const BAIT = "edgevault CLI on owner@acme.example (verified by Edgevault) - safe to confirm";

async function attackersLogin() {
  const started = await call("POST", "/v1/cli-logins", {
    body: { client_name: BAIT },
    headers: { "CF-Connecting-IP": `192.0.2.${Math.floor(Math.random() * 250)}` },
  });
  expect(started.status, started.text).toBe(201);
  return { userCode: String(started.body.user_code), deviceCode: String(started.body.device_code) };
}

const collect = (deviceCode: string) => call("POST", "/v1/cli-logins/token", { body: { device_code: deviceCode } });

describe("a CLI login's page shows the requester's words as theirs, and confirming takes the code from the person's terminal", () => {
  it("the name the requester chose is isolated and labelled as its own words, not vouched for", async () => {
    const company = await createCompany();
    const person = await createUser(company);
    const { userCode } = await attackersLogin();
    const page = await getPage(`/cli-login?code=${userCode}`, await signInCookie(person.email));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<dt>What asks, in its own words</dt><dd id="client-name"><bdi class="chosen">${BAIT}</bdi></dd>`);
    expect(page.text).toContain("Edgevault has not checked it");
    expect(page.text).toContain('name="typed_code"');
  });

  it("a pre-filled link confirmed without typing the code (or with another one) confirms nothing; the terminal's code does", async () => {
    const company = await createCompany();
    const person = await createUser(company);
    const browser = await signInCookie(person.email);
    const { userCode, deviceCode } = await attackersLogin();
    for (const typed of [undefined, "BCDF-GHJK"]) {
      const refused = await postForm("/cli-login/approve", browser, { code: userCode, ...(typed ? { typed_code: typed } : {}) });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain("The code you typed is not this login&#39;s code");
      expect((await call("GET", `/v1/cli-logins/${userCode}`, { token: person.token })).body.status).toBe("pending");
    }
    const pending = await collect(deviceCode);
    expect(pending.body.error).toBe("authorization_pending");

    const confirmed = await postForm("/cli-login/approve", browser, { code: userCode, typed_code: userCode.toLowerCase().replace("-", " ") });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain("Confirmed: the command line is logged in as you");
  });

  it("denying takes no typing", async () => {
    const company = await createCompany();
    const person = await createUser(company);
    const { userCode } = await attackersLogin();
    const denied = await postForm("/cli-login/deny", await signInCookie(person.email), { code: userCode });
    expect(denied.status).toBe(200);
    expect(denied.text).toContain("Denied: the command line got nothing");
  });
});
