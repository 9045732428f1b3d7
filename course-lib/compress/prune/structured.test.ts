// Structured pruning end to end: the rebuilt (physically smaller) model computes what the masked model
// computes, to 1e-5, on a conv-BN-ReLU CNN with Flatten → Dense (BN statistics set so the BN-shift fold
// matters, and a control showing that without the fold the outputs differ), on a PhiNet with residual adds
// and squeeze-excite (default and pruneResiduals), on a DS-CNN and on an XiNet; a consistent channel
// permutation changes nothing (and an inconsistent one does); the profiler gives the hand-computed params
// and MACs of the shrunk CNN and a smaller PhiNet; kept counts, masks and errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dsCnn } from "../../nets/ds-cnn";
import { phinet } from "../../nets/phinet";
import { xinet } from "../../nets/xinet";
import { profileModel } from "../../profiler/profile";
import { initBackend } from "../../runtime/backend";
import { channelGroups } from "./channels";
import { keptCount } from "./criteria";
import { rebuildModel } from "./rebuild";
import { channelPrune, maskChannels, permuteChannels, planChannelPruning, removeChannels, type ChannelPlan } from "./structured";
import { outputGap, randomInputs, randomizeWeights, smallCnn } from "./structured-test-helpers";

type Sym = tf.SymbolicTensor;

beforeAll(async () => {
  await initBackend();
});

const PHINET = { inputShape: [1, 28, 28], alpha: 0.5, numLayers: 5, includeTop: true, numClasses: 10 };

function seededCnn(seed = 1): tf.LayersModel {
  const m = smallCnn();
  randomizeWeights(m, seed);
  return m;
}

/** Masked vs removed on 6 random inputs: the gap, and the gap without the fold. */
function equivalence(model: tf.LayersModel, plan: ChannelPlan, withoutFold = false) {
  const x = randomInputs(model, 6, 11);
  const masked = maskChannels(model, plan);
  const small = removeChannels(model, plan, { fold: !withoutFold });
  const result = { ...outputGap(masked, small, x), small };
  masked.dispose();
  x.dispose();
  return result;
}

