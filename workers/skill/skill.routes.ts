/** `GET /skill.md`: the agent skill (skills/edgevault/SKILL.md), public, as Markdown. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";

export const agentSkill = createRoute({
  method: "get",
  path: "/skill.md",
  tags: ["meta"],
  summary: "The agent skill: how an agent uses this edge (discover, proxy, propose, wait, retry), as Markdown",
  responses: {
    200: { content: { "text/markdown": { schema: z.string() } }, description: "skills/edgevault/SKILL.md" },
  },
});
