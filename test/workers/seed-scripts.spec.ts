/**
 * Scripts written for the seeds run unchanged against the edge: seed 004's anonymous
 * `POST /api/agents/register` at the edge's own address joins the deployment's DEFAULT_COMPANY
 * (npm start sets `demo`), registration names take Vane's alphabet on every route (`Analyst_GPT4`),
 * and Vane's re-registration of a disabled agent is agents.spec.ts's.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { call, createCompany, unique } from "./helpers.ts";

/** The app under these settings (as a deployment would set its vars), answering one request. */
async function under(settings: Record<string, string>, url: string, body: unknown) {
  const ctx = createExecutionContext();
  const init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await buildApp().fetch(new Request(url, init), { ...env, ...settings }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Seed 004's request body, as its example writes it (a key of its own is optional). */
const seedBody = (name: string) => ({ name, version: "1.0.0", capabilities: ["api_call", "file_access"] });

const pendingNames = async (ownerKey: string) =>
  ((await call("GET", "/v1/registrations", { token: ownerKey })).body.registrations as { name: string }[]).map((r) => r.name);

describe("seed 004's anonymous registration at the edge's own address joins the deployment's default company", () => {
  it("with DEFAULT_COMPANY set, the seed's call at the bare address registers in that company, pending approval", async () => {
    const company = await createCompany();
    const name = unique("my-new-agent").slice(0, 40);
    const res = await under({ DEFAULT_COMPANY: company.id }, "https://edge.test/api/agents/register", seedBody(name));
    expect(res).toMatchObject({ status: 201, body: { agentId: name, message: "Agent registered. Awaiting admin approval." } });
    expect(await pendingNames(company.ownerKey)).toContain(name);
  });

  it("unset, the same call is 400 company_required naming the setting; a company's own host wins over the default", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const unset = await under({}, "https://edge.test/api/agents/register", seedBody(unique("anon").slice(0, 40)));
    expect(unset).toMatchObject({ status: 400, body: { error: "company_required" } });
    expect(unset.body.message).toContain("DEFAULT_COMPANY");
    const name = unique("hosted").slice(0, 40);
    const settings = { DEFAULT_COMPANY: company.id, BASE_DOMAIN: "localhost", PUBLIC_ORIGIN: "https://edge.test" };
    const atHost = await under(settings, `http://${other.id}.localhost/api/agents/register`, seedBody(name));
    expect(atHost.status).toBe(201);
    expect(await pendingNames(other.ownerKey)).toContain(name);
    expect(await pendingNames(company.ownerKey)).not.toContain(name);
  });

  it("a default company that does not exist is 404 company_not_found, never another company", async () => {
    const res = await under({ DEFAULT_COMPANY: "no-such-company" }, "https://edge.test/api/agents/register", seedBody(unique("lost").slice(0, 40)));
    expect(res).toMatchObject({ status: 404, body: { error: "company_not_found" } });
  });
});

describe("registration names take Vane's alphabet on every route", () => {
  it("Analyst_GPT4 registers through Vaultys' route, the per-company route and an invite, and is found by that name", async () => {
    const company = await createCompany();
    const vaultys = await call("POST", "/api/agents/register", { token: company.ownerKey, body: { name: "Analyst_GPT4", capabilities: [] } });
    expect(vaultys).toMatchObject({ status: 201, body: { agentId: "Analyst_GPT4" } });
    const perCompany = await call("POST", `/v1/companies/${company.id}/agents/register`, { body: { name: "Analyst.v2-beta", capabilities: [] } });
    expect(perCompany.status).toBe(201);
    expect(await pendingNames(company.ownerKey)).toEqual(expect.arrayContaining(["Analyst_GPT4", "Analyst.v2-beta"]));
    const invite = await call("POST", "/v1/agents/invites", { token: company.ownerKey, body: { name: "Research_Bot.1" } });
    expect(invite.status).toBe(201);
    // Case is kept: a name differing only in case is another agent's.
    const vane = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { agentId: "analyst_gpt4" } });
    expect(vane.status).toBe(201);
    for (const bad of ["..", "has space", "x".repeat(129)]) {
      expect((await call("POST", "/api/agents/register", { token: company.ownerKey, body: { name: bad, capabilities: [] } })).status, bad).toBe(400);
    }
  });
});
