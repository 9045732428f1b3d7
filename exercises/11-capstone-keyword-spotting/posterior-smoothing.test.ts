// Graded tests for lesson 11's posterior smoothing and detection (exercises/11-capstone-keyword-spotting/
// posterior-smoothing.ts). Run them with `npm run grade -- --only 11.1`; each failing test prints its feedback.
// Every expected detection is worked out in the comments: u = q + 128, the sums over the window, the required
// sum Math.ceil(threshold · 256 · n). The last tests compare with the course's detector
// (course-lib/streaming/detect.ts, the one the firmware is checked against) on seeded random sequences.
import { expect } from "vitest";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { detectKeywords as courseDetect } from "../../course-lib/streaming/detect";
import { detectKeywords, type KeywordDetection, type SmoothingOptions } from "@exercise/11-capstone-keyword-spotting/posterior-smoothing";

/** A score vector of `classes` int8 values, all −128 except the given ones. */
function vec(classes: number, set: Record<number, number>): number[] {
  return Array.from({ length: classes }, (_, k) => set[k] ?? -128);
}

/** [inference, class, score] rows, the score rounded to 12 digits so a float average compares equal. */
function rows(detections: unknown): unknown {
  if (!Array.isArray(detections)) return detections;
  return (detections as KeywordDetection[]).map((d) => [d?.inference, d?.class, typeof d?.score === "number" ? Number(d.score.toFixed(12)) : d?.score]);
}

function expectDetections(label: string, scores: number[][], options: SmoothingOptions, expected: [number, number, number][]): void {
  const got = rows(detectKeywords(scores, options));
  expect({ case: label, detections: got }).toEqual({ case: label, detections: rows(expected.map(([inference, cls, score]) => ({ inference, class: cls, score }))) });
}

graded(
  { id: "11.1", points: 2, feedback: "With window 1 each inference stands alone: u = q + 128, the top class is the largest u, its score u / 256, reported when u ≥ Math.ceil(threshold · 256). [[-128, 127, -128], [0, -128, -128], [-1, -128, -128]] at threshold 0.5 gives { 0, class 1, 255/256 } and { 1, class 0, 0.5 } (128 ≥ 128 counts), nothing for u = 127." },
  "window 1: the top class, its probability (q + 128) / 256 against the threshold",
  () => {
    const opts = { window: 1, threshold: 0.5, suppression: 0 };
    expectDetections("window 1, threshold 0.5", [vec(3, { 1: 127 }), vec(3, { 0: 0 }), vec(3, { 0: -1 }), vec(3, { 2: 100 })], opts, [[0, 1, 255 / 256], [1, 0, 0.5], [3, 2, 228 / 256]]);
    // threshold 0.9: ceil(230.4) = 231 → u 231 (q 103) yes, u 230 (q 102) no
    expectDetections("window 1, threshold 0.9", [vec(2, { 0: 102 }), vec(2, { 0: 103 })], { ...opts, threshold: 0.9 }, [[1, 0, 231 / 256]]);
    expectDetections("no inferences", [], opts, []);
  },
);

graded(
  { id: "11.1", points: 2, feedback: "Average the LAST n = min(i + 1, window) inferences: at the start there are fewer than `window` (do not divide by `window` then), later the oldest drops out. Compare the sum of u = q + 128 with Math.ceil(threshold · 256 · n). Class 1's u = 200, 100, 250, 0 with window 3 and threshold 0.6: { 0, 1, 200/256 } and { 2, 1, 550/768 } only." },
  "averages the last `window` inferences, fewer at the start, with the integer threshold",
  () => {
    const seq = [72, -28, 122, -128].map((q) => vec(2, { 1: q }));
    // required 154, 308, 461: 200 ≥ 154; 300 < 308; 550 ≥ 461; 100 + 250 + 0 = 350 < 461
    expectDetections("window 3, threshold 0.6", seq, { window: 3, threshold: 0.6, suppression: 0 }, [[0, 1, 200 / 256], [2, 1, 550 / 768]]);
    // u = 179, 179, 179, 180 at threshold 0.7: required 180, 359, 538; only 179 + 179 + 180 = 538 reaches it
    expectDetections("window 3, threshold 0.7", [51, 51, 51, 52].map((q) => vec(2, { 0: q })), { window: 3, threshold: 0.7, suppression: 0 }, [[3, 0, 538 / 768]]);
    // window 2: u = 255, 0, 255, 255 for class 0 of 1 class at threshold 0.75 (required 192, 384): 255; 255; 255; 510
    expectDetections("window 2, one class", [127, -128, 127, 127].map((q) => [q]), { window: 2, threshold: 0.75, suppression: 0 }, [[0, 0, 255 / 256], [3, 0, 510 / 512]]);
  },
);

graded(
  { id: "11.1", points: 1, feedback: "When two classes have the same sum the top class is the LOWER index (use a strict > when scanning classes in order, or ≥ from the end)." },
  "a tie for the top class goes to the lowest index",
  () => {
    expectDetections("tie 1 and 2, then 0 and 2", [vec(3, { 1: 0, 2: 0 }), vec(3, { 0: 10, 2: 10 })], { window: 1, threshold: 0.5, suppression: 0 }, [[0, 1, 0.5], [1, 0, 138 / 256]]);
  },
);

