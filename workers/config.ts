/**
 * The deployment's settings, read from the Worker's vars and secrets once per `env` and typed:
 * the only place a string like `"true"` becomes a boolean. Bindings (DB, Durable Objects) stay on
 * `Env`; secrets are read where they are used (auth/token-signer.ts, lib/crypto-envelope.ts).
 */
import { z } from "zod";
import type { Env } from "./env.ts";
import { AppError } from "./lib/app-error.ts";

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
  };
  parsed.set(env, config);
  return config;
}
