// Tests of the seed statistics (meanSd against hand-worked values, the "clearly above" rule) and of
// trainAndTest's reproducibility: the same seed gives the same accuracy, run after run.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { clearlyAbove, formatPercentMeanSd, inTurn, meanSd, trainAndTest, verdict } from "./seeds";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("seed statistics", () => {
  it("meanSd uses the sample sd (n − 1)", () => {
    const r = meanSd([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanSd([0.7])).toEqual({ mean: 0.7, sd: 0, n: 1 });
    expect(formatPercentMeanSd([0.87, 0.875, 0.88])).toBe("87.5 ± 0.5%");
  });

  it("clearlyAbove needs the gap to exceed twice the larger sd", () => {
    expect(clearlyAbove([0.9, 0.91, 0.92], [0.8, 0.81, 0.82])).toBe(true);
    expect(clearlyAbove([0.9, 0.95, 0.85], [0.84, 0.86, 0.85])).toBe(false); // gap 0.05, sd 0.05
    expect(verdict([0.8, 0.81, 0.82], [0.9, 0.91, 0.92])).toBe("hurts");
    expect(verdict([0.9, 0.91], [0.9, 0.92])).toBe("no clear change");
  });

  it("rejects empty, non-finite and single-run inputs, naming them", () => {
    expect(() => meanSd([])).toThrow(/\[\]/);
    expect(() => meanSd([1, NaN])).toThrow(/non-empty array of finite numbers/);
    expect(() => clearlyAbove([0.9], [0.8, 0.7])).toThrow(/at least 2 runs.*1 and 2/);
  });

  it("inTurn runs one item at a time, in order", async () => {
    const log: string[] = [];
    const out = await inTurn([1, 2, 3], async (x, i) => {
      log.push(`start ${x}`);
      await new Promise((r) => setTimeout(r, 5 * (4 - x)));
      log.push(`end ${x}`);
      return x * 10 + i;
    });
    expect(out).toEqual([10, 21, 32]);
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });
});

describe("trainAndTest", () => {
  const x = tf.tensor2d(Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 1.7)), [64, 4]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => (Math.sin(i * 6.8) > 0 ? 1 : 0)), "int32"), 2);
  const build = () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: "relu" }),
      tf.layers.dropout({ rate: 0.3 }), tf.layers.dense({ units: 2, activation: "softmax" })] });
    m.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return m;
  };
  const data = { images: x, labels: y };

  it("repeats a run exactly for the same seed (weights, shuffle and dropout seeded) and reports the profile", async () => {
    const runs = await inTurn([7, 7, 8], (seed) => trainAndTest({ build, train: data, test: data, epochs: 3, seed, batchSize: 16 }));
    expect(runs[0].accuracy).toBe(runs[1].accuracy);
    expect(runs[0].cost.params.total).toBe(4 * 8 + 8 + 8 * 2 + 2);
    expect(runs[0].accuracy).toBeGreaterThanOrEqual(0);
  });

  it("rejects a bad epoch count", async () => {
    await expect(trainAndTest({ build, train: data, test: data, epochs: 0, seed: 1 })).rejects.toThrow(/epochs.*0/);
  });
});
