// The shape every course dataset loader shares (fashion, keywords, motion), modelled on mnist.ts's
// MnistSplit so lessons can swap datasets without learning a new API:
//   one split  = { name, inputs, labels (tensor), classIndices, sourceIndices, size, classNames, dispose() }
//   all splits = { train, validation?, test, classNames, seed, dispose() }
// The options are the same everywhere: split, validationFraction, limit, seeded shuffle, normalisation,
// one-hot labels.
import * as tf from "@tensorflow/tfjs";
import { checkSeed, deriveSeed, SeededRandom } from "./seeded";

/** The splits a loader can return. "validation" is carved out of the shipped train split. */
export type SplitName = "train" | "validation" | "test";
/** The splits shipped on disk. */
export type Split = "train" | "test";
export const SPLITS: readonly Split[] = ["train", "test"];

export interface LoadOptions {
  /** Which split; default "train". "validation" needs validationFraction > 0. */
  split?: SplitName;
  /**
   * Fraction of the shipped train split held out as "validation" (default 0: none). With a value > 0, "train"
   * no longer contains those examples. The hold-out is fixed per dataset (it does not follow `seed`), and is
   * made of whole speakers (keywords) or subjects (motion), so validation measures generalisation to new people.
   */
  validationFraction?: number;
  /** Keep at most this many examples (taken after shuffling, so a shuffled limit is a random subset). */
  limit?: number;
  /** Shuffle the examples with `seed`; default true. False keeps the file order. */
  shuffle?: boolean;
  /** Seed for shuffling; default 0. Same seed, same order. */
  seed?: number;
  /**
   * Scale inputs (pixels to [0,1]; audio features and sensor channels standardised with the statistics of the
   * shipped train split, validation hold-out included, so every split gets the same constants). Default true.
   */
  normalize?: boolean;
  /** Labels as one-hot float32 [n, numClasses] (for categoricalCrossentropy) instead of int32 [n]. Default true. */
  oneHot?: boolean;
}

export interface TensorDataset {
  /** The split: "train", "validation" or "test" (like MnistSplit.name). */
  name: SplitName;
  /** Which dataset: "fashion", "keywords", "keywords-audio", "motion". */
  dataset: string;
  /** Inputs, first axis = example. */
  inputs: tf.Tensor;
  /** Labels: one-hot float32 [n, numClasses], or int32 [n] when oneHot is false. */
  labels: tf.Tensor;
  /** The class of each example, 0..numClasses-1, in the same order as inputs. */
  classIndices: Int32Array;
  /** Where each example sits in the shipped split file (handy to find it again). */
  sourceIndices: Int32Array;
  size: number;
  classNames: readonly string[];
  numClasses: number;
  /** Shape of one example (inputs.shape without the first axis). */
  exampleShape: number[];
  /** What `normalize` did, so the same transform can be applied on a device. */
  normalization: { kind: string; mean?: number | number[]; std?: number | number[] } | null;
  /** Where the data came from (one line). */
  source: string;
  /** Frees the tensors. */
  dispose(): void;
}

export interface ResolvedOptions {
  split: SplitName;
  validationFraction: number;
  limit: number | undefined;
  shuffle: boolean;
  seed: number;
  normalize: boolean;
  oneHot: boolean;
}

export const LOAD_OPTION_KEYS: readonly string[] = ["split", "validationFraction", "limit", "shuffle", "seed", "normalize", "oneHot"];

/** Validate loader options; every bad value is named in the error. */
export function resolveOptions(
  opts: LoadOptions | undefined,
  datasetName: string,
  extraKeys: readonly string[] = [],
): ResolvedOptions {
  if (opts === null || (opts !== undefined && typeof opts !== "object")) {
    throw new TypeError(`${datasetName}: options must be an object like { split, limit, seed }, got ${String(opts)}`);
  }
  const o = opts ?? {};
  checkKnownKeys(o as Record<string, unknown>, [...LOAD_OPTION_KEYS, ...extraKeys], datasetName);
  const split = checkSplitName(o.split ?? "train", datasetName);
  const validationFraction = o.validationFraction ?? 0;
  if (typeof validationFraction !== "number" || !(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`${datasetName}: validationFraction must be a number in [0, 1), got ${String(validationFraction)}`);
  }
  if (split === "validation" && validationFraction === 0) {
    throw new RangeError(
      `${datasetName}: split "validation" needs validationFraction > 0 (e.g. 0.1): it is carved out of the train split`,
    );
  }
  return {
    split,
    validationFraction,
    limit: checkLimit(o.limit, datasetName),
    shuffle: checkBool(o.shuffle ?? true, "shuffle", datasetName),
    seed: checkSeed(o.seed ?? 0, `${datasetName}: seed`),
    normalize: checkBool(o.normalize ?? true, "normalize", datasetName),
    oneHot: checkBool(o.oneHot ?? true, "oneHot", datasetName),
  };
}

