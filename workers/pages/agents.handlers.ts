/**
 * `/agents` and `/agents/<name>`: the list (GET /v1/agents's filters, read through its query) and
 * one agent with its current SVID claims, an edit form (PATCH /v1/agents/{agentId}'s), and rotate,
 * disable/enable and delete behind a confirmation step. Writes use the agents' own checks and
 * changes (`updateAgent`, `deleteAgent`), so audit and invalidation
 * are the API's.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { ListAgentsQuery } from "../agents/agents.contract.ts";
import { listAgentsPage } from "../agents/agent-list.queries.ts";
import { deleteAgent } from "../agents/agent-authority.ts";
import { requireRotatable, rotateAgentToken } from "../agents/agent-rotation.ts";
import { svidRequestFor } from "../agents/agent-svid.ts";
import { updateAgent } from "../agents/agent-update.ts";
import { activeSessionCount, agentVaults, agentView, findAgentByRef } from "../agents/agents.queries.ts";
import { requireKnownCapabilities } from "../agents/capabilities.ts";
import { configOf } from "../config.ts";
import type { Database } from "../db/client.ts";
import { agentSvidClaims, currentSvidHeader, trustDomainOf } from "../identity/svid.ts";
import { INVITE_DEFAULT_TTL_SECONDS } from "../invites/invites.contract.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { spiffeIdFor } from "../lib/spiffe.ts";
import { listRealms, requireRealm } from "../realms/realms.queries.ts";
import { z } from "zod";
import { type AgentEditValues, editValuesOf, readAgentEdit } from "./agents.edit-form.ts";
import { type AgentFilters, agentDetailPage, agentListPage, type RealmChoice } from "./agents.page.ts";
import type { SvidPreview } from "./agents.svid-claims.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { html, layout } from "./layout.ts";
import { frameOf } from "./nav.ts";
import { allows } from "./page-access.ts";
import { FORM_BODY_LIMIT, formBodyLimit, readQuery } from "./page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, whenIso } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";

const DONE = {
  disabled: "Agent disabled: it is refused from its next request on.",
  enabled: "Agent enabled.",
  deleted: "Agent deleted.",
  saved: "Agent saved: its next request sees the change.",
};
const DEFAULT_FILTERS: AgentFilters = { capabilities: [], sortBy: "name", sortDir: "asc", pageSize: 20 };

async function realmChoices(db: Database, companyId: string): Promise<RealmChoice[]> {
  return (await listRealms(db, companyId)).map((r) => ({ id: r.id, slug: r.slug, name: r.name }));
}

async function listPage(c: Context<AppEnv>, session: PageSession) {
  const db = c.var.db;
  const companyId = session.principal.companyId;
  const query = readQuery(c);
  const realms = await realmChoices(db, companyId);
  const frame = frameOf(session, "/agents");
  const mayInvite = allows(session, "GET /agent-invites");
  const capabilities = query.all("capabilities").flatMap((c) => c.split(","));
  // The API's own query schema: the page accepts exactly the filters GET /v1/agents does.
  const parsed = ListAgentsQuery.safeParse({
    q: query.one("q"),
    online: query.one("online"),
    realm: query.one("realm"),
    capabilities: capabilities.length ? capabilities.join(",") : undefined,
    status: query.one("status"),
    page: query.one("page"),
    pageSize: query.one("pageSize"),
    sortBy: query.one("sortBy"),
    sortDir: query.one("sortDir"),
  });
  const empty = { frame, agents: [], total: 0, online: 0, page: 1, totalPages: 0, realms, mayInvite };
  if (!parsed.success) {
    const flash: Flash = {
      kind: "error",
      text: `These filters are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    };
    return page(c, agentListPage({ ...empty, filters: { ...DEFAULT_FILTERS, capabilities }, flash }), 400);
  }
  const q = parsed.data;
  const filters: AgentFilters = {
    q: q.q,
    online: q.online,
    realm: q.realm,
    capabilities,
    status: q.status,
    sortBy: q.sortBy,
    sortDir: q.sortDir,
    pageSize: q.pageSize,
  };
  const found = await attempt(async () => {
    const wanted = requireKnownCapabilities(capabilities);
    const realmId = q.realm === undefined ? undefined : (await requireRealm(db, companyId, q.realm)).id;
    const now = Date.now();
    const search = q.q?.trim().toLowerCase();
    const result = await listAgentsPage(
      db,
      { companyId, q: search || undefined, online: q.online === undefined ? undefined : q.online === "true", realmId, capabilities: wanted, status: q.status },
      { page: q.page, pageSize: q.pageSize, sortBy: q.sortBy, sortDir: q.sortDir },
      now,
    );
    const trustDomain = configOf(c.env).trustDomain;
    return { ...result, agents: result.rows.map(({ agent, realm }) => agentView(agent, realm, spiffeIdFor(trustDomain, agent.companyId, agent.name), now)) };
  });
  if (!found.ok) return page(c, agentListPage({ ...empty, filters, flash: { kind: "error", text: found.error.message } }), 400);
  const { agents, total, online } = found.value;
  return page(
    c,
    agentListPage({
      frame,
      filters,
      agents,
      total,
      online,
      page: q.page,
      totalPages: Math.ceil(total / q.pageSize),
      realms,
      mayInvite,
      flash: doneFlash(c, DONE),
    }),
  );
}

/** An agent of the person's company by its name, id or DID; another company's is not found. */
async function requireAgent(c: Context<AppEnv>, session: PageSession) {
  const ref = c.req.param("name") ?? "";
  const found = await findAgentByRef(c.var.db, session.principal.companyId, ref);
  if (!found) throw notFound(`Agent "${ref}"`);
  return found;
}

