/**
 * Realms (seed 004): create, list, rename and delete a company's named groups of agents. Who may
 * is the permission table's (owners write, everyone lists); deleting a realm leaves its agents
 * without one.
 */
import type { z } from "zod";
import type { ActionContext } from "../action-context.ts";
import type { RealmRow } from "../agents/agents.queries.ts";
import { AppError, badRequest, conflict } from "../lib/app-error.ts";
import { newId } from "../lib/crypto/tokens.ts";
import type { CreateRealmBody, OneRealm, RealmDeleted, RealmList, UpdateRealmBody } from "./realms.contract.ts";
import {
  createRealmChange,
  deleteRealmChange,
  deriveSlug,
  findRealm,
  isRealmSlugTaken,
  listRealms as realmsWithCounts,
  REALM_ID_PREFIX,
  REALM_SLUG_PATTERN,
  realmViewOf,
  requireRealm,
  updateRealmChange,
} from "./realms.queries.ts";

export type CreateRealmInput = z.output<typeof CreateRealmBody>;
export type UpdateRealmInput = z.output<typeof UpdateRealmBody>;

const realmExists = (slug: string) => conflict("realm_exists", `A realm with slug "${slug}" already exists`);

/** A new realm; its slug is derived from the name unless given, and unique in the company. */
export async function createRealm(ctx: ActionContext, input: CreateRealmInput): Promise<z.output<typeof OneRealm>> {
  const { db, principal } = ctx;
  const slug = input.slug ?? deriveSlug(input.name);
  if (!REALM_SLUG_PATTERN.test(slug)) {
    throw badRequest("invalid_slug", "No slug can be derived from this name; pass one explicitly (lowercase letters, digits and hyphens)");
  }
  if (await findRealm(db, principal.companyId, slug)) throw realmExists(slug);
  const realm: RealmRow = {
    id: newId(REALM_ID_PREFIX),
    companyId: principal.companyId,
    name: input.name,
    slug,
    color: input.color ?? null,
    createdAt: ctx.edge.now(),
  };
  try {
    await ctx.commit(createRealmChange(db, principal, realm));
  } catch (error) {
    // Two creations racing for one slug: the unique index decides.
    if (isRealmSlugTaken(error)) throw realmExists(slug);
    throw error;
  }
  return { realm: realmViewOf(realm) };
}

/** The company's realms by name, each with how many agents are in it. */
export async function listRealms(ctx: ActionContext): Promise<z.output<typeof RealmList>> {
  return { realms: await realmsWithCounts(ctx.db, ctx.principal.companyId) };
}

/** Renames or recolours a realm (by id or slug); its slug never changes. */
export async function updateRealm(ctx: ActionContext, ref: string, input: UpdateRealmInput): Promise<z.output<typeof OneRealm>> {
  const { db, principal } = ctx;
  if (input.name === undefined && input.color === undefined) throw badRequest("nothing_to_update", "Pass name and/or color");
  const realm = await requireRealm(db, principal.companyId, ref);
  const changes = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.color !== undefined ? { color: input.color } : {}) };
  const [updated] = await ctx.commit(updateRealmChange(db, principal, realm, changes, { slug: realm.slug, ...input }));
  const row = updated[0];
  if (!row) throw new AppError(404, "realm_not_found", `Realm "${ref}" not found`);
  return { realm: realmViewOf(row) };
}

/** Deletes a realm (by id or slug); its agents stay, with no realm. */
export async function deleteRealm(ctx: ActionContext, ref: string): Promise<z.output<typeof RealmDeleted>> {
  const { db, principal } = ctx;
  const realm = await requireRealm(db, principal.companyId, ref);
  const [members] = await ctx.commit(deleteRealmChange(db, principal, realm));
  return { deleted: realm.slug, agentsUnassigned: members[0]?.n ?? 0 };
}
