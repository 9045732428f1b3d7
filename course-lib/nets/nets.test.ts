// PhiNet and XiNet against micromind (numbers measured on the PyTorch reference, fixtures/
// reference-counts.json) and against the closed-form costs (phinet-cost.ts / xinet-cost.ts), through the
// profiler's measurement of the built tfjs models; plus the published anchors and option errors.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { profileModel } from "../profiler/profile";
import { phinet } from "./phinet";
import { phinetCost } from "./phinet-cost";
import { xinet } from "./xinet";
import { xinetCost } from "./xinet-cost";
import { makeDivisible, uniformAdaptiveWindow } from "./common";
import { expansionFactor } from "./phinet-plan";

interface RefRecord {
  family: "phinet" | "xinet";
  options: Record<string, unknown>;
  params?: number;
  macs?: number;
  outShape?: number[];
  referenceError?: string;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "reference-counts.json"), "utf8")) as { provenance: object; configs: RefRecord[] };
const build = (r: RefRecord): tf.LayersModel => (r.family === "phinet" ? phinet(r.options as never) : xinet(r.options as never));
const cost = (r: RefRecord) => (r.family === "phinet" ? phinetCost(r.options as never) : xinetCost(r.options as never));
/** micromind's [C, H, W] output as channels-last. */
const hwc = (s: number[]): number[] => (s.length === 3 ? [s[1], s[2], s[0]] : s);

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("published anchors", () => {
  it("PhiNet 3x224x224 defaults: 30,917 params, 9,815,790 MACs, 38x7x7", () => {
    const p = profileModel(phinet({ inputShape: [3, 224, 224] }));
    expect(p.totals.params.trainable).toBe(30917);
    expect(p.totals.macs).toBe(9815790);
    // torchinfo's 9,817,670 adds one multiply-add per batch-norm output channel pair: 1,880 = BN channels.
    expect(p.totals.params.nonTrainable).toBe(9817670 - 9815790);
    expect(p.layers[p.layers.length - 1].outputShapes[0]).toEqual([7, 7, 38]);
  });
  it("XiNet 3x224x224 defaults: 489,808 params, 171,401,216 MACs, 256x14x14", () => {
    const m = xinet({ inputShape: [3, 224, 224] });
    const p = profileModel(m);
    expect(p.totals.params.trainable).toBe(489808);
    expect(p.totals.macs).toBe(171401216);
    expect(m.outputs[0].shape).toEqual([null, 14, 14, 256]);
  });
  it("inputLayout hwc reads [H, W, C]", () => {
    expect(phinetCost({ inputShape: [224, 224, 3], inputLayout: "hwc" })).toEqual(phinetCost({ inputShape: [3, 224, 224] }));
  });
});

describe("micromind sweep (fixture) and the closed form", () => {
  const buildable = fixture.configs.filter((r) => r.referenceError === undefined && !(r.family === "xinet" && r.options.numLayers === 2));
  it("the fixture covers the option space", () => {
    expect(buildable.filter((r) => r.family === "phinet").length).toBeGreaterThanOrEqual(20);
    expect(buildable.filter((r) => r.family === "xinet").length).toBeGreaterThanOrEqual(10);
    const keys = new Set(buildable.flatMap((r) => Object.keys(r.options)));
    for (const k of ["alpha", "beta", "t0", "numLayers", "downsamplingLayers", "conv5Percent", "firstConvStride", "residuals", "pool",
      "squeezeExcite", "divisor", "includeTop", "gamma", "baseFilters", "conv2dInput", "hSwish", "compatibility"]) expect(keys).toContain(k);
  });
  for (const r of buildable) {
    it(`${r.family} ${JSON.stringify(r.options)}`, () => {
      const model = build(r);
      const p = profileModel(model);
      const outShape = model.outputs[0].shape.slice(1);
      expect({ params: p.totals.params.trainable, macs: p.totals.macs, outShape }).toEqual({ params: r.params, macs: r.macs, outShape: hwc(r.outShape as number[]) });
      const c = cost(r);
      expect(c.params).toEqual(p.totals.params);
      expect(c.macs).toBe(p.totals.macs);
      expect(c.outShape).toEqual(outShape);
      expect(c.flash).toEqual(p.totals.flash);
      expect(c.peakRam).toEqual(p.totals.peakRam);
      model.dispose();
    });
  }
  it("configurations micromind cannot run are rejected before building, naming the option", () => {
    const failing = fixture.configs.filter((r) => r.referenceError !== undefined);
    expect(failing.length).toBeGreaterThanOrEqual(5);
    for (const r of failing) expect(() => cost(r), JSON.stringify(r.options)).toThrow(/option (inputShape|gamma|baseFilters|alpha)/);
  });
  it("micromind's 2-layer XiNet (a dead skip conv) is rejected on purpose", () => {
    expect(() => xinet({ inputShape: [3, 64, 64], numLayers: 2 })).toThrow(/option numLayers must be an integer >= 3, got 2/);
  });
  it("returnLayers adds outputs without changing params or MACs", () => {
    const m = phinet({ inputShape: [3, 96, 96], returnLayers: [2, 5] });
    expect(m.outputs.length).toBe(3);
    const p = profileModel(m);
    expect(p.totals.params.trainable).toBe(profileModel(phinet({ inputShape: [3, 96, 96] })).totals.params.trainable);
    expect(phinetCost({ inputShape: [3, 96, 96], returnLayers: [2, 5] }).peakRam).toEqual(p.totals.peakRam);
    const x = xinet({ inputShape: [3, 64, 64], returnLayers: [0, 3] });
    expect(x.outputs.map((t) => t.shape)).toEqual([[null, 4, 4, 256], [null, 16, 16, 32], [null, 8, 8, 64]]);
  });
});

