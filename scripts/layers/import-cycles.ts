/**
 * Import cycles: the strongly connected components of the import graph with more than one file
 * (or a file importing itself), found with Tarjan's algorithm. Each cycle is reported once, as
 * its files in a stable order, so a failure names every file that takes part.
 */
import type { ImportGraph } from "./import-graph.ts";

export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;

  const edgesOf = (file: string) => (graph.get(file) ?? []).flatMap((i) => (i.file && graph.has(i.file) ? [i.file] : []));

  // Iterative, so a deep graph cannot overflow the stack.
  const visit = (start: string) => {
    const work: { file: string; edges: string[]; at: number }[] = [];
    const open = (file: string) => {
      index.set(file, next);
      lowest.set(file, next);
      next++;
      stack.push(file);
      onStack.add(file);
      work.push({ file, edges: edgesOf(file), at: 0 });
    };
    open(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.at < frame.edges.length) {
        const target = frame.edges[frame.at++]!;
        if (!index.has(target)) open(target);
        else if (onStack.has(target)) lowest.set(frame.file, Math.min(lowest.get(frame.file)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowest.set(parent.file, Math.min(lowest.get(parent.file)!, lowest.get(frame.file)!));
      if (lowest.get(frame.file) !== index.get(frame.file)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      const selfImport = edgesOf(frame.file).includes(frame.file);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  };

  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
