/**
 * Runs in Node before the Worker suite: starts the recording upstream (test/support) once and
 * hands its port to the specs, which run in workerd and reach it over fetch (see upstream.ts); and
 * the authorization servers' control door (test/support/authorization-server-control.ts), through
 * which a spec starts real oidc-provider servers of its own (see authorization-server.ts).
 */
import type { TestProject } from "vitest/node";
import { startAuthorizationServerControl } from "../support/authorization-server-control.ts";
import { startUpstreamServer } from "../support/upstream-server.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [server, authorization] = await Promise.all([startUpstreamServer(), startAuthorizationServerControl()]);
  project.provide("upstreamPort", server.port);
  project.provide("authorizationControlPort", authorization.port);
  return async () => {
    await Promise.all([server.close(), authorization.close()]);
  };
}