const agentPath = (name: string) => `/agents/${encodeURIComponent(name)}`;

/** What was typed into a refused edit form, and why it was refused. */
type RefusedEdit = { values: AgentEditValues; flash: Flash; status: ContentfulStatusCode };

async function detailPage(c: Context<AppEnv>, session: PageSession, refused?: RefusedEdit) {
  const db = c.var.db;
  const companyId = session.principal.companyId;
  const { agent, realm } = await requireAgent(c, session);
  const view = agentView(agent, realm, spiffeIdFor(trustDomainOf(c.env), agent.companyId, agent.name));
  // The claims GET /v1/agents/{agentId}/svid would sign now: the same checks, nothing signed.
  const request = await attempt(async () => svidRequestFor(agent));
  const svid: SvidPreview = request.ok
    ? { claims: agentSvidClaims(configOf(c.env), request.value), header: await currentSvidHeader(db, companyId) }
    : { refused: request.error.message };
  const mayEdit = allows(session, "POST /agents/{name}/edit");
  const values = refused?.values ?? editValuesOf({ ...agent, realmSlug: realm?.slug ?? null });
  return page(
    c,
    agentDetailPage({
      frame: frameOf(session, "/agents"),
      agent: view,
      rateLimit: agent.rateLimit ?? null,
      vaults: await agentVaults(db, agent.id, companyId),
      activeSessions: await activeSessionCount(db, agent.id),
      svid,
      may: {
        rotate: allows(session, "POST /agents/{name}/rotate"),
        status: allows(session, "POST /agents/{name}/status"),
        delete: allows(session, "POST /agents/{name}/delete"),
      },
      edit: mayEdit ? { values, realms: await realmChoices(db, companyId) } : undefined,
      flash: refused?.flash ?? doneFlash(c, DONE),
    }),
    refused?.status,
  );
}

const StatusForm = z.object({ status: z.enum(["active", "disabled"]) });

export const agentsPages = createRouter();

agentsPages.get("/agents", consoleGet("GET /agents", listPage));
agentsPages.get("/agents/:name", consoleGet("GET /agents/{name}", detailPage));

