/**
 * The router of the proxy's own app (app.ts): every request runs every handler it holds, in the
 * order they were added, with no parameters. app.ts hands that app only paths that start
 * `/proxy/`, and its routes (the prelude's `*` and `/proxy/*`, for every method) match every such
 * path, so a real router would work out the same list on each request; Hono's do, which cost a
 * few per cent of the isolate's CPU per warm request (bench/README.md). A route it could not
 * hold to that (another path, one method) is refused when the app is built, not routed wrongly.
 */
import { METHOD_NAME_ALL, type Params, type Result, type Router } from "hono/router";

const NO_PARAMS: Params = Object.freeze({}) as Params;
/** The patterns that match every path (`app.use("*")` adds `/*`). */
const EVERY_PATH = new Set(["*", "/*"]);

export class EveryHandlerRouter<T> implements Router<T> {
  readonly name = "EveryHandlerRouter";
  readonly #matched: [[T, Params][]] = [[]];

  /** `prefix`: the path every request handed to this app starts with (`/proxy/`). */
  constructor(readonly prefix: string) {}

  add(method: string, path: string, handler: T): void {
    if (method !== METHOD_NAME_ALL || !(EVERY_PATH.has(path) || path === `${this.prefix}*`)) {
      throw new Error(`EveryHandlerRouter holds only routes of every method on * or ${this.prefix}*, not ${method} ${path}`);
    }
    this.#matched[0].push([handler, NO_PARAMS]);
  }

  match(): Result<T> {
    return this.#matched;
  }
}
