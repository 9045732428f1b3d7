// Unstructured pruning: masks hit exact counts with the stated tie rule (and TF-MOT's and MIT's rules as
// contrasts, computed by hand), the global threshold, the layers left alone, Zhu & Gupta's schedule against
// hand values, hard pruning under Adam, soft pruning's regrowth, and the sensitivity scan's restore.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../runtime/backend";
import { mulberry32 } from "../../data/random";
import { withSeededRandom } from "../../nets/seeded";
import { fitWithProgress } from "../../train/fit";
import { digitsCnn } from "./lesson";
import { magnitudeMask, magnitudeMasks, magnitudePrune, prunableWeights, sparsityReport } from "./magnitude";
import { isPruningStep, polynomialSparsity } from "./schedule";
import { Pruner, pruneDuringTraining } from "./pruner";
import { sensitivityScan, suggestSparsities } from "./sensitivity";

beforeAll(async () => {
  await initBackend();
});

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

describe("magnitudeMask", () => {
  it("prunes exactly round(s·N), the smallest |w| first, lower index first among ties", () => {
    const next = mulberry32(5);
    for (const n of [1, 2, 7, 100, 1001]) {
      for (const s of [0, 0.1, 0.5, 0.75, 0.9, 0.99]) {
        // Values from a small set, so ties are everywhere (as after int8).
        const v = Array.from({ length: n }, () => Math.round(8 * next()) - 4);
        const mask = magnitudeMask(v, s);
        const expectedPruned = Math.min(Math.round(s * n), n - 1);
        expect(n - kept(mask)).toBe(expectedPruned);
        // Independent reference: sort by (|w|, index) and prune the first ones.
        const order = v.map((x, i) => [Math.abs(x), i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((p) => p[1]);
        const ref = new Uint8Array(n).fill(1);
        order.slice(0, expectedPruned).forEach((i) => (ref[i] = 0));
        expect(Array.from(mask)).toEqual(Array.from(ref));
      }
    }
  });

  it("contrasts TF-MOT's rule (ties kept) and MIT's (ties pruned) on a hand-made tensor", () => {
    const v = [3, -1, 1, 0, -3, 1, 2, -1, 0, 1];
    expect(Array.from(magnitudeMask(v, 0.5))).toEqual([1, 0, 0, 0, 1, 0, 1, 1, 0, 1]);
    // TF-MOT: keep round(10·0.5) = 5; the 5th largest |w| is 1, so every |w| ≥ 1 stays: 8 kept.
    expect(Array.from(magnitudeMask(v, 0.5, "keep-ties"))).toEqual([1, 1, 1, 0, 1, 1, 1, 1, 0, 1]);
    // MIT: 5 zeros; the 5th smallest |w| is 1, so only |w| > 1 stays: 3 kept.
    expect(Array.from(magnitudeMask(v, 0.5, "prune-ties"))).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
  });

  it("keeps at least one weight and rejects bad sparsities", () => {
    expect(Array.from(magnitudeMask([0.1, -5, 2], 0.99))).toEqual([0, 1, 0]);
    for (const bad of [1, -0.1, NaN, "0.5"]) expect(() => magnitudeMask([1, 2], bad as number)).toThrow(/sparsity must be a number in \[0, 1\), got/);
    expect(() => magnitudeMask([], 0.5)).toThrow(/non-empty/);
    expect(() => magnitudeMask([1], 0.5, "median" as "exact")).toThrow(/ties must be one of "exact", "keep-ties", "prune-ties", got "median"/);
  });
});

describe("model masks", () => {
  const model = () => withSeededRandom(2, () => digitsCnn());

  it("leaves the first and last layers, biases and batch norm alone by default", () => {
    const m = model();
    expect(prunableWeights(m).map((w) => w.layer)).toEqual(["conv2", "fc1"]);
    expect(prunableWeights(m, { includeFirst: true, includeLast: true }).map((w) => w.layer)).toEqual(["conv1", "conv2", "fc1", "logits"]);
    const untouched = ["conv1", "conv1_bn", "conv2_bn", "logits"].map((n) => m.getLayer(n).getWeights().map((w) => Array.from(w.dataSync())));
    const fcBias = Array.from(m.getLayer("fc1").getWeights()[1].dataSync());
    const report = magnitudePrune(m, 0.9);
    expect(report.layers.map((l) => [l.layer, l.zeros])).toEqual([["conv2", Math.round(0.9 * 4608)], ["fc1", Math.round(0.9 * 51200)]]);
    expect(["conv1", "conv1_bn", "conv2_bn", "logits"].map((n) => m.getLayer(n).getWeights().map((w) => Array.from(w.dataSync())))).toEqual(untouched);
    expect(Array.from(m.getLayer("fc1").getWeights()[1].dataSync())).toEqual(fcBias);
    expect(() => prunableWeights(m, { layers: ["conv9"] })).toThrow(/no layer named "conv9"; the model's prunable layers are "conv1", "conv2", "fc1", "logits"/);
    expect(() => prunableWeights(m, { layers: ["conv1_bn"] })).toThrow(/layer "conv1_bn" has no conv, depthwise or dense kernel/);
  });

  it("global: one threshold over all layers, an exact total, unequal layers", () => {
    const m = model();
    const all = { includeFirst: true, includeLast: true };
    const masks = magnitudeMasks(m, 0.9, { scope: "global", ...all });
    const total = [...masks.values()].reduce((s, mk) => s + mk.length, 0);
    const pruned = [...masks.values()].reduce((s, mk) => s + mk.length - kept(mk), 0);
    expect(pruned).toBe(Math.round(0.9 * total));
    // Independent: every kept |w| ≥ every pruned |w| across layers.
    let minKept = Infinity, maxPruned = -Infinity;
    for (const w of prunableWeights(m, all)) {
      const v = w.variable.read().dataSync(), mk = masks.get(w.layer)!;
      v.forEach((x, i) => (mk[i] ? (minKept = Math.min(minKept, Math.abs(x))) : (maxPruned = Math.max(maxPruned, Math.abs(x)))));
    }
    expect(minKept).toBeGreaterThanOrEqual(maxPruned);
    magnitudePrune(m, 0.9, { scope: "global", ...all });
    const per = Object.fromEntries(sparsityReport(m, all).layers.map((l) => [l.layer, l.sparsity]));
    expect(per.fc1).toBeGreaterThan(per.conv1);
    expect(() => magnitudeMasks(m, { fc1: 0.5 }, { scope: "global" })).toThrow(/per-layer sparsity record needs scope "layer"/);
  });
});

describe("polynomialSparsity (TF-MOT PolynomialDecay)", () => {
  const sched = { initialSparsity: 0.1, finalSparsity: 0.9, beginStep: 20, endStep: 120, frequency: 10 };
  it("matches hand values and is constant outside [begin, end]", () => {
    // s = 0.9 + (0.1 − 0.9)(1 − p)³
    const cases: [number, number][] = [[0, 0.1], [20, 0.1], [45, 0.9 - 0.8 * 0.75 ** 3], [70, 0.9 - 0.8 * 0.125], [95, 0.9 - 0.8 * 0.25 ** 3], [120, 0.9], [500, 0.9]];
    for (const [t, s] of cases) expect(polynomialSparsity(t, sched)).toBeCloseTo(s, 12);
    expect(polynomialSparsity(70, { ...sched, power: 1 })).toBeCloseTo(0.5, 12);
    expect([19, 20, 25, 30, 120, 130].map((t) => isPruningStep(t, sched))).toEqual([false, true, false, true, true, false]);
    expect(() => polynomialSparsity(5, { ...sched, endStep: 20 })).toThrow(/endStep must be an integer > beginStep \(20\), got 20/);
    expect(() => polynomialSparsity(5, { ...sched, initialSparsity: 0.95 })).toThrow(/initialSparsity \(0.95\) must not exceed finalSparsity \(0.9\)/);
  });
});

function tinyData(n: number, seed: number) {
  const next = mulberry32(seed);
  const x = tf.tensor2d(Array.from({ length: n * 20 }, () => next() * 2 - 1), [n, 20]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: n }, () => Math.floor(next() * 4)), "int32"), 4);
  return { images: x, labels };
}

