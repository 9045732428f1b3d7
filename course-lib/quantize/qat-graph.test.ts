// QAT for networks that are not chains: batch-norm folding of whole models (PhiNet, XiNet, a Sequential),
// fake-quant placement on a DAG read off quantizeModel's plan, clear refusals, and the lesson-11 pipeline
// fold → QAT → quantizeModel → integer interpreter on a PhiNet keyword spotter (MFCC, wasm backend), where
// the QAT training graph's accuracy must predict the int8 graph's.
// PhiNet and XiNet at their default depth downsample a 49×10 input below 2 pixels (the builders refuse),
// so these use numLayers 5 (PhiNet, 15.7k parameters) and 4 (XiNet).
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossEntropyFromLogits } from "../compress/distill/loss";
import { loadKeywords, type KeywordsDataset } from "../data/keywords";
import { phinet, type PhiNetOptions } from "../nets/phinet";
import { withSeededRandom, withSeededRandomAsync } from "../nets/seeded";
import { xinet, type XiNetOptions } from "../nets/xinet";
import { randomizeBatchNorm } from "../primitives/batch-norm";
import { HardSwish } from "../primitives/hard-swish";
import { initBackend } from "../runtime/backend";
import { evaluate } from "../train/evaluate";
import { fitWithProgress } from "../train/fit";
import { createCaptureTarget, setDefaultDisplayTarget } from "../viz/display";
import { activationParams } from "./calibrate";
import { batchNormFolds, foldBatchNormLayers } from "./fold";
import { runQuantized } from "./interpreter";
import { liveBatchNorms } from "./lesson-models";
import { prepareQat, quantizationAwareTraining } from "./qat";
import { evaluateQuantized, quantizationPlan, quantizeInput, quantizeModel } from "./quantize-model";

type Sym = tf.SymbolicTensor;
const PHINET_KWS: PhiNetOptions = { inputShape: [49, 10, 1], inputLayout: "hwc", alpha: 0.25, includeTop: true, numClasses: 12, numLayers: 5 };
const XINET_KWS: XiNetOptions = { inputShape: [49, 10, 1], inputLayout: "hwc", alpha: 0.25, includeTop: true, numClasses: 12, numLayers: 4 };

let train: KeywordsDataset;
let test: KeywordsDataset;
beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  setDefaultDisplayTarget(createCaptureTarget());
  train = await loadKeywords({ split: "train", features: "mfcc", limit: 800 });
  test = await loadKeywords({ split: "test", features: "mfcc", limit: 300 }); // unseen speakers
});
afterAll(() => {
  train?.dispose();
  test?.dispose();
  setDefaultDisplayTarget(undefined);
});

const relErr = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]));
const predict = (m: tf.LayersModel, x: tf.Tensor) => m.predict(x) as tf.Tensor;
const countBn = (m: tf.LayersModel) => m.layers.filter((l) => l.getClassName() === "BatchNormalization").length;

