// Graded tests for lesson 07's magnitude mask (exercises/07-pruning/magnitude-mask.ts). Run them with
// `npm run grade -- --only 07.1`; each failing test prints its feedback as a hint.
// The references share no code with the course's: on arrays of distinct magnitudes, a threshold at the
// round(s·N)-th smallest |w| of a sorted copy; on arrays full of ties (int8-like values), a walk over the
// distinct |w| levels from the smallest, pruning each level's weights from the lowest index until the count
// is used up; and hand-worked masks for the examples, the rounding and the at-least-one rule.
import { expect } from "vitest";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { magnitudeMask } from "@exercise/07-pruning/magnitude-mask";

/** The learner's mask as plain numbers, with a clear error when it is not an array-like. */
function maskOf(call: string, values: ArrayLike<number>, sparsity: number): number[] {
  const result = magnitudeMask(values, sparsity) as unknown;
  if (!result || typeof (result as ArrayLike<number>).length !== "number") throw new Error(`${call} must return a Uint8Array, got ${String(result)}`);
  return Array.from(result as ArrayLike<number>, Number);
}

/** How many weights the exercise prunes: round(s·N), at most N − 1. */
const prunedCount = (n: number, sparsity: number) => Math.min(Math.round(sparsity * n), n - 1);

/** Compares masks, reporting the pruned count and the first wrong entry rather than a 1000-entry diff. */
function expectMask(call: string, values: ArrayLike<number>, mine: number[], expected: number[]): void {
  const pruned = (m: number[]) => m.filter((v) => v === 0).length;
  const wrong = mine.length === expected.length ? expected.findIndex((v, i) => mine[i] !== v) : -2;
  const where = wrong === -1 ? "none" : wrong === -2 ? `length ${mine.length}, expected ${expected.length}` : `index ${wrong} (w = ${values[wrong]}): got ${mine[wrong]}, expected ${expected[wrong]}`;
  expect({ call, pruned: pruned(mine), firstWrongEntry: where }).toEqual({ call, pruned: pruned(expected), firstWrongEntry: "none" });
}

/** Reference for distinct magnitudes: prune every |w| at or below the prunedCount-th smallest. */
function thresholdMask(values: ArrayLike<number>, sparsity: number): number[] {
  const magnitudes = Array.from(values, Math.abs);
  const k = prunedCount(magnitudes.length, sparsity);
  if (k === 0) return magnitudes.map(() => 1);
  const threshold = magnitudes.slice().sort((a, b) => a - b)[k - 1];
  return magnitudes.map((m) => (m <= threshold ? 0 : 1));
}

/** Reference for arrays with ties: level by level from the smallest |w|, lowest indices first. */
function levelWalkMask(values: ArrayLike<number>, sparsity: number): number[] {
  const magnitudes = Array.from(values, Math.abs);
  const mask = magnitudes.map(() => 1);
  let budget = prunedCount(magnitudes.length, sparsity);
  for (const level of [...new Set(magnitudes)].sort((a, b) => a - b)) {
    for (let i = 0; i < magnitudes.length && budget > 0; i++) {
      if (magnitudes[i] === level) {
        mask[i] = 0;
        budget--;
      }
    }
  }
  return mask;
}

const EXAMPLE = [3, -1, 1, 0, -3, 1, 2, -1, 0, 1];

