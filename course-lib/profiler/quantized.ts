// Exact sizes of an int8 QuantizedGraph (course-lib/quantize/graph.ts), as a microcontroller would hold it.
//
// Flash: the bytes of the graph's constants, what C arrays of them occupy:
// - weights: every int8 constant tensor, 1 byte per value;
// - biases: every int32 constant tensor with quantization parameters (conv/depthwise/dense biases),
//   4 bytes per value;
// - otherConstants: int32 constants without quantization (MEAN's axes), 4 bytes per value;
// - quantParams: for every tensor that has quantization parameters (weights, biases and activations),
//   one float32 scale (4 B) and one int32 zero point (4 B) per channel, i.e. a `float scale[C]` and an
//   `int32_t zero_point[C]` array per tensor, as TFLM's TfLiteAffineQuantization holds them. Array length
//   headers, the per-channel (multiplier, shift) pairs the runtime derives at init (TFLM keeps those in the
//   arena's persistent area), the graph structure and the code are not counted. Shape information folded
//   into operators (PAD paddings, RESHAPE new shapes) is structure, not counted either.
//
// Activation memory (RAM): every non-constant tensor is one buffer, sized elements × element bytes and
// rounded up to 16 bytes (TFLM's arena buffer alignment). Lifetimes follow TFLM's rules: the graph inputs
// exist from scope 0; operator i runs in scope i + 1, where its outputs are created and its inputs are last
// used, so an op's inputs and outputs are live together (no in-place reuse); graph outputs live to the end.
// - peak: the largest sum of live buffers over the operators: a lower bound for any planner that keeps
//   whole tensors, and what an optimal offset plan reaches when the buffers pack without gaps;
// - sum: all buffers side by side (TFLM's LinearMemoryPlanner);
// - buffers: each buffer's size and [first, last] scope, the input of lesson 10's greedy planner.
// This is TFLM's non-persistent "head" only: TFLM's arena_used_bytes() also counts the persistent tail
// (TfLiteEvalTensor structs, per-op data such as per-channel multipliers, scratch buffers), which depends on
// the build (e.g. 1,184 B in total for hello_world on a 64-bit host, of which 32 B are activations).
import type { GraphTensor, QuantizedGraph } from "../quantize/graph";

/** TFLM's arena buffer alignment (MicroArenaBufferAlignment). */
export const ARENA_ALIGNMENT = 16;

export interface QuantizedFlash {
  /** int8 constant tensors (1 B per value). */
  weights: number;
  /** int32 constants with quantization: biases (4 B per value). */
  biases: number;
  /** int32 constants without quantization, e.g. MEAN's axes (4 B per value). */
  otherConstants: number;
  /** float32 scale + int32 zero point per channel of every quantized tensor (8 B per channel). */
  quantParams: number;
  /** Channels counted in quantParams (scale/zero-point pairs). */
  quantChannels: number;
  total: number;
}

export interface ActivationBuffer {
  tensor: number;
  name: string;
  /** elements × element bytes. */
  bytes: number;
  /** bytes rounded up to ARENA_ALIGNMENT. */
  alignedBytes: number;
  /** TFLM scopes: 0 for graph inputs, i + 1 for operator i's outputs; last use (graph outputs: the last op). */
  first: number;
  last: number;
}

export interface OperatorLiveness {
  op: number;
  kind: string;
  /** Tensor ids live while this operator runs. */
  live: number[];
  /** Sum of their aligned sizes. */
  liveBytes: number;
}

export interface QuantizedActivationMemory {
  /** Largest liveBytes over the operators (aligned buffers). */
  peak: number;
  /** The same peak with unaligned sizes (elements × element bytes), for comparison with lesson 02's estimates. */
  peakUnaligned: number;
  /** Operator at the (aligned) peak: the first one if several tie. */
  peakOp: number;
  /** All activation buffers side by side, aligned: TFLM's linear plan. */
  sum: number;
  buffers: ActivationBuffer[];
  perOp: OperatorLiveness[];
}

