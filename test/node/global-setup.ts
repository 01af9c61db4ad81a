/**
 * Starts the one `wrangler dev` that every CLI and end-to-end file of the run talks to (each file
 * makes companies of its own), instead of one per file: starting wrangler and migrating its D1
 * costs seconds of both cores each time. Stopped when the run ends. It runs without wrangler's
 * inspector (support/dev-worker.ts), whose debug log of every subrequest cost the machine more CPU
 * than the edge itself.
 */
import type { TestProject } from "vitest/node";
import { launchEdge } from "../cli/support/edge.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const edge = await launchEdge(undefined, { inspector: false });
  project.provide("sharedEdge", { addr: edge.addr, platformToken: edge.platformToken });
  return () => edge.stop();
}
