// The three RAM models (ram-models.ts) on a hand-counted expand -> pad -> depthwise -> project chain,
// agreement with the profiler on real PhiNets, and the models it refuses.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { phinet } from "../nets/phinet";
import { profileModel } from "./profile";
import { ramModels } from "./ram-models";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** 8x8x1 input -> 1x1 conv to 4 -> pad 1 -> 3x3 depthwise (valid) -> 1x1 conv to 1. */
function chain(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: "in" });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false, name: "expand" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.zeroPadding2d({ padding: 1, name: "pad" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, useBias: false, name: "dw" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false, name: "project" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

describe("ramModels", () => {
  it("counts the three models by hand", () => {
    const model = chain();
    const [tensor, conv, live] = ramModels(model);
    // Tensors: in 64, expand 256, pad 400 (left out), dw 256, project 64: the first 256 is expand's.
    expect(tensor).toMatchObject({ id: "largest-tensor", peakElements: 256, layer: "expand" });
    // dw reads the unpadded 256 (not the padded 400) and writes 256; expand is 64 + 256 = 320.
    expect(conv).toMatchObject({ id: "conv-in-out", peakElements: 512, layer: "dw" });
    expect(conv.peakRam).toEqual({ int8: 512, float32: 2048 });
    // Live buffers: expand (256) + its padded copy (400) while the pad runs.
    expect(live).toMatchObject({ id: "live-buffers", peakElements: 656, layer: "pad" });
    model.dispose();
  });

  it("orders the models leanest first and agrees with the profiler on PhiNets", () => {
    for (const options of [{ alpha: 0.5, beta: 0.75, t0: 4 }, { alpha: 1, beta: 1, t0: 6 }]) {
      const model = phinet({ inputShape: [3, 64, 64], ...options });
      const [tensor, conv, live] = ramModels(model);
      expect(tensor.peakElements).toBeLessThan(conv.peakElements);
      expect(conv.peakElements).toBeLessThan(live.peakElements);
      expect(live.peakRam.int8).toBe(profileModel(model).totals.peakRam.int8);
      model.dispose();
    }
  });

  it("refuses what it cannot read, naming it", () => {
    expect(() => ramModels({} as never)).toThrow(/expected a tfjs LayersModel/);
    const input = tf.input({ shape: [4, 4, 2] });
    const shared = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "shared" });
    const twice = shared.apply(shared.apply(input)) as tf.SymbolicTensor;
    const sharedModel = tf.model({ inputs: input, outputs: twice });
    expect(() => ramModels(sharedModel)).toThrow(/"shared" is called more than once/);
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })], name: "inner" });
    const outerInput = tf.input({ shape: [3] });
    const outer = tf.model({ inputs: outerInput, outputs: inner.apply(outerInput) as tf.SymbolicTensor });
    expect(() => ramModels(outer)).toThrow(/nested model "inner"/);
    sharedModel.dispose();
    outer.dispose();
  });
});
