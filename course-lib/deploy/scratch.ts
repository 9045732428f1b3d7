// How much scratch RAM each C kernel needs, besides its input and output tensors. The generated model.c
// declares one `nn_scratch` buffer of the largest need over the model's operators (each op uses it only while
// it runs), so this table is what sizes it: too small and a kernel writes past it, so every kernel's C file
// must stay within the figure given here for its parameters.
//
// Reference kernels (kernels/reference/*.c): only MEAN needs scratch (its out_size int32 sums); conv,
// depthwise and fully connected skip padded taps inside their loops and need none.
// Optimized kernels (kernels/optimized/*.c): a per-channel requantization table, int16 columns and an im2col
// staging row (conv), int16 weight pairs and a ring of int16 input planes (depthwise); see
// OPTIMIZED_SCRATCH. An op with no entry there runs its reference kernel and needs what that needs.
import type { GraphOp, GraphOpKind, QuantizedGraph } from "../quantize/graph";
import type { Conv2dPlan } from "../quantize/kernels/conv2d";
import type { DepthwiseConv2dPlan } from "../quantize/kernels/depthwise-conv2d";
import type { FullyConnectedPlan } from "../quantize/kernels/fully-connected";
import type { MeanPlan } from "../quantize/kernels/mean";
import type { KernelSet } from "./c/sources";
import { checkKernelSet } from "./c/sources";

/** Scratch bytes of one operator given its prepared plan (the interpreter's kernel plan object). */
export type ScratchNeed = (op: GraphOp, plan: unknown) => number;

/** The reference kernels' needs; ops not listed need none. */
export const REFERENCE_SCRATCH: Partial<Record<GraphOpKind, ScratchNeed>> = {
  mean: (_op, plan) => 4 * (plan as MeanPlan).outSize,
};

// The optimized kernels' layouts, byte for byte as the C lays them out (each part a multiple of 4 bytes):
// kernels/optimized/nn_optimized.h (the per-channel table, the int16 columns), conv2d_s8.c,
// depthwise_conv2d_s8.c and fully_connected_s8.c (their header comments give the same layouts).

/** sizeof(nn_opt_channel): {bias, multiplier, round, shift}, one per output channel. */
const CHANNEL_BYTES = 16;

/** NN_OPT_COLUMN_WORDS(k, n) · 4: n interleaved int16 columns of k values (2n words per group of 4, then the tail). */
function columnBytes(k: number, n: number): number {
  return 4 * (2 * n * Math.floor(k / 4) + Math.floor(((k % 4) * n + 1) / 2));
}

/** conv2d_s8.c's NN_CONV_COLUMN_BUDGET and max_columns(): 4 columns (the 1 x 4 tile), or 2 or 1. */
const CONV_COLUMN_BUDGET = 4096;
function convColumns(k: number, pixels: number): number {
  let n = 4;
  while (n > 1 && (n > pixels || columnBytes(k, n) > CONV_COLUMN_BUDGET)) n /= 2;
  return n;
}

/** depthwise_conv2d_s8.c's NN_DW_BLOCK (channels per set of planes) and NN_DW_STRIP (output rows per strip
 * on its 3 x 3 path). */
const DW_BLOCK = 4;
const DW_STRIP = 8;

function conv2dScratch(p: Conv2dPlan): number {
  if (p.groups !== 1) return 0; // grouped: the reference kernel runs, and needs none
  const k = p.kH * p.kW * p.inC;
  const pointwise = p.kH === 1 && p.kW === 1 && p.padTop === 0 && p.padLeft === 0;
  return p.outC * CHANNEL_BYTES + columnBytes(k, convColumns(k, p.outH * p.outW)) + (pointwise ? 0 : Math.ceil(k / 4) * 4);
}

function depthwiseScratch(p: DepthwiseConv2dPlan): number {
  if (p.dilationH !== 1 || p.dilationW !== 1) return 0; // dilated: the reference kernel runs
  const fast = p.kH === 3 && p.kW === 3 && (p.strideW === 1 || p.strideW === 2); // the two-pass 3 x 3 path
  const strip = fast ? DW_STRIP : 1;
  const pairs = Math.ceil(p.kW / 2);
  const window = (fast ? p.outW : p.outW - 1) * p.strideW + p.kW + 1;
  const width = 2 * Math.ceil(Math.max(p.padLeft + p.inW, window) / 2);
  const slots = Math.min((strip - 1) * p.strideH + p.kH, (p.outH - 1) * p.strideH + p.kH);
  const planes = 2 * (slots + 1) * Math.min(DW_BLOCK, p.inC) * width;
  const sums = fast ? 4 * (DW_STRIP * p.outW + 1) : 0; // the 3 x 3 path's int32 sums of a strip, and a spare
  return p.outC * CHANNEL_BYTES + 4 * p.outC * p.kH * pairs + 2 * 4 * slots + sums + planes;
}

