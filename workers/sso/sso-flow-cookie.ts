/**
 * A sign-in in progress, bound to the browser that started it: the state, nonce and PKCE verifier
 * of its authorization request, the provider and client it was made for and where to go after, in
 * one short-lived cookie sealed (AES-256-GCM, so both secret and tamper-evident) with the
 * company's data key under `edgevault:sso-flow:<company>`. The company is the one part in clear —
 * it picks the key — and moving the sealed part under another company's name fails to open. Only
 * the browser holding the cookie can finish; a callback URL carried to another browser is refused.
 */
import { z } from "zod";
import { associatedData, DecryptError, openText, sealText } from "../lib/crypto/crypto-envelope.ts";
import { RESOURCE_NAME_PATTERN } from "../lib/openapi.ts";

export const SSO_FLOW_COOKIE = "edgevault_sso_flow";
/** Long enough to type a password and answer a second factor at the provider; short enough to be useless stolen. */
export const SSO_FLOW_TTL_MS = 10 * 60 * 1000;

const FlowState = z
  .object({
    state: z.string().min(1),
    nonce: z.string().min(1),
    verifier: z.string().min(43).max(128),
    issuer: z.string(),
    clientId: z.string(),
    next: z.string(),
    expiresAt: z.number(),
  })
  .strict();
export type FlowState = z.infer<typeof FlowState>;

/** `<company>.<sealed state>`. */
export async function sealFlow(dataKey: CryptoKey, companyId: string, flow: FlowState): Promise<string> {
  return `${companyId}.${await sealText(dataKey, JSON.stringify(flow), associatedData.ssoFlow(companyId))}`;
}

/** The company a cookie names, before anything is opened (undefined: not a flow cookie of ours). */
export function flowCompany(cookie: string | undefined): string | undefined {
  const companyId = cookie?.slice(0, cookie.indexOf("."));
  return companyId && RESOURCE_NAME_PATTERN.test(companyId) ? companyId : undefined;
}

/** The flow a cookie holds, or undefined when it was not sealed for this company, was altered, or is stale. */
export async function openFlow(dataKey: CryptoKey, companyId: string, cookie: string, now: number): Promise<FlowState | undefined> {
  try {
    const opened = FlowState.safeParse(JSON.parse(await openText(dataKey, cookie.slice(companyId.length + 1), associatedData.ssoFlow(companyId))));
    return opened.success && opened.data.expiresAt > now ? opened.data : undefined;
  } catch (error) {
    if (error instanceof DecryptError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