describe("(i) conv-BN-ReLU CNN, 'valid' convs, Flatten → Dense", () => {
  it("the rebuilt model equals the masked model to 1e-5 at 25/50/75 % by L1, L2 and energy", () => {
    const model = seededCnn();
    const calibration = randomInputs(model, 8, 5);
    for (const criterion of ["l1", "l2", "energy"] as const) {
      for (const ratio of [0.25, 0.5, 0.75]) {
        const plan = planChannelPruning(model, ratio, { criterion, calibration });
        expect(plan.groups.map((g) => [g.id, g.fold])).toEqual([["conv1", "bias"], ["conv2", "bias"], ["fc1", "bias"]]);
        const { gap, scale, small } = equivalence(model, plan);
        expect(gap, `${criterion} ${ratio}`).toBeLessThan(1e-5 * Math.max(1, scale));
        small.dispose();
      }
    }
    calibration.dispose();
    model.dispose();
  });

  it("without the BN-shift fold the outputs differ (so the test above can fail)", () => {
    const model = seededCnn();
    const plan = planChannelPruning(model, 0.5);
    const { gap, small } = equivalence(model, plan, true);
    expect(gap).toBeGreaterThan(1e-2);
    small.dispose();
    model.dispose();
  });

  it("folds into the next BN's moving mean when the consumer conv has no bias (parameter count unchanged)", () => {
    const model = seededCnn();
    const plan = planChannelPruning(model, { conv1: 0.5 });
    const small = removeChannels(model, plan);
    const conv2 = small.getLayer("conv2");
    expect((conv2.getConfig() as { useBias: boolean }).useBias).toBe(false);
    const before = Array.from(model.getLayer("conv2_bn").getWeights()[2].dataSync());
    const after = Array.from(small.getLayer("conv2_bn").getWeights()[2].dataSync());
    expect(after.some((v, i) => Math.abs(v - before[i]) > 1e-3)).toBe(true);
    expect(small.getLayer("conv1").getWeights()[0].shape).toEqual([3, 3, 1, 4]);
    expect(conv2.getWeights()[0].shape).toEqual([3, 3, 4, 8]);
    small.dispose();
    model.dispose();
  });

  it("gives a bias-less consumer that no BN follows a bias (useBias: true) holding the fold", () => {
    const input = tf.input({ shape: [8, 8, 2] });
    let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, name: "a" }).apply(input) as Sym;
    x = tf.layers.reLU({ name: "a_relu" }).apply(tf.layers.batchNormalization({ name: "a_bn" }).apply(x) as Sym) as Sym;
    x = tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, activation: "relu", name: "b" }).apply(x) as Sym;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, name: "out" }).apply(tf.layers.flatten().apply(x) as Sym) as Sym });
    randomizeWeights(model, 4);
    const plan = planChannelPruning(model, { a: 0.5 });
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
    expect((small.getLayer("b").getConfig() as { useBias: boolean }).useBias).toBe(true);
    expect(small.getLayer("b").getWeights().map((w) => w.shape)).toEqual([[3, 3, 3, 4], [4]]);
    small.dispose();
    model.dispose();
  });

  it("the mask zeroes the producer's kernel slice (and bias) of removed channels and nothing else", () => {
    const model = seededCnn();
    const plan = planChannelPruning(model, 0.5);
    const masked = maskChannels(model, plan);
    const removedFc1 = [...Array(16).keys()].filter((c) => !plan.groups[2].keep.includes(c));
    const [kernel, bias] = masked.getLayer("fc1").getWeights().map((w) => w.arraySync() as number[] | number[][]);
    for (const row of kernel as number[][]) for (const c of removedFc1) expect(row[c]).toBe(0);
    for (const c of removedFc1) expect((bias as number[])[c]).toBe(0);
    const original = model.getLayer("fc1").getWeights()[0].arraySync() as number[][];
    expect((kernel as number[][])[0][plan.groups[2].keep[0]]).toBe(original[0][plan.groups[2].keep[0]]);
    // BN is untouched in fold "bias" groups: the channel keeps emitting its BN shift.
    expect(Array.from(masked.getLayer("conv1_bn").getWeights()[1].dataSync())).toEqual(Array.from(model.getLayer("conv1_bn").getWeights()[1].dataSync()));
    masked.dispose();
    model.dispose();
  });
});

describe("(ii) PhiNet with residual adds and squeeze-excite", () => {
  it("default: expansion (and other unjoined) groups pruned, residual groups kept; rebuilt = masked to 1e-5", () => {
    const model = phinet(PHINET);
    randomizeWeights(model, 2);
    const plan = planChannelPruning(model, 0.5);
    expect(plan.groups.map((g) => g.id)).not.toContain("block2_project");
    expect(plan.groups.filter((g) => g.id.endsWith("_expand")).map((g) => g.fold)).toEqual(["zero", "zero", "zero", "zero", "zero"]);
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
    // the SE branch shrank with its block: 72 → 36 channels through depthwise, SE and projection
    expect(small.getLayer("block2_dw").getWeights()[0].shape).toEqual([3, 3, 36, 1]);
    expect(small.getLayer("block2_se_expand").getWeights()[0].shape).toEqual([1, 1, 6, 36]);
    expect(small.getLayer("block2_project").getWeights()[0].shape).toEqual([1, 1, 36, 12]);
    expect(small.getLayer("block3_add").outputShape).toEqual([null, 7, 7, 12]);
    small.dispose();
    model.dispose();
  });

  it("pruneResiduals: a joined group loses the same channels in every member, still equal", () => {
    const model = phinet(PHINET);
    randomizeWeights(model, 3);
    const plan = planChannelPruning(model, { block2_project: 0.5, block4_project: 0.25, block3_expand: 0.5 }, { pruneResiduals: true, criterion: "l2" });
    expect(plan.groups.find((g) => g.id === "block2_project")?.producers).toEqual(["block2_project", "block3_project"]);
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
    for (const name of ["block2_project", "block3_project"]) expect(small.getLayer(name).getWeights()[0].shape.slice(-1)).toEqual([6]);
    expect(small.getLayer("block4_expand").getWeights()[0].shape).toEqual([1, 1, 6, 72]); // reads the add: 12 → 6
    expect(small.getLayer("block6_expand").getWeights()[0].shape).toEqual([1, 1, 18, 144]); // 24 → 18
    const without = equivalence(model, plan, true);
    expect(without.gap).toBeGreaterThan(1e-3);
    small.dispose();
    without.small.dispose();
    model.dispose();
  });

  it("the energy criterion plans the PhiNet and the rebuilt model still matches", () => {
    const model = phinet(PHINET);
    randomizeWeights(model, 5);
    const calibration = randomInputs(model, 6, 9);
    const plan = planChannelPruning(model, 0.5, { criterion: "energy", calibration });
    expect(plan.groups.every((g) => g.scores.length === g.channels && g.scores.every((s) => s > 0))).toBe(true);
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
    calibration.dispose();
    small.dispose();
    model.dispose();
  });
});