function tinyModel(): tf.LayersModel {
  return withSeededRandom(4, () => tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [20], units: 16, activation: "relu", name: "d1" }),
    tf.layers.dense({ units: 16, activation: "relu", name: "d2" }),
    tf.layers.dense({ units: 4, name: "out" }),
  ] }));
}

describe("Pruner", () => {
  it("hard: Adam's momentum never regrows a pruned weight, while without re-applying it would", async () => {
    const data = tinyData(256, 1);
    const run = async (reapply: boolean) => {
      const m = tinyModel();
      m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
      const pruner = new Pruner(m, { sparsity: 0.8, layers: ["d2"] });
      pruner.applyNow();
      const mask = pruner.masks!.get("d2")!;
      await fitWithProgress(m, data, { epochs: 2, batchSize: 16, display: false, onBatchEnd: reapply ? () => pruner.step() : undefined });
      const w = m.getLayer("d2").getWeights()[0].dataSync();
      return { regrown: Array.from(mask).filter((k, i) => k === 0 && w[i] !== 0).length, moments: m.optimizer.getWeights() };
    };
    const hard = await run(true);
    expect(hard.regrown).toBe(0);
    // Adam's first moments of d2's kernel are non-zero for pruned weights: the momentum really pushes them.
    const moments = await hard.moments;
    expect(moments.some((v) => v.name.includes("d2") && v.tensor.abs().max().dataSync()[0] > 0)).toBe(true);
    expect((await run(false)).regrown).toBeGreaterThan(100);
  });

  it("soft: a weight pruned at one step can come back later; a schedule reaches its final sparsity", async () => {
    const data = tinyData(256, 2);
    const m = tinyModel();
    m.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
    const pruner = new Pruner(m, { sparsity: 0.5, layers: ["d1"], mode: "soft" });
    pruner.applyNow();
    const first = pruner.masks!.get("d1")!.slice();
    let calls = 0;
    const result = await pruneDuringTraining(m, data, { pruning: { sparsity: 0.5, layers: ["d1"], mode: "soft" }, fit: { epochs: 3, batchSize: 16, display: false, onBatchEnd: () => { calls++; } } });
    expect(calls).toBe(48);
    const last = result.pruner.masks!.get("d1")!;
    expect(Array.from(first).some((k, i) => k === 0 && last[i] === 1)).toBe(true);
    expect(result.report.layers[0].zeros).toBe(160);

    const g = tinyModel();
    g.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const sched = { initialSparsity: 0, finalSparsity: 0.75, beginStep: 0, endStep: 30, frequency: 5 };
    const gradual = await pruneDuringTraining(g, data, { pruning: { sparsity: sched }, fit: { epochs: 3, batchSize: 16, display: false } });
    expect(gradual.report.layers.map((l) => [l.layer, l.zeros])).toEqual([["d2", Math.round(0.75 * 256)]]);
  });
});

describe("sensitivityScan", () => {
  it("scores each layer alone and restores every weight, also when scoring fails", async () => {
    const m = tinyModel();
    const data = tinyData(64, 3);
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    const scan = await sensitivityScan(m, data, { includeFirst: true, includeLast: true, sparsities: [0, 0.5, 0.9], show: false });
    expect(scan.curves.map((c) => c.layer)).toEqual(["d1", "d2", "out"]);
    for (const c of scan.curves) expect(c.points[0].accuracy).toBe(scan.baseline);
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    const wrong = { images: data.images, labels: tf.oneHot(tf.zeros([64], "int32"), 3) };
    await expect(sensitivityScan(m, wrong, { show: false })).rejects.toThrow(/3 classes/);
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(suggestSparsities({ baseline: 0.9, curves: [{ layer: "a", weights: 1, points: [{ sparsity: 0, accuracy: 0.9 }, { sparsity: 0.5, accuracy: 0.895 }, { sparsity: 0.9, accuracy: 0.7 }] }] }, { maxDrop: 0.01 })).toEqual({ a: 0.5 });
  });
});
