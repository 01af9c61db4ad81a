/**
 * "Did you mean …?" for mistyped command words and option names. Only declared names are ever
 * suggested; what the user typed is compared, never repeated, since a word in the wrong place may
 * be a pasted secret.
 */

/**
 * The optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1, so `crednetial` is one edit from `credential`.
 * @example
 * editDistance("vualt", "vault") // 1
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const d: number[] = new Array<number>(rows * columns).fill(0);
  const at = (i: number, j: number) => d[i * columns + j] ?? 0;
  for (let i = 0; i < rows; i += 1) d[i * columns] = i;
  for (let j = 0; j < columns; j += 1) d[j] = j;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < columns; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * columns + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** How many edits still read as a typo of a name this long, rather than another word. */
function tolerance(length: number): number {
  if (length <= 4) return 1;
  if (length <= 12) return 2;
  return 3;
}

/**
 * How many edits `typed` is from `name`, word by word (space separated, same number of words),
 * or undefined when a word is too far from its counterpart to be a typo of it.
 * @example
 * typoDistance("vault crednetial", "vault credential") // 1
 * typoDistance("logs", "login")                        // undefined
 */
export function typoDistance(typed: string, name: string): number | undefined {
  const a = typed.toLowerCase().split(" ");
  const b = name.toLowerCase().split(" ");
  if (a.length !== b.length) return undefined;
  let total = 0;
  for (const [i, word] of a.entries()) {
    const other = b[i] ?? "";
    const distance = editDistance(word, other);
    if (distance > tolerance(Math.min(word.length, other.length))) return undefined;
    total += distance;
  }
  return total;
}

/**
 * The candidates closest to `typed`, within typo distance, best first (ties keep their order);
 * empty when nothing is close.
 * @example
 * closest("jsno", ["json", "vault"]) // ["json"]
 */
export function closest(typed: string, candidates: readonly string[], max = 3): string[] {
  const scored = candidates
    .map((candidate, index) => ({ candidate, index, distance: typoDistance(typed, candidate) }))
    .filter((s): s is { candidate: string; index: number; distance: number } => s.distance !== undefined && s.distance > 0);
  scored.sort((x, y) => x.distance - y.distance || x.index - y.index);
  return [...new Set(scored.map((s) => s.candidate))].slice(0, max);
}

/**
 * "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
 * @example
 * quotedChoices(["--json", "--vault"]) // "'--json' or '--vault'"
 */
export function quotedChoices(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}
