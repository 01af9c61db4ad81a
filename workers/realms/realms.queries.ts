/** Realm queries: a realm is addressed by its id (`rlm_…`) or its slug, always within one company. */
import { and, asc, count, eq, or } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { agents, realms, registrations } from "../db/schema.ts";
import type { realmView, RealmRow } from "../agents/agents.queries.ts";
import { AppError } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";

export const REALM_ID_PREFIX = "rlm";

/** Slugs: lowercase letters, digits and hyphens, 1–64 chars, no leading or trailing hyphen. */
export { REALM_SLUG_PATTERN } from "./realms.contract.ts";

/**
 * Derives a slug from a display name: accents dropped, everything outside `[a-z0-9]` folded to
 * single hyphens, trimmed to 64 chars. Empty when the name has no usable character.
 *
 * @example deriveSlug("Équipe Data & ML") // "equipe-data-ml"
 */
export function deriveSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

/** A realm of the company by id or slug; another company's realm is not found. */
export async function findRealm(db: Database, companyId: string, ref: string): Promise<RealmRow | undefined> {
  return db
    .select()
    .from(realms)
    .where(and(eq(realms.companyId, companyId), or(eq(realms.id, ref), eq(realms.slug, ref))))
    .get();
}

/** Like `findRealm`, but a missing realm is a 404 `realm_not_found`. */
export async function requireRealm(db: Database, companyId: string, ref: string): Promise<RealmRow> {
  const realm = await findRealm(db, companyId, ref);
  if (!realm) throw new AppError(404, "realm_not_found", `Realm "${ref}" not found`);
  return realm;
}

/** The company's realms by name, each with how many agents are in it. */
export async function listRealms(db: Database, companyId: string) {
  const rows = await db
    .select({ realm: realms, agentCount: count(agents.id) })
    .from(realms)
    .leftJoin(agents, and(eq(agents.realmId, realms.id), eq(agents.companyId, companyId)))
    .where(eq(realms.companyId, companyId))
    .groupBy(realms.id)
    .orderBy(asc(realms.name), asc(realms.slug))
    .all();
  return rows.map((r) => ({ ...realmViewOf(r.realm), agentCount: r.agentCount }));
}

/** `realmView` for a row known to exist. */
export function realmViewOf(realm: RealmRow) {
  return { id: realm.id, name: realm.name, slug: realm.slug, color: realm.color ?? null } satisfies NonNullable<ReturnType<typeof realmView>>;
}

/** True when a D1 error is the (company, slug) uniqueness of realms. */
export function isRealmSlugTaken(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: realms.company_id, realms.slug");
}

export function createRealmChange(db: Database, principal: Principal, realm: RealmRow) {
  return change([
    db.insert(realms).values(realm),
    auditStatement(db, principal, { action: "realm.create", targetType: "realm", targetId: realm.id, detail: { name: realm.name, slug: realm.slug } }),
  ] as const);
}

/** Renames or recolours a realm; the first result holds the updated row (none if it was deleted meanwhile). */
export function updateRealmChange(
  db: Database,
  principal: Principal,
  realm: RealmRow,
  changes: Partial<Pick<RealmRow, "name" | "color">>,
  detail: Record<string, unknown>,
) {
  return change([
    db
      .update(realms)
      .set(changes)
      .where(and(eq(realms.id, realm.id), eq(realms.companyId, principal.companyId)))
      .returning(),
    auditStatement(db, principal, { action: "realm.update", targetType: "realm", targetId: realm.id, detail }),
  ] as const);
}

/**
 * Deletes a realm; the first result counts the agents it leaves without one. agents.realm_id is
 * ON DELETE SET NULL, which D1 enforces (realms.spec.ts checks it); registrations.realm_id has no
 * foreign key, so approved registrations are cleared here.
 */
export function deleteRealmChange(db: Database, principal: Principal, realm: RealmRow) {
  return change([
    db
      .select({ n: count() })
      .from(agents)
      .where(and(eq(agents.realmId, realm.id), eq(agents.companyId, principal.companyId))),
    db
      .update(registrations)
      .set({ realmId: null })
      .where(and(eq(registrations.realmId, realm.id), eq(registrations.companyId, principal.companyId))),
    db.delete(realms).where(and(eq(realms.id, realm.id), eq(realms.companyId, principal.companyId))),
    auditStatement(db, principal, { action: "realm.delete", targetType: "realm", targetId: realm.id, detail: { name: realm.name, slug: realm.slug } }),
  ] as const);
}
