// Batch-norm folding (batch-norm.ts): the formulas on hand-worked kernels, the output channel order of
// depthwise kernels, and numerical equivalence with tfjs (layer + BN vs the folded layer) for conv,
// depthwise and dense layers, with and without a bias and with BN's gamma/beta switched off.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { batchNormParamsOf, foldBatchNorm, foldBatchNormInto, randomizeBatchNorm } from "./batch-norm";
import { singleModel } from "./single";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("foldBatchNorm on hand-worked kernels", () => {
  it("conv layout: output channel on the last axis, no bias", () => {
    // kernel [1, 1, cIn 2, cOut 2]; f = gamma / sqrt(var + eps) = [2 / 2, 3 / 1] = [1, 3]
    const folded = foldBatchNorm(
      { values: [1, 2, 3, 4], shape: [1, 1, 2, 2] },
      null,
      { gamma: [2, 3], beta: [0.5, -1], movingMean: [1, 0], movingVariance: [3, 0], epsilon: 1 },
      "conv",
    );
    expect(Array.from(folded.kernel)).toEqual([1, 6, 3, 12]);
    // b' = f * (0 - mean) + beta = [1 * -1 + 0.5, 3 * 0 - 1]
    expect(Array.from(folded.bias)).toEqual([-0.5, -1]);
    expect(folded.kernelShape).toEqual([1, 1, 2, 2]);
  });

  it("conv layout with a bias: b' = f * (b - mean) + beta", () => {
    const folded = foldBatchNorm(
      { values: [1, 1], shape: [1, 2] },
      [5, 1],
      { gamma: [2, 1], beta: [0, 1], movingMean: [1, 1], movingVariance: [1, 1], epsilon: 0 },
      "conv",
    );
    expect(Array.from(folded.kernel)).toEqual([2, 1]);
    expect(Array.from(folded.bias)).toEqual([8, 1]);
  });

  it("depthwise layout: [kh, kw, c, m] has c·m output channels, in the order c·m + q", () => {
    const folded = foldBatchNorm(
      { values: [1, 1, 1, 1, 10, 10, 10, 10], shape: [2, 1, 2, 2] },
      null,
      { gamma: [1, 2, 3, 4], movingMean: [0, 0, 0, 0], movingVariance: [1, 1, 1, 1], epsilon: 0 },
      "depthwise",
    );
    expect(Array.from(folded.kernel)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]);
    expect(Array.from(folded.bias)).toEqual([0, 0, 0, 0]);
  });

  it("names the bad value", () => {
    const bn = { movingMean: [0, 0], movingVariance: [1, 1], epsilon: 1e-3 };
    const k = { values: [1, 2], shape: [1, 2] };
    expect(() => foldBatchNorm(k, null, { ...bn, movingMean: [0] }, "conv")).toThrow(/movingMean.*2.*1 values/);
    expect(() => foldBatchNorm(k, null, { ...bn, movingVariance: [1, -1] }, "conv")).toThrow(/movingVariance\[1\]/);
    expect(() => foldBatchNorm(k, [1, 2, 3], bn, "conv")).toThrow(/bias.*2.*3 values/);
    expect(() => foldBatchNorm(k, null, { ...bn, epsilon: -1 }, "conv")).toThrow(/epsilon.*-1/);
    expect(() => foldBatchNorm({ values: [1], shape: [1, 2] }, null, bn, "conv")).toThrow(/needs 2 values, got 1/);
    expect(() => foldBatchNorm(k, null, bn, "dense" as never)).toThrow(/layout.*"dense"/);
    expect(() => foldBatchNorm(k, null, bn, "depthwise")).toThrow(/depthwise kernel is \[kh, kw, c, m\]/);
    expect(() => foldBatchNorm(k, null, { ...bn, gamma: [1, NaN] }, "conv")).toThrow(/gamma\[1\].*NaN/);
  });
});

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym) => layer.apply(x) as Sym;