graded(
  { id: "07.1", points: 1.5, feedback: "Prune exactly Math.round(sparsity · N) weights (halves go up: 10 weights at 0.25 prune 3, not floor's 2; 4 at 0.375 prune 2), and prune those of smallest MAGNITUDE: sort by Math.abs(w), so −3 is kept before 0.1. Count the pruned weights as round(s·N) itself, not N − round((1 − s)·N), which differs at the halves." },
  "prunes exactly round(s·N) weights, those of smallest |w|, on random arrays",
  () => {
    expectMask("magnitudeMask([4, -1, 2, 0.5], 0.375)", [4, -1, 2, 0.5], maskOf("magnitudeMask([4, -1, 2, 0.5], 0.375)", [4, -1, 2, 0.5], 0.375), [1, 0, 1, 0]);
    // 10 weights at 0.25: round(2.5) = 3 pruned; the three smallest |w| are 0.1, −0.2, 0.3
    const ten = [5, 0.1, -7, -0.2, 0.3, 8, -0.4, 6, 0.5, -9];
    expectMask("magnitudeMask(10 weights, 0.25)", ten, maskOf("magnitudeMask(10 weights, 0.25)", ten, 0.25), [1, 0, 1, 0, 0, 1, 1, 1, 1, 1]);
    const next = mulberry32(701);
    for (const n of [2, 3, 4, 5, 7, 10, 16, 17, 33, 64, 100, 255, 1000]) {
      for (const sparsity of [0, 0.05, 0.1, 0.125, 0.25, 0.3, 0.375, 0.5, 0.6, 0.75, 0.875, 0.9, 0.95]) {
        if (Math.round(sparsity * n) >= n) continue; // the at-least-one rule has its own test
        const scale = 10 ** Math.floor(4 * next() - 2);
        const raw = Array.from({ length: n }, () => scale * (2 * next() - 1));
        const values = n % 2 === 0 ? Float32Array.from(raw) : raw;
        if (new Set(Array.from(values, Math.abs)).size !== n) throw new Error("test data: magnitudes must be distinct");
        const call = `magnitudeMask(${n} random ${values instanceof Float32Array ? "float32" : "numbers"}, ${sparsity})`;
        expectMask(call, values, maskOf(call, values, sparsity), thresholdMask(values, sparsity));
      }
    }
  },
);

graded(
  { id: "07.1", points: 1.5, feedback: "Among equal |w|, prune the LOWER index first, and stop at exactly round(s·N): sort the indices by (|w|, index), e.g. sort((a, b) => |w[a]| − |w[b]| || a − b), and prune the first ones. Keeping every weight equal to the threshold (TF-MOT's ≥) prunes too few; pruning all of them (MIT lab 1's ≤) too many. [3, −1, 1, 0, −3, 1, 2, −1, 0, 1] at 0.5 → [1, 0, 0, 0, 1, 0, 1, 1, 0, 1]." },
  "ties: exact count on arrays full of equal |w|, the lower index pruned first",
  () => {
    expectMask("magnitudeMask([3, -1, 1, 0, -3, 1, 2, -1, 0, 1], 0.5)", EXAMPLE, maskOf("magnitudeMask(example, 0.5)", EXAMPLE, 0.5), [1, 0, 0, 0, 1, 0, 1, 1, 0, 1]);
    // 0.2 → 2 pruned: the two 0s; 0.3 → 3: the 0s and the |1| at index 1
    expectMask("magnitudeMask(example, 0.2)", EXAMPLE, maskOf("magnitudeMask(example, 0.2)", EXAMPLE, 0.2), [1, 1, 1, 0, 1, 1, 1, 1, 0, 1]);
    expectMask("magnitudeMask(example, 0.3)", EXAMPLE, maskOf("magnitudeMask(example, 0.3)", EXAMPLE, 0.3), [1, 0, 1, 0, 1, 1, 1, 1, 0, 1]);
    // six equal magnitudes, signs mixed: the first three go
    const equal = [2, -2, 2, 2, -2, 2];
    expectMask("magnitudeMask([2, -2, 2, 2, -2, 2], 0.5)", equal, maskOf("magnitudeMask([2, -2, 2, 2, -2, 2], 0.5)", equal, 0.5), [0, 0, 0, 1, 1, 1]);
    const next = mulberry32(702);
    for (const [n, levels] of [[20, 2], [50, 3], [128, 4], [300, 8], [999, 16]]) {
      // int8-like: small integers, so every |w| is shared by many weights
      const values = Int8Array.from({ length: n }, () => Math.round((2 * next() - 1) * levels));
      for (const sparsity of [0.1, 0.25, 0.33, 0.5, 0.7, 0.9]) {
        const call = `magnitudeMask(${n} int8 values in [−${levels}, ${levels}], ${sparsity})`;
        expectMask(call, values, maskOf(call, values, sparsity), levelWalkMask(values, sparsity));
      }
    }
  },
);

