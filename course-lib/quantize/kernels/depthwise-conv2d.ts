// DEPTHWISE_CONV_2D, int8, with TFLM reference semantics (integer_ops/depthwise_conv.h): NHWC input (batch 1),
// filter [1, kh, kw, inC·multiplier], output channel oc = ic·multiplier + m; padded taps skipped (a zero
// border of (input − zp_in), as in conv2d.ts), per-channel M/shift on the output channel, fused clamp.
import type { Rounding } from "../fixed-point";
import { activationRange, channelMultipliers, checkZeroPoint, windowGeometry, type WindowGeometry } from "./common";
import { fillPadded, requantizeClamp, type Conv2dSpec } from "./conv2d";

/** Conv2dSpec's fields, with filterShape [1, kh, kw, inC·depthMultiplier]. */
export interface DepthwiseConv2dSpec extends Conv2dSpec {
  depthMultiplier: number;
}

export interface DepthwiseConv2dPlan extends WindowGeometry {
  inH: number; inW: number; inC: number;
  outC: number; depthMultiplier: number;
  kH: number; kW: number;
  inputOffset: number; outputOffset: number;
  multipliers: Int32Array; shifts: Int32Array;
  actMin: number; actMax: number;
  rounding: Rounding;
  padded: Int32Array;
  /** Scratch: the input offset of each filter tap. */
  tapOffsets: Int32Array;
}

export function prepareDepthwiseConv2d(spec: DepthwiseConv2dSpec): DepthwiseConv2dPlan {
  const [n, inH, inW, inC] = spec.inShape;
  const [one, kH, kW, outC] = spec.filterShape;
  if (spec.inShape.length !== 4 || n !== 1) throw new RangeError(`depthwiseConv2d: input must be NHWC with batch 1, got [${spec.inShape}]`);
  if (spec.filterShape.length !== 4 || one !== 1) throw new RangeError(`depthwiseConv2d: filter must be [1, kh, kw, C·M], got [${spec.filterShape}]`);
  if (outC !== inC * spec.depthMultiplier) {
    throw new RangeError(`depthwiseConv2d: filter has ${outC} channels, expected input depth ${inC} × multiplier ${spec.depthMultiplier}`);
  }
  checkZeroPoint(spec.inZeroPoint, "depthwiseConv2d input");
  checkZeroPoint(spec.outZeroPoint, "depthwiseConv2d output");
  const geometry = windowGeometry(spec.padding, inH, inW, kH, kW, spec.stride, spec.dilation);
  const rounding = spec.rounding ?? "double";
  const { multipliers, shifts } = channelMultipliers(spec.inScale, spec.filterScales, spec.outScale, outC, rounding);
  const [actMin, actMax] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
  return {
    inH, inW, inC, outC, depthMultiplier: spec.depthMultiplier, kH, kW,
    ...geometry,
    inputOffset: -spec.inZeroPoint, outputOffset: spec.outZeroPoint,
    multipliers, shifts, actMin, actMax, rounding,
    padded: new Int32Array(geometry.paddedRows * geometry.paddedCols * inC),
    tapOffsets: new Int32Array(kH * kW),
  };
}

export function depthwiseConv2dInt8(
  plan: DepthwiseConv2dPlan, input: Int8Array, filter: Int8Array, bias: Int32Array | null, output: Int8Array,
): void {
  const { inC, outH, outW, outC, depthMultiplier, kH, kW, strideH, strideW, dilationH, dilationW, multipliers, shifts, actMin, actMax, outputOffset } = plan;
  const padded = plan.padded;
  fillPadded(input, plan.inH, plan.inW, inC, plan.inputOffset, plan.padTop, plan.padLeft, plan.paddedRows, plan.paddedCols, padded);
  const single = plan.rounding === "single";
  const rowStride = plan.paddedCols * inC;
  // Offsets of the kh·kw taps in the padded input (relative to the window's corner) and in the filter.
  const taps = kH * kW;
  const tapInput = plan.tapOffsets;
  for (let ky = 0, t = 0; ky < kH; ky++) {
    for (let kx = 0; kx < kW; kx++, t++) tapInput[t] = ky * dilationH * rowStride + kx * dilationW * inC;
  }
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const windowBase = oy * strideH * rowStride + ox * strideW * inC;
      const o = (oy * outW + ox) * outC;
      for (let oc = 0; oc < outC; oc++) {
        // oc = ic·multiplier + m reads input channel ic.
        const p = windowBase + (depthMultiplier === 1 ? oc : (oc / depthMultiplier) | 0);
        let acc = 0;
        for (let t = 0, w = oc; t < taps; t++, w += outC) acc += filter[w] * padded[p + tapInput[t]];
        if (bias !== null) acc += bias[oc];
        output[o + oc] = requantizeClamp(acc, multipliers[oc], shifts[oc], single, outputOffset, actMin, actMax);
      }
    }
  }
}