describe("(iii) DS-CNN and XiNet", () => {
  it("DS-CNN: plan, remove, same outputs as the mask", () => {
    const model = dsCnn({ inputShape: [20, 10, 1], numClasses: 4, stemFilters: 8, blockFilters: [8, 8] });
    randomizeWeights(model, 6);
    const plan = planChannelPruning(model, 0.5);
    expect(plan.groups.map((g) => [g.id, g.fold])).toEqual([["stem", "zero"], ["block1_pw", "zero"], ["block2_pw", "bias"]]);
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
    expect(small.countParams()).toBeLessThan(model.countParams());
    small.dispose();
    model.dispose();
  });

  it("XiNet (attention multiply, skip adds through 1×1 convs): default and pruneResiduals", () => {
    const model = xinet({ inputShape: [1, 28, 28], alpha: 0.5, gamma: 4, includeTop: true, numClasses: 10 });
    randomizeWeights(model, 7);
    for (const pruneResiduals of [false, true]) {
      const plan = planChannelPruning(model, 0.5, { pruneResiduals });
      const { gap, scale, small } = equivalence(model, plan);
      expect(gap, `pruneResiduals ${pruneResiduals}`).toBeLessThan(1e-5 * Math.max(1, scale));
      expect(small.countParams()).toBeLessThan(model.countParams());
      small.dispose();
    }
    model.dispose();
  });
});

it("a tf.sequential model (whose layers omit the InputLayer) is analysed and shrunk the same way", () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, name: "c1" }),
      tf.layers.batchNormalization({ name: "c1_bn" }),
      tf.layers.reLU({ name: "c1_relu" }),
      tf.layers.flatten({ name: "flat" }),
      tf.layers.dense({ units: 5, activation: "relu", name: "d1" }),
      tf.layers.dense({ units: 3, name: "d2" }),
    ],
  });
  randomizeWeights(model, 13);
  const plan = planChannelPruning(model, 0.5);
  expect(plan.groups.map((g) => [g.id, g.keep.length, g.fold])).toEqual([["c1", 3, "bias"], ["d1", 3, "bias"]]);
  const { gap, scale, small } = equivalence(model, plan);
  expect(gap).toBeLessThan(1e-5 * Math.max(1, scale));
  expect(small.getLayer("d1").getWeights()[0].shape).toEqual([6 * 6 * 3, 3]);
  small.dispose();
  model.dispose();
});


