/**
 * `/registrations`: approve a pending self-registration with a subset of its capabilities and a
 * realm, or reject it with a reason. The input is the API's schemas; the list and the decisions
 * are the registrations' own actions (decided at most once), as the API's are.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, doneFlash, errorFlash, type Flash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { listRealms } from "../../realms/realms.actions.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { approveRegistration, listRegistrations, rejectRegistration } from "../registrations.actions.ts";
import { ApproveRegistrationBody, RejectRegistrationBody } from "../registrations.contract.ts";
import { registrationsPage } from "./registrations.page.ts";

const DONE = {
  approved: "Approved. The agent collects its token with its claim token.",
  rejected: "Rejected. The agent is told the reason when it asks.",
};

async function show(c: Context<AppEnv>, session: PageSession, flash?: Flash, status: ContentfulStatusCode = 200) {
  const ctx = actionContextOf(c);
  const { registrations } = await listRegistrations(ctx);
  // The realms to choose from, as GET /v1/realms lists them (held to that operation's row).
  const realms = (await listRealms(asOperation(ctx, "GET /v1/realms"))).realms.map((r) => ({ id: r.id, slug: r.slug, name: r.name }));
  return page(c, registrationsPage({ frame: frameOf(session, "/registrations"), registrations, realms, flash: flash ?? doneFlash(c, DONE) }), status);
}

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
    const done = await attempt(() => approveRegistration(actionContextOf(c), c.req.param("id") ?? "", parsed.data));
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
    const done = await attempt(() => rejectRegistration(actionContextOf(c), c.req.param("id") ?? "", parsed.data.reason));
    if (!done.ok) return show(c, session, errorFlash(done.error), refusalStatus(done.error));
    return c.redirect("/registrations?done=rejected", 303);
  }),
);
