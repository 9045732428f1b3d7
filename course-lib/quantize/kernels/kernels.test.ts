// Per-op tests of the int8 kernels' TFLM semantics: hand-worked ties after scaling (positive and negative, in
// both rounding modes, the values of the notes' table), saturation, padded taps skipped, SAME padding's odd
// pixel after, average pool's count without padding and its (acc ± n/2)/n rounding, ADD's 2^20 pre-shift and
// its three multipliers, MEAN's folded 1/N (including a case where the fold changes the answer), fused
// ReLU/ReLU6 clamps with float32 rounding, broadcasting for squeeze-excite, and conv/depthwise/dense against a
// plain float computation on dequantized values (≤ 1 LSB) on random shapes, strides, dilations and paddings.
import { describe, expect, it } from "vitest";
import { mulberry32, type RandomSource } from "../../data/random";
import type { FusedActivation, Padding } from "../graph";
import { quantizeMultiplier } from "../fixed-point";
import { activationRange } from "./common";
import { conv2dInt8, prepareConv2d } from "./conv2d";
import { depthwiseConv2dInt8, prepareDepthwiseConv2d } from "./depthwise-conv2d";
import { fullyConnectedInt8, prepareFullyConnected } from "./fully-connected";
import { ADD_LEFT_SHIFT, addInt8, prepareAdd } from "./add";
import { mulInt8, prepareMul } from "./mul";
import { meanInt8, prepareMean } from "./mean";
import { averagePool2dInt8, maxPool2dInt8, preparePool2d } from "./pooling";
import { padInt8, preparePad } from "./pad";
import { resolveReshape } from "./reshape";
import { concatenationInt8, prepareConcatenation } from "./concatenation";
import { prepareRequantize, requantizeInt8 } from "./quantize";

const i8 = (values: number[]): Int8Array => Int8Array.from(values);
const list = (a: Int8Array): number[] => Array.from(a);

// x·0.25 for x = 1, 5, −2, −6, 6: the notes' table (double 1, 2, −1, −2, 2; single 0, 1, 0, −1, 2).
const TIE_INPUTS = [1, 5, -2, -6, 6];
const TIE_DOUBLE = [1, 2, -1, -2, 2];
const TIE_SINGLE = [0, 1, 0, -1, 2];

function conv1x1(values: number[], weight: number, wScale: number, rounding: "double" | "single", activation: FusedActivation = "none", outZp = 0) {
  const plan = prepareConv2d({
    inShape: [1, 1, values.length, 1], filterShape: [1, 1, 1, 1], stride: [1, 1], dilation: [1, 1], padding: "valid",
    activation, inScale: 1, inZeroPoint: 0, filterScales: [wScale], outScale: 1, outZeroPoint: outZp, rounding,
  });
  const out = new Int8Array(values.length);
  conv2dInt8(plan, i8(values), i8([weight]), null, out);
  return list(out);
}

describe("fused activation clamps (CalculateActivationRangeQuantized)", () => {
  it("relu: zp + round(0/s); relu6: zp + round(6/s) in float32, half away from zero", () => {
    expect(activationRange("none", 0.05, -10)).toEqual([-128, 127]);
    expect(activationRange("relu", 0.05, -10)).toEqual([-10, 127]);
    expect(activationRange("relu6", 0.05, -10)).toEqual([-10, 110]); // 6/0.05 = 120
    expect(activationRange("relu6", 4, -3)).toEqual([-3, -1]); // 6/4 = 1.5 → 2 (tie away from zero)
    expect(activationRange("relu6", Math.fround(6 / 255), -128)).toEqual([-128, 127]); // person_detect's ReLU6 output
    expect(activationRange("relu", 0.1, -128 - 0)).toEqual([-128, 127]);
  });

  it("the conv output is clamped to the fused range", () => {
    // zp_out 0, scale 1 → relu clamps at 0; relu6 at 6.
    expect(conv1x1([-5, 3, 100], 1, 1, "double", "relu")).toEqual([0, 3, 100]);
    expect(conv1x1([-5, 3, 100], 1, 1, "double", "relu6")).toEqual([0, 3, 6]);
  });
});

