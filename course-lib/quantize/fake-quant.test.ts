// Tests of simulated quantization: level sets (power-of-two levels are powers of two, APoT is Li et al.'s
// sum set), nearest-level rounding against a brute-force search, the 8-bit uniform case against TFLite's
// int8 scheme (ReLU6's 6/255, −128 from person_detect in the notes; narrow-range −127..127 weights), the
// tensor version against the plain-number version, per-channel axes, and whole-model weight quantization.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import {
  additivePowerOfTwoMagnitudes,
  fakeQuantize,
  fakeQuantizeModelWeights,
  fakeQuantizeValues,
  powerOfTwoMagnitudes,
  quantizePowerOfTwo,
  quantizeUniformAsymmetric,
  quantizeUniformSymmetric,
  quantizerLevels,
  roundHalfAway,
  uniformAsymmetricParams,
  type FakeQuantScheme,
} from "./fake-quant";
import { mulberry32 } from "../data/random";

tf.setBackend("cpu");

function randomValues(n: number, seed: number, spread = 1): Float32Array {
  const rand = mulberry32(seed);
  // Mixed magnitudes (log-uniform-ish) so small power-of-two levels are exercised too.
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * spread * 2 ** -Math.floor(rand() * 8));
}

function bruteNearest(v: number, levels: number[]): number {
  let best = levels[0];
  for (const l of levels) {
    const d = Math.abs(v - l), db = Math.abs(v - best);
    if (d < db || (d === db && Math.abs(l) > Math.abs(best))) best = l; // ties away from zero
  }
  return best;
}

describe("level sets", () => {
  it("power-of-two: 0 and ±2^-j, j = 0..2^(b-1)-2, 2^b - 1 levels", () => {
    expect(powerOfTwoMagnitudes(2)).toEqual([0, 1]);
    expect(powerOfTwoMagnitudes(3)).toEqual([0, 0.25, 0.5, 1]);
    expect(powerOfTwoMagnitudes(4)).toEqual([0, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1]);
    for (let b = 2; b <= 8; b++) {
      const levels = quantizerLevels("power-of-two", b, 1);
      expect(levels.length).toBe(2 ** b - 1);
      for (const l of levels) if (l !== 0) expect(Number.isInteger(Math.log2(Math.abs(l)))).toBe(true);
    }
  });

  it("additive power-of-two: Li et al.'s k = 2 sums at 5 bits, 2^(b-1) distinct magnitudes at every width", () => {
    // b = 5: p0 ∈ {0, 1, 2^-2, 2^-4}, p1 ∈ {0, 2^-1, 2^-3, 2^-5}, normalised by the largest sum 1.5.
    const expected = new Set<number>();
    for (const p0 of [0, 1, 2 ** -2, 2 ** -4]) for (const p1 of [0, 2 ** -1, 2 ** -3, 2 ** -5]) expected.add((p0 + p1) / 1.5);
    expect(additivePowerOfTwoMagnitudes(5)).toEqual([...expected].sort((a, b) => a - b));
    for (let b = 2; b <= 8; b++) {
      const mags = additivePowerOfTwoMagnitudes(b);
      expect(mags.length).toBe(2 ** (b - 1));
      expect(mags[0]).toBe(0);
      expect(mags[mags.length - 1]).toBe(1);
    }
    expect(additivePowerOfTwoMagnitudes(3)).toEqual(powerOfTwoMagnitudes(3)); // one 2-bit term = PoT
  });

  it("uniform symmetric: narrow range ±(2^(b-1)-1) steps of max|x|/(2^(b-1)-1)", () => {
    const levels = quantizerLevels("uniform", 3, 3);
    expect(levels).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(quantizerLevels("uniform", 8, 127).length).toBe(255);
  });
});

