// Graded tests for the lesson 00 warm-up (exercises/00-getting-started/warmup.ts).
// Run them with `npm run grade -- --only 00`; each failing test prints its feedback as a hint.
// Each "rejects ..." test also makes valid calls (validCall): a function that throws on every input
// earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { accuracy, decodePrediction, modelSizeKB } from "@exercise/00-getting-started/warmup";

// ---- 00.1 modelSizeKB ----

graded(
  { id: "00.1", points: 2, feedback: "Size in KB = parameterCount × bytesPerParameter / 1024. Don't round, and 0 parameters take 0 KB." },
  "computes the size of float32 and int8 weights in KB",
  () => {
    expect(modelSizeKB(1024, 4)).toBe(4);
    expect(modelSizeKB(5000, 1)).toBe(4.8828125);
    expect(modelSizeKB(5018, 4)).toBeCloseTo(19.6015625, 10);
    expect(modelSizeKB(250_000, 2)).toBeCloseTo(488.28125, 10);
    expect(modelSizeKB(0, 4)).toBe(0);
  },
);

graded(
  { id: "00.1", points: 1, feedback: "Throw a RangeError for a negative or fractional parameterCount and for bytesPerParameter <= 0, and put the bad value in the message." },
  "rejects impossible sizes with a message naming the bad value",
  () => {
    validCall("modelSizeKB(0, 4)", () => modelSizeKB(0, 4));
    validCall("modelSizeKB(10, 0.5) (4-bit weights)", () => modelSizeKB(10, 0.5));
    const negative = errorFrom(() => modelSizeKB(-3, 4));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toContain("-3");
    expect(errorFrom(() => modelSizeKB(10.5, 4)).message).toContain("10.5");
    const zeroBytes = errorFrom(() => modelSizeKB(100, 0));
    expect(zeroBytes).toBeInstanceOf(RangeError);
    expect(zeroBytes.message).toMatch(/(?<![\d.])0(?![\d.])/); // 0 as a number of its own, not the 0 in "100" or "0.5"
    expect(errorFrom(() => modelSizeKB(100, -1)).message).toContain("-1");
    expect(errorFrom(() => modelSizeKB(100, -0.25)).message).toContain("-0.25");
  },
);

// ---- 00.2 accuracy ----

graded(
  { id: "00.2", points: 2, feedback: "Count the positions where predicted[i] === labels[i] and divide by the number of positions (a fraction in [0, 1], not a percentage)." },
  "computes the fraction of correct predictions",
  () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(accuracy([7], [7])).toBe(1);
    expect(accuracy([0, 0, 0], [1, 2, 3])).toBe(0);
    expect(accuracy([5, 5, 5], [5, 1, 5])).toBeCloseTo(2 / 3, 12);
  },
);

graded(
  { id: "00.2", points: 1, feedback: "Typed arrays (Int32Array, Float32Array) must work too: loop with an index and .length rather than relying on Array-only methods." },
  "works on typed arrays such as the ones tf.js returns",
  () => {
    const predicted = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const labels = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 7]);
    expect(accuracy(predicted, labels)).toBe(7 / 8);
    expect(accuracy(Float32Array.from([1, 2]), [1, 3])).toBe(0.5);
  },
);

graded(
  { id: "00.2", points: 2, feedback: "Throw an Error for empty arrays (accuracy of nothing is undefined, not NaN) and when the lengths differ; the message must name both lengths." },
  "rejects empty and mismatched inputs",
  () => {
    validCall("accuracy([7], [7])", () => accuracy([7], [7]));
    errorFrom(() => accuracy([], []));
    const mismatch = errorFrom(() => accuracy([1, 2, 3, 4, 5], [1, 2, 3]));
    expect(mismatch.message).toMatch(/\b5\b/);
    expect(mismatch.message).toMatch(/\b3\b/);
    const other = errorFrom(() => accuracy([1, 2], [1, 2, 3, 4, 5, 6, 7]));
    expect(other.message).toMatch(/\b2\b/);
    expect(other.message).toMatch(/\b7\b/);
  },
);

// ---- 00.3 decodePrediction ----

const ANIMALS = ["cat", "dog", "bird", "fish"];

graded(
  { id: "00.3", points: 2, feedback: "Return { classIndex, className, confidence } for the largest score: classIndex is its position, className is classNames[classIndex], confidence is the score itself." },
  "returns the winning class, its name and its score",
  () => {
    expect(decodePrediction([0.01, 0.02, 0.9, 0.07], ANIMALS)).toEqual({ classIndex: 2, className: "bird", confidence: 0.9 });
    expect(decodePrediction([0.6, 0.1, 0.1, 0.2], ANIMALS)).toEqual({ classIndex: 0, className: "cat", confidence: 0.6 });
    expect(decodePrediction(Float32Array.from([0, 0, 0, 1]), ANIMALS)).toEqual({ classIndex: 3, className: "fish", confidence: 1 });
  },
);

graded(
  { id: "00.3", points: 1, feedback: "Scores can all be negative (logits), so start from the first score, not from 0; on a tie keep the first (lowest) index." },
  "handles negative scores and ties",
  () => {
    expect(decodePrediction([-3.2, -0.5, -1.0, -7], ANIMALS)).toEqual({ classIndex: 1, className: "dog", confidence: -0.5 });
    expect(decodePrediction([-2, -2, -2, -2], ANIMALS).classIndex).toBe(0);
    expect(decodePrediction([0.1, 0.4, 0.4, 0.1], ANIMALS).classIndex).toBe(1);
  },
);

graded(
  { id: "00.3", points: 1, feedback: "Throw an Error when scores is empty, and when scores and classNames differ in length (name both lengths)." },
  "rejects empty scores and a wrong number of class names",
  () => {
    validCall('decodePrediction([0.3], ["only"])', () => decodePrediction([0.3], ["only"]));
    errorFrom(() => decodePrediction([], []));
    const mismatch = errorFrom(() => decodePrediction([0.5, 0.5], ANIMALS));
    expect(mismatch.message).toMatch(/\b2\b/);
    expect(mismatch.message).toMatch(/\b4\b/);
  },
);