/** A misspelt option (e.g. `splt`) would otherwise be ignored silently. */
export function checkKnownKeys(o: Record<string, unknown>, allowed: readonly string[], datasetName: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${datasetName}: unknown option "${key}" (known options: ${allowed.join(", ")})`);
    }
  }
}

export function checkSplit(split: unknown, datasetName: string): Split {
  if (split !== "train" && split !== "test") {
    throw new RangeError(`${datasetName}: split must be "train" or "test", got ${JSON.stringify(split)}`);
  }
  return split;
}

export function checkSplitName(split: unknown, datasetName: string): SplitName {
  if (split !== "train" && split !== "validation" && split !== "test") {
    throw new RangeError(`${datasetName}: split must be "train", "validation" or "test", got ${JSON.stringify(split)}`);
  }
  return split;
}

/** The shipped file a split is read from. */
export function fileSplit(split: SplitName): Split {
  return split === "test" ? "test" : "train";
}

function checkLimit(limit: unknown, datasetName: string): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`${datasetName}: limit must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}

function checkBool(v: unknown, what: string, datasetName: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`${datasetName}: ${what} must be true or false, got ${String(v)}`);
  return v;
}

/**
 * Positions (in the shipped file) that belong to the requested split, before shuffling. For train/validation
 * with validationFraction > 0 the train file is partitioned: whole groups (speakers, subjects) when `groups`
 * is given, else a per-class stratified draw. The partition uses a fixed per-dataset seed.
 */
export function splitPositions(
  o: ResolvedOptions,
  datasetName: string,
  fileClassIndices: ArrayLike<number>,
  groups?: ArrayLike<string | number>,
): Int32Array {
  const n = fileClassIndices.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (o.split === "test" || o.validationFraction === 0) return all;
  const rng = new SeededRandom(deriveSeed(0, datasetName, "validation-holdout"));
  const inValidation = new Uint8Array(n);
  if (groups) {
    const members = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = String(groups[i]);
      const list = members.get(key);
      if (list) list.push(i);
      else members.set(key, [i]);
    }
    const keys = [...members.keys()].sort();
    rng.shuffle(keys);
    const target = Math.round(o.validationFraction * n);
    let taken = 0;
    for (const key of keys) {
      const size = members.get(key)!.length;
      // stop at the group count closest to the target (but hold out at least one group)
      if (taken > 0 && taken + size - target > target - taken) break;
      for (const i of members.get(key)!) inValidation[i] = 1;
      taken += size;
    }
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = fileClassIndices[i];
      const list = byClass.get(c);
      if (list) list.push(i);
      else byClass.set(c, [i]);
    }
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
      const list = rng.shuffle(byClass.get(c)!);
      const k = Math.round(o.validationFraction * list.length);
      for (let j = 0; j < k; j++) inValidation[list[j]] = 1;
    }
  }
  const want = o.split === "validation" ? 1 : 0;
  const picked = all.filter((i) => inValidation[i] === want);
  if (picked.length === 0) {
    throw new RangeError(`${datasetName}: validationFraction ${o.validationFraction} leaves the ${o.split} split empty`);
  }
  return picked;
}

/** Which examples to return, in which order: a seeded permutation of `positions`, then the first `limit`. */
export function selectIndices(positions: Int32Array, o: ResolvedOptions): Int32Array {
  const idx = o.shuffle ? new SeededRandom(o.seed).shuffle(positions.slice()) : positions.slice();
  return o.limit !== undefined && o.limit < idx.length ? idx.slice(0, o.limit) : idx;
}

/** Labels tensor: one-hot float32 or int32 class ids. */
export function labelsTensor(classIndices: Int32Array, numClasses: number, oneHot: boolean): tf.Tensor {
  return tf.tidy(() => {
    const ids = tf.tensor1d(classIndices, "int32");
    return oneHot ? tf.oneHot(ids, numClasses).toFloat() : ids;
  });
}

