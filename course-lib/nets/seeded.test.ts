// withSeededRandom: the same seed gives the same initial weights, another seed different ones, and
// Math.random is restored afterwards, also when the builder throws.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { phinet } from "./phinet";
import { withSeededRandom, withSeededRandomAsync } from "./seeded";

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

describe("withSeededRandomAsync", () => {
  // A dense model with dropout, trained for a few steps on fixed data in a fixed order: only the dropout
  // masks (drawn from Math.random when a layer has no seed) can make two runs differ.
  async function trainedWeights(seed: number | null): Promise<number[]> {
    const run = async () => {
      const model = tf.sequential({ layers: [
        tf.layers.dense({ units: 16, inputShape: [8], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ] });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
      const x = tf.tensor2d(Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i)), [64, 8]);
      const y = tf.tensor2d(Array.from({ length: 64 }, (_, i) => Math.cos(i)), [64, 1]);
      await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
      const weights = Array.from(model.getWeights()[0].dataSync());
      tf.dispose([x, y]);
      model.dispose();
      return weights;
    };
    return seed === null ? run() : withSeededRandomAsync(seed, run);
  }

  it("makes training-time dropout reproducible, and restores Math.random", async () => {
    const original = Math.random;
    const [a, b, c] = [await trainedWeights(5), await trainedWeights(5), await trainedWeights(6)];
    expect(Math.random).toBe(original);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    await expect(withSeededRandomAsync(1.5, async () => 0)).rejects.toThrow(/seed must be a non-negative integer, got 1.5/);
  });
});
