/**
 * In what order a run measures its cases. Within a round, every case at one connection, then every
 * case at 16: the two sides of a goal (the floor and `/proxy`, a direct connection and the tunnel)
 * are measured a few windows apart, not a whole round apart. Every other round runs the cases in
 * reverse, so a machine drifting one way across a round favours neither side of a pair in the
 * median of the rounds' comparisons (bench/goals.ts).
 */
export type Ordered = { readonly id: string; readonly connections: readonly number[]; readonly rounds?: number };

export function* measurementOrder<C extends Ordered>(cases: readonly C[], rounds: number): Generator<{ round: number; case: C; connections: number }> {
  const connectionCounts = [...new Set(cases.flatMap((c) => c.connections))].sort((a, b) => a - b);
  for (let round = 1; round <= rounds; round++) {
    const inTurn = round % 2 === 1 ? cases : [...cases].reverse();
    for (const connections of connectionCounts) {
      for (const c of inTurn) {
        if ((c.rounds === undefined || round <= c.rounds) && c.connections.includes(connections)) yield { round, case: c, connections };
      }
    }
  }
}