describe("plain-number quantizers", () => {
  const schemes: FakeQuantScheme[] = ["uniform", "power-of-two", "additive-power-of-two"];
  it.each(schemes)("%s outputs the nearest level of its set (brute force), b = 2..8", (scheme) => {
    const values = randomValues(400, 7);
    let maxAbs = 0;
    for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
    for (let b = 2; b <= 8; b++) {
      const out = fakeQuantizeValues(values, { bits: b, scheme });
      const levels = quantizerLevels(scheme, b, maxAbs);
      for (let i = 0; i < values.length; i++) expect(out[i]).toBe(Math.fround(bruteNearest(values[i], levels)));
      // Idempotent: quantizing quantized values (same α) changes nothing.
      expect(fakeQuantizeValues(out, { bits: b, scheme, range: [-maxAbs, maxAbs] })).toEqual(out);
    }
  });

  it("rounds ties away from zero, like TfLiteRound", () => {
    expect([roundHalfAway(2.5), roundHalfAway(-2.5), roundHalfAway(0.49999), roundHalfAway(-0.5)]).toEqual([3, -3, 0, -1]);
    // scale 1/127 at max|x| = 1 (float32), a value at exactly 2.5 steps.
    const s = Math.fround(1 / 127);
    expect(quantizeUniformSymmetric([1, -2.5 * s], 8)[1]).toBe(Math.fround(-3 * s));
  });

  it("8-bit asymmetric on [0, 6] gives TFLite's ReLU6 parameters (6/255, zero point −128)", () => {
    const p = uniformAsymmetricParams([0, 6], 8);
    expect(p.scale).toBe(Math.fround(6 / 255));
    expect(p.zeroPoint).toBe(-128);
    // person_detect's input: range [−1, 1] → (0.0078431, −1) as the converter wrote it.
    const input = uniformAsymmetricParams([-1, 1], 8);
    expect(input.scale).toBeCloseTo(0.0078431, 7);
    expect(input.zeroPoint).toBe(-1);
    // Zero is exactly representable; values outside the range clamp to its ends.
    const out = quantizeUniformAsymmetric([0, -1, 7, 3], 8, [0, 6]);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(Math.fround(255 * p.scale));
  });

  it("8-bit uniform symmetric equals TFLite's int8 weight quantize-dequantize (q ∈ [−127, 127], zp 0)", () => {
    const w = randomValues(1000, 11);
    let maxAbs = 0;
    for (const v of w) maxAbs = Math.max(maxAbs, Math.abs(v));
    const scale = Math.fround(maxAbs / 127);
    const out = quantizeUniformSymmetric(w, 8);
    for (let i = 0; i < w.length; i++) {
      const q = Math.min(127, Math.max(-127, roundHalfAway(w[i] / scale)));
      expect(out[i]).toBe(Math.fround(q * scale) + 0);
    }
  });

  it("rejects bad bit widths, schemes and ranges with the bad value in the message", () => {
    expect(() => quantizePowerOfTwo([1], 9)).toThrow(/2 to 8, got 9/);
    expect(() => fakeQuantizeValues([1], { bits: 4, scheme: "log" as FakeQuantScheme })).toThrow(/"log"/);
    expect(() => fakeQuantizeValues([1], { bits: 4, scheme: "uniform", symmetric: false, range: [2, 1] })).toThrow(/\[2,1\]/);
    expect(() => fakeQuantizeValues([1], { bits: 4, scheme: "power-of-two", symmetric: false })).toThrow(/sign-symmetric/);
  });
});