function fullyConnectedScratch(p: FullyConnectedPlan): number {
  return p.outDim * CHANNEL_BYTES; // the inputs are widened on the fly, no column buffer
}

/**
 * The optimized kernels' needs (kernels/optimized/*.c). They are sized for the optimized path even where a
 * call falls back to the reference kernel at run time (requantization parameters outside the fast path),
 * which needs none. An op kind absent here uses its reference kernel in an optimized build too.
 */
export const OPTIMIZED_SCRATCH: Partial<Record<GraphOpKind, ScratchNeed>> = {
  conv2d: (_op, plan) => conv2dScratch(plan as Conv2dPlan),
  depthwiseConv2d: (_op, plan) => depthwiseScratch(plan as DepthwiseConv2dPlan),
  fullyConnected: (_op, plan) => fullyConnectedScratch(plan as FullyConnectedPlan),
};

// Which calls the optimized kernels hand to the reference kernel, as their C decides it at run time
// (kernels/optimized/*.c, nn_opt_prepare_channels in mat_mult_s8_s16.c), so that a report or a test can say
// which layers the DSP code actually ran. Keep in step with the C: kernels-optimized.test.ts checks this
// function against instruction counts on QEMU (a fallback runs at the reference kernel's cost).

/** |accumulator| bound the fast requantization needs (NN_OPT_ACC_LIMIT) and its largest right shift. */
const ACC_LIMIT = 2 ** 30;
const MAX_RIGHT_SHIFT = 22;

/** max |v + offset| over int8 v (nn_opt_max_abs_offset). */
function maxAbsOffset(offset: number): number {
  return Math.max(Math.abs(-128 + offset), Math.abs(127 + offset));
}

function requantizationFallback(plan: { multipliers: Int32Array; shifts: Int32Array }, bias: readonly number[] | null, maxAbsDot: number): string | null {
  for (let c = 0; c < plan.multipliers.length; c++) {
    const m = plan.multipliers[c];
    const e = -plan.shifts[c];
    if (m < 0) return `channel ${c}: multiplier ${m} < 0`;
    if (e < 1 || e > MAX_RIGHT_SHIFT) return `channel ${c}: shift ${plan.shifts[c]} outside [-${MAX_RIGHT_SHIFT}, -1] (the fast requantization's range)`;
    const b = bias ? Math.abs(bias[c]) : 0;
    if (b + maxAbsDot >= ACC_LIMIT) return `channel ${c}: |bias| ${b} + largest sum of products ${maxAbsDot} reaches 2^30`;
  }
  return null;
}

/**
 * Why the optimized kernel of `op` (with its prepared `plan`, in `graph`) runs the reference kernel instead,
 * or null when the DSP code computes it. Ops without an optimized kernel return null too (nothing to fall
 * back from: they always run their one kernel).
 */
export function optimizedKernelFallback(graph: QuantizedGraph, op: GraphOp, plan: unknown): string | null {
  const biasOf = (id: number): number[] | null => (id === -1 ? null : graph.tensors[id].data ?? null);
  switch (op.kind) {
    case "conv2d": {
      const p = plan as Conv2dPlan;
      if (p.groups !== 1) return `grouped convolution (${p.groups} groups)`;
      return requantizationFallback(p, biasOf(op.inputs[2]), p.kH * p.kW * p.inC * 128 * maxAbsOffset(p.inputOffset));
    }
    case "depthwiseConv2d": {
      const p = plan as DepthwiseConv2dPlan;
      if (p.dilationH !== 1 || p.dilationW !== 1) return `dilation ${p.dilationH}x${p.dilationW}`;
      return requantizationFallback(p, biasOf(op.inputs[2]), p.kH * p.kW * 128 * maxAbsOffset(p.inputOffset));
    }
    case "fullyConnected": {
      const p = plan as FullyConnectedPlan;
      return requantizationFallback(p, biasOf(op.inputs[2]), p.inDim * (128 + Math.abs(p.filterOffset)) * maxAbsOffset(p.inputOffset));
    }
    default:
      return null;
  }
}

/** Scratch bytes operator `op` needs with kernel set `kernels` (a multiple of 4, or 0). */
export function scratchBytes(op: GraphOp, plan: unknown, kernels: KernelSet): number {
  checkKernelSet(kernels);
  const need = (kernels === "optimized" ? OPTIMIZED_SCRATCH[op.kind] : undefined) ?? REFERENCE_SCRATCH[op.kind];
  const bytes = need ? need(op, plan) : 0;
  if (!(Number.isInteger(bytes) && bytes >= 0)) {
    throw new RangeError(`scratchBytes: the ${kernels} ${op.kind} kernel reports ${bytes} bytes, expected a non-negative integer`);
  }
  return Math.ceil(bytes / 4) * 4;
}
