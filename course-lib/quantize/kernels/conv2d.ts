// CONV_2D, int8, with TFLM reference semantics (integer_ops/conv.h ConvPerChannel): NHWC input (batch 1),
// OHWI filter, acc = Σ filter·(input − zp_in) over the taps inside the image (padded taps are skipped),
// + bias[c], MultiplyByQuantizedMultiplier(acc, M[c], shift[c]) + zp_out, clamped to the fused activation.
// Grouped conv (filter depth < input depth) is supported as TFLM does. Skipping a padded tap equals
// multiplying it by 0, so the kernel copies (input − zp_in) into a zero-bordered int32 buffer once per call
// and runs branch-free loops over it.
import type { FusedActivation, Padding } from "../graph";
import { multiplyByQuantizedMultiplierDouble, multiplyByQuantizedMultiplierSingle, type Rounding } from "../fixed-point";
import { activationRange, channelMultipliers, checkZeroPoint, windowGeometry, type WindowGeometry } from "./common";

export interface Conv2dSpec {
  /** NHWC with N = 1. */
  inShape: number[];
  /** OHWI. */
  filterShape: number[];
  stride: [number, number];
  dilation: [number, number];
  padding: Padding;
  activation: FusedActivation;
  inScale: number;
  inZeroPoint: number;
  /** One scale (per-tensor) or one per output channel. */
  filterScales: number[];
  outScale: number;
  outZeroPoint: number;
  rounding?: Rounding;
}

/** Geometry (output size, strides, dilations, padding, padded extent) from windowGeometry. */
export interface Conv2dPlan extends WindowGeometry {
  inH: number; inW: number; inC: number;
  outC: number;
  kH: number; kW: number; filterC: number; groups: number;
  inputOffset: number; outputOffset: number;
  multipliers: Int32Array; shifts: Int32Array;
  actMin: number; actMax: number;
  rounding: Rounding;
  /** The zero-bordered (input − zp_in) window region: paddedRows × paddedCols × inC. */
  padded: Int32Array;
}

export function prepareConv2d(spec: Conv2dSpec): Conv2dPlan {
  const [n, inH, inW, inC] = spec.inShape;
  const [outC, kH, kW, filterC] = spec.filterShape;
  if (spec.inShape.length !== 4 || n !== 1) throw new RangeError(`conv2d: input must be NHWC with batch 1, got [${spec.inShape}]`);
  if (spec.filterShape.length !== 4) throw new RangeError(`conv2d: filter must be OHWI, got [${spec.filterShape}]`);
  if (inC % filterC !== 0) throw new RangeError(`conv2d: input depth ${inC} is not a multiple of the filter depth ${filterC}`);
  const groups = inC / filterC;
  if (outC % groups !== 0) throw new RangeError(`conv2d: ${outC} output channels do not split into ${groups} groups`);
  checkZeroPoint(spec.inZeroPoint, "conv2d input");
  checkZeroPoint(spec.outZeroPoint, "conv2d output");
  const geometry = windowGeometry(spec.padding, inH, inW, kH, kW, spec.stride, spec.dilation);
  const rounding = spec.rounding ?? "double";
  const { multipliers, shifts } = channelMultipliers(spec.inScale, spec.filterScales, spec.outScale, outC, rounding);
  const [actMin, actMax] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
  return {
    inH, inW, inC, outC, kH, kW, filterC, groups,
    ...geometry,
    inputOffset: -spec.inZeroPoint,
    outputOffset: spec.outZeroPoint,
    multipliers, shifts, actMin, actMax, rounding,
    padded: new Int32Array(geometry.paddedRows * geometry.paddedCols * inC),
  };
}

/**
 * Fills `padded` with (input + inputOffset) for the window region [−padTop, −padTop + rows) ×
 * [−padLeft, −padLeft + cols) (shared with depthwise-conv2d). Cells outside the image are never written, so
 * they keep the 0 the buffer was created with.
 */
export function fillPadded(
  input: Int8Array, inH: number, inW: number, inC: number, inputOffset: number,
  padTop: number, padLeft: number, rows: number, cols: number, padded: Int32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const y = r - padTop;
    if (y < 0 || y >= inH) continue;
    const columns = Math.max(0, Math.min(inW, cols - padLeft)); // image columns inside the region
    let dst = (r * cols + padLeft) * inC;
    let src = y * inW * inC;
    const end = src + columns * inC;
    for (; src < end; src++, dst++) padded[dst] = input[src] + inputOffset;
  }
}