describe("conv2d", () => {
  it("rounds the notes' ties: double vs single rounding", () => {
    // s_in·s_w/s_out = 0.25 → (2^30, −1).
    expect(conv1x1(TIE_INPUTS, 1, 0.25, "double")).toEqual(TIE_DOUBLE);
    expect(conv1x1(TIE_INPUTS, 1, 0.25, "single")).toEqual(TIE_SINGLE);
  });

  it("saturates beyond int8 after requantization", () => {
    expect(conv1x1([127, -128, 100], 127, 1, "double")).toEqual([127, -128, 127]);
    expect(conv1x1([10], 1, 1, "double", "none", 120)).toEqual([127]); // 10 + zp 120
  });

  it("skips padded taps (= padding with the input zero point) and puts SAME's odd pixel after", () => {
    const zp = 10;
    const real = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // 3×3 image, values above the zero point
    const plan = prepareConv2d({
      inShape: [1, 3, 3, 1], filterShape: [1, 3, 3, 1], stride: [1, 1], dilation: [1, 1], padding: "same",
      activation: "none", inScale: 1, inZeroPoint: zp, filterScales: [1], outScale: 1, outZeroPoint: 0,
    });
    const out = new Int8Array(9);
    conv2dInt8(plan, i8(real.map((r) => r + zp)), i8(new Array(9).fill(1)), null, out);
    // Each output is the sum of its in-image 3×3 neighbourhood of real values.
    expect(list(out)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);

    // 4×4 input, 2×2 kernel, stride 2, SAME: total padding (2−1)·2 + 2 − 4 = 0. With a 3×3 kernel: 1, all after.
    const plan3 = prepareConv2d({
      inShape: [1, 4, 4, 1], filterShape: [1, 3, 3, 1], stride: [2, 2], dilation: [1, 1], padding: "same",
      activation: "none", inScale: 1, inZeroPoint: 0, filterScales: [1], outScale: 1, outZeroPoint: 0,
    });
    expect([plan3.outH, plan3.outW, plan3.padTop, plan3.padLeft]).toEqual([2, 2, 0, 0]);
    const img = Array.from({ length: 16 }, (_, i) => i);
    const out3 = new Int8Array(4);
    conv2dInt8(plan3, i8(img), i8(new Array(9).fill(1)), null, out3);
    // (0,0): rows 0-2, cols 0-2; (0,1): rows 0-2, cols 2-3 (col 4 is padding) …
    const windowSum = (r0: number, c0: number) => {
      let s = 0;
      for (let r = r0; r < Math.min(4, r0 + 3); r++) for (let c = c0; c < Math.min(4, c0 + 3); c++) s += img[r * 4 + c];
      return s;
    };
    expect(list(out3)).toEqual([windowSum(0, 0), windowSum(0, 2), windowSum(2, 0), windowSum(2, 2)]);
  });

  it("uses per-channel multipliers (double)s_in·(double)s_w[c]/(double)s_out from float32 scales", () => {
    const sIn = Math.fround(0.0244801);
    const sW = [Math.fround(0.0031), Math.fround(0.0123)];
    const sOut = Math.fround(0.057);
    const plan = prepareConv2d({
      inShape: [1, 1, 1, 1], filterShape: [2, 1, 1, 1], stride: [1, 1], dilation: [1, 1], padding: "valid",
      activation: "none", inScale: sIn, inZeroPoint: 0, filterScales: sW, outScale: sOut, outZeroPoint: 0,
    });
    for (let c = 0; c < 2; c++) {
      const q = quantizeMultiplier((sIn * sW[c]) / sOut);
      expect([plan.multipliers[c], plan.shifts[c]]).toEqual([q.multiplier, q.shift]);
    }
  });

  it("matches a float computation on dequantized values within 1 LSB (random shapes, strides, dilations, paddings)", () => {
    const rand = mulberry32(42);
    let values = 0;
    let exact = 0;
    for (let trial = 0; trial < 40; trial++) {
      const kH = 1 + Math.floor(rand() * 3), kW = 1 + Math.floor(rand() * 3);
      const inC = 1 + Math.floor(rand() * 5), outC = 1 + Math.floor(rand() * 6);
      const groups = trial % 5 === 0 && inC % 2 === 0 ? 2 : 1;
      const filterC = inC / groups;
      const outCg = groups === 2 && outC % 2 === 1 ? outC + 1 : outC;
      const spec = randomConvSpec(rand, kH, kW);
      const filterScales = Array.from({ length: outCg }, () => Math.fround(0.002 + rand() * 0.02));
      const plan = prepareConv2d({ ...spec, filterShape: [outCg, kH, kW, filterC], inShape: [1, spec.h, spec.w, inC], filterScales });
      const input = randomInt8(rand, spec.h * spec.w * inC);
      const filter = randomInt8(rand, outCg * kH * kW * filterC, 127);
      const bias = Int32Array.from({ length: outCg }, () => Math.round((rand() - 0.5) * 2000));
      const out = new Int8Array(plan.outH * plan.outW * outCg);
      conv2dInt8(plan, input, filter, bias, out);
      // Float reference: real-valued conv of the dequantized tensors, then quantize once.
      const sIn = spec.inScale, zpIn = spec.inZeroPoint;
      let o = 0;
      for (let oy = 0; oy < plan.outH; oy++) {
        for (let ox = 0; ox < plan.outW; ox++) {
          for (let oc = 0; oc < outCg; oc++) {
            const g = Math.floor(oc / (outCg / groups));
            let acc = bias[oc] * sIn * filterScales[oc];
            for (let ky = 0; ky < kH; ky++) {
              for (let kx = 0; kx < kW; kx++) {
                const y = oy * spec.stride[0] - plan.padTop + ky * spec.dilation[0];
                const x = ox * spec.stride[1] - plan.padLeft + kx * spec.dilation[1];
                if (y < 0 || y >= spec.h || x < 0 || x >= spec.w) continue;
                for (let ic = 0; ic < filterC; ic++) {
                  const real = (input[(y * spec.w + x) * inC + g * filterC + ic] - zpIn) * sIn;
                  acc += real * filter[((oc * kH + ky) * kW + kx) * filterC + ic] * filterScales[oc];
                }
              }
            }
            const [lo, hi] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
            const expected = Math.min(hi, Math.max(lo, Math.round(acc / spec.outScale) + spec.outZeroPoint));
            expect(Math.abs(out[o] - expected), `trial ${trial} at ${o}`).toBeLessThanOrEqual(1);
            if (out[o] === expected) exact++;
            values++;
            o++;
          }
        }
      }
    }
    expect(values).toBeGreaterThan(500);
    expect(exact / values).toBeGreaterThan(0.9);
  });
});

