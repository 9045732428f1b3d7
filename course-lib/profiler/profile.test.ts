// The profiler on whole models: totals agree with model.countParams() on every built-in model and with the
// closed forms on every primitive demo; peak RAM with and without a skip connection, with and without
// in-place layers, computed by hand; flash bytes by hand; nested and shared layers; uncostable layers.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { profileModel, PARAMETER_FREE_LAYERS } from "./profile";
import { BUILTINS } from "./builtins";
import { conv2dCost, denseCost } from "../primitives/cost";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("built-in models", () => {
  for (const [name, builtin] of Object.entries(BUILTINS)) {
    it(`${name}: totals agree with countParams()${builtin.closedForm ? " and the closed form" : ""}`, () => {
      const model = builtin.build();
      const p = profileModel(model);
      expect(p.totals.params.total).toBe(model.countParams());
      expect(p.totals.params.trainable + p.totals.params.nonTrainable).toBe(p.totals.params.total);
      const tfjsTrainable = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
      expect(p.totals.params.trainable).toBe(tfjsTrainable);
      expect(p.layers.reduce((s, l) => s + l.macs, 0)).toBe(p.totals.macs);
      if (builtin.closedForm) {
        expect(p.totals.params.total).toBe(builtin.closedForm.params);
        expect(p.totals.macs).toBe(builtin.closedForm.macs);
        expect(p.layers[p.layers.length - 1].outputShapes[0]).toEqual(builtin.closedForm.outputShape);
      }
    });
  }

  it("lenet per-layer MACs, by hand", () => {
    const p = profileModel(BUILTINS.lenet.build());
    const macs = Object.fromEntries(p.layers.map((l) => [l.name, l.macs]));
    expect(macs.c1).toBe(28 * 28 * 6 * 25); // 117,600
    expect(macs.c3).toBe(10 * 10 * 16 * 6 * 25); // 240,000
    expect(macs.f5).toBe(400 * 120);
    expect(macs.s2).toBe(0); // pooling is not counted
    expect(p.totals.macs).toBe(117_600 + 240_000 + 48_000 + 10_080 + 840);
  });
});

describe("peak activation RAM", () => {
  // input 8x8x4 (256) -> a: 1x1 conv to 8 channels (512) -> b: 1x1 conv to 4 channels (256) [-> add(b, input)]
  function chain(withSkip: boolean): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 4], name: "x" });
    const a = tf.layers.conv2d({ filters: 8, kernelSize: 1, name: "a" }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: "b" }).apply(a) as tf.SymbolicTensor;
    const out = withSkip ? (tf.layers.add({ name: "add" }).apply([b, input]) as tf.SymbolicTensor) : b;
    return tf.model({ inputs: input, outputs: out });
  }

  it("without the skip: the input dies after a, peak = a + b or x + a = 768 elements", () => {
    const p = profileModel(chain(false));
    expect(p.ramTimeline.map((s) => [s.layer, s.liveElements])).toEqual([["x", 256], ["a", 256 + 512], ["b", 512 + 256]]);
    expect(p.totals.peakElements).toBe(768);
    expect(p.totals.peakRam).toEqual({ float32: 3072, int8: 768 });
  });

  it("with the skip: the input stays live across a and b, peak = x + a + b = 1024 elements", () => {
    const p = profileModel(chain(true));
    expect(p.ramTimeline.map((s) => [s.layer, s.liveElements])).toEqual([
      ["x", 256], ["a", 256 + 512], ["b", 256 + 512 + 256], ["add", 256 + 256 + 256],
    ]);
    expect(p.totals.peakElements).toBe(1024);
    expect(p.totals.peakLayer).toBe("b");
    expect(p.totals.peakRam).toEqual({ float32: 4096, int8: 1024 });
  });

  // input 4x4x2 (32) -> conv 1x1 to 8 (128) -> ReLU -> conv 1x1 to 2 (32)
  function convReluConv(): tf.LayersModel {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [4, 4, 2], filters: 8, kernelSize: 1, name: "c1" }),
        tf.layers.reLU({ name: "relu" }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "c2" }),
      ],
    });
  }

  it("in place: the ReLU reuses the conv's buffer (as a fused conv+ReLU would)", () => {
    const p = profileModel(convReluConv());
    expect(p.ramTimeline.map((s) => s.liveElements)).toEqual([32, 32 + 128, 128, 128 + 32]);
    expect(p.totals.peakElements).toBe(160);
  });

  it("not in place: the ReLU needs a second 128-element buffer", () => {
    const p = profileModel(convReluConv(), { inPlace: false });
    expect(p.ramTimeline.map((s) => s.liveElements)).toEqual([32, 160, 256, 160]);
    expect(p.totals.peakElements).toBe(256);
    expect(p.totals.peakLayer).toBe("relu");
  });

  it("a layer whose input is also read elsewhere is not run in place", () => {
    const input = tf.input({ shape: [4, 4, 2], name: "x" });
    const c = tf.layers.conv2d({ filters: 8, kernelSize: 1, name: "c" }).apply(input) as tf.SymbolicTensor;
    const r = tf.layers.reLU({ name: "r" }).apply(c) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: "sum" }).apply([r, c]) as tf.SymbolicTensor;
    const p = profileModel(tf.model({ inputs: input, outputs: sum }));
    // x 32; c: x + c = 160; r: c + r = 256 (x is dead); sum: c + r + sum = 384
    expect(p.ramTimeline.map((s) => s.liveElements)).toEqual([32, 160, 256, 384]);
  });
});

