// DS-CNN (course-lib/nets/ds-cnn.ts) against a closed form written here from the architecture (stem conv,
// BN + ReLU, depthwise 3×3 and pointwise 1×1 per block, global pool, dense), measured through the profiler
// on the built tfjs model; plus hand-computed totals, the fixed layer names the feature loss relies
// on, the 'same'-padding spatial sizes, seeded initialisation and option errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { profileModel } from "../profiler/profile";
import { STUDENT_OPTIONS } from "../compress/distill/lesson";
import { dsCnn, type DsCnnOptions } from "./ds-cnn";
import { withSeededRandom } from "./seeded";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

interface Expected {
  trainable: number;
  nonTrainable: number;
  macs: number;
  /** [height, width, channels] after the stem and after each block's depthwise and pointwise conv. */
  shapes: { stem: number[]; dw: number[][]; pw: number[][] };
}

/**
 * The cost by hand, batch size 1. A 'same' conv of stride s gives ceil(size / s). Parameters: stem
 * kh·kw·cin·F (no bias); each BatchNorm has 4 per channel, gamma and beta trainable, moving mean and
 * variance not (the profiler's split); depthwise 9·C, pointwise C·F (no biases: BN follows); dense
 * (F + 1)·classes. MACs: one multiply-add per kernel weight per output position (dense: F·classes).
 */
function handCost(o: DsCnnOptions): Expected {
  const [h0, w0, cin] = o.inputShape;
  const stemF = o.stemFilters ?? 64;
  const [kh, kw] = o.stemKernel ?? [10, 4];
  const [sh, sw] = o.stemStride ?? [2, 2];
  const filters = o.blockFilters ?? [64, 64, 64, 64];
  const strides = o.blockStrides ?? filters.map(() => 1);
  let h = Math.ceil(h0 / sh), w = Math.ceil(w0 / sw), c = stemF;
  let trainable = kh * kw * cin * stemF + 2 * stemF;
  let nonTrainable = 2 * stemF;
  let macs = h * w * stemF * kh * kw * cin;
  const shapes: Expected["shapes"] = { stem: [h, w, c], dw: [], pw: [] };
  filters.forEach((f, i) => {
    h = Math.ceil(h / strides[i]);
    w = Math.ceil(w / strides[i]);
    trainable += 9 * c + 2 * c; // depthwise + its BN
    nonTrainable += 2 * c;
    macs += h * w * c * 9;
    shapes.dw.push([h, w, c]);
    trainable += c * f + 2 * f; // pointwise + its BN
    nonTrainable += 2 * f;
    macs += h * w * c * f;
    c = f;
    shapes.pw.push([h, w, c]);
  });
  trainable += (c + 1) * o.numClasses;
  macs += c * o.numClasses;
  return { trainable, nonTrainable, macs, shapes };
}

