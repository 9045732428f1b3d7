// Results over several seeds: a method's accuracy is a mean ± sd over ≥ 3 seeded runs, compared with a
// baseline trained the same way, and called better only when the gap clearly exceeds the seed-to-seed
// spread. Lessons 05-11 all compare training recipes this way, so the rule lives here, once.
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../data/seeded";
import { withSeededRandomAsync } from "../nets/seeded";
import { profileModel, ModelProfile } from "../profiler/profile";
import { evaluate } from "./evaluate";
import type { LabelledData } from "./fit";

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  sd: number;
  n: number;
}

function checkValues(values: readonly number[], where: string): void {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new RangeError(`${where}: expected a non-empty array of finite numbers, got ${JSON.stringify(values)}`);
  }
}

/** Mean and sample standard deviation of per-seed results. */
export function meanSd(values: readonly number[]): MeanSd {
  checkValues(values, "meanSd");
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n === 1 ? 0 : Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

/** "87.4 ± 0.5%" for fractions (accuracies); `digits` decimals of the percentage. */
export function formatPercentMeanSd(values: readonly number[], digits = 1): string {
  const { mean, sd } = meanSd(values);
  return `${(100 * mean).toFixed(digits)} ± ${(100 * sd).toFixed(digits)}%`;
}

/**
 * True when `a`'s mean exceeds `b`'s by more than twice the larger of the two seed-to-seed sds: the
 * course's rule for "clearly better". Needs ≥ 2 values each (one run has no spread to compare with).
 */
export function clearlyAbove(a: readonly number[], b: readonly number[]): boolean {
  checkValues(a, "clearlyAbove (first)");
  checkValues(b, "clearlyAbove (second)");
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(`clearlyAbove: needs at least 2 runs on each side to know the spread, got ${a.length} and ${b.length}`);
  }
  const [ma, mb] = [meanSd(a), meanSd(b)];
  return ma.mean - mb.mean > 2 * Math.max(ma.sd, mb.sd);
}

/** "helps", "hurts" or "no clear change": a method's runs against its baseline's, by clearlyAbove. */
export function verdict(method: readonly number[], baseline: readonly number[]): "helps" | "hurts" | "no clear change" {
  if (clearlyAbove(method, baseline)) return "helps";
  if (clearlyAbove(baseline, method)) return "hurts";
  return "no clear change";
}

/**
 * Runs `run` on each item in turn, never two at once: a seeded run replaces Math.random while it trains
 * (withSeededRandomAsync), so runs must not overlap.
 */
export async function inTurn<T, R>(items: readonly T[], run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Array.isArray(items)) throw new TypeError(`inTurn: items must be an array, got ${typeof items}`);
  const results: R[] = [];
  for (let i = 0; i < items.length; i++) results.push(await run(items[i], i));
  return results;
}

/** Makes a fresh augmented copy of the training images for one epoch (see data/augment.ts). */
export type EpochAugment = (images: tf.Tensor4D, rng: SeededRandom) => tf.Tensor;

export interface TrainAndTestOptions {
  /** Builds and compiles a fresh model (called inside the seeded scope, so its initial weights are seeded). */
  build: () => tf.LayersModel;
  train: LabelledData;
  test: LabelledData;
  epochs: number;
  seed: number;
  batchSize?: number;
  /** A new random augmentation of the training images every epoch. */
  augment?: EpochAugment;
}

export interface TrainAndTestResult {
  accuracy: number;
  cost: ModelProfile["totals"];
}

/**
 * Builds, trains and tests one model with everything random seeded by `seed` (initial weights, shuffle,
 * dropout, augmentation), so the same seed repeats the same run; returns the test accuracy and the
 * profiler's totals. The model is disposed.
 */
export async function trainAndTest(o: TrainAndTestOptions): Promise<TrainAndTestResult> {
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new RangeError(`trainAndTest: epochs must be a positive integer, got ${String(o.epochs)}`);
  if (typeof o.build !== "function") throw new TypeError("trainAndTest: build must be a function returning a compiled model");
  return withSeededRandomAsync(o.seed, async () => {
    const model = o.build();
    const rng = new SeededRandom(o.seed);
    try {
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const x = o.augment ? o.augment(o.train.images as tf.Tensor4D, rng) : o.train.images;
        await model.fit(x, o.train.labels, { batchSize: o.batchSize ?? 32, shuffle: true, verbose: 0 });
        if (x !== o.train.images) x.dispose();
      }
      return { accuracy: evaluate(model, o.test).accuracy, cost: profileModel(model).totals };
    } finally {
      model.dispose();
    }
  });
}