function randomInt8(rand: RandomSource, n: number, max = 127): Int8Array {
  return Int8Array.from({ length: n }, () => Math.max(-max, Math.min(max, Math.floor(rand() * 256) - 128)));
}

function randomConvSpec(rand: RandomSource, kH: number, kW: number) {
  const padding: Padding = rand() < 0.5 ? "same" : "valid";
  const stride: [number, number] = [1 + Math.floor(rand() * 2), 1 + Math.floor(rand() * 2)];
  const dilation: [number, number] = rand() < 0.3 ? [2, 1 + Math.floor(rand() * 2)] : [1, 1];
  const acts: FusedActivation[] = ["none", "relu", "relu6"];
  return {
    h: 5 + Math.floor(rand() * 5), w: 5 + Math.floor(rand() * 5), padding, stride, dilation,
    activation: acts[Math.floor(rand() * 3)],
    inScale: Math.fround(0.01 + rand() * 0.05), inZeroPoint: Math.floor(rand() * 60) - 30,
    outScale: Math.fround(0.02 + rand() * 0.05), outZeroPoint: Math.floor(rand() * 60) - 30,
  };
}

describe("depthwiseConv2d", () => {
  it("orders output channels ic·multiplier + m", () => {
    const plan = prepareDepthwiseConv2d({
      inShape: [1, 1, 1, 2], filterShape: [1, 1, 1, 4], depthMultiplier: 2, stride: [1, 1], dilation: [1, 1], padding: "valid",
      activation: "none", inScale: 1, inZeroPoint: 0, filterScales: [1, 1, 1, 1], outScale: 1, outZeroPoint: 0,
    });
    const out = new Int8Array(4);
    depthwiseConv2dInt8(plan, i8([3, 5]), i8([1, 2, 3, 4]), Int32Array.from([0, 0, 0, 100]), out);
    expect(list(out)).toEqual([3, 6, 15, 120]);
  });

  it("rounds ties and skips padded taps", () => {
    // 1×5 input, 1×3 kernel of ones, SAME: the end outputs see 2 taps. Scale 0.25.
    const plan = prepareDepthwiseConv2d({
      inShape: [1, 1, 5, 1], filterShape: [1, 1, 3, 1], depthMultiplier: 1, stride: [1, 1], dilation: [1, 1], padding: "same",
      activation: "none", inScale: 1, inZeroPoint: -7, filterScales: [0.25], outScale: 1, outZeroPoint: 0,
    });
    const real = [1, 1, -3, 0, -2]; // window sums 2, −1, −2, −5, −2 → ×0.25
    const out = new Int8Array(5);
    depthwiseConv2dInt8(plan, i8(real.map((r) => r - 7)), i8([1, 1, 1]), null, out);
    expect(list(out)).toEqual([1, 0, -1, -1, -1]); // 0.5 → 1, −0.25 → 0, −0.5 → −1, −1.25 → −1, −0.5 → −1
    depthwiseConv2dInt8({ ...plan, rounding: "single" }, i8(real.map((r) => r - 7)), i8([1, 1, 1]), null, out);
    expect(list(out)).toEqual([1, 0, 0, -1, 0]);
  });

  it("matches a float computation within 1 LSB (random, multipliers 1-3)", () => {
    const rand = mulberry32(7);
    let values = 0;
    for (let trial = 0; trial < 30; trial++) {
      const kH = 1 + Math.floor(rand() * 3), kW = 1 + Math.floor(rand() * 3);
      const inC = 1 + Math.floor(rand() * 5), mult = 1 + Math.floor(rand() * 3);
      const outC = inC * mult;
      const spec = randomConvSpec(rand, kH, kW);
      const filterScales = Array.from({ length: outC }, () => Math.fround(0.002 + rand() * 0.02));
      const plan = prepareDepthwiseConv2d({ ...spec, inShape: [1, spec.h, spec.w, inC], filterShape: [1, kH, kW, outC], depthMultiplier: mult, filterScales });
      const input = randomInt8(rand, spec.h * spec.w * inC);
      const filter = randomInt8(rand, kH * kW * outC, 127);
      const bias = Int32Array.from({ length: outC }, () => Math.round((rand() - 0.5) * 2000));
      const out = new Int8Array(plan.outH * plan.outW * outC);
      depthwiseConv2dInt8(plan, input, filter, bias, out);
      let o = 0;
      const [lo, hi] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
      for (let oy = 0; oy < plan.outH; oy++) {
        for (let ox = 0; ox < plan.outW; ox++) {
          for (let oc = 0; oc < outC; oc++) {
            const ic = Math.floor(oc / mult);
            let acc = bias[oc] * spec.inScale * filterScales[oc];
            for (let ky = 0; ky < kH; ky++) {
              for (let kx = 0; kx < kW; kx++) {
                const y = oy * spec.stride[0] - plan.padTop + ky * spec.dilation[0];
                const x = ox * spec.stride[1] - plan.padLeft + kx * spec.dilation[1];
                if (y < 0 || y >= spec.h || x < 0 || x >= spec.w) continue;
                acc += (input[(y * spec.w + x) * inC + ic] - spec.inZeroPoint) * spec.inScale * filter[(ky * kW + kx) * outC + oc] * filterScales[oc];
              }
            }
            const expected = Math.min(hi, Math.max(lo, Math.round(acc / spec.outScale) + spec.outZeroPoint));
            expect(Math.abs(out[o++] - expected), `trial ${trial}`).toBeLessThanOrEqual(1);
            values++;
          }
        }
      }
    }
    expect(values).toBeGreaterThan(500);
  });
});