// Architectures not in course-lib/nets: MobileNet-style (ReLU6, asymmetric ZeroPadding2D before a strided
// 'valid' depthwise conv, GAP → Dense), a ResNet block with a projection shortcut (ELU, dilation, LeakyReLU
// after the add, average pooling 'same', a Dense applied to a rank-3 map), and one with refusals (a sigmoid
// into a 'same' conv, Concatenate) beside a group read through GlobalMaxPooling and Cropping2D.
const L = tf.layers;
const ap = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;
function otherArchitectures(): [string, tf.LayersModel][] {
  const out: [string, tf.LayersModel][] = [];
  { // mobilenet-ish
    const i = tf.input({ shape: [16, 16, 3] });
    let x = ap(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", useBias: false, name: "c0" }), i);
    x = ap(L.reLU({ maxValue: 6 }), ap(L.batchNormalization({}), x));
    x = ap(L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), x);
    x = ap(L.depthwiseConv2d({ kernelSize: 3, strides: 2, useBias: false, name: "dw" }), x);
    x = ap(L.reLU({ maxValue: 6 }), ap(L.batchNormalization({}), x));
    x = ap(L.conv2d({ filters: 12, kernelSize: 1, useBias: false, name: "pw" }), x);
    x = ap(L.reLU({ maxValue: 6 }), ap(L.batchNormalization({}), x));
    x = ap(L.dense({ units: 4, name: "d" }), ap(L.globalAveragePooling2d({}), x));
    out.push(["mobilenet", tf.model({ inputs: i, outputs: x })]);
  }
  { // resnet basic block with projection shortcut, elu, leaky, dilation, avgpool same, dense on rank 3
    const i = tf.input({ shape: [12, 12, 2] });
    let x = ap(L.conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "relu", name: "c0" }), i);
    let a = ap(L.conv2d({ filters: 8, kernelSize: 3, padding: "same", name: "ca" }), x);
    a = ap(L.elu({}), ap(L.batchNormalization({}), a));
    a = ap(L.conv2d({ filters: 8, kernelSize: 3, dilationRate: 2, padding: "same", name: "cb" }), a);
    a = ap(L.batchNormalization({}), a);
    const s = ap(L.batchNormalization({}), ap(L.conv2d({ filters: 8, kernelSize: 1, name: "cs" }), x));
    x = ap(L.leakyReLU({ alpha: 0.1 }), ap(L.add({}), [a, s]));
    x = ap(L.averagePooling2d({ poolSize: 2, padding: "same" }), x);
    x = ap(L.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, name: "cv" }), x);
    x = ap(L.batchNormalization({}), x);
    x = ap(L.dense({ units: 4, activation: "tanh", name: "dr3" }), x);
    x = ap(L.dense({ units: 3, name: "d" }), ap(L.flatten({}), x));
    out.push(["resnet", tf.model({ inputs: i, outputs: x })]);
  }
  { // sigmoid fused producer into same conv; two consumers GAP->dense and conv
    const i = tf.input({ shape: [8, 8, 2] });
    const p = ap(L.conv2d({ filters: 6, kernelSize: 3, activation: "sigmoid", name: "sig" }), i);
    const q = ap(L.conv2d({ filters: 6, kernelSize: 1, name: "q" }), i);
    const r = ap(L.batchNormalization({}), q);
    const g = ap(L.dense({ units: 3, name: "g" }), ap(L.globalMaxPooling2d({}), r));
    const c = ap(L.conv2d({ filters: 4, kernelSize: 3, padding: "same", name: "c" }), p);
    const c2 = ap(L.conv2d({ filters: 4, kernelSize: 1, name: "c2" }), ap(L.cropping2D({ cropping: 1 }), ap(L.reLU({}), r)));
    const f = ap(L.concatenate({}), [ap(L.flatten({}), c), ap(L.flatten({}), c2), g]);
    out.push(["misc", tf.model({ inputs: i, outputs: ap(L.dense({ units: 2, name: "o" }), f) })]);
  }
  return out;
}

