// Posterior smoothing and keyword detection: the TypeScript reference of what the streaming firmware
// (c/stream_app.c) does after every inference, a simplified version of TensorFlow's RecognizeCommands.
//
// Input: one score vector per inference, the int8 output of a softmax (TFLite pins its output to scale
// 1/256, zero point −128, so probability = (q + 128) / 256). After inference i:
//   1. n = min(i + 1, window): the last n score vectors are averaged (fewer at the start of the stream);
//   2. the top class is the one with the largest sum of (q + 128) over those n vectors; ties go to the
//      lowest class index;
//   3. it is reported as a detection { inference: i, class, score = sum / (256 n) } when
//      - it is not in `ignore` (e.g. silence, unknown),
//      - sum ≥ Math.ceil(threshold * 256 * n), i.e. score ≥ threshold, decided with integers, and
//      - the same class was not reported at an inference i' with i − i' < suppression.
// Everything is a sum of small integers compared with a precomputed integer, so the C version (integers
// only, the required sums as a table generated from requiredSum below) gives exactly the same detections.

export interface DetectionOptions {
  /** How many of the latest inferences are averaged (an integer ≥ 1). */
  window: number;
  /** Smoothed score a class needs to be reported, in (0, 1]. */
  threshold: number;
  /** After a detection at inference i, the same class is not reported again at i+1 … i+suppression−1 (integer ≥ 0; 0 and 1 suppress nothing). */
  suppression: number;
  /** Class indices never reported (silence, unknown); default none. */
  ignore?: readonly number[];
}

export interface Detection {
  /** Index of the inference (0 = the first) after which the keyword was reported. */
  inference: number;
  /** The class index. */
  class: number;
  /** Smoothed score: sum / (256 · count), in [0, 1). */
  score: number;
  /** Σ (q + 128) of this class over the averaged inferences (what the firmware compares). */
  sum: number;
  /** How many inferences were averaged: min(inference + 1, window). */
  count: number;
}

/** The options with defaults filled in. */
export interface ResolvedDetectionOptions {
  window: number;
  threshold: number;
  suppression: number;
  ignore: number[];
}

/** Checks `options` (RangeError naming the bad value and what was expected) and fills in the defaults. */
export function resolveDetectionOptions(options: DetectionOptions): ResolvedDetectionOptions {
  if (options === null || typeof options !== "object") {
    throw new RangeError(`detection options must be an object { window, threshold, suppression, ignore? }, got ${String(options)}`);
  }
  const { window, threshold, suppression } = options;
  if (!(typeof window === "number" && Number.isInteger(window) && window >= 1)) {
    throw new RangeError(`detection: window must be an integer >= 1 (inferences averaged), got ${String(window)}`);
  }
  if (!(typeof threshold === "number" && threshold > 0 && threshold <= 1)) {
    throw new RangeError(`detection: threshold must be a number in (0, 1], got ${String(threshold)}`);
  }
  if (!(typeof suppression === "number" && Number.isInteger(suppression) && suppression >= 0)) {
    throw new RangeError(`detection: suppression must be an integer >= 0 (inferences), got ${String(suppression)}`);
  }
  const ignore = options.ignore ?? [];
  if (!Array.isArray(ignore)) throw new RangeError(`detection: ignore must be an array of class indices, got ${String(ignore)}`);
  ignore.forEach((c, k) => {
    if (!(typeof c === "number" && Number.isInteger(c) && c >= 0)) {
      throw new RangeError(`detection: ignore[${k}] must be a class index (an integer >= 0), got ${String(c)}`);
    }
  });
  return { window, threshold, suppression, ignore: [...ignore] };
}

/**
 * The smallest Σ (q + 128) over n inferences that reaches `threshold`: Math.ceil(threshold * 256 * n).
 * threshold * 256 is exact (a power of two), so this is the one rounding both TS and C use (the C reads a
 * table of these values).
 */
export function requiredSum(threshold: number, n: number): number {
  return Math.ceil(threshold * 256 * n);
}

/** An incremental detector: push one score vector per inference, get the detection it causes (or null). */
export interface KeywordDetector {
  push(scores: ArrayLike<number>): Detection | null;
  /** Inferences pushed so far. */
  readonly inferences: number;
}

export function createDetector(options: DetectionOptions): KeywordDetector {
  const o = resolveDetectionOptions(options);
  const history: number[][] = []; // the last `window` vectors of q + 128
  const lastReported = new Map<number, number>();
  let classes = -1;
  let inference = 0;
  const push = (scores: ArrayLike<number>): Detection | null => {
    if (scores === null || typeof scores !== "object" || typeof scores.length !== "number" || scores.length < 1) {
      throw new RangeError(`detection: the scores of inference ${inference} must be a non-empty array of int8 values, got ${String(scores)}`);
    }
    if (classes < 0) {
      classes = scores.length;
      const bad = o.ignore.find((c) => c >= classes);
      if (bad !== undefined) throw new RangeError(`detection: ignore lists class ${bad}, but the scores have ${classes} classes (0..${classes - 1})`);
    } else if (scores.length !== classes) {
      throw new RangeError(`detection: inference ${inference} has ${scores.length} scores, expected ${classes} like the first`);
    }
    const shifted: number[] = new Array(classes);
    for (let c = 0; c < classes; c++) {
      const q = scores[c];
      if (!(Number.isInteger(q) && q >= -128 && q <= 127)) {
        throw new RangeError(`detection: inference ${inference} class ${c} score ${String(q)} is not an int8 (−128..127)`);
      }
      shifted[c] = q + 128;
    }
    history.push(shifted);
    if (history.length > o.window) history.shift();
    const n = history.length;
    let top = 0;
    let topSum = -1;
    for (let c = 0; c < classes; c++) {
      let sum = 0;
      for (const h of history) sum += h[c];
      if (sum > topSum) { // strictly greater: a tie keeps the lower index
        top = c;
        topSum = sum;
      }
    }
    const i = inference++;
    if (o.ignore.includes(top) || topSum < requiredSum(o.threshold, n)) return null;
    const last = lastReported.get(top);
    if (last !== undefined && i - last < o.suppression) return null;
    lastReported.set(top, i);
    return { inference: i, class: top, score: topSum / (256 * n), sum: topSum, count: n };
  };
  return {
    push,
    get inferences() {
      return inference;
    },
  };
}

/** The detections of a whole sequence of int8 softmax outputs (one vector per inference); see the header. */
export function detectKeywords(scores: ReadonlyArray<ArrayLike<number>>, options: DetectionOptions): Detection[] {
  const detector = createDetector(options);
  if (!Array.isArray(scores)) throw new RangeError(`detection: scores must be an array of score vectors (one per inference), got ${String(scores)}`);
  const out: Detection[] = [];
  for (const s of scores) {
    const d = detector.push(s);
    if (d) out.push(d);
  }
  return out;
}
