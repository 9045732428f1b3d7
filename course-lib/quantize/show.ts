// Lesson 08's inspection and display helpers: what the notebook prints and plots about a quantized graph,
// kept here so its cells stay short. Nothing here quantizes or runs differently from the library: each
// function reads a QuantizedGraph (graph.ts), an interpreter trace (interpreter.ts) or study results
// (bit-width-study.ts) and turns them into numbers, table rows or a plotly figure.
import type * as tf from "@tensorflow/tfjs";
import type { GraphTensor, QuantizedGraph } from "./graph";
import { prepareQuantized, runQuantizedBatch, type QuantizedTrace } from "./interpreter";
import {
  multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from "./fixed-point";
import type { FullyConnectedPlan } from "./kernels/fully-connected";
import { quantizeInput } from "./quantize-model";
import type { AccuracyRow, QatVsPtqResult } from "./bit-width-study";
import { barFigure, plot, type BarOptions, type DisplayOptions, type Figure } from "../viz/plot";
import { CHART_COLOURS } from "../viz/charts";

// ---------------------------------------------------------------------------------------------------------
// Files other tools made

export { TFLITE_FIXTURES_DIR, readTfliteFixture } from "./tflite/fixtures";

// ---------------------------------------------------------------------------------------------------------
// Per-tensor vs per-channel weights

/** max |w| of every output channel of a kernel whose channel of flat index i is i mod `channels`. */
export function channelMaxAbs(kernel: ArrayLike<number>, channels: number): Float64Array {
  if (!Number.isInteger(channels) || channels < 1 || kernel.length % channels !== 0) {
    throw new RangeError(`channelMaxAbs: ${kernel.length} weights do not split into ${channels} channels`);
  }
  const out = new Float64Array(channels);
  for (let i = 0; i < kernel.length; i++) out[i % channels] = Math.max(out[i % channels], Math.abs(kernel[i]));
  return out;
}

export interface GranularityErrors {
  /** Per channel: RMS error of the int8 weights / RMS of the float weights, with one scale for the tensor. */
  perTensor: Float64Array;
  /** The same with one scale per channel (TFLite's scheme for conv and depthwise). */
  perChannel: Float64Array;
  /** Distinct int8 levels each channel's weights use with the per-tensor scale. */
  levelsPerTensor: Int32Array;
}

/**
 * Relative int8 weight error of every channel under a per-tensor and a per-channel scale (symmetric
 * narrow range, as TFLite quantizes weights). A channel whose range is 1/k of the tensor's gets about
 * 1/k of the levels with one scale for all, and its relative error grows k-fold.
 */
export function weightErrorByGranularity(kernel: ArrayLike<number>, channels: number): GranularityErrors {
  const maxAbs = channelMaxAbs(kernel, channels);
  const tensorScale = Math.fround(Math.max(...maxAbs) / 127);
  const err = (scale: number, v: number) => Math.min(127, Math.max(-127, Math.round(v / scale))) * scale - v;
  const sums = { t: new Float64Array(channels), c: new Float64Array(channels), ref: new Float64Array(channels) };
  const levels = Array.from({ length: channels }, () => new Set<number>());
  for (let i = 0; i < kernel.length; i++) {
    const c = i % channels;
    const channelScale = maxAbs[c] > 0 ? Math.fround(maxAbs[c] / 127) : 1;
    sums.t[c] += err(tensorScale, kernel[i]) ** 2;
    sums.c[c] += err(channelScale, kernel[i]) ** 2;
    sums.ref[c] += kernel[i] ** 2;
    levels[c].add(Math.round(kernel[i] / tensorScale));
  }
  const rel = (s: Float64Array) => Float64Array.from(s, (v, c) => (sums.ref[c] > 0 ? Math.sqrt(v / sums.ref[c]) : 0));
  return { perTensor: rel(sums.t), perChannel: rel(sums.c), levelsPerTensor: Int32Array.from(levels, (s) => s.size) };
}

/** barFigure with a logarithmic value axis (ranges and errors that span orders of magnitude). */
export function logBarFigure(opts: BarOptions): Figure {
  const figure = barFigure(opts);
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  layout.yaxis = { ...layout.yaxis, type: "log", exponentformat: "power" };
  return figure;
}

/** Displays logBarFigure(opts). */
export function logBar(opts: BarOptions): void {
  plot(logBarFigure(opts), opts);
}

// ---------------------------------------------------------------------------------------------------------
// One requantization step, with its numbers

export interface RequantizationStep {
  op: number;
  channel: number;
  inScale: number;
  weightScale: number;
  outScale: number;
  /** s_in · s_w / s_out in double, from the float32 scales (TFLM's order). */
  real: number;
  multiplier: number;
  shift: number;
  inZeroPoint: number;
  outZeroPoint: number;
  /** Σ w·(x − zp_in) over the inputs. */
  dotProduct: number;
  bias: number;
  /** dotProduct + bias: the int32 accumulator. */
  accumulator: number;
  /** SaturatingRoundingDoublingHighMul(accumulator · 2^max(shift,0), multiplier). */
  highMul: number;
  /** RoundingDivideByPOT(highMul, max(−shift, 0)): the accumulator at the output's scale. */
  requantized: number;
  /** requantized + zp_out, before the clamp. */
  withZeroPoint: number;
  clamp: [number, number];
  output: number;
  /** The same step with single rounding (XNNPACK), and the exact real value accumulator·real + zp_out. */
  singleRounding: number;
  exact: number;
  /** What the interpreter stored for this output. */
  interpreterOutput: number;
}

function int8Values(trace: QuantizedTrace, graph: QuantizedGraph, id: number): Int8Array {
  if (id === graph.inputs[0]) return trace.input;
  const step = trace.steps.find((s) => s.tensorId === id);
  if (!step) throw new Error(`requantizationStep: tensor ${id} ("${graph.tensors[id]?.name}") is not in the trace`);
  return step.values;
}

/**
 * Recomputes output `channel` of fully-connected operator `opIndex` from the trace's int8 input, the
 * graph's weights and bias and the multiplier the interpreter prepared, one stage at a time, in TFLM's
 * double rounding. `interpreterOutput` is what runQuantizedTrace stored there, so the two can be compared.
 */
export function requantizationStep(graph: QuantizedGraph, trace: QuantizedTrace, opIndex: number, channel: number): RequantizationStep {
  const op = graph.operators[opIndex];
  if (!op || op.kind !== "fullyConnected") {
    throw new RangeError(`requantizationStep: operator ${opIndex} of graph "${graph.name}" is ${op ? op.kind : "missing"}, expected fullyConnected`);
  }
  const [inId, wId, bId] = op.inputs;
  const x = int8Values(trace, graph, inId);
  const w: GraphTensor = graph.tensors[wId];
  const [outDim, inDim] = w.shape;
  if (!Number.isInteger(channel) || channel < 0 || channel >= outDim) throw new RangeError(`requantizationStep: channel must be 0..${outDim - 1}, got ${channel}`);
  const inQ = graph.tensors[inId].quant!, outQ = graph.tensors[op.outputs[0]].quant!;
  const weightScale = w.quant!.scale.length === 1 ? w.quant!.scale[0] : w.quant!.scale[channel];
  let dotProduct = 0;
  for (let i = 0; i < inDim; i++) dotProduct += w.data![channel * inDim + i] * (x[i] - inQ.zeroPoint[0]);
  const bias = bId >= 0 ? graph.tensors[bId].data![channel] : 0;
  const accumulator = dotProduct + bias;
  const real = (Math.fround(inQ.scale[0]) * Math.fround(weightScale)) / Math.fround(outQ.scale[0]);
  const { multiplier, shift } = quantizeMultiplier(real);
  const plan = prepareQuantized(graph).ops[opIndex].plan as FullyConnectedPlan;
  if (plan.multipliers[channel] !== multiplier || plan.shifts[channel] !== shift) {
    throw new Error(`requantizationStep: the interpreter prepared (${plan.multipliers[channel]}, ${plan.shifts[channel]}) for channel ${channel}, but quantizeMultiplier(${real}) = (${multiplier}, ${shift})`);
  }
  const highMul = saturatingRoundingDoublingHighMul(Math.imul(accumulator, 2 ** Math.max(shift, 0)), multiplier);
  const requantized = roundingDivideByPOT(highMul, Math.max(-shift, 0));
  const zp = outQ.zeroPoint[0];
  const clampTo = (v: number) => Math.min(plan.actMax, Math.max(plan.actMin, v));
  return {
    op: opIndex, channel, inScale: inQ.scale[0], weightScale, outScale: outQ.scale[0], real, multiplier, shift,
    inZeroPoint: inQ.zeroPoint[0], outZeroPoint: zp, dotProduct, bias, accumulator, highMul, requantized,
    withZeroPoint: requantized + zp, clamp: [plan.actMin, plan.actMax], output: clampTo(requantized + zp),
    singleRounding: clampTo(multiplyByQuantizedMultiplier(accumulator, multiplier, shift, "single") + zp),
    exact: accumulator * real + zp,
    interpreterOutput: int8Values(trace, graph, op.outputs[0])[channel],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Inspecting a graph or a .tflite

/** "0.0039" for one scale, "8 × 1.4e-5 … 8.1e-5" for per-channel scales. */
function describeScales(scales: number[]): string {
  if (scales.length === 1) return scales[0].toPrecision(3);
  return `${scales.length} × ${Math.min(...scales).toPrecision(2)} … ${Math.max(...scales).toPrecision(2)}`;
}

/** One row per tensor: id, name, shape, type, scale(s), zero point(s), constant bytes. */
export function tensorRows(graph: QuantizedGraph): (string | number)[][] {
  return graph.tensors.map((t) => {
    const zps = t.quant ? [...new Set(t.quant.zeroPoint)] : [];
    const bytes = t.data ? t.data.length * (t.dtype === "int8" ? 1 : 4) : 0;
    return [t.id, t.name, `[${t.shape.join(", ")}]`, t.dtype, t.quant ? describeScales(t.quant.scale) : "",
      zps.length === 1 ? zps[0] : zps.length ? `${zps.length} values` : "", bytes || ""];
  });
}

export const TENSOR_COLUMNS = ["id", "name", "shape", "type", "scale", "zero point", "constant bytes"];

/** One row per operator: index, kind, input names → output name. */
export function operatorRows(graph: QuantizedGraph): string[][] {
  const name = (id: number) => (id < 0 ? "(none)" : graph.tensors[id].name);
  return graph.operators.map((op, i) => {
    const act = "activation" in op && op.activation !== "none" ? ` + ${op.activation}` : "";
    return [String(i), `${op.kind}${act}`, op.inputs.map(name).join(", "), name(op.outputs[0])];
  });
}

// ---------------------------------------------------------------------------------------------------------
// One file, two runtimes

/** Every example of `x` [N, ...] quantized with the graph's input parameters, back to back (runQuantizedBatch's input). */
export function quantizeBatch(graph: QuantizedGraph, x: tf.Tensor): Int8Array {
  const n = x.shape[0];
  const floats = x.dataSync() as Float32Array;
  const per = floats.length / n;
  const out = new Int8Array(floats.length);
  for (let k = 0; k < n; k++) out.set(quantizeInput(graph, floats.subarray(k * per, (k + 1) * per)), k * per);
  return out;
}

export interface RoundingComparison {
  outputs: number;
  differ: number;
  /** How many outputs differ by 1, 2, 3, ... LSB. */
  byLsb: Record<number, number>;
  maxDiff: number;
  /** Inputs whose argmax differs (only when each output has more than one value). */
  argmaxDiffer: number;
  inputs: number;
}

/** Runs `inputs` (count × input size int8 values) in TFLM's double and XNNPACK's single rounding. */
export function compareRoundings(graph: QuantizedGraph, inputs: Int8Array): RoundingComparison {
  const a = runQuantizedBatch(graph, inputs, { rounding: "double" });
  const b = runQuantizedBatch(graph, inputs, { rounding: "single" });
  const inputSize = prepareQuantized(graph).inputSize;
  const count = inputs.length / inputSize;
  const per = a.length / count;
  const byLsb: Record<number, number> = {};
  let differ = 0, maxDiff = 0, argmaxDiffer = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) {
      differ++;
      byLsb[d] = (byLsb[d] ?? 0) + 1;
      maxDiff = Math.max(maxDiff, d);
    }
  }
  const argmax = (v: Int8Array, k: number) => {
    let best = 0;
    for (let j = 1; j < per; j++) if (v[k * per + j] > v[k * per + best]) best = j;
    return best;
  };
  if (per > 1) for (let k = 0; k < count; k++) if (argmax(a, k) !== argmax(b, k)) argmaxDiffer++;
  return { outputs: a.length, differ, byLsb, maxDiff, argmaxDiffer, inputs: count };
}

// ---------------------------------------------------------------------------------------------------------
// Accuracy against bit width

export interface LowBitFigureOptions extends DisplayOptions {
  /** bitWidthSweep's rows (float first, then one row per scheme and bit width). */
  sweep: AccuracyRow[];
  /** qatVsPtq results, drawn as separate QAT markers at their bit widths. */
  qat?: QatVsPtqResult[];
  title?: string;
  height?: number;
}

/** Test accuracy (mean ± sd over seeds, %) against weight bits: one line per scheme, QAT as markers, float dashed. */
export function lowBitFigure(opts: LowBitFigureOptions): Figure {
  const float = opts.sweep.find((r) => r.method === "float");
  const schemes = [...new Set(opts.sweep.filter((r) => r.method === "PTQ").map((r) => r.scheme))];
  const trace = (rows: AccuracyRow[], name: string, colour: string, mode: string) => ({
    type: "scatter", mode, name, x: rows.map((r) => r.bits), y: rows.map((r) => 100 * r.summary.mean),
    error_y: { type: "data", array: rows.map((r) => 100 * r.summary.sd), visible: true }, marker: { color: colour, size: 9 }, line: { color: colour },
  });
  const data: Record<string, unknown>[] = schemes.map((s, i) =>
    trace(opts.sweep.filter((r) => r.method === "PTQ" && r.scheme === s), `${s} PTQ`, CHART_COLOURS[i % CHART_COLOURS.length], "lines+markers"));
  const qatRows = (opts.qat ?? []).map((q) => q.rows.find((r) => r.method === "QAT")).filter((r): r is AccuracyRow => !!r);
  if (qatRows.length) data.push(trace(qatRows, `${qatRows[0].scheme} QAT`, CHART_COLOURS[schemes.length % CHART_COLOURS.length], "markers"));
  const bits = opts.sweep.filter((r) => r.bits !== null).map((r) => r.bits as number);
  if (float) {
    data.push({ type: "scatter", mode: "lines", name: "float", x: [Math.min(...bits), Math.max(...bits)],
      y: [100 * float.summary.mean, 100 * float.summary.mean], line: { dash: "dash", color: "#555" } });
  }
  return {
    data,
    layout: {
      title: opts.title ? { text: opts.title } : undefined, height: opts.height ?? 400,
      margin: { l: 60, r: 20, t: opts.title ? 60 : 20, b: 50 },
      xaxis: { title: { text: "weight bits" }, autorange: "reversed", dtick: 1 },
      yaxis: { title: { text: "test accuracy (%), mean ± sd over seeds" } },
    },
  };
}

/** Displays lowBitFigure(opts). */
export function lowBitChart(opts: LowBitFigureOptions): void {
  plot(lowBitFigure(opts), opts);
}
