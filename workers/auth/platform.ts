/** The platform operator's token (Worker secret PLATFORM_TOKEN), compared in constant time. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { AppError, unauthorized } from "../lib/app-error.ts";
import { digestsEqual, sha256Hex } from "../lib/crypto/tokens.ts";
import { presentedToken } from "./bearer.ts";

export async function requirePlatformOperator(c: Context<AppEnv>): Promise<void> {
  const expected = c.env.PLATFORM_TOKEN;
  if (!expected) throw new AppError(503, "platform_disabled", "PLATFORM_TOKEN is not configured on this deployment");
  const presented = presentedToken(c);
  if (!presented || presented.viaCookie) throw unauthorized("The platform operator's token is required");
  if (!digestsEqual(await sha256Hex(presented.token), await sha256Hex(expected))) {
    throw unauthorized("The platform operator's token is required");
  }
}