const DEFAULTS: DsCnnOptions = { inputShape: [49, 10, 1], numClasses: 12 };

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe("dsCnn: cost against the hand formula", () => {
  for (const [label, options] of [["defaults (DS-CNN-S)", DEFAULTS], ["lesson 06 student", STUDENT_OPTIONS as DsCnnOptions]] as const) {
    it(`${label}: trainable and non-trainable parameters, MACs, per-layer shapes`, () => {
      const model = dsCnn(options);
      const p = profileModel(model);
      const e = handCost(options);
      expect(p.totals.params.trainable).toBe(e.trainable);
      expect(p.totals.params.nonTrainable).toBe(e.nonTrainable);
      expect(p.totals.params.total).toBe(model.countParams());
      expect(p.totals.macs).toBe(e.macs);
      const shapeOf = (name: string) => model.getLayer(name).outputShape.slice(1);
      expect(shapeOf("stem")).toEqual(e.shapes.stem);
      e.shapes.dw.forEach((s, i) => expect(shapeOf(`block${i + 1}_dw`)).toEqual(s));
      e.shapes.pw.forEach((s, i) => expect(shapeOf(`block${i + 1}_pw`)).toEqual(s));
      model.dispose();
    });
  }

  it("defaults by hand: 23,180 trainable, 1,152 BN statistics, 2,656,768 MACs", () => {
    // stem 10·4·1·64 = 2,560; 9 BN layers of 64 channels: 2·64·9 = 1,152 trainable and as many statistics;
    // 4 blocks of depthwise 9·64 = 576 and pointwise 64·64 = 4,096; dense 65·12 = 780.
    // MACs on the 25×5 grid: stem 125·64·40 = 320,000; per block 125·64·9 = 72,000 + 125·64·64 = 512,000; dense 768.
    const model = dsCnn(DEFAULTS);
    const p = profileModel(model);
    expect(p.totals.params.trainable).toBe(2560 + 1152 + 4 * (576 + 4096) + 780);
    expect(p.totals.params.nonTrainable).toBe(1152);
    expect(p.totals.macs).toBe(320000 + 4 * (72000 + 512000) + 768);
    model.dispose();
  });

  it("lesson 06 student by hand: 49×10 → 25×5 (stem) → 13×3 → 7×2 → 7×2", () => {
    const model = dsCnn(STUDENT_OPTIONS);
    const shapeOf = (name: string) => model.getLayer(name).outputShape;
    expect(shapeOf("stem")).toEqual([null, 25, 5, 16]);
    expect(shapeOf("block1_dw")).toEqual([null, 13, 3, 16]);
    expect(shapeOf("block1_pw")).toEqual([null, 13, 3, 16]);
    expect(shapeOf("block2_dw")).toEqual([null, 7, 2, 16]);
    expect(shapeOf("block2_pw")).toEqual([null, 7, 2, 32]);
    expect(shapeOf("block3_dw")).toEqual([null, 7, 2, 32]);
    expect(shapeOf("block3_pw")).toEqual([null, 7, 2, 32]);
    expect(shapeOf("embedding")).toEqual([null, 32]);
    expect(shapeOf("head_logits")).toEqual([null, 12]);
    // stem 3·3·1·16 = 144; BN: 16 (stem) + 16 + 16 (block 1) + 16 + 32 (block 2) + 32 + 32 (block 3) = 160 channels;
    // depthwise 9·(16 + 16 + 32) = 576; pointwise 16·16 + 16·32 + 32·32 = 1,792; dense 33·12 = 396.
    const p = profileModel(model);
    expect(p.totals.params.trainable).toBe(144 + 2 * 160 + 576 + 1792 + 396);
    expect(p.totals.params.nonTrainable).toBe(2 * 160);
    // stem 125·16·9 = 18,000; block 1 on 13×3 = 39: 39·16·9 + 39·16·16 = 15,600; block 2 on 7×2 = 14: 14·16·9 + 14·16·32 = 9,184;
    // block 3: 14·32·9 + 14·32·32 = 18,368; dense 32·12 = 384.
    expect(p.totals.macs).toBe(18000 + 15600 + 9184 + 18368 + 384);
    model.dispose();
  });
});

