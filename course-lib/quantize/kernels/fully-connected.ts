// FULLY_CONNECTED, int8, with TFLM reference semantics (integer_ops/fully_connected.h FullyConnected and
// FullyConnectedPerChannel, the integer overloads TFLM's micro kernel calls): weights [out, in], the input
// flattened into rows of `in`, acc = Σ (w − zp_w)·(x − zp_in) + bias, MultiplyByQuantizedMultiplier with one
// (per-tensor) or per-output-channel (M, shift), + zp_out, fused clamp.
import type { FusedActivation } from "../graph";
import type { Rounding } from "../fixed-point";
import { requantizeClamp } from "./conv2d";
import { activationRange, channelMultipliers, checkZeroPoint } from "./common";

export interface FullyConnectedSpec {
  /** Number of input elements (rows × in). */
  inSize: number;
  /** [out, in]. */
  filterShape: number[];
  activation: FusedActivation;
  inScale: number;
  inZeroPoint: number;
  filterScales: number[];
  /** Per-tensor weights may carry a zero point (TFLM's filter_offset); per-channel weights are symmetric. */
  filterZeroPoint?: number;
  outScale: number;
  outZeroPoint: number;
  rounding?: Rounding;
}

export interface FullyConnectedPlan {
  rows: number; inDim: number; outDim: number;
  inputOffset: number; filterOffset: number; outputOffset: number;
  multipliers: Int32Array; shifts: Int32Array;
  actMin: number; actMax: number;
  rounding: Rounding;
  /** One row of (x − zp_in). */
  shiftedRow: Int32Array;
}

export function prepareFullyConnected(spec: FullyConnectedSpec): FullyConnectedPlan {
  if (spec.filterShape.length !== 2) throw new RangeError(`fullyConnected: weights must be [out, in], got [${spec.filterShape}]`);
  const [outDim, inDim] = spec.filterShape;
  if (spec.inSize % inDim !== 0) throw new RangeError(`fullyConnected: ${spec.inSize} input elements do not split into rows of ${inDim}`);
  checkZeroPoint(spec.inZeroPoint, "fullyConnected input");
  checkZeroPoint(spec.outZeroPoint, "fullyConnected output");
  const filterZeroPoint = spec.filterZeroPoint ?? 0;
  if (filterZeroPoint !== 0 && spec.filterScales.length !== 1) {
    throw new RangeError(`fullyConnected: per-channel weights must have zero point 0, got ${filterZeroPoint}`);
  }
  const rounding = spec.rounding ?? "double";
  const { multipliers, shifts } = channelMultipliers(spec.inScale, spec.filterScales, spec.outScale, outDim, rounding);
  const [actMin, actMax] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
  return {
    rows: spec.inSize / inDim, inDim, outDim,
    inputOffset: -spec.inZeroPoint, filterOffset: -filterZeroPoint, outputOffset: spec.outZeroPoint,
    multipliers, shifts, actMin, actMax, rounding,
    shiftedRow: new Int32Array(inDim),
  };
}

export function fullyConnectedInt8(plan: FullyConnectedPlan, input: Int8Array, filter: Int8Array, bias: Int32Array | null, output: Int8Array): void {
  const { rows, inDim, outDim, inputOffset, filterOffset, outputOffset, multipliers, shifts, actMin, actMax } = plan;
  const x = plan.shiftedRow;
  const single = plan.rounding === "single";
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const rowStart = r * inDim;
    for (let i = 0; i < inDim; i++) x[i] = input[rowStart + i] + inputOffset;
    for (let oc = 0; oc < outDim; oc++) {
      let acc = 0;
      let w = oc * inDim;
      if (filterOffset === 0) {
        for (let i = 0; i < inDim; i++) acc += filter[w++] * x[i];
      } else {
        for (let i = 0; i < inDim; i++) acc += (filter[w++] + filterOffset) * x[i];
      }
      if (bias !== null) acc += bias[oc];
      output[o++] = requantizeClamp(acc, multipliers[oc], shifts[oc], single, outputOffset, actMin, actMax);
    }
  }
}
