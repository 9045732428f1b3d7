// rebuildModel: a copy computes what the original computes, edits and bypasses change only what they name,
// fresh weights are new but seeded, and bad requests are refused with the names and sizes involved.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../runtime/backend";
import { phinet } from "../../nets/phinet";
import { withSeededRandom } from "../../nets/seeded";
import { consumersOf, inboundLayers, rebuildModel } from "./rebuild";

beforeAll(async () => {
  await initBackend();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

function smallCnn(): tf.LayersModel {
  return withSeededRandom(3, () => tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, name: "c1" }),
    tf.layers.batchNormalization({ name: "bn1" }),
    tf.layers.reLU({ name: "r1" }),
    tf.layers.flatten({ name: "flat" }),
    tf.layers.dense({ units: 3, name: "out" }),
  ] }));
}

describe("rebuildModel", () => {
  it("copies a PhiNet with residual adds and SE: same outputs, new variables, the original untouched", () => {
    const m = withSeededRandom(1, () => phinet({ inputShape: [1, 28, 28], alpha: 0.5, numLayers: 5, includeTop: true, numClasses: 10 }));
    const before = m.getWeights().map((w) => w.clone());
    const copy = rebuildModel(m);
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 7);
    expect(maxAbsDiff(m.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor)).toBe(0);
    expect(copy.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    // Writing into the copy must not reach the original: separate variables.
    copy.getLayer("block2_expand").setWeights(copy.getLayer("block2_expand").getWeights().map((w) => tf.zerosLike(w)));
    m.getWeights().forEach((w, i) => expect(maxAbsDiff(w, before[i])).toBe(0));
    tf.dispose([x, ...before]);
  });

  it("applies an edit: a dense layer with fewer units and its sliced kernel", () => {
    const m = smallCnn();
    const [k, b] = m.getLayer("out").getWeights();
    const edits = new Map([["out", { config: { units: 2 }, weights: [k.slice([0, 0], [-1, 2]), b.slice([0], [2])] }]]);
    const r = rebuildModel(m, { edits });
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, "float32", 2);
    const full = m.predict(x) as tf.Tensor;
    expect(r.outputs[0].shape).toEqual([null, 2]);
    expect(maxAbsDiff(r.predict(x) as tf.Tensor, full.slice([0, 0], [-1, 2]))).toBeLessThan(1e-6);
  });

  it("bypasses a residual add with its skip input: the branch is gone and the output is the skip", () => {
    const m = withSeededRandom(1, () => phinet({ inputShape: [1, 28, 28], alpha: 0.5, numLayers: 5, includeTop: false }));
    const add = m.getLayer("block5_add");
    const skipIndex = inboundLayers(add).findIndex((l) => l.name === "block4_project_bn");
    expect(skipIndex).toBe(1);
    const r = rebuildModel(m, { bypass: new Map([["block5_add", 1]]) });
    expect(r.layers.some((l) => l.name.startsWith("block5_"))).toBe(false);
    // Independent check: the original with the branch's last batch norm silenced (γ = β = 0, so the branch
    // adds exactly 0) computes what the bypassed model computes.
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 3);
    const bypassed = r.predict(x) as tf.Tensor;
    const bn = m.getLayer("block5_project_bn");
    const [, , mean, variance] = bn.getWeights();
    bn.setWeights([tf.zerosLike(mean), tf.zerosLike(mean), mean, variance]);
    expect(maxAbsDiff(bypassed, m.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
    expect(r.countParams()).toBeLessThan(m.countParams());
  });

  it("fresh weights: the same architecture with new initial weights, reproducible under a seed", () => {
    const m = smallCnn();
    const a = withSeededRandom(5, () => rebuildModel(m, { weights: "fresh" }));
    const b = withSeededRandom(5, () => rebuildModel(m, { weights: "fresh" }));
    expect(a.countParams()).toBe(m.countParams());
    const ka = a.getLayer("c1").getWeights()[0], kb = b.getLayer("c1").getWeights()[0], km = m.getLayer("c1").getWeights()[0];
    expect(maxAbsDiff(ka, kb)).toBe(0);
    expect(maxAbsDiff(ka, km)).toBeGreaterThan(1e-3);
  });

  it("finds consumers", () => {
    const m = withSeededRandom(1, () => phinet({ inputShape: [1, 28, 28], alpha: 0.5, numLayers: 5, includeTop: false }));
    expect(consumersOf(m, m.getLayer("block4_project_bn")).map((l) => l.name).sort()).toEqual(["block5_add", "block5_expand"]);
  });

  it("refuses unknown names, bad bypass indices, wrong weight shapes and shared layers", () => {
    const m = smallCnn();
    expect(() => rebuildModel(m, { edits: new Map([["conv9", {}]]) })).toThrow(/no layer named "conv9".*"c1"/);
    expect(() => rebuildModel(m, { bypass: new Map([["r1", 1]]) })).toThrow(/bypass of layer "r1" names input 1, but it has 1 input/);
    expect(() => rebuildModel(m, { edits: new Map([["out", { config: { units: 2 } }]]) })).toThrow(/layer "out" needs weights of shapes \[\[144,2\],\[2\]\] but the edit gives \[\[144,3\],\[3\]\]/);
    expect(() => rebuildModel(m, { weights: "random" as "fresh" })).toThrow(/weights must be "copy" or "fresh", got "random"/);
    const shared = tf.layers.dense({ units: 4, name: "shared" });
    const input = tf.input({ shape: [4] });
    const twice = tf.model({ inputs: input, outputs: shared.apply(shared.apply(input)) as tf.SymbolicTensor });
    expect(() => rebuildModel(twice)).toThrow(/layer "shared" is used 2 times/);
  });
});
