/**
 * One per proposal: its status, the requests long-polling it, and the 7-day expiry alarm, so
 * agents can wait on a decision without polling D1. Filled in by the proposals area.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env.ts";

export class ProposalWatch extends DurableObject<Env> {}
