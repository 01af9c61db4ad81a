/**
 * `npm run bench -- --profile`: the MITM children run with `node --cpu-prof`; this reads the
 * profiles they leave and lists where their busy CPU time went, by function (self time, idle excluded), so the
 * README can say where the MITM's time goes instead of guessing.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

export type ProfileLine = { function: string; where: string; selfMs: number; share: number };

/** The heaviest functions by self time across every .cpuprofile in `dir`. */
export async function summarizeProfiles(dir: string, top = 15): Promise<{ totalMs: number; lines: ProfileLine[] }> {
  const self = new Map<string, { function: string; where: string; us: number }>();
  let totalUs = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      // Waiting for I/O is not cost: only busy samples count, in the total too.
      if (!frame || frame.functionName === "(idle)") return;
      totalUs += us;
      const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|cli|workers)\//, "$1/").replace(/^node:/, "node:")}:${frame.lineNumber + 1}` : "";
      const key = `${frame.functionName}@${where}`;
      const entry = self.get(key) ?? { function: frame.functionName || "(anonymous)", where, us: 0 };
      entry.us += us;
      self.set(key, entry);
    });
  }
  const lines = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ function: e.function, where: e.where, selfMs: e.us / 1000, share: totalUs ? e.us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, lines };
}