describe("fullyConnected", () => {
  it("rounds the ties per row and applies a per-tensor weight zero point", () => {
    const spec = { inSize: 5, filterShape: [1, 1], activation: "none" as const, inScale: 1, inZeroPoint: 0, filterScales: [0.25], outScale: 1, outZeroPoint: 0 };
    const out = new Int8Array(5);
    fullyConnectedInt8(prepareFullyConnected(spec), i8(TIE_INPUTS), i8([1]), null, out);
    expect(list(out)).toEqual(TIE_DOUBLE);
    fullyConnectedInt8(prepareFullyConnected({ ...spec, rounding: "single" }), i8(TIE_INPUTS), i8([1]), null, out);
    expect(list(out)).toEqual(TIE_SINGLE);
    // Weight q = 3 with zero point 2 is the real weight 1·s_w.
    fullyConnectedInt8(prepareFullyConnected({ ...spec, filterZeroPoint: 2 }), i8(TIE_INPUTS), i8([3]), null, out);
    expect(list(out)).toEqual(TIE_DOUBLE);
  });

  it("matches a float computation within 1 LSB, per-tensor and per-channel", () => {
    const rand = mulberry32(3);
    for (const perChannel of [false, true]) {
      const inDim = 37, outDim = 11;
      const filterScales = perChannel ? Array.from({ length: outDim }, () => Math.fround(0.001 + rand() * 0.01)) : [Math.fround(0.004)];
      const spec = { inSize: inDim, filterShape: [outDim, inDim], activation: "relu" as const, inScale: Math.fround(0.03), inZeroPoint: -5, filterScales, outScale: Math.fround(0.05), outZeroPoint: -20 };
      const plan = prepareFullyConnected(spec);
      for (let trial = 0; trial < 10; trial++) {
        const x = randomInt8(rand, inDim);
        const w = randomInt8(rand, inDim * outDim, 127);
        const bias = Int32Array.from({ length: outDim }, () => Math.round((rand() - 0.5) * 4000));
        const out = new Int8Array(outDim);
        fullyConnectedInt8(plan, x, w, bias, out);
        for (let o = 0; o < outDim; o++) {
          const sW = filterScales[perChannel ? o : 0];
          let acc = bias[o] * spec.inScale * sW;
          for (let i = 0; i < inDim; i++) acc += (x[i] - spec.inZeroPoint) * spec.inScale * w[o * inDim + i] * sW;
          const expected = Math.min(127, Math.max(-20, Math.round(acc / spec.outScale) - 20));
          expect(Math.abs(out[o] - expected)).toBeLessThanOrEqual(1);
        }
      }
    }
  });
});

