/**
 * A vault's members from the console: give a person a role by e-mail, change or remove a person's
 * or an agent's role (removal after a confirmation step). Each form is read with the API's own
 * schema and written by the API's own action (vaults/vaults.actions.ts,
 * vault-agents/vault-agents.actions.ts), so auth/grants.ts decides here exactly as there: a role
 * moves only by someone above it, and nobody grants above their own role. A refusal comes back
 * to the vault page as a notice with its status.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { notFound } from "../../lib/app-error.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { grantedAgent, removeVaultAgent, setVaultAgentRole } from "../../vault-agents/vault-agents.actions.ts";
import { SetVaultAgentRoleBody, VaultAgentParams } from "../../vault-agents/vault-agents.contract.ts";
import { grantedUser, grantVaultUser, removeVaultUser, setVaultUserRole, type VaultView } from "../vaults.actions.ts";
import { GrantVaultUserBody, SetVaultRoleBody, VaultUserParams } from "../vaults.contract.ts";
import { consolePost, page } from "../../console/console-route.ts";
import { html } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, errorFlash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { showVault, showVaultRefusal, vaultOfPage } from "./vaults.handlers.ts";

const CHOOSE_ROLE = "Choose a role: proxy, member or admin";

/** The grantee the path names, checked by the API's own parameter schema; anything else is not found. */
function userIdOfPath(c: Context<AppEnv>, vault: VaultView): string {
  const params = VaultUserParams.safeParse({ vault: vault.name, userId: c.req.param("userId") });
  if (!params.success) throw notFound("User grant");
  return params.data.userId;
}

function agentOfPath(c: Context<AppEnv>, vault: VaultView): string {
  const params = VaultAgentParams.safeParse({ vault: vault.name, agent: c.req.param("agent") });
  if (!params.success) throw notFound("Agent grant");
  return params.data.agent;
}

/** A write's refusal (403 above your role, 404, 409 grant changed) shown on the vault page. */
async function done(c: Context<AppEnv>, session: PageSession, vault: VaultView, write: () => Promise<unknown>, flash: string): Promise<Response> {
  const result = await attempt(write);
  if (!result.ok) return showVault(c, session, { flash: errorFlash(result.error), status: refusalStatus(result.error) });
  return c.redirect(`/vaults/${vault.name}?done=${flash}`, 303);
}

/** Removal's second step: what it does, then one button that does it. */
function confirmRemoval(c: Context<AppEnv>, session: PageSession, vault: VaultView, who: { label: string; what: string; action: string }) {
  return page(
    c,
    confirmPage(frameOf(session, "/vaults"), {
      title: `Remove ${who.label} from ${vault.name}`,
      question: html`<p>Remove <strong>${who.label}</strong> from vault <code>${vault.name}</code>? ${who.what}</p>`,
      action: who.action,
      fields: {},
      button: "Remove from the vault",
      danger: true,
      cancel: { href: `/vaults/${vault.name}#members`, label: "Cancel" },
    }),
  );
}

export const vaultMembersPages = createRouter();

vaultMembersPages.post(
  "/vaults/:vault/users",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/users", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const draft = { email: form.one("email"), role: form.one("role") };
    const parsed = GrantVaultUserBody.safeParse(draft);
    if (!parsed.success)
      return showVault(c, session, { flash: { kind: "error", text: `Give their e-mail address. ${CHOOSE_ROLE}.` }, status: 400, memberDraft: draft });
    const result = await attempt(() => grantVaultUser(actionContextOf(c), vault.name, parsed.data.email, parsed.data.role));
    if (!result.ok) return showVault(c, session, { flash: errorFlash(result.error), status: refusalStatus(result.error), memberDraft: draft });
    return c.redirect(`/vaults/${vault.name}?done=member_added`, 303);
  }),
);

vaultMembersPages.post(
  "/vaults/:vault/users/:userId/role",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/users/{userId}/role", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const userId = userIdOfPath(c, vault);
    const parsed = SetVaultRoleBody.safeParse({ role: form.one("role") });
    if (!parsed.success) return showVaultRefusal(c, session, CHOOSE_ROLE);
    return done(c, session, vault, () => setVaultUserRole(actionContextOf(c), vault.name, userId, parsed.data.role), "role");
  }),
);

vaultMembersPages.post(
  "/vaults/:vault/users/:userId/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/users/{userId}/delete", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const userId = userIdOfPath(c, vault);
    if (!confirmed(form)) {
      const user = await grantedUser(actionContextOf(c), vault.name, userId);
      return confirmRemoval(c, session, vault, {
        label: user.email,
        what:
          user.user_id === session.principal.id
            ? "That is you: you lose this vault from your next request."
            : "They lose this vault from their next request, and the vault sessions they minted in it end.",
        action: `/vaults/${vault.name}/users/${encodeURIComponent(user.user_id)}/delete`,
      });
    }
    return done(c, session, vault, () => removeVaultUser(actionContextOf(c), vault.name, userId), "member_removed");
  }),
);

vaultMembersPages.post(
  "/vaults/:vault/agents/:agent/role",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/agents/{agent}/role", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const agent = agentOfPath(c, vault);
    const parsed = SetVaultAgentRoleBody.safeParse({ role: form.one("role") });
    if (!parsed.success) return showVaultRefusal(c, session, CHOOSE_ROLE);
    return done(c, session, vault, () => setVaultAgentRole(actionContextOf(c), vault.name, agent, parsed.data.role), "role");
  }),
);

vaultMembersPages.post(
  "/vaults/:vault/agents/:agent/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/agents/{agent}/delete", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const agent = agentOfPath(c, vault);
    if (!confirmed(form)) {
      await grantedAgent(actionContextOf(c), vault.name, agent);
      return confirmRemoval(c, session, vault, {
        label: `agent ${agent}`,
        what: "It is refused this vault from its next request, and the vault sessions it minted in it end.",
        action: `/vaults/${vault.name}/agents/${encodeURIComponent(agent)}/delete`,
      });
    }
    return done(c, session, vault, () => removeVaultAgent(actionContextOf(c), vault.name, agent), "member_removed");
  }),
);
