// Lesson 10 exercises 10.1 and 10.2: model solutions (see exercises/10-export-and-deploy/memory-plan.ts for
// the tasks), written from TFLM's rules directly. The graded tests compare them with course-lib/deploy/planner.ts,
// which takes its lifetimes from lesson 08's profiler and reproduces TFLM's GreedyMemoryPlanner.

export interface ExecutionOrder {
  tensors: { name: string; bytes: number; constant?: boolean }[];
  ops: { kind?: string; inputs: number[]; outputs: number[] }[];
  inputs: number[];
  outputs: number[];
}

export interface TensorLifetime {
  tensor: number;
  name: string;
  bytes: number;
  alignedBytes: number;
  first: number;
  last: number;
}

export function tensorLifetimes(order: ExecutionOrder): TensorLifetime[] {
  const count = order.tensors.length;
  const check = (id: number, where: string): void => {
    if (!(Number.isInteger(id) && id >= 0 && id < count)) throw new RangeError(`tensorLifetimes: ${where} refers to tensor ${id}, but there are ${count} tensors`);
  };
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const use = (id: number, step: number): void => {
    if (order.tensors[id].constant) return;
    if (!first.has(id)) first.set(id, step);
    last.set(id, Math.max(last.get(id) ?? step, step));
  };
  for (const id of order.inputs) {
    check(id, "a graph input");
    if (order.tensors[id].constant) throw new RangeError(`tensorLifetimes: graph input ${id} "${order.tensors[id].name}" is a constant`);
    use(id, 0);
  }
  order.ops.forEach((op, i) => {
    for (const id of op.inputs) {
      if (id === -1) continue;
      check(id, `operator ${i}'s input`);
      use(id, i + 1);
    }
    for (const id of op.outputs) {
      check(id, `operator ${i}'s output`);
      use(id, i + 1);
    }
  });
  for (const id of order.outputs) {
    check(id, "a graph output");
    use(id, order.ops.length);
  }
  return [...first.keys()].sort((a, b) => a - b).map((id) => {
    const bytes = order.tensors[id].bytes;
    return { tensor: id, name: order.tensors[id].name, bytes, alignedBytes: Math.ceil(bytes / 16) * 16, first: first.get(id)!, last: last.get(id)! };
  });
}

export function greedyOffsets(buffers: TensorLifetime[]): number[] {
  buffers.forEach((b, i) => {
    if (!(Number.isInteger(b.alignedBytes) && b.alignedBytes > 0 && b.alignedBytes % 16 === 0)) {
      throw new RangeError(`greedyOffsets: buffer ${i} has alignedBytes ${b.alignedBytes}, not a positive multiple of 16`);
    }
    if (b.last < b.first) throw new RangeError(`greedyOffsets: buffer ${i} ends at step ${b.last} before it starts at step ${b.first}`);
  });
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b].alignedBytes - buffers[a].alignedBytes || b - a);
  const offsets: number[] = new Array(buffers.length).fill(-1);
  const placed: number[] = []; // in increasing offset
  for (const i of order) {
    const want = buffers[i];
    let offset = 0;
    for (const j of placed) {
      const other = buffers[j];
      if (other.first > want.last || want.first > other.last) continue;
      if (offsets[j] - offset >= want.alignedBytes) break;
      offset = Math.max(offset, offsets[j] + other.alignedBytes);
    }
    offsets[i] = offset;
    placed.push(i);
    placed.sort((a, b) => offsets[a] - offsets[b]);
  }
  return offsets;
}