describe("add (TFLM's left shift 20 and three SmallerThanOneExp multipliers)", () => {
  it("derives the multipliers from 2·max(s1, s2) and 2^20", () => {
    const plan = prepareAdd({ shapeA: [1], shapeB: [1], outShape: [1], activation: "none", scaleA: 1, zeroPointA: 0, scaleB: 3, zeroPointB: 0, outScale: 1, outZeroPoint: 0 });
    expect(ADD_LEFT_SHIFT).toBe(20);
    expect([plan.multiplierA, plan.shiftA]).toEqual([1431655765, -2]); // 1/6
    expect([plan.multiplierB, plan.shiftB]).toEqual([2 ** 30, 0]); // 1/2
    expect([plan.multiplierOut, plan.shiftOut]).toEqual([1610612736, -17]); // 6/2^20 = 0.75·2^−17
    const out = new Int8Array(1);
    addInt8(plan, i8([1]), i8([0]), out);
    // 2^20 → SRDHM(·, 1/6·4) = 699051 → RDBPOT(·, 2) = 174763 → SRDHM(·, 0.75) = 131072 → RDBPOT(·, 17) = 1.
    expect(out[0]).toBe(1);
    addInt8(plan, i8([100]), i8([-30]), out);
    expect(out[0]).toBe(10); // 100·1 − 30·3
  });

  it("rounds a half-way sum away from zero (double) or up (single)", () => {
    // s1 = s2 = 1, s_out = 2: out = (x + y)/2.
    const spec = { shapeA: [4], shapeB: [4], outShape: [4], activation: "none" as const, scaleA: 1, zeroPointA: 0, scaleB: 1, zeroPointB: 0, outScale: 2, outZeroPoint: 0 };
    const out = new Int8Array(4);
    addInt8(prepareAdd(spec), i8([1, -1, 2, -2]), i8([2, -2, 3, -3]), out);
    expect(list(out)).toEqual([2, -2, 3, -3]); // 1.5, −1.5, 2.5, −2.5
    addInt8(prepareAdd({ ...spec, rounding: "single" }), i8([1, -1, 2, -2]), i8([2, -2, 3, -3]), out);
    expect(list(out)).toEqual([2, -1, 3, -2]);
  });

  it("saturates, clamps ReLU, and broadcasts a [1,1,1,1] constant", () => {
    const plan = prepareAdd({ shapeA: [1, 2, 2, 1], shapeB: [1, 1, 1, 1], outShape: [1, 2, 2, 1], activation: "relu", scaleA: 1, zeroPointA: 0, scaleB: 1, zeroPointB: 0, outScale: 1, outZeroPoint: 10 });
    const out = new Int8Array(4);
    addInt8(plan, i8([120, -50, 0, 3]), i8([3]), out);
    expect(list(out)).toEqual([127, 10, 13, 16]); // 123 + 10 saturates; −47 + 10 clamps at the ReLU's zp
  });
});

