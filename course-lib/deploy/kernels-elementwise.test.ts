// The C reference kernels of the non-MAC ops (c/kernels/reference/{add,mul,mean,reshape,concatenation,softmax,
// lut,requantize}_s8.c) against the integer interpreter runQuantized, byte for byte, on seeded random
// single-op graphs: broadcasting binary ops, scales that make ties and saturate, every fused activation, means
// over several axes with and without keepDims, concatenations of 2-4 inputs on every axis, softmax rows of
// depth 1..64 with several betas and input scales, the three table-driven activations and requantization.
//
// Two routes to the C. (1) A small driver (c/tests/elementwise_driver.c) built with the host gcc, AddressSanitizer
// and UBSan, every tensor, table and scratch buffer malloc'd at its exact size: a read or write outside a buffer,
// a signed overflow or a bad shift fails the run; it also runs the element-wise kernels in place (output ==
// input), as the memory planner may place them. The parameter structs are filled here from the interpreter's
// plans by nn_kernels.h's conventions. (2) The generated model code (codegen.ts, host.ts): graphs of 34 ops
// reading one input, and chains of element-wise ops planned in place, every op's output compared with
// runQuantizedTrace in the debug build. Softmax is also checked against TFLM's own outputs
// (quantize/fixtures/tflm-kernels.json). Last, the eight files must compile warning-free for the host and for a
// Cortex-M3 and call no C-library function.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, type RandomSource } from "../data/random";
import type { FusedActivation, QuantizedGraph } from "../quantize/graph";
import { prepareQuantized, runQuantized } from "../quantize/interpreter";
import type { AddPlan } from "../quantize/kernels/add";
import type { ConcatenationPlan } from "../quantize/kernels/concatenation";
import type { MeanPlan } from "../quantize/kernels/mean";
import type { MulPlan } from "../quantize/kernels/mul";
import type { RequantizePlan } from "../quantize/kernels/quantize";
import { prepareSoftmax, type SoftmaxPlan } from "../quantize/kernels/softmax";
import type { MemoryPlan } from "./codegen";
import { checkOnHost, GraphBuilder, linearTestPlan, randomInputs } from "./test-helpers";

const C_DIR = path.join(__dirname, "c");
const KERNELS = ["add", "mul", "mean", "reshape", "concatenation", "softmax", "lut", "requantize"];
const KERNEL_FILES = KERNELS.map((k) => path.join(C_DIR, "kernels", "reference", `${k}_s8.c`));
const DRIVER = path.join(C_DIR, "tests", "elementwise_driver.c");

function spawnAsync(file: string, args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => resolve({ status: null, stderr: String(error) }));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

function requireTool(tool: string, aptPackage: string): void {
  const probe = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${tool} is not installed; install it with: apt-get install -y --no-install-recommends ${aptPackage}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Random single-op graphs

/** One graph of one operator plus the int8 inputs to run it on. */
interface OpCase {
  name: string;
  graph: QuantizedGraph;
  inputs: Int8Array[];
}

const int = (r: RandomSource, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1)); // [lo, hi]
const pick = <T>(r: RandomSource, items: readonly T[]): T => items[Math.floor(r() * items.length)];
const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const logUniform = (r: RandomSource, lo: number, hi: number): number => Math.fround(2 ** (lo + (hi - lo) * r()));

/** A zero point, often at the int8 ends or 0, where saturation and ties sit. */
const zeroPoint = (r: RandomSource): number => (r() < 0.4 ? pick(r, [-128, -1, 0, 1, 127]) : int(r, -128, 127));

/** Random int8 values; every other array is drawn mostly from the ends and the middle of the range. */
function int8Values(r: RandomSource, n: number, extremes: boolean): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = extremes && r() < 0.6 ? pick(r, [-128, -127, -1, 0, 1, 126, 127]) : int(r, -128, 127);
  return out;
}

/** A constant int8 operand with random data (half of them mostly extreme values). */
function constant(g: GraphBuilder, r: RandomSource, name: string, shape: number[], scale: number, zp: number): number {
  return g.int8(name, shape, Array.from(int8Values(r, size(shape), r() < 0.5)), [scale], 0, zp);
}

function withInputs(r: RandomSource, name: string, graph: QuantizedGraph): OpCase {
  const n = size(graph.tensors[graph.inputs[0]].shape);
  return { name, graph, inputs: [int8Values(r, n, false), int8Values(r, n, true)] };
}