agentsPages.post(
  "/agents/:name/rotate",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/rotate", async (c, session, form) => {
    const { agent } = await requireAgent(c, session);
    // POST /v1/agents/{agentId}/rotate's refusal, already at the confirmation step.
    requireRotatable(agent);
    const frame = frameOf(session, "/agents");
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frame, {
          title: `Rotate ${agent.name}'s token`,
          question: html`<p>This makes a single-use invite that gives <code>${agent.name}</code> a new token. Its current token keeps working until the invite is redeemed, then stops at once.</p>`,
          action: `${agentPath(agent.name)}/rotate`,
          fields: {},
          button: "Make the rotation invite",
          cancel: { href: agentPath(agent.name), label: "Cancel" },
        }),
      );
    }
    const issued = await rotateAgentToken(c, agent, INVITE_DEFAULT_TTL_SECONDS);
    const body = html`<p><a href="${agentPath(agent.name)}">← ${agent.name}</a></p>
<h1>Rotation invite for <code>${agent.name}</code></h1>
<p class="notice ok" role="status">Paste this into the agent's chat. It expires ${whenIso(issued.expires_at)} and works once.</p>
${shownOnce("Prompt for the agent", issued.prompt, "prompt")}`;
    return page(c, layout(`Rotate ${agent.name}`, body, frame));
  }),
);

agentsPages.post(
  "/agents/:name/status",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/status", async (c, session, form) => {
    const { agent } = await requireAgent(c, session);
    const parsed = StatusForm.safeParse({ status: form.one("status") });
    if (!parsed.success) throw new AppError(400, "invalid_request", "Choose to enable or disable the agent");
    const status = parsed.data.status;
    if (!confirmed(form)) {
      const disabling = status === "disabled";
      return page(
        c,
        confirmPage(frameOf(session, "/agents"), {
          title: `${disabling ? "Disable" : "Enable"} ${agent.name}`,
          question: disabling
            ? html`<p>Disable <code>${agent.name}</code>? Its token and every vault session it minted are refused from the next request on. You can enable it again.</p>`
            : html`<p>Enable <code>${agent.name}</code>? Its current token works again.</p>`,
          action: `${agentPath(agent.name)}/status`,
          fields: { status },
          button: disabling ? "Disable the agent" : "Enable the agent",
          danger: disabling,
          cancel: { href: agentPath(agent.name), label: "Cancel" },
        }),
      );
    }
    // PATCH /v1/agents/{agentId} with only `status`: the same checks, change and audit detail.
    await updateAgent(c, session.principal, agent, { status });
    return c.redirect(`${agentPath(agent.name)}?done=${status === "disabled" ? "disabled" : "enabled"}`, 303);
  }),
);

agentsPages.post(
  "/agents/:name/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/delete", async (c, session, form) => {
    const { agent } = await requireAgent(c, session);
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frameOf(session, "/agents"), {
          title: `Delete ${agent.name}`,
          question: html`<p>Delete <code>${agent.name}</code>? Its token, vault grants and sessions end now, and pending invites for it are revoked. This cannot be undone.</p>`,
          action: `${agentPath(agent.name)}/delete`,
          fields: {},
          button: "Delete the agent",
          danger: true,
          cancel: { href: agentPath(agent.name), label: "Cancel" },
        }),
      );
    }
    await deleteAgent(c, session.principal, agent);
    return c.redirect("/agents?done=deleted", 303);
  }),
);

agentsPages.post(
  "/agents/:name/edit",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/edit", async (c, session, form) => {
    const { agent } = await requireAgent(c, session);
    const { values, parsed } = readAgentEdit(form);
    if (!parsed.success) {
      const text = `Check the form: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
      return detailPage(c, session, { values, flash: { kind: "error", text }, status: 400 });
    }
    // PATCH /v1/agents/{agentId}'s own checks and change: a refusal comes back on the page.
    const saved = await attempt(() => updateAgent(c, session.principal, agent, parsed.data));
    if (!saved.ok) return detailPage(c, session, { values, flash: errorFlash(saved.error), status: refusalStatus(saved.error) });
    return c.redirect(`${agentPath(saved.value.agent.name)}?done=saved`, 303);
  }),
);
