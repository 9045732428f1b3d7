// The optimized (Cortex-M DSP-extension) MAC kernels, c/kernels/optimized/*.c, against the integer interpreter
// runQuantized, byte for byte, and their speed on QEMU.
//
// Host: a small driver (c/tests/optimized_driver.c) built with gcc, AddressSanitizer and UBSan, every tensor,
// parameter array and the scratch buffer malloc'd at exactly its size (the scratch at scratchBytes(): the
// kernels must stay inside what scratch.ts promises), fed the parameter structs this file fills from the
// interpreter's plans by nn_kernels.h's conventions. On the host nn_simd.h's portable C stands in for the DSP
// instructions, so these runs check the algorithms (tiles, column layout, planes, the fast requantization) on
// seeded random single-op graphs and on targeted shapes (tile remainders, K mod 4, odd widths, strides,
// padding, dilation, depth multipliers, clamps, ties, weight zero points, the fast path's boundary). Then the
// generated model (codegen, NN_KERNELS_OPTIMIZED) of a PhiNet-like chain, layer by layer.
// QEMU (mps2-an386, Cortex-M4): the same chain through deployGraph with both kernel sets, bit-exact, and the
// instructions per MAC of every layer against the targets the optimized kernels reach (the asm and the
// instructions themselves are only checked here), and a layer that falls back costs what the reference costs.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, type RandomSource } from "../data/random";
import type { FusedActivation, GraphOp, Padding, QuantizedGraph } from "../quantize/graph";
import { prepareQuantized, runQuantized } from "../quantize/interpreter";
import type { Conv2dPlan } from "../quantize/kernels/conv2d";
import type { DepthwiseConv2dPlan } from "../quantize/kernels/depthwise-conv2d";
import type { FullyConnectedPlan } from "../quantize/kernels/fully-connected";
import { kernelSources } from "./c/sources";
import { deployGraph } from "./deploy";
import { optimizedKernelFallback, scratchBytes } from "./scratch";
import { checkOnHost, GraphBuilder, randomInputs, randomSingleOpGraph } from "./test-helpers";

const C_DIR = path.join(__dirname, "c");
const DRIVER = path.join(C_DIR, "tests", "optimized_driver.c");