describe("foldBatchNormLayers", () => {
  it("PhiNet and XiNet: the same function as the BN model in inference mode (≤ 1e-5 relative), names kept", () => {
    const stats = train.inputs.slice(0, 64);
    const x = test.inputs.slice(0, 64);
    const errors: string[] = [];
    // Live statistics and random γ, β: a fresh BN (γ 1, β 0, μ 0, σ² 1) would fold into an almost unchanged kernel.
    for (const [name, m] of [
      ["PhiNet", liveBatchNorms(withSeededRandom(1, () => phinet(PHINET_KWS)), stats, 11)],
      ["XiNet", liveBatchNorms(withSeededRandom(2, () => xinet(XINET_KWS)), stats, 12)],
    ] as const) {
      const folds = batchNormFolds(m);
      expect(folds.length, name).toBe(countBn(m));
      const folded = foldBatchNormLayers(m);
      expect(countBn(folded), name).toBe(0);
      expect(folded.layers.length, name).toBe(m.layers.length - folds.length);
      for (const { into } of folds) {
        const layer = folded.getLayer(into);
        expect((layer.getConfig() as { useBias: boolean }).useBias, into).toBe(true); // PhiNet's and XiNet's convs had none
        expect(layer.getClassName()).toBe(m.getLayer(into).getClassName());
      }
      const err = relErr(predict(folded, x), predict(m, x));
      errors.push(`${name}: ${folds.length} BNs folded, max |Δ logits| / max |logits| = ${err.toExponential(2)}`);
      expect(err, name).toBeLessThanOrEqual(1e-5);
      [m, folded].forEach((model) => model.dispose());
    }
    console.log(`fold equivalence on 64 MFCC clips:\n${errors.join("\n")}`);
  });

  it("folds a Sequential (dense then BN), Conv1D and SeparableConv2D; names a BN that cannot fold", () => {
    const seq = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [6], units: 5, useBias: true, name: "fc" }), tf.layers.batchNormalization({ name: "fc_bn" }),
      tf.layers.reLU({ name: "fc_relu" }), tf.layers.dense({ units: 3, name: "out" }),
    ] });
    randomizeBatchNorm(seq.getLayer("fc_bn"), 5);
    const x = tf.randomNormal([16, 6], 0, 1, "float32", 1);
    const folded = foldBatchNormLayers(seq);
    expect(folded.layers.map((l) => l.name)).toEqual(["fc", "fc_relu", "out"]);
    expect(relErr(predict(folded, x), predict(seq, x))).toBeLessThanOrEqual(1e-5);
    // Conv1D and SeparableConv2D (into its pointwise kernel), each with the BN as a model output.
    const i1 = tf.input({ shape: [8, 3] });
    const bn1 = tf.layers.batchNormalization({ name: "bn1" });
    const o1 = bn1.apply(tf.layers.conv1d({ filters: 4, kernelSize: 3, name: "c1d" }).apply(i1) as Sym) as Sym;
    const i2d = tf.input({ shape: [6, 6, 2] });
    const bn2 = tf.layers.batchNormalization({ name: "bn2" });
    const o2 = bn2.apply(tf.layers.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2, name: "sep" }).apply(i2d) as Sym) as Sym;
    for (const [m, bn, xin] of [
      [tf.model({ inputs: i1, outputs: o1 }), bn1, tf.randomNormal([4, 8, 3], 0, 1, "float32", 2)],
      [tf.model({ inputs: i2d, outputs: o2 }), bn2, tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 3)],
    ] as const) {
      randomizeBatchNorm(bn, 9);
      const f = foldBatchNormLayers(m);
      expect(countBn(f)).toBe(0);
      expect(relErr(predict(f, xin), predict(m, xin)), m.name).toBeLessThanOrEqual(1e-5);
    }

    // BN after an activation, and BN on a tensor that is also used elsewhere.
    const input = tf.input({ shape: [4, 4, 2], name: "in" });
    const c = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "c" }).apply(input) as Sym;
    const afterRelu = tf.layers.batchNormalization({ name: "bn_after_relu" }).apply(tf.layers.reLU({ name: "r" }).apply(c) as Sym) as Sym;
    expect(() => foldBatchNormLayers(tf.model({ inputs: input, outputs: afterRelu })))
      .toThrow(/BatchNormalization layer "bn_after_relu" cannot be folded: its input comes from layer "r" \(ReLU\); expected a Conv1D, Conv2D/);
    const i2 = tf.input({ shape: [4, 4, 2] });
    const c2 = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "c2" }).apply(i2) as Sym;
    const shared = tf.layers.add({}).apply([tf.layers.batchNormalization({ name: "bn_shared" }).apply(c2) as Sym, c2]) as Sym;
    expect(() => foldBatchNormLayers(tf.model({ inputs: i2, outputs: shared }))).toThrow(/"bn_shared" cannot be folded: the output of "c2" is also used by "add/);
  });
});

