// quantizeModel keeps every graph inside what the TFLM-exact kernels accept: the activation scale floor
// (MIN_ACTIVATION_SCALE) and fitRangeToScale, the kernels' own limits (checked against the kernels' prepare
// functions, not restated), an untrained PhiNet with squeeze-excite (whose activations shrink to ~1e-10),
// HARD_SWISH's and ADD's output-range widening and the bias-overflow guard. Every change must be reported.
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { phinet } from "../nets/phinet";
import { HardSwish } from "../primitives/hard-swish";
import { activationParams, fitRangeToScale, MIN_ACTIVATION_SCALE, type Range } from "./calibrate";
import type { QuantizedGraph } from "./graph";
import { runQuantized, runQuantizedTrace } from "./interpreter";
import { HARD_SWISH_INPUT_SCALE_BELOW, prepareHardSwish } from "./kernels/hard-swish";
import { prepareLogistic } from "./kernels/logistic";
import { FIXED_POINT_ACTIVATION_INPUT_SCALE } from "./kernels/logistic-tanh-common";
import { prepareSoftmax } from "./kernels/softmax";
import { prepareTanh } from "./kernels/tanh";
import { dequantizeOutput, quantizeInput, quantizeModel } from "./quantize-model";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => {
  vi.restoreAllMocks();
});