/** Broadcast patterns the TS kernels accept (numpy rules, shapes right-aligned). */
function binaryShapes(r: RandomSource): [number[], number[]] {
  const n = int(r, 2, 3), h = int(r, 1, 6), w = int(r, 1, 6), c = int(r, 1, 12);
  switch (int(r, 0, 9)) {
    case 0: return [[1, h, w, c], [1, h, w, c]];
    case 1: return [[1, h, w, c], [1, 1, 1, c]]; // squeeze-excite gate
    case 2: return [[1, 1, 1, c], [1, h, w, c]];
    case 3: return [[1, h, 1, c], [1, 1, w, 1]]; // both broadcast
    case 4: return [[h * w, c], [c]]; // rank 2 × rank 1
    case 5: return [[1], [1, h, w, c]]; // a scalar
    case 6: return [[h, w, c], [w, 1]]; // rank 3
    case 7: return [[n, h, 1, c], [n, 1, w, c]]; // a leading dimension > 1
    case 8: return [[n, 1, 1, c], [1, h, w, 1]];
    default: return [[1, h, w, c], [1, h, w, 1]];
  }
}

function broadcast(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[i - (rank - a.length)] ?? 1, b[i - (rank - b.length)] ?? 1));
}

/** Scales of a binary op: random, exact powers of two (ties after rescaling), or a small output scale (saturation). */
function binaryScales(r: RandomSource): [number, number, number] {
  switch (int(r, 0, 2)) {
    case 0: return [logUniform(r, -9, 1), logUniform(r, -9, 1), logUniform(r, -9, 1)];
    case 1: return [2 ** -int(r, 0, 8), 2 ** -int(r, 0, 8), 2 ** -int(r, 0, 8)];
    default: {
      const a = logUniform(r, -8, 0), b = logUniform(r, -8, 0);
      return [a, b, Math.fround(Math.min(a, b) * 2 ** -int(r, 2, 5))];
    }
  }
}

function binaryCase(r: RandomSource, kind: "add" | "mul", index: number): OpCase {
  let [shapeA, shapeB] = binaryShapes(r);
  // "same": add(x, x), both operands one tensor; otherwise one operand is the graph input, the other a constant.
  const role = pick(r, ["inputA", "inputB", "same"] as const);
  if (role === "same") shapeB = shapeA;
  const outShape = broadcast(shapeA, shapeB);
  const [sA, sB0, sOut] = binaryScales(r);
  const zpA = zeroPoint(r);
  const [sB, zpB] = role === "same" ? [sA, zpA] : [sB0, zeroPoint(r)];
  const activation = pick(r, ["none", "relu", "relu6"] as FusedActivation[]);
  const name = `${kind} ${index}: [${shapeA}] ${kind === "add" ? "+" : "×"} [${shapeB}] (${role}, ${activation})`;
  const g = new GraphBuilder(name);
  const a = role === "inputB" ? constant(g, r, "a", shapeA, sA, zpA) : g.activation("a", shapeA, sA, zpA);
  const b = role === "same" ? a : role === "inputB" ? g.activation("b", shapeB, sB, zpB) : constant(g, r, "b", shapeB, sB, zpB);
  const out = g.activation("out", outShape, sOut, zeroPoint(r));
  return withInputs(r, name, g.op({ kind, inputs: [a, b], outputs: [out], activation }).build(role === "inputB" ? b : a, out));
}

function meanCase(r: RandomSource, index: number): OpCase {
  const h = int(r, 1, 7), w = int(r, 1, 7), c = int(r, 1, 10);
  const [shape, axes] = pick(r, [
    [[1, h, w, c], [1, 2]], [[1, h, w, c], [1, 2]], [[1, h, w, c], [3]], [[1, h, w, c], [1]], [[1, h, w, c], [2, 3]],
    [[1, h, w, c], [0, 1, 2, 3]], [[1, h, w, c], [-1]], [[1, h, w, c], [2, 1, 2]], [[h, w, c], [0, 1]], [[h * w, c], [1]],
    [[2, h, w, c], [0, 2]], [[int(r, 2, 3), h, w, c], [1, 2]], [[int(r, 2, 3), h, w, c], [3]],
  ] as [number[], number[]][]);
  const keepDims = r() < 0.5;
  const rank = shape.length;
  const reduced = shape.map((_, d) => axes.some((a) => (a < 0 ? a + rank : a) === d));
  const outShape = keepDims ? shape.map((d, i) => (reduced[i] ? 1 : d)) : shape.filter((_, i) => !reduced[i]);
  const name = `mean ${index}: [${shape}] axes [${axes}] keepDims ${keepDims}`;
  const g = new GraphBuilder(name);
  const sIn = logUniform(r, -8, 0);
  const sOut = r() < 0.3 ? sIn : logUniform(r, Math.log2(sIn) - 3, Math.log2(sIn) + 2);
  const x = g.activation("x", shape, sIn, zeroPoint(r));
  const axesId = g.int32("axes", [axes.length], axes);
  const out = g.activation("out", outShape, sOut, zeroPoint(r));
  return withInputs(r, name, g.op({ kind: "mean", inputs: [x, axesId], outputs: [out], keepDims }).build(x, out));
}