graded(
  { id: "07.1", points: 1, feedback: "Sparsity 0 prunes nothing (all ones). At least one weight always survives: prune min(round(s·N), N − 1), so 10 weights at 0.99 (round(9.9) = 10) keep exactly one, the weight of largest |w|, and a single weight is never pruned." },
  "sparsity 0 keeps every weight; a high sparsity still keeps one, the largest |w|",
  () => {
    const ten = [0.5, 1, -2, 3, -9, 4, 0.25, -5, 6, 7];
    const onlyLargest = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]; // |−9| at index 4
    for (const sparsity of [0.99, 0.96, 0.95]) expectMask(`magnitudeMask(10 weights, ${sparsity})`, ten, maskOf(`magnitudeMask(10 weights, ${sparsity})`, ten, sparsity), onlyLargest);
    expectMask("magnitudeMask([0.5, -2, 1], 0.9)", [0.5, -2, 1], maskOf("magnitudeMask([0.5, -2, 1], 0.9)", [0.5, -2, 1], 0.9), [0, 1, 0]);
    for (const sparsity of [0.4, 0.5, 0.9]) expectMask(`magnitudeMask([-0.3], ${sparsity})`, [-0.3], maskOf(`magnitudeMask([-0.3], ${sparsity})`, [-0.3], sparsity), [1]);
    for (const values of [ten, EXAMPLE, [0, 0, 0], Int8Array.from([-128, 0, 127, 1])]) {
      const call = `magnitudeMask([${Array.from(values)}], 0)`;
      expectMask(call, values, maskOf(call, values, 0), Array.from(values, () => 1));
    }
  },
);

graded(
  { id: "07.1", points: 1, feedback: "Return a NEW Uint8Array (new Uint8Array(values.length)) with one 0 or 1 per weight, and leave the input alone: sort a list of indices (or a copy), never `values` itself." },
  "returns a Uint8Array of 0s and 1s of the input's length and leaves the input unchanged",
  () => {
    const inputs: [string, number[] | Float32Array | Int8Array][] = [
      ["number[]", [0.4, -3, 2, -0.1, 5, 0, 1]],
      ["Float32Array", Float32Array.from([0.25, -1.5, 3, -0.75, 2, 0.5])],
      ["Int8Array", Int8Array.from([-7, 3, 0, 1, -1, 5, 2, -2])],
    ];
    for (const [kind, values] of inputs) {
      const before = Array.from(values);
      const call = `magnitudeMask(${kind} [${before}], 0.5)`;
      const result = magnitudeMask(values, 0.5) as unknown;
      expect({ call, isUint8Array: result instanceof Uint8Array }).toEqual({ call, isUint8Array: true });
      const mask = Array.from(result as Uint8Array);
      expect({ call, length: mask.length, onlyZerosAndOnes: mask.every((v) => v === 0 || v === 1), inputAfterTheCall: Array.from(values) }).toEqual({ call, length: before.length, onlyZerosAndOnes: true, inputAfterTheCall: before });
    }
  },
);

graded(
  { id: "07.1", points: 1, feedback: "Throw a RangeError naming the sparsity when it is not a number in [0, 1): 1 would prune every weight; −0.1, 1.5, NaN and the string \"0.5\" mean nothing (check typeof first: \"0.5\" compares like a number). Throw a RangeError for an empty `values` too. 0 and 0.99 are valid." },
  "rejects a sparsity outside [0, 1), a non-number and empty values",
  () => {
    validCall("magnitudeMask([1, 2, 3], 0)", () => magnitudeMask([1, 2, 3], 0));
    validCall("magnitudeMask([1, 2, 3], 0.99)", () => magnitudeMask([1, 2, 3], 0.99));
    validCall("magnitudeMask([5], 0.5)", () => magnitudeMask([5], 0.5));
    const cases: [string, () => unknown, RegExp | null][] = [
      ["magnitudeMask([1, 2, 3], 1)", () => magnitudeMask([1, 2, 3], 1), /\b1\b/],
      ["magnitudeMask([1, 2, 3], 1.5)", () => magnitudeMask([1, 2, 3], 1.5), /1\.5/],
      ["magnitudeMask([1, 2, 3], -0.1)", () => magnitudeMask([1, 2, 3], -0.1), /-0\.1/],
      ["magnitudeMask([1, 2, 3], NaN)", () => magnitudeMask([1, 2, 3], Number.NaN), /NaN/],
      ["magnitudeMask([1, 2, 3], \"0.5\")", () => magnitudeMask([1, 2, 3], "0.5" as unknown as number), /0\.5/],
      ["magnitudeMask([], 0.5)", () => magnitudeMask([], 0.5), null],
      ["magnitudeMask(new Float32Array(0), 0)", () => magnitudeMask(new Float32Array(0), 0), null],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      if (named) expect(error.message, call).toMatch(named);
    }
  },
);