describe("the built models run", () => {
  it("predict gives finite outputs of the planned shape (PhiNet with explicit padding, XiNet with pooled skips)", () => {
    const cases: [tf.LayersModel, number[]][] = [
      [phinet({ inputShape: [3, 64, 80], includeTop: true, numClasses: 3, conv5Percent: 0.3 }), [2, 3]],
      [phinet({ inputShape: [1, 33, 33], pool: true, hSwish: false }), [2, 1, 1, 38]],
      [xinet({ inputShape: [3, 32, 32], alpha: 0.5 }), [2, 2, 2, 128]],
    ];
    for (const [model, shape] of cases) {
      const [, h, w, c] = model.inputs[0].shape as number[];
      const y = tf.tidy(() => model.predict(tf.randomNormal([2, h, w, c], 0, 1, "float32", 1)) as tf.Tensor);
      expect(y.shape).toEqual(shape);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
      model.dispose();
    }
  });
});

describe("helpers mirror Python", () => {
  it("make_divisible and the expansion factor", () => {
    expect(makeDivisible(9, 1)).toBe(9);
    expect(makeDivisible(0, 1)).toBe(1);
    expect(makeDivisible(37, 8)).toBe(40);
    expect(makeDivisible(10, 8)).toBe(16); // 8 would be > 10% below 10
    expect(expansionFactor(6, 1, 3, 7)).toBeCloseTo(6, 12);
    expect(expansionFactor(4, 0.66, 7, 7)).toBeCloseTo(2.64, 12);
  });
  it("adaptive pooling windows", () => {
    expect(uniformAdaptiveWindow(56, 14)).toEqual({ pool: 4, stride: 4 });
    expect(uniformAdaptiveWindow(25, 12)).toEqual({ pool: 3, stride: 2 });
    expect(uniformAdaptiveWindow(10, 4)).toBeNull();
  });
});

describe("bad options", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["alpha 0", () => phinet({ inputShape: [3, 96, 96], alpha: 0 }), /phinet: option alpha must be a width multiplier > 0, got 0/],
    ["t0 0.5", () => phinet({ inputShape: [3, 96, 96], t0: 0.5 }), /option t0 must be a base expansion factor >= 1, got 0.5/],
    ["unknown name", () => phinet({ inputShape: [3, 96, 96], t_zero: 4 } as never), /option t_zero is not a phinet option; expected one of: inputShape, inputLayout/],
    ["xinet unknown name", () => xinet({ inputShape: [3, 96, 96], beta: 1 } as never), /option beta is not a xinet option/],
    ["missing input", () => phinet({} as never), /option inputShape is required/],
    ["bad input", () => phinet({ inputShape: [3, 96] }), /option inputShape must be three positive integers \[C, H, W\]/],
    ["too small", () => phinet({ inputShape: [3, 16, 16], conv5Percent: 0.3 }), /option inputShape \[3,16,16\] is too small.*5x5 depthwise/],
    ["too small pool", () => phinet({ inputShape: [3, 8, 8], pool: true }), /option inputShape \[3,8,8\] is too small.*max-pool/],
    ["downsampling id", () => phinet({ inputShape: [3, 96, 96], downsamplingLayers: [4.5] }), /option downsamplingLayers must be a list of integer block ids/],
    ["gamma too big", () => xinet({ inputShape: [3, 64, 64], alpha: 0.1, gamma: 8 }), /option gamma 8 leaves XiConv block 0 .* 0-channel compression/],
    ["gamma < 1", () => xinet({ inputShape: [3, 64, 64], gamma: 0.5 }), /option gamma must be a compression factor >= 1/],
    ["base width", () => xinet({ inputShape: [3, 64, 64], baseFilters: 9 }), /option baseFilters 9 cannot be built/],
    ["uneven input", () => xinet({ inputShape: [3, 31, 31] }), /option inputShape \[3,31,31\] cannot be built/],
    ["uneven adaptive pool (our limitation)", () => xinet({ inputShape: [3, 56, 56] }), /option inputShape \[3,56,56\] is not supported: .*pools 14x14 to 3x3 with uneven/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
  it("errors come before any layer is built", () => {
    const before = tf.memory().numTensors;
    expect(() => phinet({ inputShape: [3, 96, 96], alpha: -1 })).toThrow(/alpha/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
