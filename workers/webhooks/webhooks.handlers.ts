/**
 * Per-vault webhooks for proposal events (Agent Vault users asked for these, issue #328), through
 * webhooks.actions.ts. Deliveries are signed with the webhook's own secret, shown once at creation
 * and stored sealed.
 */
import { createRouter } from "../router.ts";
import { actionContextOf } from "../request-context.ts";
import { addWebhook, listWebhooks, removeWebhook } from "./webhooks.actions.ts";
import * as routes from "./webhooks.routes.ts";

export const webhooksRouter = createRouter()
  .openapi(routes.createWebhook, async (c) => c.json(await addWebhook(actionContextOf(c), c.req.valid("param").vault, c.req.valid("json")), 201))
  .openapi(routes.listWebhooks, async (c) => c.json(await listWebhooks(actionContextOf(c), c.req.valid("param").vault), 200))
  .openapi(routes.deleteWebhook, async (c) => {
    const { vault, id } = c.req.valid("param");
    return c.json(await removeWebhook(actionContextOf(c), vault, id), 200);
  });
