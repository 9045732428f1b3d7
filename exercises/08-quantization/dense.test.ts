// Graded tests for lesson 08's int8 dense layer (exercises/08-quantization/dense.ts). Run them with
// `npm run grade -- --only 08.6`; each failing test prints its feedback as a hint.
// A hand-worked case, then random layers compared with the course's TFLM-semantics kernel
// (course-lib/quantize/kernels/fully-connected.ts), which reproduces TFLM's own outputs on hello_world.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import { fullyConnectedInt8, prepareFullyConnected } from "../../course-lib/quantize/kernels/fully-connected";
import { denseInt8, type DenseInt8Layer } from "@exercise/08-quantization/dense";

const int8s = (next: () => number, n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * next()));

graded(
  { id: "08.6", points: 1, feedback: "acc = Σ w·(x − inZeroPoint) + bias, then multiplyByQuantizedMultiplier(acc, M, shift) + outZeroPoint, clamped to int8 (at outZeroPoint from below with ReLU)." },
  "a 2-input layer by hand, with zero points and ReLU",
  () => {
    const layer: DenseInt8Layer = { inDim: 2, outDim: 1, weights: Int8Array.from([1, 2]), bias: Int32Array.from([5]), inZeroPoint: 0, outZeroPoint: 3, multiplier: 2 ** 30, shift: 0, relu: false };
    const out = denseInt8(Int8Array.from([10, -10]), layer);
    expect(out).toBeInstanceOf(Int8Array);
    expect(Array.from(out)).toEqual([1]);
    // Input zero point −10: the same reals as [20, 0]; acc = 20 + 5 = 25 → 12.5 → 13, + 3 = 16.
    expect(Array.from(denseInt8(Int8Array.from([10, -10]), { ...layer, inZeroPoint: -10 }))).toEqual([16]);
    // ReLU clamps at the output zero point: acc = −100 → −50 → −47, clamped to 3.
    const negative = { ...layer, weights: Int8Array.from([-10, 0]), bias: null, relu: true };
    expect(Array.from(denseInt8(Int8Array.from([10, 0]), negative))).toEqual([3]);
    expect(Array.from(denseInt8(Int8Array.from([10, 0]), { ...negative, relu: false }))).toEqual([-47]);
    expect(Array.from(denseInt8(Int8Array.from([127, 127]), { ...layer, weights: Int8Array.from([127, 127]), shift: 10 }))).toEqual([127]);
  },
);

graded(
  { id: "08.6", points: 3, feedback: "Subtract the input zero point from every input (not from the sum), add the int32 bias before requantizing, and requantize with TFLM's double rounding." },
  "matches TFLM's FULLY_CONNECTED on 60 random layers",
  () => {
    const next = mulberry32(86);
    for (let t = 0; t < 60; t++) {
      const inDim = 1 + Math.floor(next() * 64), outDim = 1 + Math.floor(next() * 16);
      const inScale = Math.fround(0.001 + 0.1 * next()), weightScale = Math.fround(0.001 + 0.05 * next());
      const outScale = Math.fround(0.01 + 0.5 * next()), inZeroPoint = -128 + Math.floor(256 * next()), outZeroPoint = -128 + Math.floor(256 * next());
      const relu = next() < 0.5;
      const plan = prepareFullyConnected({ inSize: inDim, filterShape: [outDim, inDim], activation: relu ? "relu" : "none", inScale, inZeroPoint, filterScales: [weightScale], outScale, outZeroPoint });
      const input = int8s(next, inDim), weights = int8s(next, inDim * outDim, -127, 127);
      const bias = next() < 0.8 ? Int32Array.from({ length: outDim }, () => Math.round((next() - 0.5) * 20000)) : null;
      const expected = new Int8Array(outDim);
      fullyConnectedInt8(plan, input, weights, bias, expected);
      const layer: DenseInt8Layer = { inDim, outDim, weights, bias, inZeroPoint, outZeroPoint, multiplier: plan.multipliers[0], shift: plan.shifts[0], relu };
      expect({ layer: t, inDim, outDim, inZeroPoint, outZeroPoint, relu, output: Array.from(denseInt8(input, layer)) }).toEqual({ layer: t, inDim, outDim, inZeroPoint, outZeroPoint, relu, output: Array.from(expected) });
    }
  },
);

graded(
  { id: "08.6", points: 1, feedback: "Throw a RangeError naming the lengths when input.length is not inDim or weights.length is not outDim·inDim." },
  "rejects inputs and weights of the wrong length",
  () => {
    const layer: DenseInt8Layer = { inDim: 3, outDim: 2, weights: new Int8Array(6), bias: null, inZeroPoint: 0, outZeroPoint: 0, multiplier: 2 ** 30, shift: 0, relu: false };
    validCall("denseInt8(3 inputs, [2, 3] weights)", () => denseInt8(new Int8Array(3), layer));
    const shortInput = errorFrom(() => denseInt8(new Int8Array(4), layer));
    expect(shortInput).toBeInstanceOf(RangeError);
    expect(shortInput.message).toMatch(/\b4\b/);
    expect(shortInput.message).toMatch(/\b3\b/);
    const badWeights = errorFrom(() => denseInt8(new Int8Array(3), { ...layer, weights: new Int8Array(5) }));
    expect(badWeights).toBeInstanceOf(RangeError);
    expect(badWeights.message).toMatch(/\b5\b/);
    expect(badWeights.message).toMatch(/\b6\b/);
  },
);