it("(iii) other architectures: plan + remove equals the mask; refused groups name their reason", () => {
  const expected: Record<string, string[]> = {
    mobilenet: ["c0:zero", "pw:bias"],
    resnet: ["c0:zero", "ca:zero", "cv:bias", "dr3:bias"],
    misc: ["q:bias"], // through GlobalMaxPooling → Dense and ReLU → Cropping2D → 1×1 conv
  };
  for (const [name, model] of otherArchitectures()) {
    randomizeWeights(model, 3);
    const plan = planChannelPruning(model, 0.5);
    expect(plan.groups.map((g) => `${g.id}:${g.fold}`), name).toEqual(expected[name]);
    const { gap, scale, small } = equivalence(model, plan);
    expect(gap, name).toBeLessThan(1e-5 * Math.max(1, scale));
    expect(small.countParams()).toBeLessThan(model.countParams());
    small.dispose();
    if (name === "resnet") {
      const joined = planChannelPruning(model, { cb: 0.5 }, { pruneResiduals: true });
      expect(joined.groups[0].producers).toEqual(["cb", "cs"]);
      const r = equivalence(model, joined);
      expect(r.gap).toBeLessThan(1e-5 * Math.max(1, r.scale));
      r.small.dispose();
    }
    if (name === "misc") {
      const reasons = Object.fromEntries(channelGroups(model).map((g) => [g.id, g.reason ?? ""]));
      expect(reasons.sig).toMatch(/"c" pads with zeros.*"sig" gives 0\.5 at 0/);
      expect(reasons.c).toMatch(/Concatenate/);
    }
    model.dispose();
  }
});