function requireTool(tool: string, aptPackage: string): void {
  const probe = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${tool} is not installed; install it with: apt-get install -y --no-install-recommends ${aptPackage}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Single-op graphs by specification

const f32 = Math.fround;
const int = (r: RandomSource, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

interface MacSpec {
  kind: "conv2d" | "depthwiseConv2d" | "fullyConnected";
  /** NHWC [h, w, c] (conv, depthwise) or [rows, inDim] (fully connected). */
  input: number[];
  /** Output channels (conv, FC); the depth multiplier's product for depthwise is computed. */
  outC?: number;
  kernel?: [number, number];
  stride?: [number, number];
  dilation?: [number, number];
  padding?: Padding;
  depthMultiplier?: number;
  activation?: FusedActivation;
  /** Weight scales (default per-channel for conv and depthwise, per-tensor for FC, as TFLite's converter). */
  weights?: "per-channel" | "per-tensor";
  /** FC only: a weight zero point (per-tensor). */
  filterZeroPoint?: number;
  /** Power-of-two scale ratios: multiplier 2^30, where both roundings tie. */
  ties?: boolean;
  /** Largest |bias| (default 2^14); null: no bias tensor. */
  bias?: number | null;
  /** Every channel's bias this value instead (the fast path's accumulator bound). */
  biasValue?: number;
  /** Output scale factor (default 1: outputs spread over about ±40 steps). */
  outScale?: number;
}

function outSize(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (k - 1) * dilation + 1;
  return padding === "same" ? Math.ceil(inSize / stride) : Math.floor((inSize - effective) / stride) + 1;
}

/** A one-operator graph of `spec` with seeded random weights, bias and quantization. */
function macGraph(name: string, spec: MacSpec, seed: number): QuantizedGraph {
  const r = mulberry32(seed);
  const b = new GraphBuilder(name);
  const inScale = f32(0.02 * 2 ** (r() * 2));
  const x = b.activation("input", spec.kind === "fullyConnected" ? spec.input : [1, ...spec.input], inScale, int(r, -128, 127));
  const [kh, kw] = spec.kernel ?? [1, 1];
  const dm = spec.depthMultiplier ?? 1;
  const inC = spec.input[spec.input.length - 1];
  const outC = spec.kind === "depthwiseConv2d" ? inC * dm : spec.outC!;
  const depth = spec.kind === "conv2d" ? kh * kw * inC : spec.kind === "depthwiseConv2d" ? kh * kw : spec.input[1];
  const perChannel = (spec.weights ?? (spec.kind === "fullyConnected" ? "per-tensor" : "per-channel")) === "per-channel";
  const base = spec.ties ? 2 ** -int(r, 6, 8) : 0.01;
  const filterScales = Array.from({ length: perChannel ? outC : 1 }, () => f32(spec.ties ? base * 2 ** int(r, -1, 1) : base * (0.4 + r())));
  const spread = spec.ties ? 2 ** Math.round(Math.log2(100 * Math.sqrt(depth))) : 100 * Math.sqrt(depth);
  const outScale = f32(inScale * base * spread * (spec.outScale ?? 1));
  const filterShape = spec.kind === "conv2d" ? [outC, kh, kw, inC] : spec.kind === "depthwiseConv2d" ? [1, kh, kw, outC] : [outC, spec.input[1]];
  const weights = Array.from({ length: size(filterShape) }, () => (r() < 0.05 ? pickEnd(r) : int(r, -127, 127)));
  const w = b.int8("filter", filterShape, weights, filterScales, spec.kind === "depthwiseConv2d" ? 3 : 0, spec.filterZeroPoint ?? 0);
  const biasMagnitude = spec.bias === undefined ? 1 << 14 : spec.bias;
  const biasScales = Array.from({ length: outC }, (_, c) => f32(inScale * filterScales[perChannel ? c : 0]));
  const bias = biasMagnitude === null ? -1
    : b.int32("bias", [outC], Array.from({ length: outC }, () => spec.biasValue ?? int(r, -biasMagnitude, biasMagnitude)), { scale: biasScales, zeroPoint: biasScales.map(() => 0), axis: 0 });
  const activation = spec.activation ?? "none";
  let op: GraphOp;
  let yShape: number[];
  if (spec.kind === "fullyConnected") {
    yShape = [spec.input[0], outC];
    const y = b.activation("output", yShape, outScale, int(r, -128, 127));
    op = { kind: "fullyConnected", inputs: [x, w, bias], outputs: [y], activation };
  } else {
    const stride = spec.stride ?? [1, 1], dilation = spec.dilation ?? [1, 1], padding = spec.padding ?? "same";
    yShape = [1, outSize(spec.input[0], kh, stride[0], dilation[0], padding), outSize(spec.input[1], kw, stride[1], dilation[1], padding), outC];
    const y = b.activation("output", yShape, outScale, int(r, -128, 127));
    const common = { inputs: [x, w, bias] as [number, number, number], outputs: [y] as [number], stride, dilation, padding, activation };
    op = spec.kind === "conv2d" ? { kind: "conv2d", ...common } : { kind: "depthwiseConv2d", ...common, depthMultiplier: dm };
  }
  return b.op(op).build(x, op.outputs[0]);
}

function pickEnd(r: RandomSource): number {
  return [-128, 127, -127][int(r, 0, 2)];
}

// ---------------------------------------------------------------------------------------------------------------
// The driver

let workDir = "";
let driverBinary = "";

const list = (values: ArrayLike<number>): number[] => [values.length, ...Array.from(values)];

/** The driver's input line for the one MAC op of `graph` on `input` (c/tests/optimized_driver.c's layouts). */
function driverCase(graph: QuantizedGraph, input: Int8Array): number[] {
  const prepared = prepareQuantized(graph).ops[0];
  const op = prepared.op;
  if (op.kind !== "conv2d" && op.kind !== "depthwiseConv2d" && op.kind !== "fullyConnected") {
    throw new RangeError(`driverCase: expected a conv2d, depthwiseConv2d or fullyConnected graph, got ${op.kind}`);
  }
  const filter = graph.tensors[op.inputs[1]].data!;
  const bias = op.inputs[2] === -1 ? [] : graph.tensors[op.inputs[2]].data!;
  const scratch = scratchBytes(op, prepared.plan, "optimized");
  const arrays = (p: { multipliers: Int32Array; shifts: Int32Array }) => [...list(p.multipliers), ...list(p.shifts), ...list(bias), ...list(input), ...list(filter), scratch];
  if (op.kind === "conv2d") {
    const p = prepared.plan as Conv2dPlan;
    return [1, p.inH, p.inW, p.inC, p.outH, p.outW, p.outC, p.kH, p.kW, p.filterC, p.strideH, p.strideW, p.dilationH, p.dilationW,
      p.padTop, p.padLeft, p.inputOffset, p.outputOffset, p.actMin, p.actMax, ...arrays(p)];
  }
  if (op.kind === "depthwiseConv2d") {
    const p = prepared.plan as DepthwiseConv2dPlan;
    return [2, p.inH, p.inW, p.inC, p.outH, p.outW, p.outC, p.depthMultiplier, p.kH, p.kW, p.strideH, p.strideW, p.dilationH,
      p.dilationW, p.padTop, p.padLeft, p.inputOffset, p.outputOffset, p.actMin, p.actMax, ...arrays(p)];
  }
  const p = prepared.plan as FullyConnectedPlan;
  return [3, p.rows, p.inDim, p.outDim, p.inputOffset, p.filterOffset, p.outputOffset, p.actMin, p.actMax, ...arrays(p)];
}

/** Runs the driver once on all lines; returns each line's output. */
function runDriver(lines: number[][]): string[] {
  const run = spawnSync(driverBinary, [], {
    input: lines.map((l) => l.join(" ")).join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 28,
    env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0", UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1" },
  });
  if (run.status !== 0) throw new Error(`the driver failed (status ${run.status}):\n${run.stderr.slice(0, 3000)}`);
  const out = run.stdout.trim().split("\n");
  if (out.length !== lines.length) throw new Error(`the driver printed ${out.length} lines for ${lines.length} cases`);
  return out;
}

interface Case {
  name: string;
  graph: QuantizedGraph;
  inputs: Int8Array[];
}

/** Every case on every input through the driver; returns the mismatches, described. */
function mismatches(cases: Case[]): string[] {
  const runs = cases.flatMap((c) => c.inputs.map((input) => ({ c, input })));
  const outputs = runDriver(runs.map(({ c, input }) => driverCase(c.graph, input)));
  const bad: string[] = [];
  runs.forEach(({ c, input }, i) => {
    const [tag, n, ...values] = outputs[i].split(" ");
    const expected = runQuantized(c.graph, input);
    if (tag !== "out" || Number(n) !== expected.length) {
      bad.push(`${c.name}: driver line "${outputs[i].slice(0, 60)}", expected ${expected.length} values`);
      return;
    }
    const k = values.findIndex((v, j) => Number(v) !== expected[j]);
    if (k >= 0) bad.push(`${c.name}: output[${k}] = ${values[k]}, expected ${expected[k]}`);
  });
  return bad;
}

const fallbackOf = (graph: QuantizedGraph): string | null => {
  const prepared = prepareQuantized(graph).ops[0];
  return optimizedKernelFallback(graph, prepared.op, prepared.plan);
};

beforeAll(() => {
  requireTool("gcc", "gcc");
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kernels-optimized-"));
  driverBinary = path.join(workDir, "driver");
  execFileSync("gcc", [
    "-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
    "-I", C_DIR, "-o", driverBinary, DRIVER, ...kernelSources("optimized"),
  ]);
}, 120_000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Targeted shapes

/** Shapes where the tiles, layouts and paths of the optimized kernels change, each expected on the fast path. */
const TARGETED: [string, MacSpec][] = [
  // 1 x 1: pixels mod 4 = 0..3 (1 x 4 tiles, then 2 x 2, then 2 x 1), K mod 4 = 0..3, odd out_c, strides.
  ["pw 16→64 6x6", { kind: "conv2d", input: [6, 6, 16], outC: 64 }],
  ["pw 12→45 7x7 (K%4=0, 49 px)", { kind: "conv2d", input: [7, 7, 12], outC: 45 }],
  ["pw 45→12 5x3 (K%4=1, 15 px)", { kind: "conv2d", input: [5, 3, 45], outC: 12 }],
  ["pw 43→7 3x2 (K%4=3, 6 px)", { kind: "conv2d", input: [3, 2, 43], outC: 7 }],
  ["pw 6→40 1x1 (K%4=2, 1 px)", { kind: "conv2d", input: [1, 1, 6], outC: 40 }],
  ["pw 1→24 5x5 (K=1)", { kind: "conv2d", input: [5, 5, 1], outC: 24 }],
  ["pw 9→5 7x7 stride 2", { kind: "conv2d", input: [7, 7, 9], outC: 5, stride: [2, 2] }],
  ["pw 8→8 relu6 ties", { kind: "conv2d", input: [4, 5, 8], outC: 8, activation: "relu6", ties: true }],
  ["pw 16→16 relu no bias", { kind: "conv2d", input: [4, 4, 16], outC: 16, activation: "relu", bias: null }],
  // Full convolutions through im2col: padding, strides, dilation, big K (2 columns, then 1).
  ["conv 3x3 16→16 same", { kind: "conv2d", input: [6, 7, 16], outC: 16, kernel: [3, 3] }],
  ["conv 3x3 3→8 same stride 2", { kind: "conv2d", input: [9, 8, 3], outC: 8, kernel: [3, 3], stride: [2, 2] }],
  ["conv 5x3 5→6 valid dilation 2", { kind: "conv2d", input: [11, 9, 5], outC: 6, kernel: [5, 3], dilation: [2, 2], padding: "valid" }],
  ["conv 3x3 64→9 same (K=576: 2 columns)", { kind: "conv2d", input: [5, 5, 64], outC: 9, kernel: [3, 3] }],
  ["conv 3x3 150→3 valid (K=1350: 1 column)", { kind: "conv2d", input: [4, 4, 150], outC: 3, kernel: [3, 3], padding: "valid" }],
  ["conv 10x8 1→8 same stride 2 (micro_speech)", { kind: "conv2d", input: [49, 40, 1], outC: 8, kernel: [10, 8], stride: [2, 2] }],
  ["conv 3x3 4→4 relu per-tensor", { kind: "conv2d", input: [5, 5, 4], outC: 4, kernel: [3, 3], activation: "relu", weights: "per-tensor" }],
  // Depthwise 3 x 3 (the two-pass path): stride 1 and 2, same and valid, odd widths, channels mod 4, clamps.
  ["dw 3x3 24 14x14 s1 same", { kind: "depthwiseConv2d", input: [14, 14, 24], kernel: [3, 3] }],
  ["dw 3x3 45 16x16 s2 valid", { kind: "depthwiseConv2d", input: [16, 16, 45], kernel: [3, 3], stride: [2, 2], padding: "valid" }],
  ["dw 3x3 43 7x7 s1 same relu6", { kind: "depthwiseConv2d", input: [7, 7, 43], kernel: [3, 3], activation: "relu6" }],
  ["dw 3x3 6 7x7 s2 same", { kind: "depthwiseConv2d", input: [7, 7, 6], kernel: [3, 3], stride: [2, 2] }],
  ["dw 3x3 5 1x1 same", { kind: "depthwiseConv2d", input: [1, 1, 5], kernel: [3, 3] }],
  ["dw 3x3 2 20x3 s1 valid (out_w 1)", { kind: "depthwiseConv2d", input: [20, 3, 2], kernel: [3, 3], padding: "valid" }],
  ["dw 3x3 7 19x5 s(3,1) same (strips, stride_h 3)", { kind: "depthwiseConv2d", input: [19, 5, 7], kernel: [3, 3], stride: [3, 1] }],
  ["dw 3x3 4 6x6 multiplier 2 ties", { kind: "depthwiseConv2d", input: [6, 6, 4], kernel: [3, 3], depthMultiplier: 2, ties: true }],
  ["dw 3x3 3 5x5 relu no bias", { kind: "depthwiseConv2d", input: [5, 5, 3], kernel: [3, 3], activation: "relu", bias: null }],
  // Depthwise, other windows (the generic plane path).
  ["dw 5x5 9 9x9 s1 same", { kind: "depthwiseConv2d", input: [9, 9, 9], kernel: [5, 5] }],
  ["dw 3x3 5 10x10 s3 same", { kind: "depthwiseConv2d", input: [10, 10, 5], kernel: [3, 3], stride: [3, 3] }],
  ["dw 1x3 6 4x9 s1 same multiplier 3", { kind: "depthwiseConv2d", input: [4, 9, 6], kernel: [1, 3], depthMultiplier: 3 }],
  ["dw 10x8 1 49x40 s2 same multiplier 8 (micro_speech)", { kind: "depthwiseConv2d", input: [49, 40, 1], kernel: [10, 8], stride: [2, 2], depthMultiplier: 8 }],
  // Fully connected: rows, in_dim mod 4, odd out_dim, per-channel, weight zero points, clamps.
  ["fc 48→10", { kind: "fullyConnected", input: [1, 48], outC: 10 }],
  ["fc 4000→4 (micro_speech)", { kind: "fullyConnected", input: [1, 4000], outC: 4 }],
  ["fc 37→5 3 rows per-channel relu", { kind: "fullyConnected", input: [3, 37], outC: 5, activation: "relu", weights: "per-channel" }],
  ["fc 22→7 5 rows filter zero point", { kind: "fullyConnected", input: [5, 22], outC: 7, filterZeroPoint: -9 }],
  ["fc 3→1 filter zero point relu6 ties", { kind: "fullyConnected", input: [1, 3], outC: 1, filterZeroPoint: 17, activation: "relu6", ties: true }],
];

/** Specs the optimized kernels hand to the reference kernel (the reason optimizedKernelFallback must give). */
const FALLBACKS: [string, MacSpec, RegExp][] = [
  ["dw 3x3 dilation 2", { kind: "depthwiseConv2d", input: [8, 8, 4], kernel: [3, 3], dilation: [2, 2] }, /dilation 2x2/],
  ["conv real multiplier ≥ 1/2 (shift ≥ 0)", { kind: "conv2d", input: [3, 3, 4], outC: 4, outScale: 1 / 2000 }, /shift \d+ outside/],
  ["fc |bias| near 2^30", { kind: "fullyConnected", input: [1, 8], outC: 3, biasValue: -(2 ** 30) + 5 }, /reaches 2\^30/],
];

describe("optimized kernels on the host (driver with ASan + UBSan, scratch = scratchBytes) vs runQuantized", () => {
  it("the fast requantization (SMMLAR, 4 instructions) equals fixed_point.h's on 10^6 seeded cases", () => {
    expect(runDriver([[4, 1_000_000, 20250101]])).toEqual(["requantize 0 1000000"]);
  });

  it("targeted shapes (tile remainders, K mod 4, odd widths, strides, padding, dilation, multipliers, clamps, ties, zero points) run the DSP path and match", () => {
    const cases = TARGETED.map(([name, spec], i) => {
      const graph = macGraph(name, spec, 100 + i);
      return { name, graph, inputs: randomInputs(graph, 2, 7 + i) };
    });
    for (const c of cases) expect(fallbackOf(c.graph), c.name).toBeNull();
    expect(mismatches(cases)).toEqual([]);
  });

  it("outside the fast path they call the reference kernel, and still match", () => {
    const cases = FALLBACKS.map(([name, spec], i) => {
      const graph = macGraph(name, spec, 200 + i);
      return { name, graph, inputs: randomInputs(graph, 2, 9 + i) };
    });
    FALLBACKS.forEach(([name, , reason], i) => expect(fallbackOf(cases[i].graph) ?? "", name).toMatch(reason));
    expect(mismatches(cases)).toEqual([]);
  });

  it("150 seeded random conv2d / depthwise / fully connected graphs (test-helpers' generator) match", () => {
    const cases: Case[] = [];
    for (const kind of ["conv2d", "depthwiseConv2d", "fullyConnected"] as const) {
      for (let seed = 1; seed <= 50; seed++) {
        const graph = randomSingleOpGraph(kind, 1000 + seed);
        cases.push({ name: graph.name, graph, inputs: randomInputs(graph, 2, seed) });
      }
    }
    // Most take the DSP path; grouped convolutions and dilated depthwise fall back.
    const fast = cases.filter((c) => fallbackOf(c.graph) === null).length;
    expect(fast).toBeGreaterThan(cases.length * 0.7);
    expect(cases.some((c) => /grouped/.test(fallbackOf(c.graph) ?? ""))).toBe(true);
    expect(mismatches(cases)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A PhiNet-like chain: the generated model on the host, then on QEMU

/** Inverted-residual layers at PhiNet's sizes, a full 3 x 3 conv, a dilated depthwise (falls back), an FC. */
function phinetLikeChain(): QuantizedGraph {
  const r = mulberry32(77);
  const b = new GraphBuilder("PhiNet-like layers");
  let scale = f32(0.03);
  let x = b.activation("input", [1, 24, 24, 16], scale, 3);
  const add = (name: string, spec: Omit<MacSpec, "input">, shapeOf: (s: number[]) => number[]) => {
    const shape = b.tensors[x].shape;
    const single = macGraph(name, { ...spec, input: spec.kind === "fullyConnected" ? shape : shape.slice(1) }, int(r, 1, 1e6));
    // Re-home the single-op graph's constants and output onto this builder, chained to x.
    const op = single.operators[0] as Extract<GraphOp, { kind: MacSpec["kind"] }>;
    const [inT, filterT, biasT] = op.inputs.map((id) => single.tensors[id]);
    const w = b.int8(`${name} filter`, filterT.shape, filterT.data!, filterT.quant!.scale, filterT.quant!.axis, filterT.quant!.zeroPoint[0]);
    const inScaleRatio = scale / inT.quant!.scale[0];
    const bias = b.int32(`${name} bias`, biasT.shape, biasT.data!, { ...biasT.quant!, scale: biasT.quant!.scale.map((s) => f32(s * inScaleRatio)) });
    const outT = single.tensors[op.outputs[0]];
    scale = f32(outT.quant!.scale[0] * inScaleRatio);
    const y = b.activation(`${name} out`, shapeOf(b.tensors[x].shape), scale, outT.quant!.zeroPoint[0]);
    b.op({ ...op, inputs: [x, w, bias], outputs: [y] } as GraphOp);
    x = y;
  };
  add("pw 16→64", { kind: "conv2d", outC: 64 }, ([n, h, w]) => [n, h, w, 64]);
  add("dw 3x3 s1", { kind: "depthwiseConv2d", kernel: [3, 3] }, (s) => s);
  add("pw 64→16", { kind: "conv2d", outC: 16 }, ([n, h, w]) => [n, h, w, 16]);
  add("conv 3x3 16→16", { kind: "conv2d", outC: 16, kernel: [3, 3] }, (s) => s);
  add("dw 3x3 s2", { kind: "depthwiseConv2d", kernel: [3, 3], stride: [2, 2] }, ([n, h, w, c]) => [n, h / 2, w / 2, c]);
  add("pw 16→45", { kind: "conv2d", outC: 45 }, ([n, h, w]) => [n, h, w, 45]);
  add("dw 3x3 dilation 2 (reference)", { kind: "depthwiseConv2d", kernel: [3, 3], dilation: [2, 2] }, (s) => s);
  const flat = b.activation("flat", [1, 12 * 12 * 45], scale, b.tensors[x].quant!.zeroPoint[0]);
  b.op({ kind: "reshape", inputs: [x], outputs: [flat], newShape: [1, -1] });
  x = flat;
  add("fc 6480→10", { kind: "fullyConnected", outC: 10 }, () => [1, 10]);
  return b.build(0, x);
}

/**
 * The remainders and variants the chain above does not reach on the board: 49, 9 and 6 pixels (the 2 x 2 and
 * 2 x 1 tiles after the 1 x 4 ones), K < 4 and K mod 4 = 1, odd channel counts, the clamped variants of every asm
 * block, odd depthwise widths, the generic depthwise path, a weight zero point and an odd out_dim in the FC.
 */
function remaindersChain(): QuantizedGraph {
  const r = mulberry32(78);
  const b = new GraphBuilder("optimized remainders");
  let scale = f32(0.03);
  let x = b.activation("input", [1, 7, 7, 3], scale, -5);
  const add = (name: string, spec: Omit<MacSpec, "input">, outShape: number[]) => {
    const shape = b.tensors[x].shape;
    const single = macGraph(name, { ...spec, input: spec.kind === "fullyConnected" ? shape : shape.slice(1) }, int(r, 1, 1e6));
    const op = single.operators[0] as Extract<GraphOp, { kind: MacSpec["kind"] }>;
    const [inT, filterT, biasT] = op.inputs.map((id) => single.tensors[id]);
    const ratio = scale / inT.quant!.scale[0];
    const w = b.int8(`${name} filter`, filterT.shape, filterT.data!, filterT.quant!.scale, filterT.quant!.axis, filterT.quant!.zeroPoint[0]);
    const bias = b.int32(`${name} bias`, biasT.shape, biasT.data!, { ...biasT.quant!, scale: biasT.quant!.scale.map((v) => f32(v * ratio)) });
    const outT = single.tensors[op.outputs[0]];
    scale = f32(outT.quant!.scale[0] * ratio);
    const y = b.activation(`${name} out`, outShape, scale, outT.quant!.zeroPoint[0]);
    b.op({ ...op, inputs: [x, w, bias], outputs: [y] } as GraphOp);
    x = y;
  };
  add("pw 3→12 (K < 4)", { kind: "conv2d", outC: 12 }, [1, 7, 7, 12]);
  add("pw 12→45 relu", { kind: "conv2d", outC: 45, activation: "relu" }, [1, 7, 7, 45]);
  add("dw 3x3 s1 relu6", { kind: "depthwiseConv2d", kernel: [3, 3], activation: "relu6" }, [1, 7, 7, 45]);
  add("dw 5x5 s1 (generic path)", { kind: "depthwiseConv2d", kernel: [5, 5] }, [1, 7, 7, 45]);
  add("dw 3x3 s2 valid", { kind: "depthwiseConv2d", kernel: [3, 3], stride: [2, 2], padding: "valid" }, [1, 3, 3, 45]);
  add("pw 45→7", { kind: "conv2d", outC: 7 }, [1, 3, 3, 7]);
  add("pw 7→9 stride (1, 2) relu", { kind: "conv2d", outC: 9, stride: [1, 2], activation: "relu" }, [1, 3, 2, 9]);
  add("pw 9→5 stride (1, 2)", { kind: "conv2d", outC: 5, stride: [1, 2] }, [1, 3, 1, 5]);
  const flat = b.activation("flat", [1, 15], scale, b.tensors[x].quant!.zeroPoint[0]);
  b.op({ kind: "reshape", inputs: [x], outputs: [flat], newShape: [1, -1] });
  x = flat;
  add("fc 15→3 zero point relu", { kind: "fullyConnected", outC: 3, filterZeroPoint: 11, activation: "relu" }, [1, 3]);
  return b.build(0, x);
}

describe("the generated model with the optimized kernels (codegen + host gcc build)", () => {
  it("a PhiNet-like chain and the remainders chain match runQuantizedTrace layer by layer on 3 inputs", async () => {
    for (const graph of [phinetLikeChain(), remaindersChain()]) {
      const check = await checkOnHost(graph, randomInputs(graph, 3, 5), { kernels: "optimized", debug: true });
      expect(check.firstDifferingOp, graph.name).toBeNull();
      expect(check.mismatch, graph.name).toBeNull();
    }
  }, 120_000);
});

/** Instructions per MAC the optimized kernels must stay within on the Cortex-M4 (measured about 10 % below). */
const TARGETS: Record<string, number> = {
  "pw 16→64": 1.8, "dw 3x3 s1": 2.9, "pw 64→16": 1.45, "conv 3x3 16→16": 1.45, "dw 3x3 s2": 4.4, "pw 16→45": 1.85, "fc 6480→10": 2.1,
};

describe("on QEMU: the asm paths bit-exact on the Cortex-M4 and the Cortex-M55", () => {
  it("the remainders chain gives runQuantized's bytes on mps2-an386 and mps3-an547", async () => {
    requireTool("arm-none-eabi-gcc", "gcc-arm-none-eabi");
    requireTool("qemu-system-arm", "qemu-system-arm");
    const graph = remaindersChain();
    const prepared = prepareQuantized(graph).ops;
    for (const p of prepared) expect(optimizedKernelFallback(graph, p.op, p.plan), `op ${p.index}`).toBeNull();
    const inputs = randomInputs(graph, 4, 12);
    for (const board of ["mps2-an386", "mps3-an547"]) {
      const report = await deployGraph(graph, { board, kernels: "optimized", inputs, outDir: path.join(workDir, `remainders-${board}`) });
      expect(report.firstMismatch, board).toBeNull();
      expect(report.bitExact, board).toBe(true);
    }
  }, 300_000);
});

describe("on QEMU mps2-an386 (Cortex-M4): bit-exact, and instructions per MAC, reference vs optimized", () => {
  it("the PhiNet-like chain: every layer at its target, the fallback layer at the reference's cost", async () => {
    requireTool("arm-none-eabi-gcc", "gcc-arm-none-eabi");
    requireTool("qemu-system-arm", "qemu-system-arm");
    const graph = phinetLikeChain();
    const inputs = randomInputs(graph, 1, 11);
    const reports = [];
    for (const kernels of ["reference", "optimized"] as const) {
      reports.push(await deployGraph(graph, { board: "mps2-an386", kernels, inputs, outDir: path.join(workDir, `qemu-${kernels}`) }));
    }
    const [reference, optimized] = reports;
    expect(reference.bitExact && optimized.bitExact).toBe(true);
    const prepared = prepareQuantized(graph).ops;
    const rows = optimized.instructions.perOp.filter((op) => op.macs > 0).map((op) => {
      const ref = reference.instructions.perOp[op.index];
      const name = graph.tensors[graph.operators[op.index].outputs[0]].name.replace(/ out$/, "");
      const fallback = optimizedKernelFallback(graph, prepared[op.index].op, prepared[op.index].plan);
      return { name, macs: op.macs, reference: ref.perMac!, optimized: op.perMac!, fallback };
    });
    console.log(rows.map((row) => `${row.name.padEnd(32)} ${String(row.macs).padStart(8)} MACs  reference ${row.reference.toFixed(2)}  optimized ${row.optimized.toFixed(2)} instructions/MAC`).join("\n"));
    for (const row of rows) {
      // optimizedKernelFallback agrees with the C: the one layer it names runs at the reference kernel's cost.
      expect(row.fallback === null, row.name).toBe(!row.name.includes("(reference)"));
      if (row.fallback !== null) {
        expect(row.optimized / row.reference, row.name).toBeGreaterThan(0.9);
      } else {
        expect(row.optimized, row.name).toBeLessThanOrEqual(TARGETS[row.name]);
        expect(row.reference / row.optimized, row.name).toBeGreaterThan(3);
      }
    }
  }, 300_000);
});
