/**
 * The proxy app's router (workers/proxy/every-handler-router.ts): every handler runs, in order, for
 * every path it is handed; a route it could not hold to that is refused when the app is built.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { EveryHandlerRouter } from "../../workers/proxy/every-handler-router.ts";

describe("EveryHandlerRouter", () => {
  it("runs the middleware and the handler, in order, for any method and /proxy/ path", async () => {
    const app = new Hono({ router: new EveryHandlerRouter("/proxy/") });
    app.use("*", async (c, next) => {
      c.header("x-ran", "prelude");
      await next();
    });
    const inner = new Hono();
    inner.all("/proxy/*", (c) => c.text(`${c.req.method} ${c.req.path} ${JSON.stringify(c.req.param())}`));
    app.route("/", inner);
    for (const [method, path] of [
      ["GET", "/proxy/api.example.com/v1/items"],
      ["DELETE", "/proxy/h/"],
    ] as const) {
      const answer = await app.request(path, { method });
      expect([answer.status, answer.headers.get("x-ran"), await answer.text()]).toEqual([200, "prelude", `${method} ${path} {}`]);
    }
  });

  it("refuses a route of one method, or on another path, when it is added", () => {
    const app = new Hono({ router: new EveryHandlerRouter("/proxy/") });
    expect(() => app.get("/proxy/*", (c) => c.text("x"))).toThrow("not GET /proxy/*");
    expect(() => app.all("/other/*", (c) => c.text("x"))).toThrow("not ALL /other/*");
    expect(() => app.all("/proxy/:host", (c) => c.text("x"))).toThrow("not ALL /proxy/:host");
  });
});
