// Lesson 00 warm-up exercises: three small functions the notebook uses right away.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/00-getting-started.ipynb
// prints "exercise 00.1 not implemented yet: showing the reference" and uses the course's own version;
// once you have written a function, the notebook uses yours. Check your work with:
//
//   npm run grade -- --only 00        (or --only 00.2 for one exercise)
//
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 00.1: how much memory do a model's weights need?
 *
 * TODO: return the size of `parameterCount` weights, each stored in `bytesPerParameter` bytes, in
 * kilobytes, where 1 KB = 1024 bytes (the way microcontroller datasheets count: "256 KB of SRAM").
 *
 *   modelSizeKB(1024, 4)  → 4        (1024 float32 weights: 4 bytes each)
 *   modelSizeKB(5000, 1)  → 4.8828125 (int8-quantised weights: 1 byte each)
 *   modelSizeKB(0, 4)     → 0
 *
 * Do not round the result. Throw a RangeError (with a message that includes the bad value) when
 * `parameterCount` is negative or not a whole number, or when `bytesPerParameter` is not greater than 0.
 */
export function modelSizeKB(parameterCount: number, bytesPerParameter: number): number {
  notImplemented("00.1");
}

/**
 * Exercise 00.2: accuracy, the first metric of every classifier.
 *
 * TODO: return the fraction (between 0 and 1) of positions i where `predicted[i] === labels[i]`.
 *
 *   accuracy([1, 2, 3, 4], [1, 2, 0, 4])  → 0.75
 *
 * Both arguments are array-like (plain arrays or typed arrays such as Int32Array: use `.length` and
 * indexing, not array methods like .filter that typed arrays lack or handle differently).
 * Throw an Error when:
 *   - the lengths differ: the message must name both lengths, e.g.
 *     "predicted has length 5 but labels has length 3";
 *   - the arrays are empty: accuracy of nothing is undefined, not 0 or NaN.
 */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  notImplemented("00.2");
}

/** What decodePrediction returns. */
export interface DecodedPrediction {
  /** Position of the highest score. */
  classIndex: number;
  /** classNames[classIndex], e.g. "7". */
  className: string;
  /** The highest score itself (for a softmax output: the model's probability for that class). */
  confidence: number;
}

/**
 * Exercise 00.3: turn a model's output into an answer.
 *
 * A classifier outputs one score per class, e.g. softmax probabilities
 * [0.01, 0.02, 0.9, 0.07] for classNames ["cat", "dog", "bird", "fish"]. On a device you report the
 * winner: { classIndex: 2, className: "bird", confidence: 0.9 }.
 *
 * TODO: find the index of the largest score (if several are equally large, pick the first one) and
 * return it with its class name and score. Scores can be negative (raw logits): don't assume they are
 * above 0. Throw an Error when `scores` is empty, or when `scores` and `classNames` have different
 * lengths (name both lengths in the message).
 */
export function decodePrediction(scores: ArrayLike<number>, classNames: readonly string[]): DecodedPrediction {
  notImplemented("00.3");
}
