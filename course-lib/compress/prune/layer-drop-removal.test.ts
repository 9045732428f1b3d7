// Layer-drop: which blocks can vanish (PhiNet's identity skips, none of XiNet's projected ones), the layer's
// training and inference behaviour, seeded reproducibility, and removal checked against an independent
// construction (the branch silenced through its last batch norm) and against the profiler's counts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../runtime/backend";
import { phinet } from "../../nets/phinet";
import { xinet } from "../../nets/xinet";
import { withSeededRandom, withSeededRandomAsync } from "../../nets/seeded";
import { profileModel } from "../../profiler/profile";
import { fitWithProgress } from "../../train/fit";
import { blockDropScan, dropBlocks, everyOtherBlock, LayerDropAdd, leastImportantBlocks, residualBlocks, withLayerDrop } from "./layer-drop";

beforeAll(async () => {
  await initBackend();
});

const net = () => withSeededRandom(1, () => phinet({ inputShape: [1, 28, 28], alpha: 0.25, numLayers: 9, includeTop: true, numClasses: 10 }));
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe("residualBlocks", () => {
  it("finds PhiNet's identity-skip blocks with their own parameters and MACs", () => {
    const m = net();
    const blocks = residualBlocks(m);
    expect(blocks.map((b) => b.add)).toEqual(m.layers.filter((l) => l.getClassName() === "Add").map((l) => l.name));
    const macs = new Map(profileModel(m).layers.map((l) => [l.name, l.macs]));
    for (const b of blocks) {
      const own = m.layers.filter((l) => l.name.startsWith(`${b.name}_`) && l.name !== b.add);
      expect(b.branchLayers).toEqual(own.map((l) => l.name));
      expect(b.params).toBe(own.reduce((s, l) => s + l.countParams(), 0));
      expect(b.macs).toBe(own.reduce((s, l) => s + (macs.get(l.name) ?? 0), 0));
      expect(b.skipIndex).toBe(1);
    }
  });

  it("finds none in XiNet, whose skips pass through a 1×1 conv, and says so", () => {
    const xi = withSeededRandom(1, () => xinet({ inputShape: [28, 28, 1], inputLayout: "hwc", alpha: 0.5, gamma: 4, numLayers: 3, includeTop: true, numClasses: 10 }));
    expect(xi.layers.some((l) => l.getClassName() === "Add")).toBe(true);
    expect(residualBlocks(xi)).toEqual([]);
    expect(() => withLayerDrop(xi)).toThrow(/model "xinet" has no residual block with an identity skip/);
  });
});

describe("LayerDropAdd", () => {
  it("adds at inference, drops the branch with probability rate in training, one draw per call", () => {
    const layer = new LayerDropAdd({ rate: 0.5, skipIndex: 1 });
    const branch = tf.fill([2, 3], 2), skip = tf.fill([2, 3], 5);
    expect(Array.from((layer.apply([branch, skip]) as tf.Tensor).dataSync())).toEqual(new Array(6).fill(7));
    const original = Math.random;
    let draws = 0;
    try {
      Math.random = () => { draws++; return 0.1; };
      expect(Array.from((layer.apply([branch, skip], { training: true }) as tf.Tensor).dataSync())).toEqual(new Array(6).fill(5));
      Math.random = () => { draws++; return 0.9; };
      expect(Array.from((layer.apply([branch, skip], { training: true }) as tf.Tensor).dataSync())).toEqual(new Array(6).fill(7));
    } finally {
      Math.random = original;
    }
    expect(draws).toBe(2);
    expect(() => new LayerDropAdd({ rate: 1, skipIndex: 1 })).toThrow(/rate must be a number in \[0, 1\), got 1/);
  });

  it("trains reproducibly under a seed, and the plain model has the layer-drop model's outputs", async () => {
    const data = { images: tf.randomUniform([64, 28, 28, 1], 0, 1, "float32", 3), labels: tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32"), 10) };
    const train = (seed: number) => withSeededRandomAsync(seed, async () => {
      const m = withLayerDrop(net(), { rate: 0.5 });
      m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
      await fitWithProgress(m, data, { epochs: 1, batchSize: 16, display: false });
      return m;
    });
    const [a, b, c] = [await train(7), await train(7), await train(8)];
    const flat = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync())).flat();
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    const plain = dropBlocks(a, []);
    expect(plain.layers.filter((l) => l.getClassName() === "LayerDropAdd")).toEqual([]);
    expect(maxAbsDiff(plain.predict(data.images) as tf.Tensor, a.predict(data.images) as tf.Tensor)).toBe(0);
  }, 30_000);
});

describe("dropBlocks", () => {
  it("equals the model with those branches silenced, and the profile falls by exactly their cost", () => {
    const m = net();
    const blocks = residualBlocks(m);
    const chosen = everyOtherBlock(blocks.map((b) => b.name));
    expect(chosen).toEqual(blocks.filter((_, i) => i % 2 === 1).map((b) => b.name));
    const small = dropBlocks(m, chosen);
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 9);
    const dropped = small.predict(x) as tf.Tensor;
    for (const name of chosen) {
      const bn = m.getLayer(`${name}_project_bn`);
      const [, , mean, variance] = bn.getWeights();
      bn.setWeights([tf.zerosLike(mean), tf.zerosLike(mean), mean, variance]);
    }
    expect(maxAbsDiff(dropped, m.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    const [before, after] = [profileModel(m).totals, profileModel(small).totals];
    const gone = blocks.filter((b) => chosen.includes(b.name));
    expect(before.params.total - after.params.total).toBe(gone.reduce((s, b) => s + b.params, 0));
    expect(before.macs - after.macs).toBe(gone.reduce((s, b) => s + b.macs, 0));
    expect(() => dropBlocks(m, ["block4"])).toThrow(/no droppable block named "block4"; the droppable blocks are "block3"/);
  });

  it("every-other rule, the scan and the least important blocks", async () => {
    expect(everyOtherBlock(["block3", "block5", "block7", "block9", "block10"])).toEqual(["block5", "block9"]);
    expect(everyOtherBlock(["a", "b", "c", "d", "e", "f"], 1 / 3)).toEqual(["c", "f"]);
    expect(() => everyOtherBlock(["a"], 0)).toThrow(/rate must be a number in \(0, 1\), got 0/);
    const m = net();
    const data = { images: tf.randomUniform([32, 28, 28, 1], 0, 1, "float32", 4), labels: tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), "int32"), 10) };
    const scan = await blockDropScan(m, data, { show: false });
    expect(scan.blocks.map((b) => b.name)).toEqual(residualBlocks(m).map((b) => b.name));
    const fake = { baseline: 0.9, blocks: [{ name: "a", accuracy: 0.5, params: 1, macs: 1 }, { name: "b", accuracy: 0.8, params: 1, macs: 1 }, { name: "c", accuracy: 0.85, params: 1, macs: 1 }] };
    expect(leastImportantBlocks(fake, 2)).toEqual(["b", "c"]);
    expect(() => leastImportantBlocks(fake, 4)).toThrow(/count must be an integer in \[0, 3\], got 4/);
  });
});