/** Builds layer + BN and the folded layer, and returns the largest output difference relative to the output scale. */
function foldedDifference(
  shape: number[],
  layer: (useBias: boolean) => tf.layers.Layer,
  bnOptions: { center?: boolean; scale?: boolean } = {},
  withBias = false,
): number {
  const withBn = singleModel(shape, (x) => apply(tf.layers.batchNormalization({ ...bnOptions, name: "bn" }), apply(layer(withBias), x)), "with_bn");
  const target = withBn.layers[1];
  if (withBias) target.setWeights([target.getWeights()[0], tf.randomUniform(target.getWeights()[1].shape, -1, 1, "float32", 9)]);
  randomizeBatchNorm(withBn.getLayer("bn"), 4);
  const f = foldBatchNormInto(target, withBn.getLayer("bn"));
  const folded = singleModel(shape, (x) => apply(layer(true), x), "folded");
  folded.layers[1].setWeights([tf.tensor(f.kernel, f.kernelShape), tf.tensor(f.bias)]);
  const x = tf.randomNormal([2, ...shape], 0, 1, "float32", 5);
  const [a, b] = [withBn, folded].map((m) => m.predict(x) as tf.Tensor);
  const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0];
  tf.dispose([x, a, b]);
  withBn.dispose();
  folded.dispose();
  return diff;
}

describe("folded layers compute what layer + BN computes (tfjs)", () => {
  const conv = (useBias: boolean) => tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: "same", useBias, kernelInitializer: "glorotUniform" });
  const depthwise = (useBias: boolean) => tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", useBias });
  const dense = (useBias: boolean) => tf.layers.dense({ units: 5, useBias });
  const conv1d = (useBias: boolean) => tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: "same", useBias });

  it("conv2d, without and with its own bias", () => {
    expect(foldedDifference([8, 8, 3], conv)).toBeLessThan(1e-5);
    expect(foldedDifference([8, 8, 3], conv, {}, true)).toBeLessThan(1e-5);
  });
  it("depthwise conv with depth multiplier 2", () => {
    expect(foldedDifference([8, 8, 3], depthwise)).toBeLessThan(1e-5);
  });
  it("dense and conv1d", () => {
    expect(foldedDifference([7], dense)).toBeLessThan(1e-5);
    expect(foldedDifference([10, 3], conv1d)).toBeLessThan(1e-5);
  });
  it("BN without gamma or beta (scale: false, center: false)", () => {
    expect(foldedDifference([8, 8, 3], conv, { scale: false })).toBeLessThan(1e-5);
    expect(foldedDifference([8, 8, 3], conv, { center: false })).toBeLessThan(1e-5);
  });

  it("refuses layers it cannot fold into and layers that are not batch norms", () => {
    const m = singleModel([4, 4, 2], (x) => apply(tf.layers.batchNormalization({ name: "bn" }), apply(tf.layers.maxPooling2d({ poolSize: 2, name: "pool" }), x)), "m");
    expect(() => foldBatchNormInto(m.getLayer("pool"), m.getLayer("bn"))).toThrow(/can fold into Conv1D, Conv2D, Dense, DepthwiseConv2D; got MaxPooling2D/);
    expect(() => batchNormParamsOf(m.getLayer("pool"))).toThrow(/expected a BatchNormalization layer, got MaxPooling2D/);
    m.dispose();
  });

  it("reads the BN statistics in tfjs's weight order", () => {
    const m = singleModel([3], (x) => apply(tf.layers.batchNormalization({ name: "bn", epsilon: 0.01 }), x), "m");
    m.getLayer("bn").setWeights([tf.tensor([1, 2, 3]), tf.tensor([4, 5, 6]), tf.tensor([7, 8, 9]), tf.tensor([10, 11, 12])]);
    const p = batchNormParamsOf(m.getLayer("bn"));
    expect([p.gamma, p.beta, p.movingMean, p.movingVariance].map((v) => Array.from(v!))).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    expect(p.epsilon).toBeCloseTo(0.01);
    m.dispose();
  });
});