describe("flash bytes", () => {
  function convBn(extraConsumer: boolean, bias = false): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 3] });
    const c = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", useBias: bias, name: "conv" }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: "bn" }).apply(c) as tf.SymbolicTensor;
    const outputs = extraConsumer ? [bn, c] : bn;
    return tf.model({ inputs: input, outputs });
  }

  it("conv without bias + folded BN: the BN becomes the conv's bias", () => {
    const p = profileModel(convBn(false));
    // float32: 432 kernel weights * 4 + folded bias 16 * 4. int8: 432 + 16 per-channel float32 scales + 16 int32 biases.
    expect(p.totals.flash).toEqual({ float32: 432 * 4 + 64, int8: 432 + 16 * 4 + 16 * 4 });
    expect(p.layers.find((l) => l.name === "bn")?.note).toMatch(/folded into conv \(adds a bias of 16\)/);
  });

  it("conv with bias + folded BN: the BN costs nothing", () => {
    const p = profileModel(convBn(false, true));
    expect(p.totals.flash).toEqual({ float32: (432 + 16) * 4, int8: 432 + 64 + 64 });
  });

  it("BN that cannot fold (the conv output is read elsewhere) is a multiplier and an offset", () => {
    const p = profileModel(convBn(true));
    expect(p.totals.flash).toEqual({ float32: 432 * 4 + 2 * 16 * 4, int8: 432 + 64 + (2 * 16 + 8) });
    expect(profileModel(convBn(false), { foldBatchNorm: false }).totals.flash).toEqual(p.totals.flash);
  });

  it("dense and depthwise int8: 1 byte per weight, a float32 scale per output channel, int32 biases", () => {
    const m = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [5, 5, 4], kernelSize: 3, depthMultiplier: 2, name: "dw" }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, name: "fc" }),
      ],
    });
    const p = profileModel(m);
    const dw = p.layers.find((l) => l.name === "dw");
    const fc = p.layers.find((l) => l.name === "fc");
    expect(dw?.flash).toEqual({ float32: (72 + 8) * 4, int8: 72 + 8 * 4 + 8 * 4 });
    expect(fc?.flash).toEqual({ float32: (72 * 3 + 3) * 4, int8: 216 + 3 * 4 + 3 * 4 });
  });
});