function reshapeCase(r: RandomSource, index: number): OpCase {
  const h = int(r, 1, 6), w = int(r, 1, 6), c = int(r, 1, 16);
  const newShape = pick(r, [[1, h * w * c], [-1], [1, h * w, c], [h, -1]]);
  const outShape = newShape.map((d) => (d === -1 ? (h * w * c) / size(newShape.filter((e) => e !== -1)) : d));
  const name = `reshape ${index}: [1,${h},${w},${c}] → [${newShape}]`;
  const g = new GraphBuilder(name);
  const s = logUniform(r, -8, 0), zp = zeroPoint(r);
  const x = g.activation("x", [1, h, w, c], s, zp);
  const out = g.activation("out", outShape, s, zp);
  return withInputs(r, name, g.op({ kind: "reshape", inputs: [x], outputs: [out], newShape }).build(x, out));
}

function concatenationCase(r: RandomSource, index: number): OpCase {
  const base = pick(r, [[1, int(r, 1, 5), int(r, 1, 5), int(r, 1, 8)], [int(r, 1, 6), int(r, 1, 9)], [int(r, 1, 4), int(r, 1, 4), int(r, 1, 6)]]);
  const rank = base.length;
  const axis = int(r, -rank, rank - 1);
  const a = axis < 0 ? axis + rank : axis;
  const count = int(r, 2, 4);
  const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === a ? int(r, 1, 5) : d)));
  const name = `concatenation ${index}: ${count} inputs [${shapes.map((sh) => `[${sh}]`).join(", ")}] axis ${axis}`;
  const g = new GraphBuilder(name);
  const s = logUniform(r, -8, 0), zp = zeroPoint(r);
  const inputPosition = int(r, 0, count - 1);
  const x = g.activation("x", shapes[inputPosition], s, zp);
  // Another operand may be the graph input again (the same buffer twice); the rest are constants.
  const ids = shapes.map((shape, k) =>
    k === inputPosition || (r() < 0.2 && shape[a] === shapes[inputPosition][a]) ? x : constant(g, r, `c${k}`, shape, s, zp),
  );
  const outShape = base.map((d, i) => (i === a ? shapes.reduce((sum, shape) => sum + shape[a], 0) : d));
  const out = g.activation("out", outShape, s, zp);
  return withInputs(r, name, g.op({ kind: "concatenation", inputs: ids, outputs: [out], axis, activation: "none" }).build(x, out));
}

function softmaxCase(r: RandomSource, index: number, depth: number): OpCase {
  const shape = pick(r, [[1, depth], [int(r, 2, 5), depth], [1, int(r, 1, 3), int(r, 1, 3), depth]]);
  const beta = pick(r, [1, 1, 0.5, 2, 0.25, 3.7]);
  // Input scales from 2^-10 to 2^1 (beta·s·2^26 from ~2^14 to past TFLM's 2^31 − 1 cap), and TFLM's typical 1/16.
  const sIn = r() < 0.2 ? 1 / 16 : logUniform(r, -10, 1);
  const name = `softmax ${index}: [${shape}] beta ${beta} s_in ${sIn.toPrecision(4)}`;
  const g = new GraphBuilder(name);
  const x = g.activation("x", shape, sIn, zeroPoint(r));
  const out = g.activation("out", shape, 1 / 256, -128);
  return withInputs(r, name, g.op({ kind: "softmax", inputs: [x], outputs: [out], beta }).build(x, out));
}

function lutCase(r: RandomSource, kind: "logistic" | "tanh" | "hardSwish", index: number): OpCase {
  const shape = pick(r, [[1, int(r, 1, 6), int(r, 1, 6), int(r, 1, 12)], [int(r, 1, 300)]]);
  const sIn = logUniform(r, -10, 3);
  const [sOut, zpOut] =
    kind === "logistic" ? [1 / 256, -128] : kind === "tanh" ? [1 / 128, 0] : [logUniform(r, Math.log2(sIn) - 6, Math.log2(sIn) + 1), zeroPoint(r)];
  const name = `${kind} ${index}: [${shape}] s_in ${sIn.toPrecision(4)}`;
  const g = new GraphBuilder(name);
  const x = g.activation("x", shape, sIn, zeroPoint(r));
  const out = g.activation("out", shape, sOut, zpOut);
  const graph = g.op({ kind, inputs: [x], outputs: [out] }).build(x, out);
  // All 256 values (every table entry) as well as random ones.
  const all = Int8Array.from({ length: size(shape) }, (_, i) => ((i * 37) % 256) - 128);
  return { name, graph, inputs: [all, int8Values(r, size(shape), true)] };
}

