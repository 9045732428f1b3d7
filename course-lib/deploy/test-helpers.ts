// Test helpers of lesson 10's C: small QuantizedGraphs built by hand or at random (one operator, seeded), and
// the check every C test makes: generate the model, build it for the host with gcc, run it, and compare every
// output byte (and, in the debug build, every operator's output) with the integer interpreter runQuantized,
// the oracle the C must match. Shared by the kernel tests of every op (reference and optimized).
import { mkdirSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { mulberry32, type RandomSource } from "../data/random";
import type { FusedActivation, GraphOp, GraphOpKind, GraphTensor, Padding, QuantizedGraph, QuantParams } from "../quantize/graph";
import { runQuantized } from "../quantize/interpreter";
import type { KernelSet } from "./c/sources";
import { generateModelSources, type GeneratedModel } from "./codegen";
import { compareWithInterpreter, seededInputs, slug, type InterpreterComparison } from "./deploy";
import { buildAndRunHost, type HostRun } from "./host";
import { planCourse, planLinear, type ExecutionOrder, type MemoryPlan } from "./planner";

// ---------------------------------------------------------------------------------------------------------
// Building graphs

const f32 = Math.fround;

/** Builds a QuantizedGraph tensor by tensor; ids are assigned in order. */
export class GraphBuilder {
  readonly tensors: GraphTensor[] = [];
  readonly operators: GraphOp[] = [];

  constructor(readonly name: string) {}

  /** An int8 activation (per-tensor quantization). */
  activation(name: string, shape: number[], scale: number, zeroPoint: number): number {
    return this.add({ name, shape, dtype: "int8", quant: { scale: [f32(scale)], zeroPoint: [zeroPoint], axis: 0 } });
  }

  /** An int8 constant (weights, or a constant operand) with per-tensor or per-channel (`axis`) scales. */
  int8(name: string, shape: number[], data: number[], scales: number[], axis = 0, zeroPoint = 0): number {
    return this.add({ name, shape, dtype: "int8", data, quant: { scale: scales.map(f32), zeroPoint: scales.map(() => zeroPoint), axis } });
  }

  /** An int32 constant: a bias (with its quantization) or an axes/shape tensor (without). */
  int32(name: string, shape: number[], data: number[], quant?: QuantParams): number {
    return this.add({ name, shape, dtype: "int32", data, ...(quant ? { quant } : {}) });
  }

  op(op: GraphOp): this {
    this.operators.push(op);
    return this;
  }

  build(input: number, output: number): QuantizedGraph {
    return { format: 1, name: this.name, tensors: this.tensors, operators: this.operators, inputs: [input], outputs: [output] };
  }

  private add(t: Omit<GraphTensor, "id">): number {
    const id = this.tensors.length;
    this.tensors.push({ id, ...t });
    return id;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Random operators: single-op graphs and chains

const int = (r: RandomSource, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: RandomSource, items: readonly T[]): T => items[Math.floor(r() * items.length)];
/** Log-uniform in [lo, hi], as a float32. */
const logUniform = (r: RandomSource, lo: number, hi: number): number => f32(lo * (hi / lo) ** r());
const zeroPoint = (r: RandomSource): number => (r() < 0.25 ? pick(r, [-128, 127, 0]) : int(r, -128, 127));
/** A fused activation for an output of `scale`: relu6 only where 6 spans at least 30 steps (else it flattens all). */
const activationOf = (r: RandomSource, scale: number): FusedActivation => pick(r, 6 / scale >= 30 ? ["none", "relu", "relu6"] as const : ["none", "relu"] as const);
/** An output zero point: after a ReLU mostly low (as a calibrated quantizer puts it), else anywhere. */
const outZeroPoint = (r: RandomSource, activation: FusedActivation): number => (activation !== "none" && r() < 0.8 ? int(r, -128, -40) : zeroPoint(r));
const weightsOf = (r: RandomSource, n: number): number[] => Array.from({ length: n }, () => (r() < 0.1 ? 0 : int(r, -127, 127)));
const int8Values = (r: RandomSource, n: number): number[] => Array.from({ length: n }, () => int(r, -128, 127));
const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** The RMS of uniform int8 values about a zero point: what a graph input's (q − zp) spread is taken to be. */
const UNIFORM_INT8_RMS = 74;

/**
 * Filter scales and the output scale of a MAC op with `depth` products per output of inputs whose (q − zp)
 * has RMS `inputRms`: the accumulator's spread is then about inputRms·73·√depth, and the output scale aims it
 * at ±40 steps, give or take 4×. With probability 1/4 all ratios s_in·s_w/s_out are powers of two
 * (multiplier 2^30), where double rounding's ties are frequent.
 */
function macScales(r: RandomSource, inScale: number, channels: number, perChannel: boolean, depth: number, inputRms: number): { filter: number[]; out: number; accSpread: number } {
  const ties = r() < 0.25;
  const base = logUniform(r, 0.002, 0.05);
  const filter = Array.from({ length: perChannel ? channels : 1 }, () => (ties ? f32(base * 2 ** int(r, -2, 2)) : logUniform(r, base / 3, base * 3)));
  const accSpread = inputRms * 73 * Math.sqrt(depth);
  const out = ties
    ? f32(inScale * base * 2 ** (Math.round(Math.log2(accSpread / 40)) + int(r, -2, 2)))
    : f32(inScale * base * (accSpread / 40) * 2 ** (4 * r() - 2));
  return { filter, out, accSpread };
}

/** A bias (or none, −1) of about the accumulator's spread, sometimes far larger (the output then saturates). */
function biasOf(b: GraphBuilder, r: RandomSource, name: string, channels: number, inScale: number, filterScales: number[], accSpread: number): number {
  if (r() < 0.15) return -1;
  const magnitude = Math.max(1, Math.round(Math.min(accSpread * pick(r, [0.1, 1, 1, 3, 30]), 1 << 24)));
  const data = Array.from({ length: channels }, () => int(r, -magnitude, magnitude));
  const scales = filterScales.map((s) => f32(inScale * s));
  return b.int32(name, [channels], data, { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 });
}

interface Window { k: number; stride: number; dilation: number }

/** A window along one axis of `size`; `dilated`: dilation 2 sometimes. */
function windowOf(r: RandomSource, dilated: boolean, kernels: readonly number[] = [1, 1, 2, 3, 3, 3, 5]): Window {
  const k = pick(r, kernels);
  return { k, stride: pick(r, [1, 1, 1, 2, 2, 3]), dilation: dilated && k > 1 && r() < 0.3 ? 2 : 1 };
}

/** VALID (half the time) when the windows fit, else SAME; and the output sizes TFLite gives. */
function paddingFor(r: RandomSource, sizes: number[], windows: Window[]): { padding: Padding; out: number[] } {
  const effective = windows.map((w) => (w.k - 1) * w.dilation + 1);
  const padding: Padding = effective.every((e, i) => e <= sizes[i]) && r() < 0.5 ? "valid" : "same";
  const out = sizes.map((s, i) => (padding === "same" ? Math.ceil(s / windows[i].stride) : Math.floor((s - effective[i]) / windows[i].stride) + 1));
  return { padding, out };
}

/** The kinds the random generators build: every kind the C kernels implement. */
export const RANDOM_OP_KINDS: readonly GraphOpKind[] = [
  "conv2d", "depthwiseConv2d", "fullyConnected", "averagePool2d", "maxPool2d", "pad",
  "add", "mul", "mean", "reshape", "concatenation", "softmax", "logistic", "tanh", "hardSwish", "quantize",
];

/** Kinds that take an NHWC input [1, H, W, C]. */
const NHWC_KINDS = new Set<GraphOpKind>(["conv2d", "depthwiseConv2d", "averagePool2d", "maxPool2d", "mean"]);

/** A random input shape for `kind` (when it starts a graph). */
function inputShapeFor(kind: GraphOpKind, r: RandomSource, chain: boolean): number[] {
  if (NHWC_KINDS.has(kind) && chain) return [1, int(r, 6, 14), int(r, 6, 14), int(r, 1, 8)];
  if (NHWC_KINDS.has(kind)) return [1, int(r, 1, 9), int(r, 1, 9), kind === "mean" ? int(r, 1, 6) : int(r, 1, 8)];
  switch (kind) {
    case "fullyConnected": {
      const rows = r() < 0.3 ? int(r, 2, 3) : 1;
      return rows === 1 && r() < 0.5 ? [1, int(r, 1, 40)] : [rows, int(r, 1, 40)];
    }
    case "softmax":
      return r() < 0.5 ? [1, int(r, 1, 20)] : [int(r, 1, 4), int(r, 1, 12)];
    case "pad":
    case "add":
    case "mul":
    case "concatenation": {
      const rank = int(r, 1, 4);
      return Array.from({ length: rank }, (_, d) => (kind === "pad" && rank === 4 && d === 0 ? 1 : int(r, 1, 5)));
    }
    default:
      return [1, int(r, 1, 6), int(r, 1, 6), int(r, 1, 4)];
  }
}

/**
 * Appends one random `kind` operator reading activation `x` (random windows, strides, dilations, paddings,
 * groups, per-channel scales, zero points, activations) and returns its output tensor. NHWC kinds need a
 * rank-4 `x`. `inputRms`: the RMS of x's (q − zp), which the output scales of MAC ops and MUL follow.
 */
export function addRandomOp(b: GraphBuilder, kind: GraphOpKind, r: RandomSource, x: number, inputRms = UNIFORM_INT8_RMS): number {
  const xt = b.tensors[x];
  const shape = xt.shape;
  const inScale = xt.quant!.scale[0];
  const inZp = xt.quant!.zeroPoint[0];
  const n = b.operators.length;
  const name = (what: string) => `op${n}_${what}`;
  if (NHWC_KINDS.has(kind) && (shape.length !== 4 || shape[0] !== 1)) {
    throw new RangeError(`addRandomOp: ${kind} needs an NHWC input [1, H, W, C], got [${shape}]`);
  }
  const [, inH, inW, inC] = shape;
  switch (kind) {
    case "conv2d":
    case "depthwiseConv2d": {
      const depthwise = kind === "depthwiseConv2d";
      const groups = !depthwise && r() < 0.25 ? [2, 3].filter((g) => inC % g === 0)[0] ?? 1 : 1;
      const filterC = inC / groups;
      const multiplier = depthwise && r() < 0.25 ? pick(r, [2, 3]) : 1;
      const outC = depthwise ? inC * multiplier : groups * int(r, 1, 4) * (r() < 0.2 ? 4 : 1);
      const [wh, ww] = [windowOf(r, true), windowOf(r, true)];
      const { padding, out } = paddingFor(r, [inH, inW], [wh, ww]);
      const s = macScales(r, inScale, outC, r() < 0.7, wh.k * ww.k * (depthwise ? 1 : filterC), inputRms);
      const filterShape = depthwise ? [1, wh.k, ww.k, outC] : [outC, wh.k, ww.k, filterC];
      const w = b.int8(name("filter"), filterShape, weightsOf(r, sizeOf(filterShape)), s.filter, depthwise ? 3 : 0);
      const bias = biasOf(b, r, name("bias"), outC, inScale, s.filter, s.accSpread);
      const activation = activationOf(r, s.out);
      const y = b.activation(name("output"), [1, out[0], out[1], outC], s.out, outZeroPoint(r, activation));
      const common = { inputs: [x, w, bias] as [number, number, number], outputs: [y] as [number], stride: [wh.stride, ww.stride] as [number, number], padding, dilation: [wh.dilation, ww.dilation] as [number, number], activation };
      b.op(depthwise ? { kind, ...common, depthMultiplier: multiplier } : { kind, ...common });
      return y;
    }
    case "fullyConnected": {
      // Rows of the last dimension when there are several; the whole tensor as one row otherwise.
      const inDim = shape.length === 2 && r() < 0.7 ? shape[1] : sizeOf(shape);
      const rows = sizeOf(shape) / inDim;
      const outDim = int(r, 1, 12);
      const perChannel = r() < 0.3;
      const s = macScales(r, inScale, outDim, perChannel, inDim, inputRms);
      const filterZp = !perChannel && r() < 0.3 ? int(r, -20, 20) : 0;
      const w = b.int8(name("weights"), [outDim, inDim], weightsOf(r, outDim * inDim), s.filter, 0, filterZp);
      const bias = biasOf(b, r, name("bias"), outDim, inScale, s.filter, s.accSpread);
      const activation = activationOf(r, s.out);
      const y = b.activation(name("output"), [rows, outDim], s.out, outZeroPoint(r, activation));
      b.op({ kind, inputs: [x, w, bias], outputs: [y], activation });
      return y;
    }
    case "averagePool2d":
    case "maxPool2d": {
      const [wh, ww] = [windowOf(r, false, [1, 2, 2, 3, 4]), windowOf(r, false, [1, 2, 2, 3, 4])];
      const { padding, out } = paddingFor(r, [inH, inW], [wh, ww]);
      const y = b.activation(name("output"), [1, out[0], out[1], inC], inScale, inZp);
      b.op({ kind, inputs: [x], outputs: [y], filter: [wh.k, ww.k], stride: [wh.stride, ww.stride], padding, activation: activationOf(r, inScale) });
      return y;
    }
    case "pad": {
      const paddings = shape.map((_, d) => (shape.length === 4 && d === 0 ? [0, 0] : [int(r, 0, 2), int(r, 0, 2)]) as [number, number]);
      const y = b.activation(name("output"), shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), inScale, inZp);
      b.op({ kind, inputs: [x], outputs: [y], paddings });
      return y;
    }
    case "add":
    case "mul": {
      // The second operand: x itself (x + x, x·x), or a constant of x's shape or a broadcast of it
      // (lower rank, size-1 dimensions), or a constant the x broadcasts against.
      const rank = shape.length;
      const mode = pick(r, ["self", "same", "broadcast", "broadcast", "wider"] as const);
      let shapeB = shape.slice();
      if (mode === "broadcast") shapeB = shape.slice(r() < 0.3 ? int(r, 0, rank - 1) : 0).map((d) => (r() < 0.4 ? 1 : d));
      if (mode === "wider") shapeB = shape.map((d) => (d === 1 && r() < 0.7 ? int(r, 2, 3) : d));
      const scaleB = mode === "self" ? inScale : logUniform(r, 0.005, 0.2);
      const other = mode === "self" ? x : b.int8(name("operand"), shapeB, int8Values(r, sizeOf(shapeB)), [scaleB], 0, zeroPoint(r));
      const outShape = shape.map((d, i) => Math.max(d, shapeB[i - (rank - shapeB.length)] ?? 1));
      const outScale = kind === "add"
        ? logUniform(r, Math.max(inScale, scaleB), 4 * Math.max(inScale, scaleB))
        : f32(inScale * scaleB * ((inputRms * UNIFORM_INT8_RMS) / 40) * logUniform(r, 0.5, 2));
      const activation = activationOf(r, outScale);
      const y = b.activation(name("output"), outShape, outScale, outZeroPoint(r, activation));
      const inputs: [number, number] = r() < 0.5 ? [x, other] : [other, x];
      b.op({ kind, inputs, outputs: [y], activation });
      return y;
    }
    case "mean": {
      const axes = pick(r, [[1, 2], [1, 2], [1], [2], [3], [1, 2, 3], [-1], [-3, -2]]);
      const keepDims = r() < 0.5;
      const reduced = shape.map((_, d) => axes.some((a) => (a < 0 ? a + 4 : a) === d));
      const outShape = keepDims ? shape.map((d, i) => (reduced[i] ? 1 : d)) : shape.filter((_, i) => !reduced[i]);
      const axesId = b.int32(name("axes"), [axes.length], axes);
      const y = b.activation(name("output"), outShape, f32(inScale * logUniform(r, 0.25, 2)), zeroPoint(r));
      b.op({ kind, inputs: [x, axesId], outputs: [y], keepDims });
      return y;
    }
    case "reshape": {
      const size = sizeOf(shape);
      const newShape = pick(r, [[1, size], [size], [1, 1, 1, size], [1, 1, size, 1]]);
      const y = b.activation(name("output"), newShape, inScale, inZp);
      b.op({ kind, inputs: [x], outputs: [y], newShape: r() < 0.5 ? newShape.map((d) => (d === size ? -1 : d)) : newShape });
      return y;
    }
    case "concatenation": {
      const rank = shape.length;
      const axis = int(r, 0, rank - 1);
      const inputs = [x];
      for (let k = 1, count = int(r, 2, 3); k < count; k++) {
        const s = shape.slice();
        s[axis] = int(r, 1, 4);
        inputs.splice(int(r, 0, inputs.length), 0, r() < 0.4 ? x : b.int8(name(`constant${k}`), s, int8Values(r, sizeOf(s)), [inScale], 0, inZp));
      }
      const outShape = shape.slice();
      outShape[axis] = inputs.reduce((s, id) => s + b.tensors[id].shape[axis], 0);
      const y = b.activation(name("output"), outShape, inScale, inZp);
      b.op({ kind, inputs, outputs: [y], axis: r() < 0.3 ? axis - rank : axis, activation: "none" });
      return y;
    }
    case "softmax": {
      const y = b.activation(name("output"), shape, 1 / 256, -128);
      b.op({ kind, inputs: [x], outputs: [y], beta: pick(r, [1, 1, 0.5, 2]) });
      return y;
    }
    case "logistic":
    case "tanh":
    case "hardSwish":
    case "quantize": {
      const [outScale, outZp] =
        kind === "logistic" ? [1 / 256, -128] : kind === "tanh" ? [1 / 128, 0] : [f32(inScale * logUniform(r, 0.25, 4)), zeroPoint(r)];
      const y = b.activation(name("output"), shape, outScale, outZp);
      b.op({ kind, inputs: [x], outputs: [y] });
      return y;
    }
    default:
      throw new RangeError(`addRandomOp: no generator for operator kind ${JSON.stringify(kind)}; expected one of ${RANDOM_OP_KINDS.join(", ")}`);
  }
}

/** A graph of one random `kind` operator on a random input, fully determined by `seed`. */
export function randomSingleOpGraph(kind: GraphOpKind, seed: number): QuantizedGraph {
  return randomOpChain([kind], seed, `random ${kind} #${seed}`);
}

/**
 * A chain of random operators of `kinds`, in order, each reading the previous one's output (the first a random
 * input shaped for kinds[0]): one build tests many operators, and the debug dumps say which one differs. Each
 * op's output scale follows the spread its input really has (measured with runQuantized on a few random
 * inputs), so deep in the chain the values still vary instead of saturating.
 */
export function randomOpChain(kinds: readonly GraphOpKind[], seed: number, name = `random chain ${kinds.join(",")} #${seed}`): QuantizedGraph {
  if (kinds.length === 0) throw new RangeError("randomOpChain: needs at least one operator kind");
  const r = mulberry32(seed);
  const b = new GraphBuilder(name);
  const scale = kinds[0] === "softmax" ? logUniform(r, 0.01, 0.5) : logUniform(r, 0.005, 0.2);
  // A chain with any NHWC op starts from an NHWC input (pad and the element-wise ops keep it NHWC).
  const first = kinds.length > 1 && kinds.some((k) => NHWC_KINDS.has(k)) ? "conv2d" : kinds[0];
  const input = b.activation("input", inputShapeFor(first, r, kinds.length > 1), scale, zeroPoint(r));
  let x = input;
  let rms = UNIFORM_INT8_RMS;
  for (const kind of kinds) {
    // Draw the op again (up to 10 times) while its output is nearly constant or mostly one clamped value on
    // random inputs: a chain of such ops would test nothing after them.
    const [tensors, ops] = [b.tensors.length, b.operators.length];
    for (let attempt = 0; ; attempt++) {
      const y = addRandomOp(b, kind, r, x, rms);
      const stats = outputStats({ ...b.build(input, y), tensors: b.tensors.slice(), operators: b.operators.slice() }, r);
      if ((stats.rms >= 4 && stats.modeFraction <= 0.5) || attempt === 9) {
        [x, rms] = [y, stats.rms];
        break;
      }
      b.tensors.length = tensors;
      b.operators.length = ops;
    }
  }
  return b.build(input, x);
}

/**
 * Over four random inputs: the RMS of (q − zp) of the graph's output (at least 1), and the fraction of values
 * equal to the most frequent one (a clamp, a saturation or a constant output shows up there).
 */
function outputStats(graph: QuantizedGraph, r: RandomSource): { rms: number; modeFraction: number } {
  const out = graph.tensors[graph.outputs[0]];
  const zp = out.quant!.zeroPoint[0];
  const histogram = new Array<number>(256).fill(0);
  let [sum, n] = [0, 0];
  for (const input of randomInputs(graph, 4, int(r, 0, 1 << 30))) {
    for (const q of runQuantized(graph, input)) {
      sum += (q - zp) ** 2;
      n++;
      histogram[q + 128]++;
    }
  }
  return { rms: Math.max(1, Math.sqrt(sum / n)), modeFraction: Math.max(...histogram) / n };
}

/** `count` seeded uniform int8 inputs for `graph` (deploy.ts's seededInputs, the one generator of them). */
export const randomInputs = (graph: QuantizedGraph, count: number, seed: number): Int8Array[] => seededInputs(graph, count, seed);

// ---------------------------------------------------------------------------------------------------------
// The host check

/** No reuse: every activation at its own offset (planner.ts's planLinear, TFLM's LinearMemoryPlanner). */
export const linearTestPlan = (graph: QuantizedGraph): MemoryPlan => planLinear(graph);

export interface HostCheckOptions {
  kernels: KernelSet;
  /** Default planCourse(graph), the deploy's plan (with its aliases and in-place ops). */
  plan?: MemoryPlan;
  debug?: boolean;
  /** Where the project is written; default <tmp>/tinyml-course-host-tests/<slug of the graph name>-<kernels>. */
  dir?: string;
}

export interface HostCheck {
  generated: GeneratedModel;
  run: HostRun;
  expected: Int8Array[];
  mismatch: InterpreterComparison["mismatch"];
  /** Debug builds only. */
  firstDifferingOp: InterpreterComparison["firstDifferingOp"];
}


/** Generate, build with the host gcc, run on `inputs`, and compare with runQuantized (and the trace, if debug). */
export async function checkOnHost(graph: QuantizedGraph, inputs: Int8Array[], options: HostCheckOptions): Promise<HostCheck> {
  const plan = options.plan ?? planCourse(graph);
  const generated = generateModelSources(graph, plan, { inputs, kernels: options.kernels });
  const dir = options.dir ?? join(tmpdir(), "tinyml-course-host-tests", `${slug(graph.name)}-${options.kernels}${options.debug ? "-debug" : ""}`);
  mkdirSync(dir, { recursive: true });
  const run = await buildAndRunHost(dir, generated.files, { kernels: options.kernels, debug: options.debug });
  const { expected, mismatch, firstDifferingOp } = compareWithInterpreter(graph, inputs, run.outputs, options.debug ? run.dumps : undefined);
  return { generated, run, expected, mismatch, firstDifferingOp };
}

/**
 * The planner tests' small gated graph (planner.test.ts, plan-chart.test.ts): x (64 B, input) → conv →
 * a (256) → logistic → s (256) → mul(s, a) → m (256) → dense → y (outputBytes, default 32; the output).
 * Lifetimes (scope 0 = inputs, op i = scope i + 1): x [0,1], a [1,3], s [2,3], m [3,4], y [4,4].
 * Live bytes per scope: 64, 320, 512, 768 (a + s + m), 288: liveSet 768. Sharing: the logistic cannot
 * overwrite a (the mul reads it later); the mul overwrites s, its last use: {s, m} is one buffer [2,4], and
 * scope 3 holds a + {s, m} = 512 = liveSetShared.
 */
export const gatedExecutionOrder = (outputBytes = 32): ExecutionOrder => ({
  tensors: [
    { name: "x", bytes: 64 }, { name: "w", bytes: 300, constant: true }, { name: "a", bytes: 256 },
    { name: "s", bytes: 256 }, { name: "m", bytes: 256 }, { name: "y", bytes: outputBytes },
  ],
  ops: [
    { kind: "conv2d", inputs: [0, 1, -1], outputs: [2] },
    { kind: "logistic", inputs: [2], outputs: [3] },
    { kind: "mul", inputs: [3, 2], outputs: [4] },
    { kind: "fullyConnected", inputs: [4, 1, -1], outputs: [5] },
  ],
  inputs: [0],
  outputs: [5],
});