describe("(iv) permutation equivalence", () => {
  const shuffled = (n: number, seed: number) => {
    const order = [...Array(n).keys()];
    let s = seed;
    for (let i = n - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };

  it("reordering a group's channels in all its layers changes nothing (CNN, PhiNet incl. residual and SE groups)", () => {
    const cnn = seededCnn();
    const phi = phinet(PHINET);
    randomizeWeights(phi, 8);
    for (const [model, ids] of [[cnn, ["conv1", "conv2", "fc1"]], [phi, ["stem_pw", "block2_expand", "block2_project", "block5_se_reduce", "block6_project"]]] as const) {
      const x = randomInputs(model, 4, 12);
      for (const id of ids) {
        const group = channelGroups(model, { pruneResiduals: true }).find((g) => g.id === id);
        const permuted = permuteChannels(model, id, shuffled(group?.channels as number, id.length));
        const { gap, scale } = outputGap(model, permuted, x);
        expect(gap, id).toBeLessThan(1e-5 * Math.max(1, scale));
        permuted.dispose();
      }
      x.dispose();
    }
    cnn.dispose();
    phi.dispose();
  });

  it("permuting the producer alone (BN and consumer left as they are) changes the outputs", () => {
    const model = seededCnn();
    const order = shuffled(8, 3);
    const kernel = model.getLayer("conv1").getWeights()[0];
    const permutedKernel = tf.gather(kernel, order, 3);
    const broken = rebuildModel(model, { edits: new Map([["conv1", { weights: [permutedKernel] }]]) });
    const x = randomInputs(model, 4, 12);
    expect(outputGap(model, broken, x).gap).toBeGreaterThan(1e-3);
    tf.dispose([permutedKernel, x]);
    broken.dispose();
    model.dispose();
  });
});

describe("(v) the profiler sees the smaller model", () => {
  it("small CNN at ratio 0.5: params and MACs as computed by hand", () => {
    const model = seededCnn();
    const { model: small, plan } = channelPrune(model, 0.5);
    expect(plan.groups.map((g) => g.keep.length)).toEqual([4, 4, 8]);
    // conv1 3·3·1·4 = 36 (MACs 10·10·36 = 3600); BN 4·4 = 16; conv2 3·3·4·4 = 144 (MACs 3·3·144 = 1296), no
    // bias (fold in the BN mean); BN 16; fc1 (3·3·4)·8 + 8 = 296 (MACs 288); logits 8·4 + 4 = 36 (MACs 32).
    const profile = profileModel(small);
    expect(profile.totals.params.total).toBe(36 + 16 + 144 + 16 + 296 + 36);
    expect(profile.totals.macs).toBe(3600 + 1296 + 288 + 32);
    expect(small.countParams()).toBe(544);
    small.dispose();
    model.dispose();
  });

  it("PhiNet at ratio 0.5: fewer params, MACs and peak RAM", () => {
    const model = phinet(PHINET);
    const { model: small } = channelPrune(model, 0.5);
    const [before, after] = [profileModel(model).totals, profileModel(small).totals];
    expect(after.params.total).toBeLessThan(0.6 * before.params.total);
    expect(after.macs).toBeLessThan(0.6 * before.macs);
    expect(after.peakRam.int8).toBeLessThan(before.peakRam.int8);
    small.dispose();
    model.dispose();
  });
});

describe("(vi) kept counts and (vii) errors", () => {
  it("keeps max(1, round(C·(1 − r))) channels in every group", () => {
    const model = seededCnn();
    for (const ratio of [0, 0.3, 0.6, 0.95]) {
      const plan = planChannelPruning(model, ratio);
      for (const g of plan.groups) {
        expect(g.keep.length, `${g.id} at ${ratio}`).toBe(Math.max(1, Math.round(g.channels * (1 - ratio))));
        expect(g.keep).toEqual([...g.keep].sort((a, b) => a - b));
      }
      expect(planChannelPruning(model, ratio).groups.map((g) => g.keep.length)).toEqual([8, 8, 16].map((c) => keptCount(c, ratio)));
    }
    // 0.95: 8 → round(0.4) = 0 → 1 kept; the model still runs
    const { model: tiny } = channelPrune(model, 0.95);
    expect(tiny.getLayer("conv1").getWeights()[0].shape).toEqual([3, 3, 1, 1]);
    tiny.dispose();
    model.dispose();
  });

  it("rejects bad ratios, unknown and unprunable groups, naming them", () => {
    const model = seededCnn();
    expect(() => planChannelPruning(model, 1.2)).toThrow(/group "conv1" must be in \[0, 1\), got 1\.2/);
    expect(() => planChannelPruning(model, -0.1)).toThrow(/got -0\.1/);
    expect(() => planChannelPruning(model, { conv2: 1 })).toThrow(/ratio 1 for group "conv2" would remove every one of its 8 filters/);
    expect(() => planChannelPruning(model, { conv9: 0.5 })).toThrow(/no channel group "conv9".*prunable groups are "conv1", "conv2", "fc1"/);
    expect(() => planChannelPruning(model, { logits: 0.5 })).toThrow(/group "logits" cannot be pruned: carries the model's output.*prunable groups are "conv1"/);
    expect(() => planChannelPruning(model, 0.5, { criterion: "l3" as "l1" })).toThrow(/criterion must be one of "l1", "l2", "energy", got "l3"/);
    expect(() => planChannelPruning(model, 0.5, { criterion: "energy" })).toThrow(/needs options.calibration/);
    const phi = phinet(PHINET);
    expect(() => planChannelPruning(phi, { block2_project: 0.5 })).toThrow(/group "block2_project" cannot be pruned: joined by a residual add \("block3_add"\).*pruneResiduals/);
    phi.dispose();
    const plan = planChannelPruning(model, 0.5);
    expect(() => removeChannels(model, { ...plan, groups: [{ ...plan.groups[0], keep: [3, 1] }] })).toThrow(/keep of group "conv1" must be 1 to 8 ascending/);
    expect(() => removeChannels(model, { ...plan, groups: [{ ...plan.groups[0], keep: [] }] })).toThrow(/keep of group "conv1"/);
    expect(() => permuteChannels(model, "conv1", [0, 1, 2])).toThrow(/permutation of 0\.\.7/);
    model.dispose();
  });

  it("leaks no tensors", () => {
    const model = seededCnn();
    const before = tf.memory().numTensors;
    const { model: small } = channelPrune(model, 0.5);
    small.dispose();
    const permuted = permuteChannels(model, "conv2", [7, 6, 5, 4, 3, 2, 1, 0]);
    permuted.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
