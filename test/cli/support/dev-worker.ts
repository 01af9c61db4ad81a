/**
 * `wrangler dev` without its inspector, for the bench and the test run's shared edge: the same Worker, runtime, local D1 and
 * Durable Objects as the `wrangler dev` command, started through wrangler's own API with the
 * inspector off. The command always attaches wrangler's inspector proxy to the Worker's runtime
 * and enables its Network domain: every subrequest then sends the proxy a few DevTools events
 * (the answer's body in base64 among them), which wrangler's Node process writes to its debug log
 * file, one `mkdir`, `open`, `write` and `close` per event. That cost 3-5 ms of Node's CPU per
 * request on a 2-core machine, and workerd's time to make the events, in proportion to each
 * Worker's subrequests and bodies: debugging plumbing, not the runtime. See bench/README.md.
 *
 * Takes the command's flags launchEdge() and the bench's floor use (`--config`, `--env`, `--ip`, `--port`, `--persist-to`,
 * `--env-file`, `--var NAME:VALUE`, `--log-level`), prints "Ready on <url>" like the command, and
 * stops on SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { unstable_startWorker } from "wrangler";

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    env: { type: "string" },
    ip: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    "persist-to": { type: "string" },
    "env-file": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    "log-level": { type: "string", default: "info" },
  },
});

/** wrangler's log levels, from quietest. */
const LOG_LEVELS = ["none", "error", "warn", "info", "log", "debug"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];
const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);
const logLevel = values["log-level"] ?? "info";
if (!isLogLevel(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not ${logLevel}`);

const vars = Object.fromEntries(
  (values.var ?? []).map((pair) => {
    const at = pair.indexOf(":");
    return [pair.slice(0, at), { type: "plain_text" as const, value: pair.slice(at + 1) }];
  }),
);

const worker = await unstable_startWorker({
  ...(values.config ? { config: values.config } : {}),
  ...(values.env ? { env: values.env } : {}),
  ...(values["env-file"] ? { envFiles: [values["env-file"]] } : {}),
  bindings: vars,
  dev: {
    inspector: false,
    server: { hostname: values.ip, port: Number(values.port) },
    ...(values["persist-to"] ? { persist: values["persist-to"] } : {}),
    logLevel,
    watch: false,
  },
});
await worker.ready;
process.stdout.write(`Ready on ${(await worker.url).origin}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.dispose();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
