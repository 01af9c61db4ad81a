/**
 * The deployment's settings, read from the Worker's vars and secrets once per `env` and typed:
 * the only place a string like `"true"` becomes a boolean. Bindings (DB, Durable Objects) stay on
 * `Env`; secrets are read where they are used (auth/token-signer.ts, lib/crypto/crypto-envelope.ts).
 * Every link the edge makes starts with `PUBLIC_ORIGIN` (`publicOriginOf`), never with the
 * request's Host header, which the caller chooses.
 */
import { z } from "zod";
import type { Env } from "./env.ts";
import { AppError } from "./lib/app-error.ts";

/** `https://edgevault.example` or `http://127.0.0.1:14321`: a scheme, a host and an optional port, nothing else. */
const Origin = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const url = parsedUrl(raw);
    const bare =
      url && (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && url.pathname === "/" && !url.search && !url.hash;
    if (!url || !bare || raw.includes("?") || raw.includes("#")) {
      ctx.addIssue({ code: "custom", message: "must be an origin such as https://edgevault.example (scheme, host, optional port; no path)" });
      return z.NEVER;
    }
    return url.origin;
  });

function parsedUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

const Settings = z.object({
  ENVIRONMENT: z.enum(["dev", "production"]).default("production"),
  TRUST_DOMAIN: z.string().default(""),
  /** "true" only in local dev: services may point at loopback and plain-http upstreams. */
  ALLOW_PRIVATE_UPSTREAMS: z.enum(["true", "false"]).default("false"),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** Per-company hosts `<company>.<BASE_DOMAIN>` (Vaultys' unauthenticated registration finds its company by host). */
  BASE_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^\.?([a-z0-9-]+\.)*[a-z0-9-]+$/)
    .optional()
    .or(z.literal("")),
  /**
   * The company an unauthenticated seed path means at the bare address (`PUBLIC_ORIGIN`'s host):
   * Vaultys' anonymous `POST /api/agents/register` (seed 004). Unset, such a call must name its
   * company by token or host (400 `company_required`); `npm start` sets `demo`.
   */
  DEFAULT_COMPANY: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
  ),
  /** Where the edge answers, as its users reach it: the start of every link it makes, and the host it serves. */
  PUBLIC_ORIGIN: z.preprocess((value) => (value === "" ? undefined : value), Origin.optional()),
});

export type Config = {
  /** `dev` under `npm start` and the tests: a company key may be any string there. */
  environment: "dev" | "production";
  /** SPIFFE trust domain for agent ids (checked where SVIDs are made: identity/svid.ts). */
  trustDomain: string;
  allowPrivateUpstreams: boolean;
  /** How long the proxy waits for an upstream's response headers. */
  upstreamTimeoutMs: number;
  /** The domain under which each company has a host `<company>.<baseDomain>`; undefined when unset. */
  baseDomain: string | undefined;
  /** `DEFAULT_COMPANY`: the company unauthenticated seed paths at the bare address register into; undefined when unset. */
  defaultCompany: string | undefined;
  /** `PUBLIC_ORIGIN` as an origin (`https://edgevault.example`); undefined when unset, and then the edge serves nothing. */
  publicOrigin: string | undefined;
};

/** Default bound on waiting for the upstream's response headers (override: UPSTREAM_TIMEOUT_MS). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;

const parsed = new WeakMap<Env, Config>();

export function configOf(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const read = Settings.safeParse(env);
  if (!read.success) throw new AppError(500, "server_misconfigured", "The server's settings are invalid", { cause: read.error.message });
  const config: Config = {
    environment: read.data.ENVIRONMENT,
    trustDomain: read.data.TRUST_DOMAIN,
    allowPrivateUpstreams: read.data.ALLOW_PRIVATE_UPSTREAMS === "true",
    upstreamTimeoutMs: read.data.UPSTREAM_TIMEOUT_MS ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    baseDomain: read.data.BASE_DOMAIN ? read.data.BASE_DOMAIN.replace(/^\./, "") : undefined,
    publicOrigin: read.data.PUBLIC_ORIGIN || undefined,
    defaultCompany: read.data.DEFAULT_COMPANY,
  };
  parsed.set(env, config);
  return config;
}

/**
 * The origin every link starts with (approval_url, invite and accept links, a session's `addr`,
 * `/discover`'s `proxy_url`, help texts, the identity documents' URIs, token exchange's default
 * `aud`). Unset, there is no safe answer: the request's Host is the caller's to choose.
 */
export function publicOriginOf(env: Env): string {
  return publicOriginIn(configOf(env));
}

/** `publicOriginOf` for settings already read (an action holds its `Config`, never `Env`). */
export function publicOriginIn(config: Config): string {
  const origin = config.publicOrigin;
  if (!origin) throw new AppError(500, "server_misconfigured", "The server's settings are invalid", { cause: "PUBLIC_ORIGIN is not set (docs/deploy.md)" });
  return origin;
}