/** Copy the selected examples (each `exampleSize` values long) out of a flat array into float32. */
export function gatherExamples(data: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, exampleSize: number, indices: Int32Array, scale = 1): Float32Array {
  const out = new Float32Array(indices.length * exampleSize);
  for (let i = 0; i < indices.length; i++) {
    const src = data.subarray(indices[i] * exampleSize, (indices[i] + 1) * exampleSize);
    const base = i * exampleSize;
    for (let k = 0; k < exampleSize; k++) out[base + k] = src[k] * scale;
  }
  return out;
}

export function gatherLabels(labels: ArrayLike<number>, indices: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = labels[indices[i]];
  return out;
}

/**
 * Positions of the first `perClass` examples of every class, class by class (class 0's, then class 1's...),
 * e.g. to show two images of each class. Throws if a label is outside 0..numClasses-1 or a class has fewer
 * than `perClass` examples, naming the class.
 */
export function firstOfEachClass(classIndices: ArrayLike<number>, numClasses: number, perClass = 1): number[] {
  for (const [name, v] of [["numClasses", numClasses], ["perClass", perClass]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`firstOfEachClass: ${name} must be a positive integer, got ${v}`);
  }
  const found: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < classIndices.length; i++) {
    const c = classIndices[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new RangeError(`firstOfEachClass: label ${c} at position ${i} is outside 0..${numClasses - 1}`);
    }
    if (found[c].length < perClass) found[c].push(i);
  }
  found.forEach((positions, c) => {
    if (positions.length < perClass) {
      throw new RangeError(`firstOfEachClass: class ${c} has ${positions.length} examples, fewer than perClass ${perClass}`);
    }
  });
  return found.flat();
}

/**
 * A class-balanced random subset: from each class, `fraction` of its examples (rounded, at least one),
 * chosen by a seeded shuffle. Returns their positions in ascending order. Learning-curve experiments use it
 * so that "10 % of the data" keeps every class's share, whatever the seed.
 */
export function stratifiedSubset(classIndices: ArrayLike<number>, numClasses: number, fraction: number, seed: number): Int32Array {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`stratifiedSubset: numClasses must be a positive integer, got ${numClasses}`);
  if (typeof fraction !== "number" || !(fraction > 0 && fraction <= 1)) {
    throw new RangeError(`stratifiedSubset: fraction must be in (0, 1], got ${String(fraction)}`);
  }
  checkSeed(seed, "stratifiedSubset: seed");
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < classIndices.length; i++) {
    const c = classIndices[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new RangeError(`stratifiedSubset: label ${c} at position ${i} is outside 0..${numClasses - 1}`);
    byClass[c].push(i);
  }
  const rng = new SeededRandom(seed);
  const chosen: number[] = [];
  for (const positions of byClass) {
    if (positions.length === 0) continue;
    const keep = Math.max(1, Math.round(fraction * positions.length));
    const shuffled = rng.shuffle(positions.slice());
    chosen.push(...shuffled.slice(0, keep));
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** Build the common result object (adds dispose()). */
export function makeTensorDataset<T extends Omit<TensorDataset, "dispose">>(fields: T): T & { dispose(): void } {
  return {
    ...fields,
    dispose() {
      fields.inputs.dispose();
      fields.labels.dispose();
    },
  };
}

/** All splits of a dataset at once, like loadMnist(): { train, validation?, test, classNames, seed, dispose() }. */
export interface DatasetSplits<T extends TensorDataset> {
  train: T;
  /** Present when validationFraction > 0. */
  validation?: T;
  test: T;
  classNames: readonly string[];
  seed: number;
  dispose(): void;
}

/** Load train (+ validation) + test with the same options through one of the loaders. */
export async function loadAllSplits<T extends TensorDataset, O extends LoadOptions>(
  load: (opts: O) => Promise<T>,
  opts: O,
): Promise<DatasetSplits<T>> {
  if (opts.split !== undefined) throw new TypeError(`loading all splits: drop the "split" option (got ${JSON.stringify(opts.split)})`);
  const train = await load({ ...opts, split: "train" });
  const validation = (opts.validationFraction ?? 0) > 0 ? await load({ ...opts, split: "validation" }) : undefined;
  const test = await load({ ...opts, split: "test" });
  return {
    train,
    ...(validation ? { validation } : {}),
    test,
    classNames: train.classNames,
    seed: opts.seed ?? 0,
    dispose() {
      train.dispose();
      validation?.dispose();
      test.dispose();
    },
  };
}
