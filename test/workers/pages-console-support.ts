/** The console suites' world: a company with a proxied service, an owner and a member signed in. */
import { env } from "cloudflare:test";
import { createUser } from "./helpers.ts";
import { signInCookie } from "./pages-support.ts";
import { proxySetup } from "./proxy-support.ts";

export const SECRET = "secret-api-key-value";

/** A company with a vault whose service reaches the recording upstream, an agent in it, an owner and a member signed in. */
export async function consoleWorld() {
  const s = await proxySetup({ credentials: { API_KEY: SECRET } });
  const owner = await createUser(s.company, "owner");
  const member = await createUser(s.company);
  return { ...s, owner, member, asOwner: await signInCookie(owner.email), asMember: await signInCookie(member.email) };
}

export const lastAudit = async (companyId: string, action: string) =>
  env.DB.prepare("SELECT actor_type, actor_id, target_id, detail FROM audit_log WHERE company_id = ? AND action = ? ORDER BY id DESC LIMIT 1")
    .bind(companyId, action)
    .first<{ actor_type: string; actor_id: string; target_id: string; detail: string | null }>();

export const navOf = (html: string) =>
  [...html.matchAll(/<nav class="nav"[\s\S]*?<\/nav>/g)].flatMap((m) => [...m[0].matchAll(/href="([^"]+)"/g)].map((h) => h[1]));
