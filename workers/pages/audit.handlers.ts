/**
 * `/audit`: held to GET /v1/audit's row (owners), read through the audit queries. People are
 * named by e-mail and agents by name where the log holds their ids; the filter takes either.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { findAgentByRef } from "../agents/agents.queries.ts";
import { AGENT_ID_PREFIX } from "../auth/actor-gate-client.ts";
import { auditActions, auditEntries } from "../audit/audit.queries.ts";
import { listActiveApiKeys } from "../companies/companies.queries.ts";
import { createRouter } from "../lib/router.ts";
import { findUserByEmail, listUsers } from "../users/users.queries.ts";
import { type AuditFilters, auditPage } from "./audit.page.ts";
import { consoleGet, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { readQuery } from "./page-forms.ts";
import type { Flash } from "./page-parts.ts";

const AUDIT_PAGE = 50;
const DAY_MS = 24 * 3600_000;
/** A calendar day (UTC) that exists: `2026-02-31` is refused, not rolled over into March. */
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a day like 2026-05-01")
  .refine((day) => {
    const ms = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
  }, "no such day");

const AuditQuery = z.object({
  action: z.string().max(64).optional(),
  actor: z.string().max(254).optional(),
  from: Day.optional(),
  to: Day.optional(),
  before: z.coerce.number().int().positive().optional(),
});

/** The id the log records for an actor people name by e-mail, agent name or id; undefined when none matches. */
async function actorIdOf(c: Context<AppEnv>, companyId: string, actor: string): Promise<string | undefined> {
  if (actor.includes("@")) return (await findUserByEmail(c.var.db, companyId, actor.toLowerCase()))?.id;
  if (/^[a-z]{3}_/.test(actor)) return actor;
  return (await findAgentByRef(c.var.db, companyId, actor))?.agent.id;
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
      from: query.one("from"),
      to: query.one("to"),
      before: query.one("before"),
    });
    const frame = frameOf(session, "/audit");
    const actions = await auditActions(db, companyId);
    if (!parsed.success) {
      const flash: Flash = {
        kind: "error",
        text: `These filters are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      };
      return page(c, auditPage({ frame, filters: {}, actions, entries: [], nextCursor: null, flash }), 400);
    }
    const q = parsed.data;
    const filters: AuditFilters = { action: q.action, actor: q.actor, from: q.from, to: q.to };
    const actorId = q.actor ? await actorIdOf(c, companyId, q.actor) : undefined;
    if (q.actor && !actorId) {
      return page(
        c,
        auditPage({ frame, filters, actions, entries: [], nextCursor: null, flash: { kind: "info", text: `No one in this company is called "${q.actor}".` } }),
      );
    }
    const since = q.from ? Date.parse(`${q.from}T00:00:00Z`) : undefined;
    const until = q.to ? Date.parse(`${q.to}T00:00:00Z`) + DAY_MS : undefined;
    const rows = await auditEntries(db, companyId, { limit: AUDIT_PAGE, before: q.before, action: q.action, actorId, since, until });
    const shown = rows.slice(0, AUDIT_PAGE);

    // Names for the ids on this page: people by e-mail, keys by label, agents by name.
    const names = new Map<string, string>();
    for (const user of await listUsers(db, companyId)) names.set(user.id, user.email);
    for (const key of await listActiveApiKeys(db, companyId)) names.set(key.id, `API key “${key.label}”`);
    for (const id of new Set(shown.flatMap((r) => [r.actorId, r.targetId]))) {
      if (!id.startsWith(`${AGENT_ID_PREFIX}_`) || names.has(id)) continue;
      const agent = await findAgentByRef(db, companyId, id);
      if (agent) names.set(id, agent.agent.name);
    }
    const last = shown[shown.length - 1];
    return page(
      c,
      auditPage({
        frame,
        filters,
        actions,
        entries: shown.map((r) => ({
          id: r.id,
          when: r.createdAt,
          actor: names.get(r.actorId) ?? r.actorId,
          actorType: r.actorType,
          action: r.action,
          target: `${r.targetType} ${names.get(r.targetId) ?? r.targetId}`,
          detail: r.detail ? JSON.stringify(r.detail) : "",
        })),
        nextCursor: rows.length > AUDIT_PAGE && last ? last.id : null,
      }),
    );
  }),
);
