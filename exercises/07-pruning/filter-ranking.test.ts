// Graded tests for lesson 07's filter ranking (exercises/07-pruning/filter-ranking.ts). Run them with
// `npm run grade -- --only 07.3`; each failing test prints its feedback as a hint.
// The references share no code with the course's: PyTorch's per-filter L1 norms and the filters
// torch.nn.utils.prune.ln_structured(dim=0, n=1) keeps (course-lib/compress/prune/fixtures/
// structured-reference.json, written by make-structured-fixture.py there; kernels converted to tfjs's
// [kh, kw, cin, cout] layout), float64 loops over the four kernel indices in this file, and hand-worked
// cases for the count, the ties and the errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { readStructuredReference } from "../../course-lib/compress/prune/structured-test-helpers";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { l1FilterRanking } from "@exercise/07-pruning/filter-ranking";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const fixture = readStructuredReference();
/** The fixture's kernels as 4-D tfjs kernels (a dense [in, out] weight is a 1×1 conv [1, 1, in, out]). */
const torchCases = fixture.filters.map((f) => ({ ...f, shape4: (f.shape.length === 4 ? f.shape : [1, 1, ...f.shape]) as [number, number, number, number] }));

function rank(values: number[], shape: [number, number, number, number], ratio: number): { scores: number[]; keep: number[] } {
  const call = `l1FilterRanking(kernel [${shape}], ${ratio})`;
  const kernel = tf.tensor4d(values, shape);
  try {
    const result = l1FilterRanking(kernel, ratio);
    if (!result || typeof result !== "object") throw new Error(`${call} must return { scores, keep }, got ${String(result)}`);
    for (const key of ["scores", "keep"] as const) {
      const v = (result as Record<string, unknown>)[key];
      if (!v || typeof (v as ArrayLike<number>).length !== "number") throw new Error(`${call} must return ${key} as an array of numbers, got ${String(v)}`);
    }
    return { scores: Array.from(result.scores, Number), keep: Array.from(result.keep, Number) };
  } finally {
    kernel.dispose();
  }
}

/** Σ |w| per output filter by explicit loops over [kh, kw, cin, cout]. */
function l1Loops(values: number[], [kh, kw, cin, cout]: number[]): number[] {
  const out = new Array(cout).fill(0);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) out[o] += Math.abs(values[((i * kw + j) * cin + c) * cout + o]);
  return out;
}

function expectScores(what: string, mine: number[], expected: number[]): void {
  const close = mine.length === expected.length && mine.every((v, i) => Math.abs(v - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])));
  if (!close) expect({ case: what, scores: mine.map((v) => Number(v.toPrecision(6))) }).toEqual({ case: what, scores: expected.map((v) => Number(v.toPrecision(6))) });
}

function expectKeep(what: string, mine: number[], expected: number[]): void {
  expect({ case: what, keep: mine }).toEqual({ case: what, keep: expected });
}

// kernel[0][0] = [[1, -2, 0, 0.5], [1, 1, 0, -0.5]]: scores [2, 3, 0, 1]
const EXAMPLE = [1, -2, 0, 0.5, 1, 1, 0, -0.5];
const EXAMPLE_SHAPE: [number, number, number, number] = [1, 1, 2, 4];

graded(
  { id: "07.3", points: 2, feedback: "scores[o] is the L1 norm of output filter o: Σ |kernel[i, j, c, o]| over the first three axes. In tfjs's [kh, kw, cin, cout] layout the filters are the LAST axis (element k of dataSync() belongs to filter k % cout), not the first as in PyTorch; use absolute values, not squares, and return cout numbers." },
  "scores: the L1 norm of each output filter, as PyTorch computes it on the same kernels",
  () => {
    expectScores("the worked example", rank(EXAMPLE, EXAMPLE_SHAPE, 0).scores, [2, 3, 0, 1]);
    for (const c of torchCases) expectScores(`PyTorch, ${c.name}`, rank(c.kernel, c.shape4, 0).scores, c.l1);
    const next = mulberry32(1608);
    for (const shape of [[3, 3, 2, 5], [1, 2, 7, 3], [2, 1, 1, 6], [5, 5, 1, 1]] as [number, number, number, number][]) {
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(4 * next() - 2));
      expectScores(`random kernel [${shape}]`, rank(values, shape, 0).scores, l1Loops(values, shape));
    }
  },
);