describe("graphs", () => {
  it("a nested Sequential inside a functional model with a skip", () => {
    const inner = tf.sequential({
      name: "inner",
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 4], filters: 8, kernelSize: 3, padding: "same", name: "ic1" }),
        tf.layers.conv2d({ filters: 4, kernelSize: 1, name: "ic2" }),
      ],
    });
    const input = tf.input({ shape: [8, 8, 4], name: "x" });
    const y = inner.apply(input) as tf.SymbolicTensor;
    const out = tf.layers.add({ name: "add" }).apply([y, input]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const p = profileModel(model);
    expect(p.totals.params.total).toBe(model.countParams());
    const c1 = conv2dCost({ cIn: 4, cOut: 8, k: 3, h: 8, w: 8 });
    const c2 = conv2dCost({ cIn: 8, cOut: 4, k: 1, h: 8, w: 8 });
    expect(p.totals.macs).toBe(c1.macs + c2.macs);
    expect(p.layers.map((l) => l.name)).toEqual(["x", "inner/ic1", "inner/ic2", "add"]);
    // The nested layers are inlined, so the skip keeps x (256) live inside them: x + ic1 (512) + ic2 (256).
    expect(p.ramTimeline.map((s) => [s.layer, s.liveElements])).toEqual([
      ["x", 256], ["inner/ic1", 256 + 512], ["inner/ic2", 256 + 512 + 256], ["add", 256 + 256 + 256],
    ]);
    expect(p.totals.peakElements).toBe(1024);
    expect(p.totals.peakLayer).toBe("inner/ic2");
  });

  it("a shared layer: weights counted once, MACs at every call", () => {
    const shared = tf.layers.dense({ units: 4, name: "shared" });
    const a = tf.input({ shape: [6], name: "a" });
    const b = tf.input({ shape: [6], name: "b" });
    const sum = tf.layers.add().apply([shared.apply(a) as tf.SymbolicTensor, shared.apply(b) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: sum });
    const p = profileModel(model);
    const d = denseCost({ inUnits: 6, outUnits: 4 });
    expect(p.totals.params.total).toBe(d.params);
    expect(p.totals.params.total).toBe(model.countParams());
    expect(p.totals.macs).toBe(2 * d.macs);
  });

  it("Conv1D and Conv2DTranspose MACs, by hand", () => {
    const c1 = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [10, 3], filters: 4, kernelSize: 3, name: "c1" })] });
    expect(profileModel(c1).totals.macs).toBe(8 * 4 * 3 * 3); // out length 8 x 4 filters x k*cIn
    const t = tf.sequential({
      layers: [tf.layers.conv2dTranspose({ inputShape: [4, 4, 2], filters: 5, kernelSize: 3, strides: 2, padding: "same", name: "t" })],
    });
    const p = profileModel(t);
    expect(p.layers[1].outputShapes[0]).toEqual([8, 8, 5]);
    expect(p.totals.macs).toBe(16 * 9 * 5 * 2); // every input pixel scatters k*k*cOut*cIn products
  });

  it("an unbuilt Sequential is built on demand", () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [3], units: 2 }));
    expect(profileModel(m).totals.params.total).toBe(8);
  });

  it("a layer it cannot cost is an error naming the class", () => {
    const m = tf.sequential({ layers: [tf.layers.simpleRNN({ inputShape: [5, 3], units: 4, name: "rnn" })] });
    expect(() => profileModel(m)).toThrow(/cannot cost layer "rnn" of class SimpleRNN/);
  });

  it("parameter-free layers are listed explicitly and include pooling, reshapes, merges and activations", () => {
    for (const cls of ["InputLayer", "MaxPooling2D", "GlobalAveragePooling2D", "Flatten", "Reshape", "Add", "Multiply", "Concatenate", "ReLU", "HardSwish", "Dropout", "ZeroPadding2D"]) {
      expect(PARAMETER_FREE_LAYERS.has(cls)).toBe(true);
    }
    expect(PARAMETER_FREE_LAYERS.has("Conv2D")).toBe(false);
  });

  it("variable input sizes are rejected with the shape", () => {
    const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
    const out = tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
    expect(() => profileModel(tf.model({ inputs: input, outputs: out }))).toThrow(/unknown dimension in shape \[null,null,null,3\]/);
  });
});