const scaleOf = (r: Range) => activationParams(r[0], r[1]).scale;
const tensorNamed = (g: QuantizedGraph, name: string) => {
  const t = g.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor "${name}" in ${g.tensors.map((x) => x.name).join(", ")}`);
  return t;
};
const rangeKeys = (g: QuantizedGraph) => Object.keys(g.provenance ?? {}).filter((k) => k.startsWith("range "));

describe("fitRangeToScale and the kernels' limits", () => {
  it("widens a too-narrow range by a factor about 0 to just the floor, keeping the zero point; leaves others alone", () => {
    for (const r of [[0, 1e-9], [-3e-10, 1e-10], [-2e-12, 0], [-1e-7, 1e-7]] as Range[]) {
      const w = fitRangeToScale(r, { atLeast: MIN_ACTIVATION_SCALE });
      const s = scaleOf(w);
      expect(s).toBeGreaterThanOrEqual(MIN_ACTIVATION_SCALE);
      expect(s).toBeLessThan(MIN_ACTIVATION_SCALE * (1 + 1e-3));
      expect(w[0]).toBeLessThanOrEqual(r[0]);
      expect(w[1]).toBeGreaterThanOrEqual(r[1]);
      expect(Math.abs(activationParams(w[0], w[1]).zeroPoint - activationParams(r[0], r[1]).zeroPoint)).toBeLessThanOrEqual(1);
    }
    const ok: Range = [-0.5, 2];
    expect(fitRangeToScale(ok, { atLeast: MIN_ACTIVATION_SCALE, below: 16 })).toBe(ok);
    const wide = fitRangeToScale([-6000, 4000], { below: 16 });
    expect(scaleOf(wide)).toBeLessThan(16);
    expect(scaleOf(wide)).toBeGreaterThan(16 * (1 - 2 ** -10));
    expect(() => fitRangeToScale([0, 1], { atLeast: 1, below: 0.5 })).toThrow(/atLeast < below/);
  });

  it("the exported limits are the kernels' own: prepare accepts at the edge and refuses just outside", () => {
    const { min, below } = FIXED_POINT_ACTIVATION_INPUT_SCALE;
    for (const prepare of [
      (s: number) => prepareLogistic({ inScale: s, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, rounding: "double" }),
      (s: number) => prepareTanh({ inScale: s, inZeroPoint: 0, outScale: 1 / 128, outZeroPoint: 0, rounding: "double" }),
    ]) {
      expect(() => prepare(min)).not.toThrow();
      expect(() => prepare(Math.fround(min * (1 - 2 ** -20)))).toThrow(/outside \[0, 31\]/);
      expect(() => prepare(Math.fround(below * (1 - 2 ** -20)))).not.toThrow();
      expect(() => prepare(below)).toThrow(/outside \[0, 31\]/);
    }
    const hardSwish = (s: number) => prepareHardSwish({ inScale: s, inZeroPoint: 0, outScale: s, outZeroPoint: 0, rounding: "double" });
    expect(() => hardSwish(HARD_SWISH_INPUT_SCALE_BELOW * (1 - 2 ** -12))).not.toThrow();
    expect(() => hardSwish(HARD_SWISH_INPUT_SCALE_BELOW)).toThrow(/too large/);
    // The floor alone satisfies SOFTMAX's beta·s_in·2^26 > 1 (beta 1, as quantizeModel emits) and LOGISTIC/TANH's minimum.
    expect(() => prepareSoftmax({ inScale: MIN_ACTIVATION_SCALE, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, beta: 1, rounding: "double" })).not.toThrow();
    expect(() => prepareSoftmax({ inScale: 2 ** -26, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, beta: 1, rounding: "double" })).toThrow(/must exceed 1/);
    expect(MIN_ACTIVATION_SCALE).toBeGreaterThanOrEqual(min);
  });
});

describe("quantizeModel fits ranges to the kernels and says so", () => {
  it("a logistic after near-zero activations: the floor makes LOGISTIC accept its input, recorded and warned", () => {
    const input = tf.input({ shape: [4] });
    const dense = tf.layers.dense({ units: 3, name: "tiny", kernelInitializer: tf.initializers.constant({ value: 1e-9 }), biasInitializer: "zeros" });
    const y = tf.layers.activation({ activation: "sigmoid", name: "gate" }).apply(dense.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: y });
    const cal = tf.randomUniform([16, 4], 0, 1, "float32", 7);
    const calibrated = (tf.model({ inputs: input, outputs: model.layers[1].output as tf.SymbolicTensor }).predict(cal) as tf.Tensor).dataSync();
    const raw: Range = [0, Math.max(...calibrated)];
    // What the kernel would have been given without the floor: refused.
    expect(() => prepareLogistic({ inScale: scaleOf(raw), inZeroPoint: -128, outScale: 1 / 256, outZeroPoint: -128, rounding: "double" })).toThrow();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const g = quantizeModel(model, { calibration: cal, progress: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('"tiny"');
    expect(rangeKeys(g)).toEqual(["range tiny"]);
    expect(g.provenance?.["range tiny"]).toMatch(/widened: scale floor/);
    expect(tensorNamed(g, "tiny").quant?.scale[0]).toBeGreaterThanOrEqual(MIN_ACTIVATION_SCALE);
    // sigmoid(≈ 4e-9) = 0.5 → (0.5·256) − 128 = 0.
    const x = quantizeInput(g, cal.slice(0, 1).dataSync());
    expect(Array.from(runQuantized(g, x))).toEqual([0, 0, 0]);
    tf.dispose(cal);
    model.dispose();
  });

  it("an untrained keyword PhiNet α 0.5 with squeeze-excite quantizes, runs, and matches its (near-zero) float output", () => {
    const model = phinet({ inputShape: [1, 49, 40], alpha: 0.5, includeTop: true, numClasses: 12 });
    expect(model.layers.some((l) => l.name.endsWith("_se_gate"))).toBe(true);
    const cal = tf.randomNormal([8, 49, 40, 1], 0, 1, "float32", 3);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const g = quantizeModel(model, { calibration: cal, progress: false });
    expect(warn).toHaveBeenCalledTimes(1);
    // The SE gate's input (block3_se_expand, 2.75e-9 scale before) is among the widened ranges.
    expect(rangeKeys(g)).toContain("range block3_se_expand");
    for (const op of g.operators) {
      if (op.kind !== "logistic") continue;
      const s = g.tensors[op.inputs[0]].quant?.scale[0] as number;
      expect(s).toBeGreaterThanOrEqual(FIXED_POINT_ACTIVATION_INPUT_SCALE.min);
      expect(s).toBeLessThan(FIXED_POINT_ACTIVATION_INPUT_SCALE.below);
    }
    const floats = (model.predict(cal.slice(0, 2)) as tf.Tensor).dataSync();
    const xs = cal.slice(0, 2).dataSync() as Float32Array;
    const out = g.tensors[g.outputs[0]].quant as { scale: number[] };
    for (let i = 0; i < 2; i++) {
      const trace = runQuantizedTrace(g, quantizeInput(g, xs.subarray(i * 1960, (i + 1) * 1960)));
      expect(trace.steps.length).toBe(g.operators.length);
      const y = dequantizeOutput(g, trace.outputs[0]);
      for (let k = 0; k < 12; k++) expect(Math.abs(y[k] - floats[i * 12 + k])).toBeLessThanOrEqual(out.scale[0]);
    }
    tf.dispose(cal);
    model.dispose();
  });

  it("HARD_SWISH: an output range narrower than s_in/128 is widened until TFLM's prepare accepts it", () => {
    const input = tf.input({ shape: [8] });
    const model = tf.model({ inputs: input, outputs: new HardSwish({ name: "hs" }).apply(input) as tf.SymbolicTensor });
    // Inputs mostly far below −3 (hard-swish 0): s_in ≈ 3.9, output range ≈ [−0.375, 1.67] → s_out ≈ 0.008 < s_in/128.
    const cal = tf.randomUniform([64, 8], -1000, 2, "float32", 11);
    const inParams = activationParams(Math.min(...cal.dataSync()), Math.max(...cal.dataSync()));
    const narrowOut = activationParams(-0.375, 5 / 3);
    expect(() => prepareHardSwish({ inScale: inParams.scale, inZeroPoint: inParams.zeroPoint, outScale: narrowOut.scale, outZeroPoint: narrowOut.zeroPoint, rounding: "double" })).toThrow(/exponent/);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const g = quantizeModel(model, { calibration: cal, progress: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(g.provenance?.["range hs"]).toMatch(/widened: HARD_SWISH "hs"/);
    const sIn = g.tensors[g.inputs[0]].quant?.scale[0] as number;
    const sOut = g.tensors[g.outputs[0]].quant?.scale[0] as number;
    expect(Math.fround(Math.fround(sIn / 128) / sOut)).toBeLessThan(1);
    expect(sOut).toBeLessThan((sIn / 128) * 1.01); // widened just enough
    // int8 vs the float hard-swish of the dequantized int8 input, within 1 output LSB.
    const zIn = g.tensors[g.inputs[0]].quant?.zeroPoint[0] as number;
    const zOut = g.tensors[g.outputs[0]].quant?.zeroPoint[0] as number;
    const x = new Int8Array(256).map((_, i) => i - 128);
    const eight = (q: Int8Array) => Int8Array.from({ length: 8 }, (_, k) => q[k]);
    for (let start = 0; start < 256; start += 8) {
      const q = eight(x.subarray(start));
      const y = runQuantized(g, q);
      for (let k = 0; k < 8; k++) {
        const v = (q[k] - zIn) * sIn;
        const want = Math.max(-128, Math.min(127, Math.round((v * Math.min(6, Math.max(0, v + 3))) / 6 / sOut) + zOut));
        expect(Math.abs(y[k] - want)).toBeLessThanOrEqual(1);
      }
    }
    tf.dispose(cal);
    model.dispose();
  });

  it("ADD whose inputs nearly cancel: the output scale is raised to what TFLM's ADD prepare accepts", () => {
    const input = tf.input({ shape: [4] });
    const w = tf.randomNormal([4, 4], 0, 1, "float32", 2);
    const a = tf.layers.dense({ units: 4, useBias: false, name: "a", weights: [w] });
    const b = tf.layers.dense({ units: 4, useBias: false, name: "b", weights: [tf.mul(w, -(1 - 2 ** -20))] });
    const sum = tf.layers.add({ name: "sum" }).apply([a.apply(input), b.apply(input)] as tf.SymbolicTensor[]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    const cal = tf.randomUniform([32, 4], -100, 100, "float32", 9);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const g = quantizeModel(model, { calibration: cal, progress: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(g.provenance?.["range sum"]).toMatch(/widened: ADD "sum"/);
    const s = (name: string) => tensorNamed(g, name).quant?.scale[0] as number;
    expect((2 * Math.max(s("a"), s("b"))) / (2 ** 20 * s("sum"))).toBeLessThan(1);
    const floats = (model.predict(cal) as tf.Tensor).dataSync();
    const xs = cal.dataSync() as Float32Array;
    for (let i = 0; i < 8; i++) {
      const y = dequantizeOutput(g, runQuantized(g, quantizeInput(g, xs.subarray(4 * i, 4 * i + 4))));
      // The inputs a, b carry ~0.4 (half their LSB) of rounding each; the sum is ~1e-4: only its range is checked.
      for (let k = 0; k < 4; k++) expect(Math.abs(y[k] - floats[4 * i + k])).toBeLessThanOrEqual(2 * Math.max(s("a"), s("b")));
    }
    tf.dispose([cal, w]);
    model.dispose();
  });

  it("bias overflow guard: a bias beyond int32 at s_in·s_w raises the weight scale, leaving accumulator headroom; the output stays right", () => {
    const input = tf.input({ shape: [4] });
    const dense = tf.layers.dense({ units: 2, name: "fc" });
    const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    dense.setWeights([tf.tensor2d([1e-3, -1e-3, 5e-4, 2e-4, -8e-4, 1e-3, 3e-4, -6e-4], [4, 2]), tf.tensor1d([1, -0.5])]);
    const cal = tf.randomUniform([32, 4], 0, 1e-3, "float32", 5);
    const sIn = activationParams(0, Math.max(...cal.dataSync())).scale;
    const plainWeightScale = Math.fround(1e-3 / 127);
    expect(1 / (sIn * plainWeightScale)).toBeGreaterThan(2 ** 31); // the bias would not fit at the plain scale
    const g = quantizeModel(model, { calibration: cal, progress: false });
    const w = tensorNamed(g, "fc/weights");
    const b = tensorNamed(g, "fc/bias");
    expect(w.quant?.scale[0]).toBeGreaterThan(plainWeightScale);
    // The bias leaves int32 room for the 4 products |q_in − zp|·|q_w| ≤ 255·127 added to it.
    for (const q of b.data as number[]) expect(Math.abs(q)).toBeLessThanOrEqual(2 ** 31 - 1 - 4 * 255 * 127);
    expect(Math.abs((b.data as number[])[0] * (b.quant?.scale[0] as number) - 1)).toBeLessThan(1e-6);
    const outScale = g.tensors[g.outputs[0]].quant?.scale[0] as number;
    const floats = (model.predict(cal) as tf.Tensor).dataSync();
    const xs = cal.dataSync() as Float32Array;
    for (let i = 0; i < 32; i++) {
      const y = dequantizeOutput(g, runQuantized(g, quantizeInput(g, xs.subarray(4 * i, 4 * i + 4))));
      for (let k = 0; k < 2; k++) expect(Math.abs(y[k] - floats[2 * i + k])).toBeLessThanOrEqual(outScale);
    }
    tf.dispose(cal);
    model.dispose();
  });
});