function requantizeCase(r: RandomSource, index: number): OpCase {
  const shape = [1, int(r, 1, 5), int(r, 1, 5), int(r, 1, 10)];
  const sIn = logUniform(r, -8, 0);
  // Power-of-two ratios give exact ties; others random, up and down.
  const sOut = r() < 0.4 ? Math.fround(sIn * 2 ** int(r, -4, 4)) : logUniform(r, Math.log2(sIn) - 6, Math.log2(sIn) + 6);
  const name = `quantize ${index}: s_out/s_in ${(sOut / sIn).toPrecision(4)}`;
  const g = new GraphBuilder(name);
  const x = g.activation("x", shape, sIn, zeroPoint(r));
  const out = g.activation("out", shape, sOut, zeroPoint(r));
  return withInputs(r, name, g.op({ kind: "quantize", inputs: [x], outputs: [out] }).build(x, out));
}

function randomCases(seed: number): OpCase[] {
  const r = mulberry32(seed);
  const cases: OpCase[] = [];
  for (let i = 0; i < 120; i++) cases.push(binaryCase(r, "add", i));
  for (let i = 0; i < 120; i++) cases.push(binaryCase(r, "mul", i));
  for (let i = 0; i < 80; i++) cases.push(meanCase(r, i));
  for (let i = 0; i < 16; i++) cases.push(reshapeCase(r, i));
  for (let i = 0; i < 50; i++) cases.push(concatenationCase(r, i));
  for (let depth = 1; depth <= 64; depth++) cases.push(softmaxCase(r, depth - 1, depth));
  for (let i = 0; i < 40; i++) cases.push(softmaxCase(r, 64 + i, int(r, 1, 64)));
  for (const kind of ["logistic", "tanh", "hardSwish"] as const) for (let i = 0; i < 30; i++) cases.push(lutCase(r, kind, i));
  for (let i = 0; i < 60; i++) cases.push(requantizeCase(r, i));
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Graphs for the generated-code path (codegen + host build): many operators per build

/**
 * One graph of 34 operators that all read the graph input x [1,H,W,C] (directly, through a reshape, or next
 * to a constant), so one host build checks every op's generated call; the debug build dumps each op's output.
 */
function fanOutGraph(seed: number): QuantizedGraph {
  const r = mulberry32(seed);
  const [h, w, c] = [int(r, 2, 5), int(r, 2, 5), int(r, 2, 8)];
  const g = new GraphBuilder(`elementwise fan-out #${seed} [1,${h},${w},${c}]`);
  const sX = logUniform(r, -7, -2), zpX = zeroPoint(r);
  const x = g.activation("x", [1, h, w, c], sX, zpX);
  let last = x;
  const emit = (op: Parameters<GraphBuilder["op"]>[0]) => {
    g.op(op);
    last = op.outputs[0];
  };
  const out = (name: string, shape: number[], scale: number, zp: number) => g.activation(name, shape, scale, zp);
  for (const kind of ["add", "mul"] as const) {
    for (const shape of [[1, 1, 1, c], [1, h, 1, 1], [c], [1], [1, h, w, c], "x"] as const) {
      // x keeps its scale; the constant and the output take the scales binaryScales draws for b and the output.
      const [, sB, sOut] = binaryScales(r);
      const other = shape === "x" ? x : constant(g, r, `${kind} operand [${shape}]`, [...shape], sB, zeroPoint(r));
      const inputs: [number, number] = r() < 0.5 ? [x, other] : [other, x];
      const activation = pick(r, ["none", "relu", "relu6"] as FusedActivation[]);
      emit({ kind, inputs, outputs: [out(`${kind} x·[${shape}]`, [1, h, w, c], sOut, zeroPoint(r))], activation });
    }
  }
  for (const [axes, keepDims] of [[[1, 2], true], [[1, 2], false], [[3], true], [[0, 1, 2, 3], false], [[-1, 1], true]] as [number[], boolean][]) {
    const reduced = [0, 1, 2, 3].map((d) => axes.some((a) => (a < 0 ? a + 4 : a) === d));
    const shape = keepDims ? [1, h, w, c].map((d, i) => (reduced[i] ? 1 : d)) : [1, h, w, c].filter((_, i) => !reduced[i]);
    const axesId = g.int32(`axes [${axes}]`, [axes.length], axes);
    emit({ kind: "mean", inputs: [x, axesId], outputs: [out(`mean [${axes}]`, shape, logUniform(r, Math.log2(sX) - 2, Math.log2(sX) + 1), zeroPoint(r))], keepDims });
  }
  for (const [rows, depth] of [[1, h * w * c], [h * w, c], [h, w * c], [h * w * c, 1]]) {
    const reshaped = out(`x as [${rows},${depth}]`, [rows, depth], sX, zpX);
    emit({ kind: "reshape", inputs: [x], outputs: [reshaped], newShape: [rows, -1] });
    emit({ kind: "softmax", inputs: [reshaped], outputs: [out(`softmax [${rows},${depth}]`, [rows, depth], 1 / 256, -128)], beta: pick(r, [1, 0.5, 2]) });
  }
  for (const axis of [3, 1, -2, 0]) {
    const a = axis < 0 ? axis + 4 : axis;
    const shapes = [[1, h, w, c], [1, h, w, c].map((d, i) => (i === a ? int(r, 1, 3) : d))];
    const second = constant(g, r, `concatenated [${shapes[1]}]`, shapes[1], sX, zpX);
    const shape = [1, h, w, c].map((d, i) => (i === a ? d + shapes[1][a] : d));
    emit({ kind: "concatenation", inputs: r() < 0.5 ? [x, second] : [second, x], outputs: [out(`concatenation axis ${axis}`, shape, sX, zpX)], axis, activation: "none" });
  }
  emit({ kind: "concatenation", inputs: [x, x, x], outputs: [out("x three times", [1, h, w, 3 * c], sX, zpX)], axis: 3, activation: "none" });
  emit({ kind: "logistic", inputs: [x], outputs: [out("logistic", [1, h, w, c], 1 / 256, -128)] });
  emit({ kind: "tanh", inputs: [x], outputs: [out("tanh", [1, h, w, c], 1 / 128, 0)] });
  emit({ kind: "hardSwish", inputs: [x], outputs: [out("hardSwish", [1, h, w, c], logUniform(r, Math.log2(sX) - 4, Math.log2(sX) + 1), zeroPoint(r))] });
  emit({ kind: "quantize", inputs: [x], outputs: [out("quantize", [1, h, w, c], logUniform(r, Math.log2(sX) - 3, Math.log2(sX) + 3), zeroPoint(r))] });
  return g.build(x, last);
}

/**
 * A chain where every element-wise op writes over its input (the planner's in-place placement):
 * x → quantize → logistic → add(·, const) → mul(const, ·) → add(t, t) → tanh → hardSwish → quantize → reshape.
 * Returns the graph and a plan with x on its own and every other activation at one offset.
 */
function inPlaceChain(seed: number): { graph: QuantizedGraph; plan: MemoryPlan } {
  const r = mulberry32(seed);
  const [h, w, c] = [int(r, 1, 5), int(r, 1, 5), int(r, 1, 9)];
  const shape = [1, h, w, c];
  const g = new GraphBuilder(`elementwise in place #${seed} [${shape}]`);
  const x = g.activation("x", shape, logUniform(r, -7, -2), zeroPoint(r));
  const t: number[] = [];
  const next = (name: string, scale: number, zp: number, s = shape) => {
    t.push(g.activation(name, s, scale, zp));
    return t[t.length - 1];
  };
  const act = () => pick(r, ["none", "relu", "relu6"] as FusedActivation[]);
  g.op({ kind: "quantize", inputs: [x], outputs: [next("requantized", logUniform(r, -5, -1), zeroPoint(r))] });
  g.op({ kind: "logistic", inputs: [t[0]], outputs: [next("logistic", 1 / 256, -128)] });
  const gate = constant(g, r, "gate", [1, 1, 1, c], logUniform(r, -7, -3), zeroPoint(r));
  g.op({ kind: "add", inputs: [t[1], gate], outputs: [next("add (a in place)", logUniform(r, -6, -3), zeroPoint(r))], activation: act() });
  const full = constant(g, r, "full", shape, logUniform(r, -7, -3), zeroPoint(r));
  g.op({ kind: "mul", inputs: [full, t[2]], outputs: [next("mul (b in place)", logUniform(r, -9, -5), zeroPoint(r))], activation: act() });
  g.op({ kind: "add", inputs: [t[3], t[3]], outputs: [next("add (t + t in place)", logUniform(r, -7, -3), zeroPoint(r))], activation: act() });
  g.op({ kind: "tanh", inputs: [t[4]], outputs: [next("tanh", 1 / 128, 0)] });
  g.op({ kind: "hardSwish", inputs: [t[5]], outputs: [next("hardSwish", logUniform(r, -9, -6), zeroPoint(r))] });
  g.op({ kind: "quantize", inputs: [t[6]], outputs: [next("requantized again", logUniform(r, -8, -4), zeroPoint(r))] });
  g.op({ kind: "reshape", inputs: [t[7]], outputs: [next("flat", g.tensors[t[7]].quant!.scale[0], g.tensors[t[7]].quant!.zeroPoint[0], [1, h * w * c])], newShape: [1, -1] });
  const graph = g.build(x, t[t.length - 1]);
  const base = linearTestPlan(graph);
  const shared = Math.ceil(size(shape) / 16) * 16;
  const offsets = base.offsets.map((o, id) => (id === x ? 0 : t.includes(id) ? shared : o));
  const plan: MemoryPlan = { ...base, offsets, arena: 2 * shared, shared: t.slice(1).map((id, k) => [id, t[k]] as [number, number]) };
  return { graph, plan };
}

// ---------------------------------------------------------------------------------------------------------------
// The driver's case stream: nn_kernels.h's parameter structs, derived from the interpreter's plans

/** A shape right-aligned to rank 4 (leading 1s), as nn_kernels.h's rank-4 ops take it. */
function rank4(shape: readonly number[]): number[] {
  if (shape.length > 4) throw new RangeError(`shape [${shape}] has rank ${shape.length}; the C kernels take rank ≤ 4`);
  return [...new Array<number>(4 - shape.length).fill(1), ...shape];
}

/** Element strides of `shape` along the rank-4 output dimensions; 0 where it is broadcast (size 1). */
function broadcastStrides(shape: readonly number[]): number[] {
  const padded = rank4(shape);
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let d = 3; d >= 0; d--) {
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

const array = (values: ArrayLike<number>): number[] => [values.length, ...Array.from(values)];

/** The operand data of tensor `id`: the graph input, or the constant's data. */
function operand(graph: QuantizedGraph, id: number, input: Int8Array): ArrayLike<number> {
  if (id === graph.inputs[0]) return input;
  const data = graph.tensors[id].data;
  if (!data) throw new Error(`tensor ${id} is neither the graph input nor a constant`);
  return data;
}

/** In-place modes a case supports: 1 output == a, 2 output == b, 3 a == b == output. */
function inPlaceModes(graph: QuantizedGraph): number[] {
  const op = graph.operators[0];
  const outSize = size(graph.tensors[op.outputs[0]].shape);
  switch (op.kind) {
    case "add":
    case "mul": {
      if (op.inputs[0] === op.inputs[1]) return [3];
      const modes: number[] = [];
      if (size(graph.tensors[op.inputs[0]].shape) === outSize) modes.push(1);
      if (size(graph.tensors[op.inputs[1]].shape) === outSize) modes.push(2);
      return modes;
    }
    case "reshape":
    case "logistic":
    case "tanh":
    case "hardSwish":
    case "quantize":
      return [1];
    default:
      return [];
  }
}

/** The driver's integers for one run of the single op of `graph` on `input` with output mode `mode`. */
function driverCase(graph: QuantizedGraph, input: Int8Array, mode: number): number[] {
  const prepared = prepareQuantized(graph).ops[0];
  const op = prepared.op;
  const shapeOf = (id: number) => graph.tensors[id].shape;
  switch (op.kind) {
    case "add":
    case "mul": {
      const outShape = shapeOf(op.outputs[0]);
      const p = prepared.plan as AddPlan & MulPlan;
      const common = [
        p.size, p.mapA !== null || p.mapB !== null ? 1 : 0, ...rank4(outShape),
        ...broadcastStrides(shapeOf(op.inputs[0])), ...broadcastStrides(shapeOf(op.inputs[1])),
        p.offsetA, p.offsetB, p.outputOffset,
      ];
      const data = [...array(operand(graph, op.inputs[0], input)), ...array(operand(graph, op.inputs[1], input))];
      if (op.kind === "add") {
        return [1, mode, ...common, 20, p.multiplierA, p.shiftA, p.multiplierB, p.shiftB, p.multiplierOut, p.shiftOut, p.actMin, p.actMax, ...data];
      }
      return [2, mode, ...common, p.multiplier, p.shift, p.actMin, p.actMax, ...data];
    }
    case "mean": {
      const p = prepared.plan as MeanPlan;
      const inShape = shapeOf(op.inputs[0]);
      const rank = inShape.length;
      const axes = graph.tensors[op.inputs[1]].data as number[];
      const reduce = rank4(inShape.map((_, d) => (axes.some((a) => (a < 0 ? a + rank : a) === d) ? 1 : 0))).map((v, i) => (i < 4 - rank ? 0 : v));
      return [3, ...rank4(inShape), ...reduce, p.outSize, p.count, p.inputZeroPoint, p.outputZeroPoint, p.multiplier, p.shift, ...array(input)];
    }
    case "reshape":
      return [4, mode, ...array(input)];
    case "concatenation": {
      const p = prepared.plan as ConcatenationPlan;
      return [5, p.outer, p.blocks.length, ...p.blocks, ...op.inputs.flatMap((id) => array(operand(graph, id, input)))];
    }
    case "softmax": {
      const p = prepared.plan as SoftmaxPlan;
      const shape = shapeOf(op.inputs[0]);
      const depth = shape[shape.length - 1];
      return [6, size(shape) / depth, depth, ...Array.from(p.expOfDiff), ...Array.from(p.expOfDiffQ12), ...array(input)];
    }
    case "logistic":
    case "tanh":
    case "hardSwish":
      return [7, mode, ...array((prepared.plan as { table: Int8Array }).table), ...array(input)];
    case "quantize": {
      const p = prepared.plan as RequantizePlan;
      return [8, mode, p.inputZeroPoint, p.outputZeroPoint, p.multiplier, p.shift, ...array(input)];
    }
    default:
      throw new Error(`no C driver case for ${op.kind}`);
  }
}

let workDir = "";
let driverBinary = "";

/** Runs the driver on the given cases (one run) and returns each case's output. */
function runDriver(cases: number[][]): Int8Array[] {
  const stdin = cases.map((c) => c.join(" ")).join("\n") + "\n";
  const run = spawnSync(driverBinary, [], {
    input: stdin, encoding: "utf8", maxBuffer: 1 << 28,
    env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0", UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1" },
  });
  // A sanitizer report ends the driver early (the rest of stdin then fails to write): show its stderr.
  if (run.status !== 0) throw new Error(`the driver failed (status ${run.status}):\n${run.stderr.slice(0, 3000)}`);
  const stdout = run.stdout;
  const lines = stdout.trim().split("\n");
  if (lines.length !== cases.length) throw new Error(`driver printed ${lines.length} outputs for ${cases.length} cases`);
  return lines.map((line) => {
    const [tag, n, ...values] = line.split(" ");
    if (tag !== "out" || Number(n) !== values.length) throw new Error(`bad driver line: ${line.slice(0, 80)}`);
    return Int8Array.from(values.map(Number));
  });
}

function firstDifference(got: Int8Array, expected: Int8Array): string | null {
  if (got.length !== expected.length) return `${got.length} values, expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) return `[${i}] = ${got[i]}, expected ${expected[i]}`;
  return null;
}

beforeAll(() => {
  requireTool("gcc", "gcc");
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kernels-elementwise-"));
  driverBinary = path.join(workDir, "driver");
  execFileSync("gcc", [
    "-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
    "-I", C_DIR, "-o", driverBinary, DRIVER, ...KERNEL_FILES,
  ]);
}, 60_000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe("C reference kernels vs runQuantized, seeded random single-op graphs (ASan + UBSan)", () => {
  const cases = randomCases(20240610);

  it(`covers every op: ${cases.length} graphs, 2 inputs each, plus in-place runs`, () => {
    const kinds = new Set(cases.map((c) => c.graph.operators[0].kind));
    expect([...kinds].sort()).toEqual(["add", "concatenation", "hardSwish", "logistic", "mean", "mul", "quantize", "reshape", "softmax", "tanh"]);
    // The random shapes really broadcast each operand, in both binary ops.
    for (const kind of ["add", "mul"]) {
      const plans = cases.filter((c) => c.graph.operators[0].kind === kind).map((c) => prepareQuantized(c.graph).ops[0].plan as AddPlan);
      expect(plans.filter((p) => p.mapA !== null).length).toBeGreaterThan(10);
      expect(plans.filter((p) => p.mapB !== null).length).toBeGreaterThan(10);
    }
    // Requantization meets exact ties ((q − zp)·s_in/s_out = k + 1/2), where the rounding rule decides.
    let ties = 0;
    for (const c of cases.filter((c) => c.graph.operators[0].kind === "quantize")) {
      const [x, out] = c.graph.tensors;
      const real = x.quant!.scale[0] / out.quant!.scale[0];
      for (const input of c.inputs) for (const v of input) if (Math.abs(((v - x.quant!.zeroPoint[0]) * real) % 1) === 0.5) ties++;
    }
    expect(ties).toBeGreaterThan(100);
  });

  it("gives runQuantized's bytes for every graph and input, separate and in-place outputs", () => {
    const runs: { name: string; mode: number; driver: number[]; expected: Int8Array }[] = [];
    for (const c of cases) {
      for (const input of c.inputs) {
        const expected = runQuantized(c.graph, input);
        for (const mode of [0, ...inPlaceModes(c.graph)]) runs.push({ name: c.name, mode, driver: driverCase(c.graph, input, mode), expected });
      }
    }
    expect(runs.filter((run) => run.mode !== 0).length).toBeGreaterThan(500);
    const outputs = runDriver(runs.map((run) => run.driver));
    const failures: string[] = [];
    runs.forEach((run, i) => {
      const diff = firstDifference(outputs[i], run.expected);
      if (diff) failures.push(`${run.name} (output mode ${run.mode}): ${diff}`);
    });
    expect(failures.slice(0, 10), `${failures.length} of ${runs.length} runs differ`).toEqual([]);
    // Saturation happens: many outputs reach an int8 end.
    expect(runs.filter((run) => run.expected.includes(127) || run.expected.includes(-128)).length).toBeGreaterThan(runs.length / 4);
  });
});

describe("through the generated C (codegen + host gcc build), every op's output vs runQuantizedTrace", () => {
  for (const seed of [1, 2, 3]) {
    it(`fan-out graph #${seed}: 34 operators reading one input, debug build`, async () => {
      const graph = fanOutGraph(seed);
      const kinds = new Set(graph.operators.map((op) => op.kind));
      expect(kinds.size).toBe(10);
      expect(graph.operators.length).toBe(34);
      const check = await checkOnHost(graph, randomInputs(graph, 3, seed), { kernels: "reference", debug: true });
      expect(check.firstDifferingOp).toBeNull();
      expect(check.mismatch).toBeNull();
      expect(check.run.dumps.size).toBe(3 * graph.operators.length);
    }, 60_000);
  }

  for (const seed of [1, 2]) {
    it(`in-place chain #${seed}: nine ops, the last eight each writing over its input`, async () => {
      const { graph, plan } = inPlaceChain(seed);
      const check = await checkOnHost(graph, randomInputs(graph, 4, seed), { kernels: "reference", plan, debug: true });
      // The generated calls really pass one buffer as input and output.
      const model = check.generated.files["model.c"];
      const inPlaceCalls = model.split("\n").filter((line) => /nn_(add|mul|lut|requantize|reshape)_s8\(/.test(line) && (line.match(/nn_arena \+ (\d+)/g) ?? []).length >= 2 && new Set(line.match(/nn_arena \+ (\d+)/g)).size === 1);
      expect(inPlaceCalls.length).toBe(8);
      expect(check.firstDifferingOp).toBeNull();
      expect(check.mismatch).toBeNull();
    }, 60_000);
  }
});

