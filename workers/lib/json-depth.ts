/**
 * How deeply a JSON value nests, measured without recursion. JSON a caller stores (an attestation's
 * payload, an agent's metadata) is later hashed, serialized across RPC and rendered by code that
 * recurses; a value nested thousands deep overflows the stack there, after it was written. So
 * whatever a caller stores is refused past MAX_STORED_JSON_DEPTH before anything is written.
 */

/** Levels of objects and arrays a caller's stored JSON may nest (`{"a": [1]}` is 2). */
export const MAX_STORED_JSON_DEPTH = 64;
/** What the edge says when it refuses deeper JSON. */
export const STORED_JSON_DEPTH_RULE = `nests deeper than ${MAX_STORED_JSON_DEPTH} levels of objects and arrays`;

/**
 * How many levels of objects and arrays `value` nests (a scalar is 0, `[]` is 1), stopping as
 * soon as it passes `stopAbove`: a walk with its own stack, so no depth overflows it.
 */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== "object") continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") pending.push([child, level]);
    }
  }
  return deepest;
}

/** True when `value` nests no deeper than `max` levels (default: what a caller may store). */
export const withinJsonDepth = (value: unknown, max = MAX_STORED_JSON_DEPTH): boolean => jsonDepth(value, max) <= max;
