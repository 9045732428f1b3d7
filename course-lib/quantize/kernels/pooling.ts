// AVERAGE_POOL_2D and MAX_POOL_2D, int8, with TFLM semantics (integer_ops/pooling.h; CMSIS-NN's arm_avgpool_s8
// uses the same formula): the window is clipped to the image, so padding is neither summed nor counted;
// average = (acc ± n/2)/n with C's truncating division (half away from zero); max starts at −128; then the
// fused-activation clamp. No requantization: TFLite requires the input and output to share scale and zero point.
import type { FusedActivation, Padding } from "../graph";
import { activationRange, checkZeroPoint, paddingBefore, windowedOutputSize } from "./common";

export interface Pool2dSpec {
  inShape: number[];
  filter: [number, number];
  stride: [number, number];
  padding: Padding;
  activation: FusedActivation;
  scale: number;
  zeroPoint: number;
}

export interface Pool2dPlan {
  inH: number; inW: number; channels: number;
  outH: number; outW: number;
  filterH: number; filterW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  actMin: number; actMax: number;
}

export function preparePool2d(spec: Pool2dSpec): Pool2dPlan {
  const [n, inH, inW, channels] = spec.inShape;
  if (spec.inShape.length !== 4 || n !== 1) throw new RangeError(`pool2d: input must be NHWC with batch 1, got [${spec.inShape}]`);
  checkZeroPoint(spec.zeroPoint, "pool2d");
  const [filterH, filterW] = spec.filter;
  const [strideH, strideW] = spec.stride;
  const outH = windowedOutputSize(spec.padding, inH, filterH, strideH, 1);
  const outW = windowedOutputSize(spec.padding, inW, filterW, strideW, 1);
  const [actMin, actMax] = activationRange(spec.activation, spec.scale, spec.zeroPoint);
  return {
    inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW,
    padTop: paddingBefore(spec.padding, inH, filterH, strideH, 1, outH),
    padLeft: paddingBefore(spec.padding, inW, filterW, strideW, 1, outW),
    actMin, actMax,
  };
}

export function averagePool2dInt8(plan: Pool2dPlan, input: Int8Array, output: Int8Array): void {
  const { inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft, actMin, actMax } = plan;
  for (let oy = 0; oy < outH; oy++) {
    const yOrigin = oy * strideH - padTop;
    const yStart = Math.max(0, yOrigin);
    const yEnd = Math.min(inH, yOrigin + filterH);
    for (let ox = 0; ox < outW; ox++) {
      const xOrigin = ox * strideW - padLeft;
      const xStart = Math.max(0, xOrigin);
      const xEnd = Math.min(inW, xOrigin + filterW);
      const count = (yEnd - yStart) * (xEnd - xStart);
      if (count <= 0) throw new RangeError(`averagePool2d: output (${oy}, ${ox}) has an empty window`);
      const half = (count / 2) | 0;
      const outBase = (oy * outW + ox) * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let y = yStart; y < yEnd; y++) {
          for (let x = xStart; x < xEnd; x++) acc += input[(y * inW + x) * channels + c];
        }
        let q = acc > 0 ? ((acc + half) / count) | 0 : ((acc - half) / count) | 0;
        if (q < actMin) q = actMin;
        else if (q > actMax) q = actMax;
        output[outBase + c] = q;
      }
    }
  }
}

export function maxPool2dInt8(plan: Pool2dPlan, input: Int8Array, output: Int8Array): void {
  const { inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft, actMin, actMax } = plan;
  for (let oy = 0; oy < outH; oy++) {
    const yOrigin = oy * strideH - padTop;
    const yStart = Math.max(0, yOrigin);
    const yEnd = Math.min(inH, yOrigin + filterH);
    for (let ox = 0; ox < outW; ox++) {
      const xOrigin = ox * strideW - padLeft;
      const xStart = Math.max(0, xOrigin);
      const xEnd = Math.min(inW, xOrigin + filterW);
      const outBase = (oy * outW + ox) * channels;
      for (let c = 0; c < channels; c++) {
        let max = -128;
        for (let y = yStart; y < yEnd; y++) {
          for (let x = xStart; x < xEnd; x++) {
            const v = input[(y * inW + x) * channels + c];
            if (v > max) max = v;
          }
        }
        if (max < actMin) max = actMin;
        else if (max > actMax) max = actMax;
        output[outBase + c] = max;
      }
    }
  }
}