/** Requantize one accumulator and clamp it: the common tail of every MAC kernel (inlined by V8). */
export function requantizeClamp(acc: number, multiplier: number, shift: number, single: boolean, outputOffset: number, actMin: number, actMax: number): number {
  let q = (single ? multiplyByQuantizedMultiplierSingle(acc, multiplier, shift) : multiplyByQuantizedMultiplierDouble(acc, multiplier, shift)) + outputOffset;
  if (q < actMin) q = actMin;
  else if (q > actMax) q = actMax;
  return q;
}

export function conv2dInt8(plan: Conv2dPlan, input: Int8Array, filter: Int8Array, bias: Int32Array | null, output: Int8Array): void {
  const { inC, outH, outW, outC, kH, kW, filterC, strideH, strideW, dilationH, dilationW, multipliers, shifts, actMin, actMax, outputOffset } = plan;
  const padded = plan.padded;
  fillPadded(input, plan.inH, plan.inW, inC, plan.inputOffset, plan.padTop, plan.padLeft, plan.paddedRows, plan.paddedCols, padded);
  const single = plan.rounding === "single";
  const rowStride = plan.paddedCols * inC;
  const filterSize = kH * kW * filterC;
  const rowStep = dilationH * rowStride;
  const rowLength = kW * inC;
  const outCPerGroup = outC / plan.groups;
  const contiguousRow = plan.groups === 1 && dilationW === 1; // one kx·ic run per filter row
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const windowBase = oy * strideH * rowStride + ox * strideW * inC;
      const o = (oy * outW + ox) * outC;
      let oc = 0;
      if (contiguousRow) {
        // Four output channels at a time share every input load (a 1×4 register tile).
        for (; oc + 4 <= outC; oc += 4) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          let w0 = oc * filterSize;
          let w1 = w0 + filterSize;
          let w2 = w1 + filterSize;
          let w3 = w2 + filterSize;
          for (let ky = 0, row = windowBase; ky < kH; ky++, row += rowStep) {
            const end = row + rowLength;
            for (let p = row; p < end; p++) {
              const x = padded[p];
              a0 += filter[w0++] * x;
              a1 += filter[w1++] * x;
              a2 += filter[w2++] * x;
              a3 += filter[w3++] * x;
            }
          }
          if (bias !== null) {
            a0 += bias[oc];
            a1 += bias[oc + 1];
            a2 += bias[oc + 2];
            a3 += bias[oc + 3];
          }
          output[o + oc] = requantizeClamp(a0, multipliers[oc], shifts[oc], single, outputOffset, actMin, actMax);
          output[o + oc + 1] = requantizeClamp(a1, multipliers[oc + 1], shifts[oc + 1], single, outputOffset, actMin, actMax);
          output[o + oc + 2] = requantizeClamp(a2, multipliers[oc + 2], shifts[oc + 2], single, outputOffset, actMin, actMax);
          output[o + oc + 3] = requantizeClamp(a3, multipliers[oc + 3], shifts[oc + 3], single, outputOffset, actMin, actMax);
        }
        for (; oc < outC; oc++) {
          let acc = 0;
          let w = oc * filterSize;
          for (let ky = 0, row = windowBase; ky < kH; ky++, row += rowStep) {
            const end = row + rowLength;
            for (let p = row; p < end; p++) acc += filter[w++] * padded[p];
          }
          if (bias !== null) acc += bias[oc];
          output[o + oc] = requantizeClamp(acc, multipliers[oc], shifts[oc], single, outputOffset, actMin, actMax);
        }
      } else {
        for (; oc < outC; oc++) {
          let acc = 0;
          let w = oc * filterSize;
          const channelBase = ((oc / outCPerGroup) | 0) * filterC;
          for (let ky = 0; ky < kH; ky++) {
            for (let kx = 0; kx < kW; kx++) {
              const p = windowBase + ky * rowStep + kx * dilationW * inC + channelBase;
              for (let ic = 0; ic < filterC; ic++) acc += filter[w++] * padded[p + ic];
            }
          }
          if (bias !== null) acc += bias[oc];
          output[o + oc] = requantizeClamp(acc, multipliers[oc], shifts[oc], single, outputOffset, actMin, actMax);
        }
      }
    }
  }
}
