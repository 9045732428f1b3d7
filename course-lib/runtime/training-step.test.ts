// One full training step of a small CNN that uses every layer type the course trains (conv with bias,
// depthwise with multiplier 2 and stride 2, pointwise, BatchNorm on batch statistics, hard-swish,
// relu6, squeeze-excite with sigmoid/hard-sigmoid gates, residual add, max pool, dense, softmax
// cross-entropy, Adam) gives the same loss, gradients and updated weights on wasm as on cpu.
// Tolerance: 1e-4 relative to each quantity's own scale (measured: ~1e-6 for every gradient).
import { beforeAll, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { randomValues, relativeMaxError } from "./kernel-check";
import { fusedConv2d, fusedMatMul, fusedMoments } from "./kernels/index";

/** Which moments BatchNorm uses: tfjs-core's op, or the course's fused one (tf.moments under CommonJS). */
let momentsFn: typeof fusedMoments = (x, axis, keepDims) => tf.moments(x, axis, keepDims);
/** The first (input) convolution: tf.conv2d, or the course's fused conv2d (tf.fused.conv2d under CommonJS). */
let firstConv = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.conv2d(x, filter, 1, "same");
/** Dense layers: matMul + add (+ relu), or the course's fused matMul (tf.fused.matMul under CommonJS). */
type DenseFn = (a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor, activation: "relu" | "linear") => tf.Tensor2D;
const composedDense: DenseFn = (a, b, bias, activation) => {
  const y = tf.add(tf.matMul(a, b), bias) as tf.Tensor2D;
  return activation === "relu" ? tf.relu(y) : y;
};
let dense: DenseFn = composedDense;

const SHAPES: Record<string, number[]> = {
  conv1: [3, 3, 3, 8], bn1Gamma: [8], bn1Beta: [8],
  dw: [3, 3, 8, 2], bn2Gamma: [16], bn2Beta: [16],
  seReduce: [16, 4], seReduceBias: [4], seExpand: [4, 16], seExpandBias: [16],
  pw: [1, 1, 16, 8], bn3Gamma: [8], bn3Beta: [8],
  conv2: [3, 3, 8, 8], conv2Bias: [8], dense: [8, 5], denseBias: [5],
};

function initialValues(name: string, shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith("Gamma")) return randomValues(size, seed).map((v) => 1 + 0.2 * v);
  const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 4;
  return randomValues(size, seed).map((v) => v * Math.sqrt(3 / fanIn));
}

function hardSwish(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
}

function batchNorm(x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable): tf.Tensor4D {
  const { mean, variance } = momentsFn(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3) as tf.Tensor4D;
}

function forward(v: Record<string, tf.Variable>, x: tf.Tensor4D): tf.Tensor2D {
  // (no bias before a BatchNorm: its gradient is zero up to rounding)
  let h = firstConv(x, v.conv1 as tf.Tensor4D);
  h = hardSwish(batchNorm(h, v.bn1Gamma, v.bn1Beta)) as tf.Tensor4D;
  const shortcut = tf.maxPool(h, 2, 2, "valid"); // [N,6,6,8]
  let d = tf.depthwiseConv2d(h, v.dw as tf.Tensor4D, 2, "same"); // [N,6,6,16]
  d = hardSwish(batchNorm(d, v.bn2Gamma, v.bn2Beta)) as tf.Tensor4D;
  // squeeze-excite
  const pooled = tf.mean(d, [1, 2]) as tf.Tensor2D;
  const reduced = dense(pooled, v.seReduce as tf.Tensor2D, v.seReduceBias, "relu");
  const expanded = tf.add(tf.matMul(reduced, v.seExpand as tf.Tensor2D), v.seExpandBias);
  const gate = tf.mul(0.5, tf.add(tf.sigmoid(expanded), tf.div(tf.relu6(tf.add(expanded, 3)), 6)));
  d = tf.mul(d, tf.reshape(gate, [-1, 1, 1, 16])) as tf.Tensor4D;
  let p = batchNorm(tf.conv2d(d, v.pw as tf.Tensor4D, 1, "valid"), v.bn3Gamma, v.bn3Beta);
  p = tf.add(p, shortcut) as tf.Tensor4D; // residual
  const c = tf.relu6(tf.add(tf.conv2d(p, v.conv2 as tf.Tensor4D, 2, "valid"), v.conv2Bias)) as tf.Tensor4D; // [N,2,2,8]
  const pooled2 = tf.reshape(tf.maxPool(c, 2, 2, "same"), [-1, 8]) as tf.Tensor2D;
  return dense(pooled2, v.dense as tf.Tensor2D, v.denseBias, "linear");
}

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
  updated: Record<string, Float32Array>;
}

async function trainingStep(backend: "wasm" | "cpu"): Promise<StepResult> {
  await tf.setBackend(backend);
  const batch = 6;
  const vars: Record<string, tf.Variable> = {};
  Object.entries(SHAPES).forEach(([name, shape], i) => {
    vars[name] = tf.variable(tf.tensor(initialValues(name, shape, 100 + i), shape), true, `${backend}_${name}`);
  });
  const x = tf.tensor4d(randomValues(batch * 12 * 12 * 3, 7), [batch, 12, 12, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], "int32"), 5);
  const lossFn = () => tf.losses.softmaxCrossEntropy(labels, forward(vars, x)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(lossFn, Object.values(vars));
  const result: StepResult = { loss: (await value.data())[0], grads: {}, updated: {} };
  for (const [name, v] of Object.entries(vars)) result.grads[name] = Float32Array.from(await grads[v.name].data());
  const adam = tf.train.adam(0.01);
  adam.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  for (const [name, v] of Object.entries(vars)) result.updated[name] = Float32Array.from(await v.data());
  tf.dispose([value, x, labels, ...Object.values(grads), ...Object.values(vars)]);
  adam.dispose();
  return result;
}

beforeAll(async () => {
  delete process.env.COURSE_BACKEND;
  await initBackend({ backend: "wasm" });
});

for (const variant of ["tf.moments", "fusedMoments", "fusedMoments, dense on fusedMatMul, first conv on fusedConv2d"]) {
  it(`a full training step (loss, every gradient, one Adam update) matches on wasm and cpu (BatchNorm on ${variant})`, async () => {
    momentsFn = variant.startsWith("fusedMoments") ? fusedMoments : (x, axis, keepDims) => tf.moments(x, axis, keepDims);
    firstConv = variant.endsWith("fusedConv2d")
      ? (x, filter) => fusedConv2d({ x, filter, strides: 1, pad: "same" })
      : (x, filter) => tf.conv2d(x, filter, 1, "same");
    dense = variant.includes("fusedMatMul") ? (a, b, bias, activation) => fusedMatMul({ a, b, bias, activation }) as tf.Tensor2D : composedDense;
    const wasm = await trainingStep("wasm");
    const cpu = await trainingStep("cpu");
    expect(Number.isFinite(wasm.loss)).toBe(true);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-4);
    const errors: Record<string, number> = {};
    for (const name of Object.keys(SHAPES)) {
      const g = cpu.grads[name];
      expect(g.some((v) => v !== 0), `cpu gradient of ${name} is all zeros: the test model is broken`).toBe(true);
      errors[name] = relativeMaxError(wasm.grads[name], g);
      errors[`${name} (after Adam)`] = relativeMaxError(wasm.updated[name], cpu.updated[name]);
    }
    if (process.env.SHOW_ERRORS) console.log(errors);
    for (const [name, err] of Object.entries(errors)) expect(err, `${name}: relative error ${err}`).toBeLessThan(1e-4);
  });
}