describe("fakeQuantize (tensors)", () => {
  it("equals the plain-number version for every scheme and width, per-tensor", () => {
    const values = randomValues(2000, 3);
    for (const scheme of ["uniform", "power-of-two", "additive-power-of-two"] as FakeQuantScheme[]) {
      for (const bits of [2, 3, 4, 6, 8]) {
        const plain = fakeQuantizeValues(values, { bits, scheme });
        const t = fakeQuantize(tf.tensor1d(values), { bits, scheme });
        // Same level everywhere; the tensor multiplies level × α in float32, the plain version in double,
        // so non-uniform levels may differ in the last bit.
        const got = t.dataSync();
        for (let i = 0; i < values.length; i++) expect(Math.abs(got[i] - plain[i])).toBeLessThanOrEqual(2 ** -23 * Math.abs(plain[i]));
        if (scheme !== "additive-power-of-two") expect(Array.from(got)).toEqual(Array.from(plain));
        t.dispose();
      }
    }
    const asym = fakeQuantize(tf.tensor1d(values), { bits: 5, scheme: "uniform", symmetric: false });
    expect(Array.from(asym.dataSync())).toEqual(Array.from(fakeQuantizeValues(values, { bits: 5, scheme: "uniform", symmetric: false })));
  });

  it("per-channel: each index of the axis gets its own max|x| (channels 1000x apart both keep detail)", () => {
    const a = randomValues(60, 5, 1000), b = randomValues(60, 6, 1);
    const x = tf.stack([tf.tensor1d(a), tf.tensor1d(b)], 1); // [60, 2]
    const out = fakeQuantize(x, { bits: 4, scheme: "power-of-two", axis: -1 }).arraySync() as number[][];
    const colA = out.map((r) => r[0]), colB = out.map((r) => r[1]);
    expect(colA).toEqual(Array.from(quantizePowerOfTwo(a, 4)));
    expect(colB).toEqual(Array.from(quantizePowerOfTwo(b, 4)));
    expect(() => fakeQuantize(x, { bits: 4, scheme: "uniform", axis: 2 })).toThrow(/axis 2/);
  });

  it("an all-zero tensor stays zero (no 0/0)", () => {
    for (const scheme of ["uniform", "power-of-two"] as FakeQuantScheme[]) {
      expect(Array.from(fakeQuantize(tf.zeros([4]), { bits: 4, scheme }).dataSync())).toEqual([0, 0, 0, 0]);
    }
  });
});

describe("fakeQuantizeModelWeights", () => {
  it("quantizes a copy's kernels per output channel, leaves biases and the original alone", () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: "relu", biasInitializer: "glorotNormal" }),
        tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const q = fakeQuantizeModelWeights(model, { bits: 3, scheme: "power-of-two" });
    const [k0, b0] = q.layers[0].getWeights();
    const kernel = model.layers[0].getWeights()[0].clone(); // getWeights returns the live variable
    for (let o = 0; o < 3; o++) {
      const channel = kernel.slice([0, 0, 0, o], [3, 3, 2, 1]).dataSync();
      expect(Array.from(k0.slice([0, 0, 0, o], [3, 3, 2, 1]).dataSync())).toEqual(Array.from(quantizePowerOfTwo(channel, 3)));
    }
    expect(Array.from(b0.dataSync())).toEqual(Array.from(model.layers[0].getWeights()[1].dataSync()));
    // Depthwise [2, 2, 3, 2]: 3 inputs × multiplier 2 = 6 channels, each quantized on its own max|x|.
    const dwFloat = model.layers[1].getWeights()[0].reshape([4, 6]).arraySync() as number[][];
    const dw = q.layers[1].getWeights()[0].reshape([4, 6]).arraySync() as number[][];
    for (let c = 0; c < 6; c++) expect(dw.map((r) => r[c])).toEqual(Array.from(quantizePowerOfTwo(dwFloat.map((r) => r[c]), 3)));
    // Same predictions shape, different numbers; the original model is untouched.
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, "float32", 1);
    expect((q.predict(x) as tf.Tensor).shape).toEqual([1, 4]);
    expect(model.layers[0].getWeights()[0].dataSync()).toEqual(kernel.dataSync());
    expect(k0.dataSync()).not.toEqual(kernel.dataSync());
  });

  it("rejects batch normalization (fold first) naming the layer", () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.batchNormalization({ name: "bn_here" })] });
    expect(() => fakeQuantizeModelWeights(model, { bits: 4, scheme: "uniform" })).toThrow(/bn_here.*fold/);
  });
});