describe("mul", () => {
  it("rounds ties and saturates", () => {
    const spec = { shapeA: [5], shapeB: [5], outShape: [5], activation: "none" as const, scaleA: 1, zeroPointA: 0, scaleB: 1, zeroPointB: 0, outScale: 4, outZeroPoint: 0 };
    const out = new Int8Array(5);
    mulInt8(prepareMul(spec), i8([1, 5, -2, -6, 6]), i8([1, 1, 1, 1, 1]), out);
    expect(list(out)).toEqual(TIE_DOUBLE);
    mulInt8(prepareMul({ ...spec, rounding: "single" }), i8([1, 5, -2, -6, 6]), i8([1, 1, 1, 1, 1]), out);
    expect(list(out)).toEqual(TIE_SINGLE);
    mulInt8(prepareMul(spec), i8([127, -128, 127, 0, 0]), i8([127, 127, -128, 0, 0]), out);
    expect(list(out).slice(0, 3)).toEqual([127, -128, -128]);
  });

  it("broadcasts a squeeze-excite gate [1,1,1,C] over [1,H,W,C]", () => {
    const plan = prepareMul({ shapeA: [1, 2, 2, 3], shapeB: [1, 1, 1, 3], outShape: [1, 2, 2, 3], activation: "none", scaleA: 1, zeroPointA: 1, scaleB: 1, zeroPointB: -2, outScale: 1, outZeroPoint: 0 });
    const x = Array.from({ length: 12 }, (_, i) => i + 1);
    const gate = [-2, -1, 1]; // real 0, 1, 3
    const out = new Int8Array(12);
    mulInt8(plan, i8(x), i8(gate), out);
    expect(list(out)).toEqual(x.map((v, i) => (v - 1) * (gate[i % 3] + 2)));
  });
});