describe("prepareQat on a DAG", () => {
  /** conv+relu → (1×1 conv → ReLU) + skip → GAP/reshape → sigmoid gate → multiply → pad → conv → swish → hard-swish → dense. */
  function dag(): tf.LayersModel {
    const input = tf.input({ shape: [6, 6, 2], name: "in" });
    const apply = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;
    const x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu", name: "c1" }), input);
    const a = apply(tf.layers.reLU({ name: "r2" }), apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: "c2" }), x));
    const s = apply(tf.layers.add({ name: "add" }), [a, x]);
    let g = apply(tf.layers.reshape({ targetShape: [1, 1, 4], name: "reshape" }), apply(tf.layers.globalAveragePooling2d({ name: "gap" }), s));
    g = apply(tf.layers.activation({ activation: "sigmoid", name: "gate" }), apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: "c_gate" }), g));
    let y = apply(tf.layers.multiply({ name: "mul" }), [s, g]);
    y = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, name: "c3" }), apply(tf.layers.zeroPadding2d({ padding: 1, name: "pad" }), y));
    y = apply(new HardSwish({ name: "hs" }), apply(tf.layers.activation({ activation: "swish", name: "sw" }), y));
    y = apply(tf.layers.dense({ units: 5, name: "out" }), apply(tf.layers.flatten({ name: "flat" }), y));
    return tf.model({ inputs: input, outputs: y });
  }

  it("fake-quantizes exactly the tensors the int8 graph stores, with pinned sigmoids fixed; the rebuilt graph is the same function", async () => {
    const model = withSeededRandom(3, dag);
    const x = tf.randomNormal([8, 6, 6, 2], 0, 1, "float32", 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], "int32"), 5).toFloat();
    // Weight-only: no fake-quant layers, and the graph rebuilt from the inbound nodes computes the model.
    const weightOnly = prepareQat(model, { weightBits: 8, activationBits: null });
    expect(weightOnly.trainingModel.layers.some((l) => l.getClassName() === "FakeQuantActivation")).toBe(false);
    expect(Array.from(predict(weightOnly.trainingModel, x).dataSync())).toEqual(Array.from(predict(model, x).dataSync()));
    const copy = weightOnly.finish();
    const stored = quantizationPlan(copy).calibrated.filter((n) => !n.includes(":")); // before prepareQat shares copy's layers

    const session = prepareQat(copy, { weightBits: 8 });
    // c1 fuses its ReLU (one tensor, c1); c2's output is replaced by the fused ReLU r2; reshape, pad and
    // flatten keep their input's parameters; the logistic outputs are pinned (gate, and swish's inner σ).
    expect(session.placement.learned).toEqual(["in", "c1", "r2", "add", "gap", "c_gate", "mul", "c3", "sw", "hs", "out"]);
    expect(session.placement.fixed).toEqual({ gate: [0, 255 / 256], "sw:sigmoid": [0, 255 / 256] });
    expect(stored).toEqual(session.placement.learned);
    // The head outputs logits: the default loss is cross-entropy from logits.
    expect(session.trainingModel.loss).toBe(crossEntropyFromLogits);
    await session.fit({ images: x, labels: y }, { epochs: 1, batchSize: 4, display: false });
    const ranges = session.activationRanges();
    expect(Object.keys(ranges)).toEqual(session.placement.learned);
    expect(ranges.r2[0]).toBe(0); // after a ReLU
    const graph = quantizeModel(session.finish(), { calibration: x, activationRanges: ranges, progress: false });
    const out = runQuantized(graph, quantizeInput(graph, x.slice(0, 1).dataSync()));
    expect(out).toHaveLength(5);
    [weightOnly.trainingModel, session.trainingModel, model, copy].forEach((m) => m.dispose());
  });

  it("refuses a layer applied twice, an unfolded BatchNormalization, and fromLogits on a softmax output", () => {
    const input = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4, name: "shared_fc" });
    const twice = tf.model({ inputs: input, outputs: shared.apply(shared.apply(input) as Sym) as Sym });
    expect(() => prepareQat(twice, { weightBits: 8 })).toThrow(/prepareQat: layer "shared_fc" \(Dense\) is applied 2 times; expected once/);
    const withBn = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.batchNormalization({ name: "the_bn" })] });
    expect(() => prepareQat(withBn, { weightBits: 8 })).toThrow(/layer "the_bn" is BatchNormalization;.*foldBatchNormLayers/);
    const softmax = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: "softmax" })] });
    expect(() => prepareQat(softmax, { weightBits: 8, fromLogits: true })).toThrow(/fromLogits is true, but the output of .* is a softmax/);
  });

  it("lesson-11 pipeline on a PhiNet keyword spotter: the QAT graph's accuracy predicts the int8 graph's", async () => {
    const t0 = performance.now();
    const data = { images: train.inputs, labels: train.labels };
    const heldOut = { images: test.inputs, labels: test.labels };
    const model = withSeededRandom(1, () => phinet(PHINET_KWS));
    model.compile({ optimizer: tf.train.adam(3e-3), loss: crossEntropyFromLogits, metrics: ["accuracy"] });
    await withSeededRandomAsync(2, () => fitWithProgress(model, data, { epochs: 6, batchSize: 32, display: false }));
    const floatAcc = evaluate(model, heldOut).accuracy;
    const t1 = performance.now();

    // The pipeline's calls, as lesson 11 makes them (default loss: the head outputs logits).
    const folded = foldBatchNormLayers(model);
    const qat = await withSeededRandomAsync(3, () => quantizationAwareTraining(folded, data, { weightBits: 8, fit: { epochs: 1, batchSize: 32, display: false } }));
    const calibration = train.inputs.slice(0, 200);
    const graph = quantizeModel(qat.model, { calibration, activationRanges: qat.activationRanges });
    const t2 = performance.now();

    // Every learned range names a tensor of the folded model's int8 graph (none silently ignored), and the
    // graph uses it unless a kernel limit made quantizeModel change it (recorded in the provenance).
    const keys = Object.keys(qat.activationRanges);
    const calibrated = new Set(quantizationPlan(qat.model).calibrated);
    expect(keys.filter((k) => !calibrated.has(k))).toEqual([]);
    expect(keys).toContain("input");
    expect(keys).toContain("head_logits");
    expect(Object.keys(qat.placement.fixed).sort()).toEqual([2, 3, 4, 5, 6].map((b) => `block${b}_se_gate`));
    let exact = 0;
    for (const k of keys) {
      const t = graph.tensors.find((g) => g.name === k && !g.data);
      expect(t, k).toBeDefined();
      if (graph.provenance?.[`range ${k}`] === undefined) {
        expect(t!.quant!.scale[0], k).toBe(activationParams(...qat.activationRanges[k]).scale);
        exact++;
      }
    }
    // On the unfolded model the same tensors are named after the BNs: batchNormFolds gives the renaming.
    const toOriginal = new Map(batchNormFolds(model).map((f) => [f.into, f.batchNorm]));
    const originalNames = new Set(quantizationPlan(model).calibrated);
    expect(keys.map((k) => toOriginal.get(k) ?? k).filter((k) => !originalNames.has(k))).toEqual([]);

    // Simulation against deployment on held-out clips (unseen speakers).
    const simulated = evaluate(qat.trainingModel, heldOut);
    const int8 = evaluateQuantized(graph, test.inputs, test.labels, { progress: false });
    const simPred = tf.tidy(() => tf.argMax(predict(qat.trainingModel, test.inputs), 1).dataSync());
    const agree = Array.from(int8.predictions).filter((p, i) => p === simPred[i]).length / test.size;
    const one = runQuantized(graph, quantizeInput(graph, test.inputs.slice(0, 1).dataSync()));
    expect(Array.from(one).indexOf(Math.max(...Array.from(one)))).toBe(int8.predictions[0]);
    console.log(`PhiNet KWS (${model.countParams()} params, ${train.size} train / ${test.size} held-out clips): float ${floatAcc.toFixed(3)} ` +
      `→ QAT training graph ${simulated.accuracy.toFixed(3)}, int8 graph ${int8.accuracy.toFixed(3)}, argmax agreement ${agree.toFixed(3)}; ` +
      `${keys.length} learned ranges (${exact} used exactly), ${Object.keys(qat.placement.fixed).length} pinned; ` +
      `pretrain ${((t1 - t0) / 1000).toFixed(1)} s, fold+QAT+quantize ${((t2 - t1) / 1000).toFixed(1)} s`);
    expect(floatAcc).toBeGreaterThan(0.25); // well above chance (1/12), so the comparison means something
    expect(Math.abs(simulated.accuracy - int8.accuracy)).toBeLessThanOrEqual(0.04);
    expect(agree).toBeGreaterThanOrEqual(0.9);
    [model, folded, qat.model, qat.trainingModel].forEach((m) => m.dispose());
  });

  it("the same pipeline runs on XiNet (SiLU simulated as LOGISTIC then MUL, sigmoid attention, avg-pool skips)", async () => {
    const model = liveBatchNorms(withSeededRandom(4, () => xinet(XINET_KWS)), train.inputs.slice(0, 64), 5);
    const folded = foldBatchNormLayers(model);
    const small = { images: train.inputs.slice(0, 128), labels: train.labels.slice(0, 128) };
    const qat = await withSeededRandomAsync(5, () => quantizationAwareTraining(folded, small, { weightBits: 8, fit: { epochs: 1, batchSize: 32, display: false } }));
    const swishes = model.layers.filter((l) => (l.getConfig() as { activation?: string }).activation === "swish").map((l) => `${l.name}:sigmoid`);
    expect(swishes.length).toBeGreaterThan(0);
    for (const s of swishes) expect(qat.placement.fixed[s], s).toEqual([0, 255 / 256]);
    const graph = quantizeModel(qat.model, { calibration: train.inputs.slice(0, 64), activationRanges: qat.activationRanges });
    const out = runQuantized(graph, quantizeInput(graph, test.inputs.slice(0, 1).dataSync()));
    expect(out).toHaveLength(12);
    [model, folded, qat.model, qat.trainingModel].forEach((m) => m.dispose());
  });
});
