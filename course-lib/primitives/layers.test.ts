// Every layer builder builds the network its closed-form cost describes: the profiler, which measures the
// real tfjs graph, agrees with cost.ts on params (trainable, non-trainable, total), MACs and output shape,
// and with model.countParams(). Also: hard-swish values and serialisation, builder bad-input errors.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  activation, batchNorm, conv, dense, depthwiseConv, depthwiseSeparableConv, invertedResidualBlock, pointwiseConv, residualBlock,
} from "./layers";
import { singleModel } from "./single";
import {
  batchNormCost, conv2dCost, denseCost, depthwiseConvCost, depthwiseSeparableBlockCost, invertedResidualBlockCost,
  pointwiseConvCost, poolingCost, residualBlockCost, type Cost,
} from "./cost";
import { HardSwish, hardSwish } from "./hard-swish";
import { profileModel } from "../profiler/profile";
import { loadLayersModelFromFile, saveLayersModelToDir } from "../profiler/model-files";

beforeAll(async () => {
  await tf.setBackend("cpu"); // shapes and weight init only: no training happens here
});

function modelOf(shape: number[], body: (x: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const input = tf.input({ shape });
  return tf.model({ inputs: input, outputs: body(input) });
}

function expectAgreement(model: tf.LayersModel, cost: Cost): void {
  const p = profileModel(model);
  expect(p.totals.params.total).toBe(model.countParams());
  expect({ params: p.totals.params.total, trainable: p.totals.params.trainable, nonTrainable: p.totals.params.nonTrainable, macs: p.totals.macs })
    .toEqual({ params: cost.params, trainable: cost.trainableParams, nonTrainable: cost.nonTrainableParams, macs: cost.macs });
  expect(model.outputs[0].shape.slice(1)).toEqual(cost.outputShape);
}

describe("builders agree with the closed forms (profiler vs cost.ts)", () => {
  const convCases = [
    { h: 64, w: 64, cIn: 3, cOut: 16, k: 3, stride: 1, padding: "same" as const, bias: false },
    { h: 17, w: 12, cIn: 5, cOut: 7, k: 3, stride: 2, padding: "valid" as const, bias: true },
    { h: 9, w: 9, cIn: 4, cOut: 6, k: 5, stride: 1, padding: 2, bias: true },
    { h: 10, w: 8, cIn: 2, cOut: 3, k: [3, 1] as [number, number], stride: 1, padding: "same" as const, bias: true },
    { h: 12, w: 12, cIn: 3, cOut: 4, k: 3, stride: 1, padding: "valid" as const, bias: true, dilation: 2 },
  ];
  for (const c of convCases) {
    it(`conv ${JSON.stringify(c)}`, () => {
      const model = modelOf([c.h, c.w, c.cIn], (x) =>
        conv(x, { filters: c.cOut, kernel: c.k, stride: c.stride, padding: c.padding, bias: c.bias, dilation: c.dilation }));
      expectAgreement(model, conv2dCost({ ...c, dilation: c.dilation }));
    });
  }

  it("pointwise conv, stride 1 and 2", () => {
    expectAgreement(modelOf([8, 8, 16], (x) => pointwiseConv(x, { filters: 24 })), pointwiseConvCost({ cIn: 16, cOut: 24, h: 8, w: 8 }));
    expectAgreement(modelOf([9, 9, 16], (x) => pointwiseConv(x, { filters: 8, stride: 2, bias: false })), pointwiseConvCost({ cIn: 16, cOut: 8, h: 9, w: 9, stride: 2, bias: false }));
  });

  it("depthwise conv with depth multipliers 1 and 3, strides 1 and 2", () => {
    expectAgreement(modelOf([16, 16, 8], (x) => depthwiseConv(x, { kernel: 3 })), depthwiseConvCost({ c: 8, k: 3, h: 16, w: 16 }));
    expectAgreement(
      modelOf([15, 15, 4], (x) => depthwiseConv(x, { kernel: 5, stride: 2, depthMultiplier: 3, padding: "valid" })),
      depthwiseConvCost({ c: 4, k: 5, h: 15, w: 15, stride: 2, depthMultiplier: 3, padding: "valid" }),
    );
  });

  it("dense on a flat input and on an image (applied per position)", () => {
    expectAgreement(modelOf([12], (x) => dense(x, { units: 5 })), denseCost({ inUnits: 12, outUnits: 5 }));
    const m = modelOf([4, 4, 3], (x) => dense(x, { units: 6, bias: false }));
    const c = denseCost({ inUnits: 3, outUnits: 6, bias: false, positions: 16 });
    expectAgreement(m, { ...c, outputShape: [4, 4, 6] });
  });

  it("lecture example at 8x8: dense from the flattened 3x8x8 input to 16x8x8 vs a 3x3 conv", () => {
    const viaDense = modelOf([8, 8, 3], (x) => {
      const flat = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
      const y = dense(flat, { units: 16 * 8 * 8, bias: false });
      return tf.layers.reshape({ targetShape: [8, 8, 16] }).apply(y) as tf.SymbolicTensor;
    });
    const d = denseCost({ inUnits: 192, outUnits: 1024, bias: false });
    expect(d.macs).toBe(196_608);
    expectAgreement(viaDense, { ...d, outputShape: [8, 8, 16] });
    const viaConv = modelOf([8, 8, 3], (x) => conv(x, { filters: 16, kernel: 3, bias: false }));
    expectAgreement(viaConv, conv2dCost({ cIn: 3, cOut: 16, k: 3, h: 8, w: 8, bias: false }));
    expect(profileModel(viaConv).totals.macs).toBe(432 * 64);
  });

  it("batch-norm and activations", () => {
    const m = modelOf([6, 6, 10], (x) => activation(activation(activation(batchNorm(x), "relu"), "relu6"), "hard-swish"));
    expectAgreement(m, batchNormCost({ c: 10, shape: [6, 6, 10] }));
  });

  it("depthwise-separable block", () => {
    expectAgreement(
      modelOf([32, 32, 16], (x) => depthwiseSeparableConv(x, { filters: 32, stride: 2 })),
      depthwiseSeparableBlockCost({ cIn: 16, h: 32, w: 32, filters: 32, stride: 2 }),
    );
    expectAgreement(
      modelOf([8, 8, 4], (x) => depthwiseSeparableConv(x, { filters: 6, depthMultiplier: 2, kernel: 5, activation: "hard-swish" })),
      depthwiseSeparableBlockCost({ cIn: 4, h: 8, w: 8, filters: 6, depthMultiplier: 2, kernel: 5 }),
    );
  });

  it("residual block: identity skip and projection skip", () => {
    expectAgreement(modelOf([8, 8, 64], (x) => residualBlock(x, { narrow: 16 })), residualBlockCost({ cIn: 64, h: 8, w: 8, narrow: 16 }));
    expectAgreement(
      modelOf([8, 8, 32], (x) => residualBlock(x, { narrow: 16, out: 64, stride: 2 })),
      residualBlockCost({ cIn: 32, h: 8, w: 8, narrow: 16, out: 64, stride: 2 }),
    );
  });

  it("inverted residual: with/without SE, skip, expansion 1, stride 2", () => {
    const cases = [
      { shape: [16, 16, 16], o: { out: 16, expansion: 4, squeezeExcite: { ratio: 4 } } },
      { shape: [16, 16, 16], o: { out: 24, expansion: 6, stride: 2 } },
      { shape: [8, 8, 12], o: { out: 12, expansion: 1, kernel: 5, squeezeExcite: { ratio: 3 } } },
    ];
    for (const c of cases) {
      const m = modelOf(c.shape, (x) => invertedResidualBlock(x, { ...c.o, activation: "hard-swish" }));
      expectAgreement(m, invertedResidualBlockCost({ cIn: c.shape[2], h: c.shape[0], w: c.shape[1], ...c.o }));
      const hasAdd = m.layers.some((l) => l.getClassName() === "Add");
      expect(hasAdd).toBe(c.o.out === c.shape[2] && (c.o.stride ?? 1) === 1);
    }
  });
});

describe("pooling layers agree with poolingCost (tfjs shapes, profiler params and MACs)", () => {
  const cases = [
    { layer: () => tf.layers.maxPooling2d({ poolSize: 2 }), spec: { pool: 2 } },
    { layer: () => tf.layers.averagePooling2d({ poolSize: 3, strides: 2 }), spec: { pool: 3, stride: 2 } },
    { layer: () => tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }), spec: { pool: 3, stride: 2, padding: "same" as const } },
    { layer: () => tf.layers.globalAveragePooling2d({}), spec: { pool: "global" as const } },
  ];
  for (const { layer, spec } of cases) {
    it(`${JSON.stringify(spec)} on 15x15x8`, () => {
      const model = modelOf([15, 15, 8], (x) => layer().apply(x) as tf.SymbolicTensor);
      expectAgreement(model, poolingCost({ c: 8, h: 15, w: 15, ...spec }));
      model.dispose();
    });
  }
});

