// Lesson 11 exercise 11.1: posterior smoothing and keyword detection, what the streaming keyword spotter does
// after every inference (a simplified TensorFlow RecognizeCommands). The firmware of the capstone does exactly
// this with integers (course-lib/streaming/c/stream_app.c), so your TypeScript can be held against the board.
//
// Replace the `notImplemented(...)` line with your code. The course's version is
// course-lib/streaming/detect.ts (detectKeywords), which runStreamingOnBoard compares with the device's own
// detections. Check your work with `npm run grade -- --only 11.1`.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface SmoothingOptions {
  /** How many of the latest inferences are averaged: an integer ≥ 1. */
  window: number;
  /** Smoothed score a class needs to be reported, in (0, 1]. */
  threshold: number;
  /** After a detection at inference i, the same class is not reported again at i+1 … i+suppression−1 (an integer ≥ 0). */
  suppression: number;
  /** Class indices never reported (e.g. 0 silence, 1 unknown); default none. */
  ignore?: number[];
}

export interface KeywordDetection {
  /** Index of the inference (0 = the first) after which the keyword is reported. */
  inference: number;
  /** The class index. */
  class: number;
  /** The smoothed score: sum / (256 · n), see below. */
  score: number;
}

/**
 * Exercise 11.1: the detections in a sequence of int8 softmax outputs, one score vector per inference.
 *
 * A TFLite int8 softmax has scale 1/256 and zero point −128, so class k's probability is (q + 128) / 256.
 * After each inference i (0, 1, 2, ...):
 *   1. n = min(i + 1, window): average the last n score vectors (fewer at the start of the stream). Work with
 *      sums of u = q + 128 (integers 0..255): sum[k] = Σ u[k] over those n vectors.
 *   2. The top class is the one with the largest sum; a tie goes to the lowest class index.
 *   3. Report { inference: i, class: top, score: sum[top] / (256 · n) } when ALL of these hold:
 *      - top is not in `ignore` (only the top class is considered: when it is ignored, nothing is reported);
 *      - sum[top] ≥ Math.ceil(threshold · 256 · n), i.e. score ≥ threshold, decided with integers as the
 *        firmware does (threshold · 256 is exact; compute it in this order);
 *      - the same class was not reported at an inference i' with i − i' < suppression (0 and 1 suppress nothing;
 *        only reported detections count, a suppressed one does not restart the wait).
 * Return the detections in order ([] for no inferences).
 *
 *   window 1, threshold 0.5, suppression 0, 3 classes:
 *     [[-128, 127, -128], [0, -128, -128], [-1, -128, -128]]
 *       u = [0, 255, 0] → class 1, 255 ≥ ceil(128) → { inference 0, class 1, score 255/256 }
 *       u = [128, 0, 0] → class 0, 128 ≥ 128        → { inference 1, class 0, score 0.5 }
 *       u = [127, 0, 0] → 127 < 128: nothing
 *   window 3, threshold 0.6, 2 classes, class 1's q = 72, -28, 122, -128 (u = 200, 100, 250, 0; class 0's u = 0):
 *     required ceil(153.6 n) = 154, 308, 461 for n = 1, 2, 3
 *     i 0: 200 ≥ 154 → { 0, 1, 200/256 };  i 1: 300 < 308;  i 2: 550 ≥ 461 → { 2, 1, 550/768 };  i 3: 350 < 461
 *   window 1, threshold 0.5, suppression 3, class 2 at 127 in every inference: reported at 0, 3, 6, ...
 *   ignore [0]: u = [255, 188, 0] reports nothing (the top class 0 is ignored, class 1 is not looked at).
 *
 * Throw a RangeError naming the bad value when: window is not an integer ≥ 1; threshold is not a number in
 * (0, 1]; suppression is not an integer ≥ 0; a score is not an integer in −128..127; the score vectors do not
 * all have the same (non-zero) length; `ignore` names a class that does not exist.
 */
export function detectKeywords(scores: number[][], options: SmoothingOptions): KeywordDetection[] {
  notImplemented("11.1");
}
