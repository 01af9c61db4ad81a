/**
 * Self-registration: register (no auth), list, approve, reject (owners), claim (claim token), on
 * `/v1` and Vaultys' `/api` (registrations.actions.ts). Trust boundary: register and claim are
 * unauthenticated. The claim token is stored only as its SHA-256; approval creates the agent but
 * throws its first token away, and the claim mints the token the agent will use, exactly once (a
 * guarded batch), so no token exists in clear anywhere.
 */
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import {
  approveRegistration,
  approveVaultysRegistration,
  claimRegistration,
  listRegistrations,
  registerInCompany,
  registerVaultysAgent,
  rejectRegistration,
} from "./registrations.actions.ts";
import * as routes from "./registrations.routes.ts";

const NO_STORE = { "Cache-Control": "no-store" };
/** How long a pending agent is told to wait before polling the claim again. */
const CLAIM_POLL_SECONDS = 30;

export const registrationsRouter = createRouter();

registrationsRouter
  // The attempt was already counted, before the body was read (registration-attempts.ts).
  .openapi(routes.registerAgent, async (c) =>
    c.json(await registerInCompany(publicContextOf(c), c.req.valid("param").companyId, c.req.valid("json")), 201, NO_STORE),
  )
  .openapi(routes.registerVaultysAgent, async (c) =>
    c.json(await registerVaultysAgent(publicContextOf(c), new URL(c.req.url).hostname, c.req.valid("json")), 201, NO_STORE),
  )
  .openapi(routes.listRegistrations, async (c) => c.json(await listRegistrations(actionContextOf(c)), 200))
  .openapi(routes.listVaultysRegistrations, async (c) => c.json(await listRegistrations(actionContextOf(c)), 200))
  .openapi(routes.approveRegistration, async (c) => c.json(await approveRegistration(actionContextOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(routes.approveVaultysRegistration, async (c) =>
    c.json(await approveVaultysRegistration(actionContextOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(routes.rejectRegistration, async (c) =>
    c.json(await rejectRegistration(actionContextOf(c), c.req.valid("param").id, c.req.valid("json").reason), 200),
  )
  .openapi(routes.rejectVaultysRegistration, async (c) =>
    c.json(await rejectRegistration(actionContextOf(c), c.req.valid("param").id, c.req.valid("json").reason), 200),
  )
  .openapi(routes.claimRegistration, async (c) => {
    const decision = await claimRegistration(publicContextOf(c), c.req.valid("json").claim_token);
    if (decision.status === "pending") return c.json(decision, 202, { ...NO_STORE, "Retry-After": String(CLAIM_POLL_SECONDS) });
    return c.json(decision, 200, NO_STORE);
  });
