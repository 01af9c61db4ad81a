/**
 * `/agents` and `/agents/<name>`: the list (GET /v1/agents's filters and action) and one agent with
 * its current SVID claims, an edit form (PATCH /v1/agents/{agentId}'s), and rotate, disable/enable
 * and delete behind a confirmation step. Every read and write is the agents' own action, so the
 * checks, the audit and the invalidation are the API's.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { ActionContext } from "../../action-context.ts";
import type { AppEnv } from "../../app-env.ts";
import { INVITE_DEFAULT_TTL_SECONDS } from "../../invites/invites.contract.ts";
import { AppError } from "../../lib/app-error.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { html, layout } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { allows } from "../../console/page-access.ts";
import { FORM_BODY_LIMIT, formBodyLimit, readQuery } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, whenIso } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { listRealms } from "../../realms/realms.actions.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { checkRotation, deleteAgent, findAgent, listAgents, rotateAgent, showAgent, updateAgent } from "../agents.actions.ts";
import { ListAgentsQuery } from "../agents.contract.ts";
import { type AgentEditValues, editValuesOf, readAgentEdit } from "./agents.edit-form.ts";
import { type AgentFilters, agentDetailPage, agentListPage, type RealmChoice } from "./agents.page.ts";

const DONE = {
  disabled: "Agent disabled: it is refused from its next request on.",
  enabled: "Agent enabled.",
  deleted: "Agent deleted.",
  saved: "Agent saved: its next request sees the change.",
};
const DEFAULT_FILTERS: AgentFilters = { capabilities: [], sortBy: "name", sortDir: "asc", pageSize: 20 };

/** The realms to choose from, as GET /v1/realms lists them (held to that operation's row). */
async function realmChoices(ctx: ActionContext): Promise<RealmChoice[]> {
  return (await listRealms(asOperation(ctx, "GET /v1/realms"))).realms.map((r) => ({ id: r.id, slug: r.slug, name: r.name }));
}

async function listPage(c: Context<AppEnv>, session: PageSession) {
  const ctx = actionContextOf(c);
  const query = readQuery(c);
  const realms = await realmChoices(ctx);
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
  // GET /v1/agents's own action: an unknown capability or realm comes back as the page's notice.
  const found = await attempt(() => listAgents(ctx, q));
  if (!found.ok) return page(c, agentListPage({ ...empty, filters, flash: { kind: "error", text: found.error.message } }), 400);
  const { agents, total, online, totalPages } = found.value;
  return page(
    c,
    agentListPage({
      frame,
      filters,
      agents,
      total,
      online,
      page: q.page,
      totalPages,
      realms,
      mayInvite,
      flash: doneFlash(c, DONE),
    }),
  );
}

/** The agent the path names (its name, id or DID). */
const agentRefOf = (c: Context<AppEnv>) => c.req.param("name") ?? "";

const agentPath = (name: string) => `/agents/${encodeURIComponent(name)}`;

/** What was typed into a refused edit form, and why it was refused. */
type RefusedEdit = { values: AgentEditValues; flash: Flash; status: ContentfulStatusCode };

async function detailPage(c: Context<AppEnv>, session: PageSession, refused?: RefusedEdit) {
  const ctx = actionContextOf(c);
  // With the claims GET /v1/agents/{agentId}/svid would sign now: the same checks, nothing signed.
  const { agent, rateLimit, svid } = await showAgent(ctx, agentRefOf(c));
  const mayEdit = allows(session, "POST /agents/{name}/edit");
  const values = refused?.values ?? editValuesOf({ ...agent, realmSlug: agent.realm?.slug ?? null, rateLimit });
  return page(
    c,
    agentDetailPage({
      frame: frameOf(session, "/agents"),
      agent,
      rateLimit,
      vaults: agent.vaults,
      activeSessions: agent.activeSessions,
      svid,
      may: {
        rotate: allows(session, "POST /agents/{name}/rotate"),
        status: allows(session, "POST /agents/{name}/status"),
        delete: allows(session, "POST /agents/{name}/delete"),
      },
      edit: mayEdit ? { values, realms: await realmChoices(ctx) } : undefined,
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
    // POST /v1/agents/{agentId}/rotate's refusal, already at the confirmation step.
    const agent = await checkRotation(actionContextOf(c), agentRefOf(c));
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
    const issued = await rotateAgent(actionContextOf(c), agentRefOf(c), INVITE_DEFAULT_TTL_SECONDS);
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
    const agent = await findAgent(actionContextOf(c), agentRefOf(c));
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
    await updateAgent(actionContextOf(c), agentRefOf(c), { status });
    return c.redirect(`${agentPath(agent.name)}?done=${status === "disabled" ? "disabled" : "enabled"}`, 303);
  }),
);

agentsPages.post(
  "/agents/:name/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/delete", async (c, session, form) => {
    const agent = await findAgent(actionContextOf(c), agentRefOf(c));
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
    await deleteAgent(actionContextOf(c), agentRefOf(c));
    return c.redirect("/agents?done=deleted", 303);
  }),
);

agentsPages.post(
  "/agents/:name/edit",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agents/{name}/edit", async (c, session, form) => {
    const { values, parsed } = readAgentEdit(form);
    if (!parsed.success) {
      const text = `Check the form: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
      return detailPage(c, session, { values, flash: { kind: "error", text }, status: 400 });
    }
    // PATCH /v1/agents/{agentId}'s own checks and change: a refusal comes back on the page.
    const saved = await attempt(() => updateAgent(actionContextOf(c), agentRefOf(c), parsed.data));
    if (!saved.ok) return detailPage(c, session, { values, flash: errorFlash(saved.error), status: refusalStatus(saved.error) });
    return c.redirect(`${agentPath(saved.value.agent.name)}?done=saved`, 303);
  }),
);