graded(
  { id: "07.3", points: 2, feedback: "keep lists the filters with the HIGHEST L1 scores (the ones pruning keeps, not the ones it removes), sorted by filter index ascending, not by score. E.g. scores [2, 3, 0, 1] at ratio 0.5 keep [0, 1]." },
  "keep: the highest-scoring filters in ascending order, as torch's ln_structured keeps them",
  () => {
    expectKeep("the worked example, ratio 0.5", rank(EXAMPLE, EXAMPLE_SHAPE, 0.5).keep, [0, 1]);
    expectKeep("the worked example, ratio 0.25", rank(EXAMPLE, EXAMPLE_SHAPE, 0.25).keep, [0, 1, 3]);
    expectKeep("the worked example, ratio 0", rank(EXAMPLE, EXAMPLE_SHAPE, 0).keep, [0, 1, 2, 3]);
    for (const c of torchCases) {
      for (const p of c.pruned.filter((x) => x.n === 1)) expectKeep(`ln_structured(amount ${p.amount}, n=1), ${c.name}`, rank(c.kernel, c.shape4, p.amount).keep, p.kept);
    }
  },
);

graded(
  { id: "07.3", points: 1, feedback: "Keep max(1, Math.round(cout · (1 − ratio))) filters: round to the nearest count (halves up: 7.5 → 8), not floor, and never fewer than one: 4 filters at ratio 0.9 keep 1 (round(0.4) = 0 would leave the layer empty)." },
  "keeps max(1, round(C·(1 − ratio))) filters: rounding and the at-least-one rule",
  () => {
    const ramp = (cout: number) => Array.from({ length: cout }, (_, o) => (o % 2 === 0 ? 1 : -1) * (o + 1)); // scores 1..cout, highest last
    const cases: [number, number, number[]][] = [
      [10, 0.25, [2, 3, 4, 5, 6, 7, 8, 9]], // 7.5 → 8
      [8, 0.3, [2, 3, 4, 5, 6, 7]], // 5.6 → 6
      [6, 0.5, [3, 4, 5]],
      [4, 0.9, [3]], // 0.4 → 0 → at least 1
      [3, 0.99, [2]],
      [1, 0.5, [0]],
    ];
    for (const [cout, ratio, keep] of cases) expectKeep(`${cout} filters with scores 1..${cout}, ratio ${ratio}`, rank(ramp(cout), [1, 1, 1, cout], ratio).keep, keep);
  },
);

graded(
  { id: "07.3", points: 1, feedback: "Of filters with equal scores, keep the one with the LOWER index: sort by score descending and break ties by index ascending (e.g. sort((a, b) => score[b] − score[a] || a − b)), then take the first ones and sort them by index." },
  "ties: the filter with the lower index is kept",
  () => {
    // scores [1, 2, 2, 2, 0]: keep 2 → [1, 2]; keep 1 → [1]; keep 4 → [0, 1, 2, 3]
    const tied = [1, -2, 2, 2, 0];
    expectKeep("scores [1, 2, 2, 2, 0], ratio 0.6", rank(tied, [1, 1, 1, 5], 0.6).keep, [1, 2]);
    expectKeep("scores [1, 2, 2, 2, 0], ratio 0.8", rank(tied, [1, 1, 1, 5], 0.8).keep, [1]);
    expectKeep("scores [1, 2, 2, 2, 0], ratio 0.2", rank(tied, [1, 1, 1, 5], 0.2).keep, [0, 1, 2, 3]);
    // all equal: the first ones stay
    expectKeep("six equal scores, ratio 0.5", rank([3, 3, -3, 3, 3, -3], [1, 1, 1, 6], 0.5).keep, [0, 1, 2]);
  },
);

graded(
  { id: "07.3", points: 1, feedback: "Throw a RangeError naming the ratio when it is not a number in [0, 1): 1 would remove every filter, and negative, > 1 or NaN ratios mean nothing. 0 (keep all) and 0.99 (keep one) are valid." },
  "rejects a ratio outside [0, 1), naming it",
  () => {
    const kernel = tf.tensor4d(EXAMPLE, EXAMPLE_SHAPE);
    try {
      validCall("l1FilterRanking(kernel, 0)", () => l1FilterRanking(kernel, 0));
      validCall("l1FilterRanking(kernel, 0.99)", () => l1FilterRanking(kernel, 0.99));
      for (const [ratio, named] of [[1, /\b1\b/], [1.5, /1\.5/], [-0.1, /-0\.1/], [Number.NaN, /NaN/]] as const) {
        const error = errorFrom(() => l1FilterRanking(kernel, ratio));
        expect(error, `l1FilterRanking(kernel, ${ratio})`).toBeInstanceOf(RangeError);
        expect(error.message, `l1FilterRanking(kernel, ${ratio})`).toMatch(named);
      }
    } finally {
      kernel.dispose();
    }
  },
);
