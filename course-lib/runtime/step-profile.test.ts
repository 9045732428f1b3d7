// The step profile's multiply-accumulate counts (kernelMacs) against a second count made from the layers
// instead of the kernels, and the SIMD ceiling it reports beside them.
import { beforeAll, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { randomValues } from "./kernel-check";
import { kernelMacs, profileStep, trainingStep } from "./step-profile";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

it("counts a convolution's and a matrix product's multiply-accumulates from the kernel's shapes", () => {
  // LeNet's layers: conv1 forward 64·24·24·8 outputs × 5·5·1 taps; conv2's filter gradient and input gradient
  // both 64·8·8·16 dy elements × 5·5·8.
  expect(kernelMacs("CourseFusedConv2D", [[64, 28, 28, 1], [5, 5, 1, 8], [8]], [[64, 24, 24, 8]])).toBe(7_372_800);
  expect(kernelMacs("Conv2DBackpropFilter", [[64, 12, 12, 8], [64, 8, 8, 16]], [[5, 5, 8, 16]])).toBe(13_107_200);
  expect(kernelMacs("Conv2DBackpropInput", [[64, 8, 8, 16], [5, 5, 8, 16]], [[64, 12, 12, 8]])).toBe(13_107_200);
  expect(kernelMacs("DepthwiseConv2dNative", [[2, 8, 8, 6], [3, 3, 6, 2]], [[2, 4, 4, 12]])).toBe(2 * 16 * 12 * 9);
  // A dense layer's weight gradient, with transposeA ([256, 64] read as its transpose) or without.
  expect(kernelMacs("BatchMatMul", [[1, 256, 64], [1, 64, 64]], [[1, 256, 64]])).toBe(256 * 64 * 64);
  expect(kernelMacs("BatchMatMul", [[1, 64, 256], [1, 64, 64]], [[1, 256, 64]])).toBe(256 * 64 * 64);
  expect(kernelMacs("Relu", [[64, 10]], [[64, 10]])).toBeNull();
});

it("the kernels of a training step add up to three passes over every layer (the first layer has no input gradient)", async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 8, kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "same" }),
      tf.layers.conv2d({ filters: 16, kernelSize: 1 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5 }),
    ],
  });
  const batch = 4;
  const x = tf.tensor4d(randomValues(batch * 300, 7), [batch, 10, 10, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], "int32"), 5);
  const optimizer = tf.train.adam(1e-3);
  const step = () => void trainingStep(model, optimizer, x, labels);
  step();
  const profile = await profileStep(step, 1);
  // Forward MACs per layer from the layer configuration: outputs × taps (× input channels for a full conv).
  const forward = [batch * 100 * 8 * 27, batch * 25 * 8 * 9, batch * 25 * 16 * 8, batch * 400 * 5];
  const expected = 3 * forward.reduce((a, b) => a + b, 0) - forward[0];
  const counted = profile.kernels.reduce((a, k) => a + (k.macs ?? 0), 0);
  expect(counted).toBe(expected);
  for (const k of profile.kernels) if (k.family === "conv/matmul") expect(k.macs, k.name).toBeGreaterThan(0);
  // The ceiling is a rate this machine reaches: positive and below 4 lanes × 2 multiply-adds × 8 GHz.
  expect(profile.simdCeilingGmacPerSec).toBeGreaterThan(0.1);
  expect(profile.simdCeilingGmacPerSec).toBeLessThan(64);
  tf.dispose([x, labels]);
  model.dispose();
}, 60_000);
