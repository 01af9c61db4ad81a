/**
 * Serves the agent skill file, so an agent with nothing but the edge's address can learn the
 * protocol: `curl $AGENT_VAULT_ADDR/skill.md`. The text is bundled from skills/edgevault/SKILL.md
 * (wrangler.toml's Text rule for `*.md`), so the served file and the repository's are one.
 */
import skill from "../../skills/edgevault/SKILL.md";
import { createRouter } from "../router.ts";
import * as routes from "./skill.routes.ts";

export const skillRouter = createRouter().openapi(routes.agentSkill, (c) =>
  c.body(skill, 200, { "Content-Type": "text/markdown; charset=utf-8", "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff" }),
);
