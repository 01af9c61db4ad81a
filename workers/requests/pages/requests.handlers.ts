/**
 * The held requests' pages: `/requests/<id>` (its `review_url`) with its approve and reject forms,
 * and the vault page's revoke form for a time-boxed approval. Every read and decision is the API's
 * own action (requests/requests.actions.ts), held to the row of the operation it mirrors.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AppEnv } from "../../app-env.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, doneFlash, errorFlash, type Flash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { AppError } from "../../lib/app-error.ts";
import { actionContextOf } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { approveHeldRequest, heldRequestForReview, rejectHeldRequest, revokeRelease } from "../requests.actions.ts";
import { MAX_REJECTION_REASON } from "../requests.contract.ts";
import { RELEASE_CHOICES, requestPage } from "./request.page.ts";

const DONE = {
  approved: "Approved: the call goes on to the upstream now.",
  rejected: "Rejected: the agent has been told.",
};

/** The approve form's time box: one of the choices the page offers, or none. */
const ForSeconds = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (!text) return undefined;
    const seconds = Number(text);
    if (!(RELEASE_CHOICES as readonly number[]).includes(seconds)) {
      ctx.addIssue({ code: "custom", message: "Choose one of the offered time boxes" });
      return z.NEVER;
    }
    return seconds;
  });

const idOf = (c: Context<AppEnv>) => c.req.param("id") ?? "";

async function showRequest(c: Context<AppEnv>, session: PageSession, options: { flash?: Flash; status?: ContentfulStatusCode } = {}) {
  const entry = await heldRequestForReview(actionContextOf(c), idOf(c));
  return page(
    c,
    requestPage({ frame: frameOf(session, "/inbox"), view: entry.view, refusal: entry.refusal?.message, flash: options.flash ?? doneFlash(c, DONE) }),
    options.status,
  );
}

export const requestsPages = createRouter();

requestsPages.get(
  "/requests/:id",
  consoleGet("GET /requests/{id}", (c, session) => showRequest(c, session)),
);

requestsPages.post(
  "/requests/:id/approve",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /requests/{id}/approve", async (c, session, form) => {
    const forSeconds = ForSeconds.safeParse(form.one("for_seconds"));
    if (!forSeconds.success) throw new AppError(400, "invalid_request", "Choose one of the offered time boxes");
    const approved = await attempt(() => approveHeldRequest(actionContextOf(c), idOf(c), { for_seconds: forSeconds.data }));
    if (!approved.ok) return showRequest(c, session, { flash: errorFlash(approved.error), status: refusalStatus(approved.error) });
    // Post/redirect/get: a reload never decides twice.
    return c.redirect(`/requests/${approved.value.request.id}?done=approved`, 303);
  }),
);

requestsPages.post(
  "/requests/:id/reject",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /requests/{id}/reject", async (c, session, form) => {
    const reason = form.one("reason")?.slice(0, MAX_REJECTION_REASON);
    const rejected = await attempt(() => rejectHeldRequest(actionContextOf(c), idOf(c), { reason }));
    if (!rejected.ok) return showRequest(c, session, { flash: errorFlash(rejected.error), status: refusalStatus(rejected.error) });
    return c.redirect(`/requests/${rejected.value.request.id}?done=rejected`, 303);
  }),
);

requestsPages.post(
  "/vaults/:vault/request-releases/:id/revoke",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/request-releases/{id}/revoke", async (c) => {
    const vault = c.req.param("vault") ?? "";
    await revokeRelease(actionContextOf(c), vault, idOf(c));
    return c.redirect(`/vaults/${vault}?done=release_revoked`, 303);
  }),
);
