/**
 * One per actor (agent token or vault session): the authority on whether its token is still
 * valid, its rate-limit buckets, in-flight counts and last-seen time. The hot path pays one
 * round trip here instead of D1 queries. Filled in by the agents and proxy areas.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env.ts";

export class ActorGate extends DurableObject<Env> {}