describe("mean (TFLM's folded 1/N)", () => {
  it("folds 1/N into the multiplier and rounds twice", () => {
    // N = 4, s_in = s_out: M = 2^30, shift 1 → k = 2, M' = 2^30, shift −1: a ×0.25 with the notes' ties.
    const plan = prepareMean({ inShape: [1, 2, 2, 1], axes: [1, 2], keepDims: true, inScale: 1, inZeroPoint: 0, outScale: 1, outZeroPoint: 0 });
    expect([plan.multiplier, plan.shift, plan.outShape]).toEqual([2 ** 30, -1, [1, 1, 1, 1]]);
    const out = new Int8Array(1);
    const cases: [number[], number, number][] = [
      [[1, 1, 0, 0], 1, 1], // 0.5
      [[-1, -1, 0, 0], -1, 0], // −0.5
      [[3, 3, 0, 0], 2, 2], // 1.5: both modes round up
      [[-3, -3, 0, 0], -2, -1], // −1.5
      [[127, 127, 127, 127], 127, 127],
    ];
    for (const [values, double, single] of cases) {
      meanInt8(plan, i8(values), out);
      expect(out[0], `double ${values}`).toBe(double);
      meanInt8({ ...plan, rounding: "single" }, i8(values), out);
      expect(out[0], `single ${values}`).toBe(single);
    }
  });

  it("7×7 global pool: (2^30 << 5)/49 = 701219150 truncated, and the fold changes one answer vs exact rounding", () => {
    const plan = prepareMean({ inShape: [1, 7, 7, 1], axes: [1, 2], keepDims: false, inScale: 0.5, inZeroPoint: 0, outScale: 0.5, outZeroPoint: 0 });
    expect([plan.multiplier, plan.shift, plan.outShape]).toEqual([701219150, -4, [1, 1]]);
    // Sum −6247 = −127.49·49: exact rounding says −127; TFLM's two roundings give −128.
    const values = new Array(49).fill(-128);
    values[0] = -103; // 48·(−128) − 103 = −6247
    expect(values.reduce((a, b) => a + b, 0)).toBe(-6247);
    const out = new Int8Array(1);
    meanInt8(plan, i8(values), out);
    expect(out[0]).toBe(-128);
    meanInt8({ ...plan, rounding: "single" }, i8(values), out);
    expect(out[0]).toBe(-127);
  });

  it("subtracts zp_in·N, rescales to the output, keeps or drops dims, reduces any axes", () => {
    const plan = prepareMean({ inShape: [1, 2, 2, 2], axes: [1, 2], keepDims: false, inScale: 0.1, inZeroPoint: 10, outScale: 0.2, outZeroPoint: -3 });
    expect(plan.outShape).toEqual([1, 2]);
    const out = new Int8Array(2);
    // channel 0: real (20−10)·0.1 each = 1.0 → 1.0/0.2 = 5 → 2; channel 1: real −1.0 → −5 − 3 = −8.
    meanInt8(plan, i8([20, 0, 20, 0, 20, 0, 20, 0]), out);
    expect(list(out)).toEqual([2, -8]);
    const last = prepareMean({ inShape: [1, 2, 3], axes: [-1], keepDims: true, inScale: 1, inZeroPoint: 0, outScale: 1, outZeroPoint: 0 });
    expect(last.outShape).toEqual([1, 2, 1]);
    const out2 = new Int8Array(2);
    meanInt8(last, i8([1, 2, 3, -4, -5, -7]), out2);
    expect(list(out2)).toEqual([2, -5]); // 2, −16/3 = −5.33
  });
});