export interface QuantizedFootprint {
  flash: QuantizedFlash;
  activations: QuantizedActivationMemory;
}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const elementBytes = (t: GraphTensor): number => (t.dtype === "int8" ? 1 : 4);
export const alignUp = (bytes: number, alignment = ARENA_ALIGNMENT): number => Math.ceil(bytes / alignment) * alignment;

/** Flash and activation memory of a quantized graph (see the header for exactly what is counted). */
export function quantizedFootprint(graph: QuantizedGraph): QuantizedFootprint {
  return { flash: quantizedFlash(graph), activations: activationMemory(graph) };
}

export function quantizedFlash(graph: QuantizedGraph): QuantizedFlash {
  let weights = 0;
  let biases = 0;
  let otherConstants = 0;
  let quantChannels = 0;
  for (const t of graph.tensors) {
    if (t.quant) quantChannels += t.quant.scale.length;
    if (!t.data) continue;
    const bytes = product(t.shape) * elementBytes(t);
    if (t.dtype === "int8") weights += bytes;
    else if (t.quant) biases += bytes;
    else otherConstants += bytes;
  }
  const quantParams = 8 * quantChannels;
  return { weights, biases, otherConstants, quantParams, quantChannels, total: weights + biases + otherConstants + quantParams };
}

export function activationMemory(graph: QuantizedGraph): QuantizedActivationMemory {
  const tensorAt = (id: number, where: string): GraphTensor => {
    const t = graph.tensors[id];
    if (!t) throw new RangeError(`quantizedFootprint: graph "${graph.name}": ${where} refers to tensor ${id}; the graph has ${graph.tensors.length}`);
    return t;
  };
  const end = graph.operators.length;
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const touch = (id: number, scope: number): void => {
    if (!first.has(id)) first.set(id, scope);
    last.set(id, Math.max(last.get(id) ?? scope, scope));
  };
  for (const id of graph.inputs) {
    if (tensorAt(id, "graph input").data) throw new RangeError(`quantizedFootprint: graph input ${id} "${graph.tensors[id].name}" is a constant`);
    touch(id, 0);
  }
  graph.operators.forEach((op, i) => {
    for (const id of [...op.inputs, ...op.outputs]) {
      if (id === -1) continue; // an omitted optional input
      if (!tensorAt(id, `operator ${i} (${op.kind})`).data) touch(id, i + 1);
    }
  });
  for (const id of graph.outputs) {
    tensorAt(id, "graph output");
    touch(id, end);
  }

  const buffers: ActivationBuffer[] = [...first.keys()].sort((a, b) => a - b).map((id) => {
    const t = graph.tensors[id];
    const bytes = product(t.shape) * elementBytes(t);
    return { tensor: id, name: t.name, bytes, alignedBytes: alignUp(bytes), first: first.get(id)!, last: last.get(id)! };
  });
  const perOp: OperatorLiveness[] = graph.operators.map((op, i) => {
    const live = buffers.filter((b) => b.first <= i + 1 && i + 1 <= b.last);
    return { op: i, kind: op.kind, live: live.map((b) => b.tensor), liveBytes: live.reduce((s, b) => s + b.alignedBytes, 0) };
  });
  let peakOp = 0;
  perOp.forEach((p, i) => {
    if (p.liveBytes > perOp[peakOp].liveBytes) peakOp = i;
  });
  const unaligned = graph.operators.map((_, i) => buffers.filter((b) => b.first <= i + 1 && i + 1 <= b.last).reduce((s, b) => s + b.bytes, 0));
  return {
    peak: perOp.length ? perOp[peakOp].liveBytes : buffers.reduce((s, b) => s + b.alignedBytes, 0),
    peakUnaligned: unaligned.length ? Math.max(...unaligned) : buffers.reduce((s, b) => s + b.bytes, 0),
    peakOp,
    sum: buffers.reduce((s, b) => s + b.alignedBytes, 0),
    buffers,
    perOp,
  };
}