describe("C softmax vs TFLM's own outputs (quantize/fixtures/tflm-kernels.json)", () => {
  it("every fixture row, bit for bit", () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "quantize", "fixtures", "tflm-kernels.json"), "utf8")) as {
      softmax: { inScale: number; inZeroPoint: number; beta: number; rows: { depth: number; input: number[]; output: number[] }[] }[];
    };
    const driverCases: number[][] = [];
    const expected: number[][] = [];
    for (const c of fixture.softmax) {
      const plan = prepareSoftmax({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: 1 / 256, outZeroPoint: -128, beta: c.beta, rounding: "double" });
      for (const row of c.rows) {
        driverCases.push([6, 1, row.depth, ...Array.from(plan.expOfDiff), ...Array.from(plan.expOfDiffQ12), ...array(row.input)]);
        expected.push(row.output);
      }
    }
    expect(driverCases.length).toBeGreaterThan(600);
    const outputs = runDriver(driverCases);
    const failures = outputs.flatMap((out, i) => (firstDifference(out, Int8Array.from(expected[i])) ? [i] : []));
    expect(failures).toEqual([]);
  });
});

describe("the eight kernel files build for Cortex-M and call no C library", () => {
  // (The host build with -Wall -Wextra -Werror -pedantic is the driver's, above.)
  it("arm-none-eabi-gcc -mcpu=cortex-m3 -O2 -ffreestanding, and -mcpu=cortex-m4 -O3 hosted, warning-free", async () => {
    requireTool("arm-none-eabi-gcc", "gcc-arm-none-eabi");
    const builds: string[][] = [
      ["-mcpu=cortex-m3", "-mthumb", "-O2", "-ffreestanding", "-std=c99", "-Wall", "-Wextra", "-Werror"],
      // Without -ffreestanding GCC turns copy/fill loops into memcpy/memset calls unless told not to (nn_copy.h).
      ["-mcpu=cortex-m4", "-mthumb", "-O3", "-std=c99", "-Wall", "-Wextra", "-Werror"],
    ];
    const results = await Promise.all(
      builds.map(async (flags, k) => {
        const dir = path.join(workDir, `objects-${k}`);
        fs.mkdirSync(dir);
        const { status, stderr } = await spawnAsync("arm-none-eabi-gcc", [...flags, "-I", C_DIR, "-c", ...KERNEL_FILES], dir);
        return { flags, dir, status, stderr };
      }),
    );
    for (const { flags, dir, status, stderr } of results) {
      expect(status, `arm-none-eabi-gcc ${flags.join(" ")}:\n${stderr}`).toBe(0);
      const objects = KERNELS.map((kernel) => path.join(dir, `${kernel}_s8.o`));
      const undefinedSymbols = execFileSync("arm-none-eabi-nm", ["-u", ...objects], { encoding: "utf8" }).split("\n").filter((l) => /^\s+U /.test(l));
      expect(undefinedSymbols, flags.join(" ")).toEqual([]);
    }
  }, 60_000);
});