describe("average and max pool", () => {
  it("average: the count excludes padding; (acc ± n/2)/n truncating", () => {
    const plan = preparePool2d({ inShape: [1, 2, 2, 1], filter: [3, 3], stride: [1, 1], padding: "same", activation: "none", scale: 1, zeroPoint: 0 });
    const out = new Int8Array(4);
    averagePool2dInt8(plan, i8([1, 2, 3, 5]), out);
    expect(list(out)).toEqual([3, 3, 3, 3]); // 11/4 = 2.75 → 3 (padding counted would give 11/9 → 1)
    averagePool2dInt8(plan, i8([1, 2, 3, 4]), out);
    expect(list(out)).toEqual([3, 3, 3, 3]); // 10/4 = 2.5 → 3
    averagePool2dInt8(plan, i8([-1, -2, -3, -4]), out);
    expect(list(out)).toEqual([-3, -3, -3, -3]); // −2.5 → −3, away from zero
    // 1×3 input, 1×2 window stride 1 SAME: the last window is clipped to one pixel.
    const edge = preparePool2d({ inShape: [1, 1, 3, 1], filter: [1, 2], stride: [1, 1], padding: "same", activation: "none", scale: 1, zeroPoint: 0 });
    const out3 = new Int8Array(3);
    averagePool2dInt8(edge, i8([1, 4, -7]), out3);
    expect(list(out3)).toEqual([3, -2, -7]); // 2.5 → 3, −1.5 → −2, −7/1
  });

  it("max: padding never wins; fused ReLU clamps at the zero point", () => {
    const plan = preparePool2d({ inShape: [1, 2, 2, 1], filter: [3, 3], stride: [2, 2], padding: "same", activation: "none", scale: 1, zeroPoint: 0 });
    const out = new Int8Array(1);
    maxPool2dInt8(plan, i8([-100, -90, -120, -128]), out);
    expect(out[0]).toBe(-90);
    const relu = preparePool2d({ inShape: [1, 1, 3, 1], filter: [1, 1], stride: [1, 1], padding: "valid", activation: "relu", scale: 0.1, zeroPoint: -5 });
    const out3 = new Int8Array(3);
    maxPool2dInt8(relu, i8([-20, -5, 30]), out3);
    expect(list(out3)).toEqual([-5, -5, 30]);
  });
});

describe("pad, reshape, concatenation, quantize", () => {
  it("pad fills with the zero point", () => {
    const plan = preparePad({ inShape: [1, 1, 2, 1], paddings: [[0, 0], [1, 0], [0, 1], [0, 0]], zeroPoint: -7 });
    expect(plan.outShape).toEqual([1, 2, 3, 1]);
    const out = new Int8Array(6);
    padInt8(plan, i8([5, 6]), out);
    expect(list(out)).toEqual([-7, -7, -7, 5, 6, -7]);
  });

  it("reshape resolves one −1 and rejects a wrong element count", () => {
    expect(resolveReshape([1, 4, 4, 2], [1, -1])).toEqual([1, 32]);
    expect(() => resolveReshape([1, 4, 4, 2], [1, 30])).toThrow(/cannot become/);
  });

  it("concatenation copies blocks along the axis and refuses differing quantization (as TFLM)", () => {
    const params = { scale: 0.1, zeroPoint: 3 };
    const plan = prepareConcatenation({ inShapes: [[1, 2, 1, 2], [1, 2, 1, 1]], axis: 3, inParams: [params, params], outParams: params });
    expect(plan.outShape).toEqual([1, 2, 1, 3]);
    const out = new Int8Array(6);
    concatenationInt8(plan, [i8([1, 2, 3, 4]), i8([9, 8])], out);
    expect(list(out)).toEqual([1, 2, 9, 3, 4, 8]);
    expect(() => prepareConcatenation({ inShapes: [[1, 2], [1, 2]], axis: -1, inParams: [params, { scale: 0.2, zeroPoint: 3 }], outParams: params })).toThrow(
      /requires them equal/,
    );
  });

  it("quantize requantizes int8 → int8 with ties and saturation", () => {
    const plan = prepareRequantize({ inScale: 1, inZeroPoint: 0, outScale: 4, outZeroPoint: 0 });
    const out = new Int8Array(5);
    requantizeInt8(plan, i8(TIE_INPUTS), out);
    expect(list(out)).toEqual(TIE_DOUBLE);
    requantizeInt8(prepareRequantize({ inScale: 1, inZeroPoint: 0, outScale: 4, outZeroPoint: 0, rounding: "single" }), i8(TIE_INPUTS), out);
    expect(list(out)).toEqual(TIE_SINGLE);
    const widen = prepareRequantize({ inScale: 1, inZeroPoint: -10, outScale: 0.5, outZeroPoint: 5 });
    const out2 = new Int8Array(3);
    requantizeInt8(widen, i8([-10, 0, 100]), out2);
    expect(list(out2)).toEqual([5, 25, 127]);
  });
});
