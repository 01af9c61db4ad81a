/**
 * `/audit`: held to GET /v1/audit's row (owners), read through the audit queries with the API's
 * filters (the actor resolved by `auditActorIds`, as the API resolves it). People are named by
 * e-mail and agents by name where the log holds their ids.
 */
import { z } from "zod";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { AGENT_ID_PREFIX } from "../auth/actor-gate-client.ts";
import { MAX_AUDIT_ACTION_LENGTH, MAX_AUDIT_ACTOR_LENGTH } from "../audit/audit.contract.ts";
import { auditActions, auditActorIds, auditEntries } from "../audit/audit.queries.ts";
import { listActiveApiKeys } from "../companies/companies.queries.ts";
import { INSTANT_RULE, parseInstant } from "../lib/instant.ts";
import { LogCursors, oneCursor } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { listUsers } from "../users/users.queries.ts";
import { type AuditFilters, auditPage } from "./audit.page.ts";
import { consoleGet, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { readQuery } from "./page-forms.ts";
import type { Flash } from "./page-parts.ts";

const AUDIT_PAGE = 50;
/** A browser's `datetime-local` value carries no offset; the form's labels say UTC, so it is read as UTC. */
const NO_OFFSET = /T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;

/** A time as the form sends it (or as the API takes it), as epoch milliseconds. */
const FormInstant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = parseInstant(NO_OFFSET.test(value) ? `${value}Z` : value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `must be a UTC date and time (2026-05-01T09:00) or ${INSTANT_RULE}` });
      return z.NEVER;
    }
    return ms;
  });
const AuditQuery = z
  .object({
    action: z.string().max(MAX_AUDIT_ACTION_LENGTH).optional(),
    actor: z.string().max(MAX_AUDIT_ACTOR_LENGTH).optional(),
    since: FormInstant.optional(),
    until: FormInstant.optional(),
    ...LogCursors,
  })
  .refine(...oneCursor)
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, { path: ["until"], message: "must be later than since" });

/** The value a `datetime-local` field shows for `ms`: to the minute, or the second or millisecond when it has them. */
function formTime(ms: number): string {
  const text = new Date(ms).toISOString().slice(0, 23);
  if (text.endsWith(":00.000")) return text.slice(0, 16);
  return text.endsWith(".000") ? text.slice(0, 19) : text;
}

export const auditPages = createRouter();

auditPages.get(
  "/audit",
  consoleGet("GET /audit", async (c, session) => {
    const db = c.var.db;
    const companyId = session.principal.companyId;
    const query = readQuery(c);
    const parsed = AuditQuery.safeParse({
      action: query.one("action"),
      actor: query.one("actor")?.trim() || undefined,
      since: query.one("since"),
      until: query.one("until"),
      before: query.one("before"),
      after: query.one("after"),
    });
    const frame = frameOf(session, "/audit");
    const actions = await auditActions(db, companyId);
    const noCursors = { paged: false, olderCursor: null, newerCursor: null };
    if (!parsed.success) {
      const flash: Flash = {
        kind: "error",
        text: `These filters are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      };
      return page(c, auditPage({ frame, filters: {}, actions, entries: [], cursors: noCursors, flash }), 400);
    }
    const q = parsed.data;
    const filters: AuditFilters = {
      action: q.action,
      actor: q.actor,
      since: q.since === undefined ? undefined : formTime(q.since),
      until: q.until === undefined ? undefined : formTime(q.until),
    };
    const actorIds = q.actor ? await auditActorIds(db, companyId, q.actor) : undefined;
    if (actorIds?.length === 0) {
      const flash: Flash = { kind: "info", text: `No one in this company is called "${q.actor}".` };
      return page(c, auditPage({ frame, filters, actions, entries: [], cursors: noCursors, flash }));
    }
    const slice = await auditEntries(db, companyId, {
      limit: AUDIT_PAGE,
      before: q.before,
      after: q.after,
      action: q.action,
      actorIds,
      since: q.since,
      until: q.until,
    });

    // Names for the ids on this page: people by e-mail, keys by label, agents by name.
    const names = new Map<string, string>();
    for (const user of await listUsers(db, companyId)) names.set(user.id, user.email);
    for (const key of await listActiveApiKeys(db, companyId)) names.set(key.id, `API key “${key.label}”`);
    for (const id of new Set(slice.rows.flatMap((r) => [r.actorId, r.targetId]))) {
      if (!id.startsWith(`${AGENT_ID_PREFIX}_`) || names.has(id)) continue;
      const agent = await findAgentByRef(db, companyId, id);
      if (agent) names.set(id, agent.agent.name);
    }
    return page(
      c,
      auditPage({
        frame,
        filters,
        actions,
        entries: slice.rows.map((r) => ({
          id: r.id,
          when: r.createdAt,
          actor: names.get(r.actorId) ?? r.actorId,
          actorType: r.actorType,
          action: r.action,
          target: `${r.targetType} ${names.get(r.targetId) ?? r.targetId}`,
          detail: r.detail ? JSON.stringify(r.detail) : "",
        })),
        cursors: { paged: q.before !== undefined || q.after !== undefined, olderCursor: slice.olderCursor, newerCursor: slice.newerCursor },
      }),
    );
  }),
);
