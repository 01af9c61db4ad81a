/**
 * Counts D1 statements issued through the app's database handle. A debug hook for tests that
 * assert the warm proxy path makes no D1 query (`d1QueryCount()` before and after a request).
 * Counting is a property access and an increment; it stays on in production.
 */
let count = 0;

export function d1QueryCount(): number {
  return count;
}

/** One wrapper per binding, so db/client.ts's per-binding client is built once, not per request. */
const wrappers = new WeakMap<D1Database, D1Database>();

/** Wraps a D1 binding so every prepare/batch/exec is counted. */
export function countingD1(d1: D1Database): D1Database {
  let wrapped = wrappers.get(d1);
  if (!wrapped) {
    wrapped = counted(d1);
    wrappers.set(d1, wrapped);
  }
  return wrapped;
}

function counted(d1: D1Database): D1Database {
  return new Proxy(d1, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "prepare" || property === "batch" || property === "exec") {
        return (...args: unknown[]) => {
          count += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
