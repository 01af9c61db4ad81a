/**
 * Runs in Node before the Worker suite: starts the recording upstream (test/support) once and
 * hands its port to the specs, which run in workerd and reach it over fetch (see upstream.ts).
 */
import type { TestProject } from "vitest/node";
import { startUpstreamServer } from "../support/upstream-server.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startUpstreamServer();
  project.provide("upstreamPort", server.port);
  return () => server.close();
}
