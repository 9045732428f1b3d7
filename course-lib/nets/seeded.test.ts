// withSeededRandom: the same seed gives the same initial weights, another seed different ones, and
// Math.random is restored afterwards, also when the builder throws.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { phinet } from "./phinet";
import { withSeededRandom } from "./seeded";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const firstKernel = (m: tf.LayersModel): number[] => Array.from(m.getWeights()[0].dataSync().slice(0, 16));

describe("withSeededRandom", () => {
  it("fixes the initial weights of a builder that takes no seed", () => {
    const options = { inputShape: [1, 28, 28], alpha: 0.25, includeTop: true };
    const a = withSeededRandom(7, () => phinet(options));
    const b = withSeededRandom(7, () => phinet(options));
    const c = withSeededRandom(8, () => phinet(options));
    expect(firstKernel(a)).toEqual(firstKernel(b));
    expect(firstKernel(a)).not.toEqual(firstKernel(c));
    const head = (m: tf.LayersModel) => Array.from(m.getLayer("head_logits").getWeights()[0].dataSync().slice(0, 8));
    expect(head(a)).toEqual(head(b));
    expect(head(a)).not.toEqual(head(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it("restores Math.random, also after a throw, and rejects bad seeds", () => {
    const original = Math.random;
    expect(() => withSeededRandom(1, () => { throw new Error("boom"); })).toThrow("boom");
    expect(Math.random).toBe(original);
    expect(() => withSeededRandom(-1, () => 0)).toThrow(/seed must be a non-negative integer, got -1/);
  });
});