describe("dsCnn: graph", () => {
  it("maps [batch, 49, 10, 1] to logits [batch, classes]", () => {
    const model = dsCnn(STUDENT_OPTIONS);
    const y = tf.tidy(() => model.predict(tf.randomNormal([3, 49, 10, 1], 0, 1, "float32", 1)) as tf.Tensor);
    expect(y.shape).toEqual([3, 12]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    model.dispose();
  });

  it("has the fixed layer names in order, one block per blockFilters entry", () => {
    const model = dsCnn({ ...STUDENT_OPTIONS, blockFilters: [8, 8], blockStrides: [1, 2] });
    const names = model.layers.map((l) => l.name);
    const weighted = model.layers.filter((l) => ["Conv2D", "DepthwiseConv2D", "Dense"].includes(l.getClassName())).map((l) => l.name);
    expect(weighted).toEqual(["stem", "block1_dw", "block1_pw", "block2_dw", "block2_pw", "head_logits"]);
    expect(names).toContain("embedding");
    expect(model.getLayer("embedding").getClassName()).toBe("GlobalAveragePooling2D");
    expect(names.indexOf("embedding")).toBe(names.indexOf("head_logits") - 1);
    expect(names).not.toContain("block3_dw");
    // Every conv is followed by BatchNorm then ReLU (no bias: BN has the offset).
    for (const n of ["stem", "block1_dw", "block1_pw", "block2_dw", "block2_pw"]) {
      const i = names.indexOf(n);
      expect([model.layers[i + 1].getClassName(), model.layers[i + 2].getClassName()], n).toEqual(["BatchNormalization", "ReLU"]);
      expect(model.getLayer(n).weights.length, n).toBe(1);
    }
    model.dispose();
  });

  it("stride-2 'same' layers give ceil(size / 2): 49×10 → 25×5 → 13×3 → 7×2 → 4×1", () => {
    const model = dsCnn({ inputShape: [49, 10, 1], numClasses: 3, stemFilters: 4, stemKernel: [3, 3], blockFilters: [4, 4, 4], blockStrides: [2, 2, 2] });
    expect(["stem", "block1_dw", "block2_dw", "block3_dw"].map((n) => model.getLayer(n).outputShape.slice(1, 3))).toEqual([[25, 5], [13, 3], [7, 2], [4, 1]]);
    model.dispose();
  });
});

describe("dsCnn: seeded initialisation", () => {
  it("withSeededRandom gives identical initial weights for one seed and different ones for another", () => {
    const a = withSeededRandom(5, () => dsCnn(STUDENT_OPTIONS));
    const b = withSeededRandom(5, () => dsCnn(STUDENT_OPTIONS));
    const c = withSeededRandom(6, () => dsCnn(STUDENT_OPTIONS));
    const [wa, wb, wc] = [a, b, c].map(weightsOf);
    expect(wa.length).toBe(wb.length);
    wa.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(wb[i])));
    // Every randomly initialised kernel differs under another seed (BN's ones and zeros do not).
    const kernels = a.getWeights().map((w, i) => (w.shape.length > 1 ? i : -1)).filter((i) => i >= 0);
    expect(kernels.length).toBe(1 + 2 * 3 + 1);
    for (const i of kernels) expect(Array.from(wa[i])).not.toEqual(Array.from(wc[i]));
    for (const m of [a, b, c]) m.dispose();
  });
});

describe("dsCnn: option errors name the option and the value", () => {
  const base = STUDENT_OPTIONS as DsCnnOptions;
  const cases: [string, unknown, RegExp][] = [
    ["unknown option", { ...base, stemFilter: 8 }, /dsCnn: option stemFilter is not a dsCnn option; expected one of: inputShape, numClasses, stemFilters/],
    ["inputShape of two numbers", { ...base, inputShape: [49, 10] }, /option inputShape must be \[height, width, channels\].*got \[49,10\]/],
    ["inputShape with 0", { ...base, inputShape: [49, 0, 1] }, /option inputShape .*got \[49,0,1\]/],
    ["blockStrides shorter than blockFilters", { ...base, blockStrides: [2, 2] }, /option blockStrides must list one positive integer stride per block \(3\), got \[2,2\]/],
    ["blockStrides for default blocks", { inputShape: [49, 10, 1], numClasses: 12, blockStrides: [1] }, /option blockStrides .*\(4\), got \[1\]/],
    ["stemKernel not a pair", { ...base, stemKernel: [3] }, /option stemKernel must be two positive integers \[height, width\], got \[3\]/],
    ["stemKernel a number", { ...base, stemKernel: 3 }, /option stemKernel .*got 3/],
    ["stemStride with 0", { ...base, stemStride: [0, 2] }, /option stemStride .*got \[0,2\]/],
    ["numClasses 1", { ...base, numClasses: 1 }, /option numClasses must be an integer >= 2, got 1/],
    ["stemFilters 2.5", { ...base, stemFilters: 2.5 }, /option stemFilters must be an integer >= 1, got 2\.5/],
    ["blockFilters with 0", { ...base, blockFilters: [16, 0, 32] }, /option blockFilters .*got \[16,0,32\]/],
  ];
  for (const [label, options, message] of cases) {
    it(label, () => {
      const before = tf.memory().numTensors;
      expect(() => dsCnn(options as DsCnnOptions)).toThrow(message);
      expect(tf.memory().numTensors).toBe(before); // rejected before any layer holds weights
    });
  }
});
