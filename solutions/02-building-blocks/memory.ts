// Lesson 02 exercise 02.7: model solution (see exercises/02-building-blocks/memory.ts for the task).

export interface ActivationNode {
  name: string;
  bytes: number;
  consumers: string[];
}

export interface PeakMemory {
  peakBytes: number;
  peakAt: string;
  liveBytes: number[];
}

/** Exercise 02.7 */
export function peakLiveBytes(nodes: ActivationNode[]): PeakMemory {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new Error("expected at least one node");
  const position = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (position.has(node.name)) throw new Error(`duplicate node name "${node.name}"`);
    if (typeof node.bytes !== "number" || !Number.isFinite(node.bytes) || node.bytes < 0) {
      throw new Error(`node "${node.name}" has bytes ${node.bytes}; expected a number >= 0`);
    }
    position.set(node.name, i);
  });
  const last = nodes.length - 1;
  // freeAfter[j]: the last step at which node j's output is still live.
  const freeAfter = nodes.map((node, j) => {
    let end = node.consumers.length === 0 ? last : j;
    for (const consumer of node.consumers) {
      const at = position.get(consumer);
      if (at === undefined) throw new Error(`node "${node.name}" has an unknown consumer "${consumer}"`);
      if (at <= j) throw new Error(`node "${node.name}" is read by "${consumer}", which comes before it: the order is not topological`);
      end = Math.max(end, at);
    }
    return end;
  });
  const liveBytes = nodes.map((_, i) => {
    let live = 0;
    for (let j = 0; j <= i; j++) if (freeAfter[j] >= i) live += nodes[j].bytes;
    return live;
  });
  let peak = 0;
  for (let i = 1; i < liveBytes.length; i++) if (liveBytes[i] > liveBytes[peak]) peak = i;
  return { peakBytes: liveBytes[peak], peakAt: nodes[peak].name, liveBytes };
}