graded(
  { id: "11.1", points: 2, feedback: "Suppression: after class k is REPORTED at inference i, k is not reported again while (inference − i) < suppression. Other classes are not affected, and a suppressed inference does not restart the wait. Class 2 strong everywhere with suppression 3: reported at 0, 3, 6. suppression 0 or 1 suppresses nothing." },
  "suppression: the same class waits `suppression` inferences; other classes do not",
  () => {
    const strong = (k: number) => vec(3, { [k]: 127 });
    const s = 255 / 256;
    const opts = { window: 1, threshold: 0.5, suppression: 3 };
    expectDetections("class 2 seven times, suppression 3", Array.from({ length: 7 }, () => strong(2)), opts, [[0, 2, s], [3, 2, s], [6, 2, s]]);
    // class 1 at 2 does not reset class 2's wait, and is itself reported
    expectDetections("2, 2, 1, 2, 2, 2, 2", [strong(2), strong(2), strong(1), strong(2), strong(2), strong(2), strong(2)], opts, [[0, 2, s], [2, 1, s], [3, 2, s], [6, 2, s]]);
    for (const suppression of [0, 1]) {
      expectDetections(`suppression ${suppression}`, [strong(0), strong(0), strong(0)], { ...opts, suppression }, [[0, 0, s], [1, 0, s], [2, 0, s]]);
    }
  },
);

graded(
  { id: "11.1", points: 1, feedback: "Ignored classes are never reported. Only the TOP class is a candidate: when it is ignored (e.g. silence), nothing is reported for that inference, even if another class is above the threshold. Without `ignore`, nothing is ignored." },
  "ignored classes are never reported, even as the top class",
  () => {
    const seq = [vec(3, { 0: 127, 1: 60 }), vec(3, { 1: 60 }), vec(3, { 0: 127 })];
    expectDetections("ignore [0]", seq, { window: 1, threshold: 0.5, suppression: 0, ignore: [0] }, [[1, 1, 188 / 256]]);
    expectDetections("no ignore", seq, { window: 1, threshold: 0.5, suppression: 0 }, [[0, 0, 255 / 256], [1, 1, 188 / 256], [2, 0, 255 / 256]]);
  },
);

graded(
  { id: "11.1", points: 2, feedback: "On random sequences your detections differ from the course's (course-lib/streaming/detect.ts). Check each rule in turn: the window (fewer at the start), the integer threshold sum ≥ Math.ceil(threshold · 256 · n), the lowest index on ties, suppression per class counted from the last REPORTED detection, and ignore applied to the top class only." },
  "matches the course's detector on seeded random score sequences",
  () => {
    const random = mulberry32(1101);
    for (let trial = 0; trial < 60; trial++) {
      const classes = 2 + Math.floor(random() * 11);
      const length = Math.floor(random() * 40);
      // scores that favour one class for a while, so detections happen
      let favourite = Math.floor(random() * classes);
      const scores = Array.from({ length }, () => {
        if (random() < 0.2) favourite = Math.floor(random() * classes);
        return Array.from({ length: classes }, (_, k) => (k === favourite ? Math.floor(random() * 256) - 128 : Math.floor(random() * 100) - 128));
      });
      const options: SmoothingOptions = {
        window: 1 + Math.floor(random() * 5), threshold: [0.3, 0.5, 0.6, 0.7, 0.75, 0.9, 1][Math.floor(random() * 7)],
        suppression: Math.floor(random() * 6), ignore: random() < 0.5 ? [0] : random() < 0.5 ? [] : [0, 1].filter((c) => c < classes),
      };
      const label = `trial ${trial}: ${JSON.stringify(options)}, ${classes} classes, ${length} inferences`;
      expect({ case: label, detections: rows(detectKeywords(scores, options)) }).toEqual({ case: label, detections: rows(courseDetect(scores, options)) });
    }
  },
);

graded(
  { id: "11.1", points: 1, feedback: "Throw a RangeError naming the value when window is not an integer ≥ 1 (0, 2.5), threshold is not in (0, 1] (0, 1.5, NaN), suppression is not an integer ≥ 0 (-1), a score is not an integer in −128..127 (128, 0.5), the vectors have different lengths, or ignore names a class that does not exist. threshold 1 and suppression 0 are valid." },
  "rejects bad options and scores, naming the value",
  () => {
    const ok: SmoothingOptions = { window: 2, threshold: 0.5, suppression: 0 };
    const seq = [vec(3, { 1: 100 }), vec(3, { 1: 100 })];
    validCall("detectKeywords(seq, { window: 2, threshold: 1, suppression: 0 })", () => detectKeywords(seq, { ...ok, threshold: 1 }));
    validCall("detectKeywords(seq, { window: 1, threshold: 0.5, suppression: 0, ignore: [2] })", () => detectKeywords(seq, { ...ok, window: 1, ignore: [2] }));
    const cases: [string, () => unknown, RegExp[]][] = [
      ["window 0", () => detectKeywords(seq, { ...ok, window: 0 }), [/window/i, /0/]],
      ["window 2.5", () => detectKeywords(seq, { ...ok, window: 2.5 }), [/2\.5/]],
      ["threshold 0", () => detectKeywords(seq, { ...ok, threshold: 0 }), [/threshold/i, /0/]],
      ["threshold 1.5", () => detectKeywords(seq, { ...ok, threshold: 1.5 }), [/1\.5/]],
      ["threshold NaN", () => detectKeywords(seq, { ...ok, threshold: Number.NaN }), [/NaN/]],
      ["suppression -1", () => detectKeywords(seq, { ...ok, suppression: -1 }), [/suppression/i, /-1/]],
      ["score 128", () => detectKeywords([[0, 128, 0]], ok), [/128/]],
      ["score 0.5", () => detectKeywords([[0, 0.5, 0]], ok), [/0\.5/]],
      ["lengths 3 then 2", () => detectKeywords([[0, 0, 0], [0, 0]], ok), [/2/, /3/]],
      ["ignore [3] with 3 classes", () => detectKeywords(seq, { ...ok, ignore: [3] }), [/ignore/i, /3/]],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
  },
);
