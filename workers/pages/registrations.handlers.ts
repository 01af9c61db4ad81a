/**
 * `/registrations`: approve a pending self-registration with a subset of its capabilities and a
 * realm, or reject it with a reason. The input is the API's schemas; the write is the
 * registrations' own guarded change (decided at most once) through `commitChange`.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isAgentNameTaken } from "../agents/agents.queries.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import { createRouter } from "../lib/router.ts";
import { newId } from "../lib/tokens.ts";
import { listRealms, requireRealm } from "../realms/realms.queries.ts";
import { ApproveRegistrationBody, RegistrationParams, RejectRegistrationBody } from "../registrations/registrations.contract.ts";
import {
  approveRegistrationChange,
  findRegistration,
  isForeignKeyFailure,
  listPendingRegistrations,
  pendingRegistrationView,
  type RegistrationRow,
  rejectRegistrationChange,
} from "../registrations/registrations.queries.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { attempt, doneFlash, errorFlash, type Flash, refusalStatus } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";
import { registrationsPage } from "./registrations.page.ts";

const DONE = {
  approved: "Approved. The agent collects its token with its claim token.",
  rejected: "Rejected. The agent is told the reason when it asks.",
};

async function show(c: Context<AppEnv>, session: PageSession, flash?: Flash, status: ContentfulStatusCode = 200) {
  const db = c.var.db;
  const companyId = session.principal.companyId;
  const registrations = (await listPendingRegistrations(db, companyId)).map(pendingRegistrationView);
  const realms = (await listRealms(db, companyId)).map((r) => ({ id: r.id, slug: r.slug, name: r.name }));
  return page(c, registrationsPage({ frame: frameOf(session, "/registrations"), registrations, realms, flash: flash ?? doneFlash(c, DONE) }), status);
}

/** The registration the form addresses, still pending, of the person's company (as the API's `requirePending`). */
async function pendingRegistration(c: Context<AppEnv>, session: PageSession): Promise<RegistrationRow> {
  const params = RegistrationParams.safeParse({ id: c.req.param("id") });
  const registration = params.success ? await findRegistration(c.var.db, session.principal.companyId, params.data.id) : undefined;
  if (!registration) throw new AppError(404, "registration_not_found", "Registration not found");
  if (registration.status !== "pending") throw conflict("registration_decided", "This registration was already approved or rejected");
  return registration;
}

/** A decision's first statement is an audit entry guarded on the registration still being pending. */
const decided = (error: unknown) => (isGuardFailure(error) ? conflict("registration_decided", "This registration was already approved or rejected") : error);

export const registrationsPages = createRouter();

registrationsPages.get(
  "/registrations",
  consoleGet("GET /registrations", (c, session) => show(c, session)),
);

registrationsPages.post(
  "/registrations/:id/approve",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /registrations/{id}/approve", async (c, session, form) => {
    const parsed = ApproveRegistrationBody.safeParse({ capabilities: form.all("capabilities"), realm: form.one("realm") });
    if (!parsed.success) return show(c, session, { kind: "error", text: "Choose capabilities the agent asked for, and a realm of this company" }, 400);
    const body = parsed.data;
    const principal = session.principal;
    const db = c.var.db;
    const done = await attempt(async () => {
      const registration = await pendingRegistration(c, session);
      const granted = [...new Set(body.capabilities)];
      const notRequested = granted.filter((capability) => !registration.requestedCapabilities.includes(capability));
      if (notRequested.length > 0) throw badRequest("capability_not_requested", `Not requested by this agent: ${notRequested.join(", ")}`);
      const realm = body.realm === undefined ? undefined : await requireRealm(db, principal.companyId, body.realm);
      // As the API: the agent's first token is dropped unseen and revoked in the same batch; its
      // usable token is minted only by its claim.
      const agentId = newId(AGENT_ID_PREFIX);
      const issued = await minterFor(c.env)("agent", agentTokenBody(agentId));
      const now = Date.now();
      try {
        await commitChange(c, approveRegistrationChange(db, principal, registration, { agentId, issued, capabilities: granted, realm }, now));
      } catch (error) {
        if (isAgentNameTaken(error)) throw conflict("agent_exists", `An agent named "${registration.name}" already exists; reject this registration`);
        if (realm && isForeignKeyFailure(error)) throw new AppError(404, "realm_not_found", `Realm "${body.realm}" not found`);
        throw decided(error);
      }
    });
    if (!done.ok) return show(c, session, errorFlash(done.error), refusalStatus(done.error));
    return c.redirect("/registrations?done=approved", 303);
  }),
);

registrationsPages.post(
  "/registrations/:id/reject",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /registrations/{id}/reject", async (c, session, form) => {
    const parsed = RejectRegistrationBody.safeParse({ reason: form.one("reason") });
    if (!parsed.success) return show(c, session, { kind: "error", text: "Give a reason (the agent is told it)" }, 400);
    const done = await attempt(async () => {
      const registration = await pendingRegistration(c, session);
      await commitChange(c, rejectRegistrationChange(c.var.db, session.principal, registration, parsed.data.reason, Date.now())).catch((error: unknown) =>
        Promise.reject(decided(error)),
      );
    });
    if (!done.ok) return show(c, session, errorFlash(done.error), refusalStatus(done.error));
    return c.redirect("/registrations?done=rejected", 303);
  }),
);