describe("hard-swish", () => {
  it("matches x * relu6(x + 3) / 6", () => {
    const xs = [-5, -3, -1.5, 0, 0.5, 2, 3, 4];
    const y = new HardSwish().apply(tf.tensor1d(xs)) as tf.Tensor;
    const got = Array.from(y.dataSync());
    xs.forEach((x, i) => expect(got[i]).toBeCloseTo(hardSwish(x), 6));
    expect(hardSwish(-3)).toBeCloseTo(0, 12);
    expect(hardSwish(3)).toBe(3);
    expect(hardSwish(-1.5)).toBeCloseTo(-0.375, 12);
  });

  it("a model using it round-trips through model.json on disk", async () => {
    const model = modelOf([8, 8, 4], (x) => invertedResidualBlock(x, { out: 4, expansion: 2, squeezeExcite: { ratio: 2 }, activation: "hard-swish" }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hswish-"));
    try {
      const file = await saveLayersModelToDir(model, dir);
      expect(JSON.parse(fs.readFileSync(file, "utf8")).modelTopology.config.layers.some((l: { class_name: string }) => l.class_name === "HardSwish")).toBe(true);
      const loaded = await loadLayersModelFromFile(file);
      const x = tf.randomNormal([2, 8, 8, 4], 0, 2, "float32", 7);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (loaded.predict(x) as tf.Tensor).dataSync();
      expect(b.length).toBe(a.length);
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      expect(profileModel(loaded).totals).toEqual(profileModel(model).totals);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("builder bad inputs", () => {
  it("kernel larger than the input, zero filters, bad depth multiplier, wrong rank", () => {
    const x = tf.input({ shape: [3, 3, 2] });
    expect(() => conv(x, { filters: 4, kernel: 5, padding: "valid" })).toThrow(/conv: kernel 5 is larger than the padded input height \(3/);
    expect(() => conv(x, { filters: 0, kernel: 1 })).toThrow(/conv: cOut \(output channels\) must be a positive integer, got 0/);
    expect(() => depthwiseConv(x, { kernel: 3, depthMultiplier: 0 })).toThrow(/depthMultiplier must be a positive integer, got 0/);
    expect(() => conv(tf.input({ shape: [10] }), { filters: 2, kernel: 1 })).toThrow(/expected a \[batch, H, W, C\] input.*got shape \[null,10\]/);
    expect(() => activation(x, "swish" as never)).toThrow(/kind must be .* got "swish"/);
    expect(() => residualBlock(x, { narrow: 2, kernel: 5, stride: 1 })).not.toThrow(); // "same" padding: always fits
  });
});

describe("singleModel", () => {
  it("wraps one layer in a model with the given input shape and name", () => {
    const model = singleModel([8, 8, 3], (x) => conv(x, { filters: 4, kernel: 3 }), "one_conv");
    expect(model.name).toBe("one_conv");
    expect(model.inputs[0].shape).toEqual([null, 8, 8, 3]);
    expect(model.outputs[0].shape).toEqual([null, 8, 8, 4]);
    model.dispose();
  });

  it("rejects a shape with a batch axis or a non-integer, naming it", () => {
    expect(() => singleModel([null as unknown as number, 8, 3], (x) => x, "m")).toThrow(/\[null,8,3\]/);
    expect(() => singleModel([8.5], (x) => x, "m")).toThrow(/\[8\.5\]/);
  });
});
