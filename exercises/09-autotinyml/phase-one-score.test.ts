// Graded tests for lesson 09's SVM-CBO phase-1 score (exercises/09-autotinyml/phase-one-score.ts). Run them
// with `npm run grade -- --only 09.4`; each failing test prints its feedback as a hint.
// Every expected score is worked out by hand in the comments: the squared distances to the tried points,
// divided by 2s², through exp, summed, weighted, plus |h|. The ranking test lists the candidates' scores by
// hand too. The "rejects ..." test also makes valid calls (validCall): a function that throws on every input
// earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { phaseOneScore, type PhaseOneOptions } from "@exercise/09-autotinyml/phase-one-score";

const e = Math.exp;

function expectScore(point: number[], tried: number[][], h: number, options: PhaseOneOptions, expected: number, tol = 1e-12): void {
  const call = `phaseOneScore(${JSON.stringify(point)}, ${JSON.stringify(tried)}, ${h}, { width: ${options.width}, weight: ${options.weight} })`;
  const got = phaseOneScore(point, tried, h, options) as unknown;
  const close = typeof got === "number" && Math.abs(got - expected) <= tol * (1 + Math.abs(expected));
  expect({ call, score: close ? expected : got }).toEqual({ call, score: expected });
}

const X = [0.5, 0.5];

graded(
  { id: "09.4", points: 2, feedback: "score = |h| + w·Σᵢ exp(−‖x − xᵢ‖² / (2s²)): ‖·‖² is the SQUARED Euclidean distance (do not take its root), divided by 2s² (s = width, squared, times 2), one term per tried point, the sum multiplied by the weight. x = [0.5, 0.5], h 0.3, s 0.1, w 1: tried [[0.6, 0.5]] → 0.3 + e^−0.5 ≈ 0.906531; tried [[0.5, 0.5], [0.6, 0.5], [0.5, 0.7]], h −0.2, w 0.5 → 0.2 + 0.5·(1 + e^−0.5 + e^−2) ≈ 1.070933." },
  "hand-worked scores: one and several tried points, widths and weights",
  () => {
    const base: PhaseOneOptions = { width: 0.1, weight: 1 };
    expectScore(X, [[0.5, 0.5]], 0.3, base, 1.3); // ‖·‖² = 0 → 1
    expectScore(X, [[0.6, 0.5]], 0.3, base, 0.3 + e(-0.5)); // 0.01 / 0.02 = 0.5
    expectScore(X, [[0.5, 0.5], [0.6, 0.5], [0.5, 0.7]], -0.2, { width: 0.1, weight: 0.5 }, 0.2 + 0.5 * (1 + e(-0.5) + e(-2))); // 0, 0.01, 0.04
    // s = 0.2: 2s² = 0.08; ‖[0.5, 0.5] − [0.7, 0.5]‖² = 0.04 → e^−0.5; ‖· − [0.3, 0.3]‖² = 0.08 → e^−1
    expectScore(X, [[0.7, 0.5], [0.3, 0.3]], 0.1, { width: 0.2, weight: 2 }, 0.1 + 2 * (e(-0.5) + e(-1)));
    // 3-D, s = 0.5 (2s² = 0.5): ‖[0, 0, 0] − [0.5, 0.5, 0]‖² = 0.5 → e^−1; ‖· − [0, 0, 1]‖² = 1 → e^−2; h = 0
    expectScore([0, 0, 0], [[0.5, 0.5, 0], [0, 0, 1]], 0, { width: 0.5, weight: 3 }, 3 * (e(-1) + e(-2)));
    // a tried point counted twice counts twice
    expectScore(X, [[0.6, 0.5], [0.6, 0.5]], 0.3, base, 0.3 + 2 * e(-0.5));
  },
);

graded(
  { id: "09.4", points: 1, feedback: "Only |h| counts: a point just inside the boundary (h = +0.3) and one just outside (h = −0.3) are equally informative, so take Math.abs of the decision value. With no tried points the coverage is 0 and the score is |h|; with weight 0 it is |h| whatever was tried." },
  "the sign of h does not matter; no tried points or weight 0 leave |h|",
  () => {
    for (const h of [0.3, -0.3, 1.7, -1.7, 0]) {
      expectScore(X, [[0.6, 0.5]], h, { width: 0.1, weight: 1 }, Math.abs(h) + e(-0.5));
      expectScore(X, [], h, { width: 0.1, weight: 1 }, Math.abs(h));
      expectScore(X, [[0.5, 0.5], [0.55, 0.45]], h, { width: 0.1, weight: 0 }, Math.abs(h));
    }
  },
);

graded(
  { id: "09.4", points: 1, feedback: "Far from every tried point each bump exp(−‖x − xᵢ‖²/(2s²)) is ≈ 0, so the score is ≈ |h|: check that the distance is divided by 2s² (not multiplied) and that the exponent is negative." },
  "far from every tried point the score is ≈ |h|",
  () => {
    // ‖[0.95, 0.95] − [0.05, 0.1]‖² = 0.81 + 0.7225; 2s² = 0.005 → e^−306.5 ≈ 0
    const tried = [[0.05, 0.1], [0.1, 0.05], [0.2, 0.2]];
    expectScore([0.95, 0.95], tried, 0.42, { width: 0.05, weight: 1 }, 0.42);
    expectScore([0.95, 0.95], tried, -0.42, { width: 0.05, weight: 10 }, 0.42);
    // s = 0.1, nearest tried point at distance 0.5: ‖·‖² = 0.25, /0.02 = 12.5 → e^−12.5 ≈ 3.7e-6 per point, w 1
    expectScore([1, 0.5], [[0.5, 0.5], [1, 0]], 0.25, { width: 0.1, weight: 1 }, 0.25 + 2 * e(-12.5));
  },
);

graded(
  { id: "09.4", points: 1, feedback: "Minimising the score must prefer a candidate ON the SVM's boundary (h ≈ 0) and FAR from the tried points; a boundary point next to a tried one is penalised by its coverage, and a point far from everything but deep inside a region by its |h|. Check both terms and that the coverage uses the tried points, not the candidates." },
  "ranking candidates: on the boundary and far from tried points wins",
  () => {
    // h(x) = x₀ + x₁ − 1 (boundary: the diagonal); tried [0.2, 0.8] and [0.8, 0.2], s = 0.1, w = 1.
    const tried = [[0.2, 0.8], [0.8, 0.2]];
    const h = (x: number[]) => x[0] + x[1] - 1;
    const options: PhaseOneOptions = { width: 0.1, weight: 1 };
    const candidates: [string, number[]][] = [
      // on the boundary, ‖·‖² = 0.18 to both tried points: 0 + 2e^−9 ≈ 0.000247
      ["A [0.5, 0.5]", [0.5, 0.5]],
      // on the boundary next to [0.2, 0.8]: ‖·‖² = 0.005 → e^−0.25 ≈ 0.7788 (+ e^−30.25 from [0.8, 0.2], 0.605 away)
      ["B [0.25, 0.75]", [0.25, 0.75]],
      // far from both (‖·‖² = 0.5 → e^−25) but |h| = 0.8
      ["C [0.9, 0.9]", [0.9, 0.9]],
      // |h| = 0.3, ‖·‖² to [0.8, 0.2] = 0.01 + 0.04 = 0.05 → e^−2.5 ≈ 0.0821, to [0.2, 0.8] = 0.49 + 0.16 → e^−32.5
      ["D [0.9, 0.4]", [0.9, 0.4]],
    ];
    const scores = candidates.map(([, x]) => phaseOneScore(x, tried, h(x), options));
    // ≈ [0.000247, 0.7788, 0.8, 0.3821]: A, D, B, C
    const expected = [2 * e(-9), e(-0.25) + e(-30.25), 0.8 + 2 * e(-25), 0.3 + e(-2.5) + e(-32.5)];
    const order = (v: number[]) => v.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => candidates[i][0]);
    const call = "phaseOneScore(candidate, tried [[0.2, 0.8], [0.8, 0.2]], h = x₀ + x₁ − 1, { width 0.1, weight 1 }), lowest first";
    expect({ call, ranking: order(scores.map(Number)) }).toEqual({ call, ranking: order(expected) });
    candidates.forEach(([, x], i) => expectScore(x, tried, h(x), options, expected[i]));
    // without the coverage term (weight 0) A and B tie at 0: only |h| is left
    const noCoverage = candidates.map(([, x]) => phaseOneScore(x, tried, h(x), { width: 0.1, weight: 0 }));
    const call0 = "the same with weight 0: A and B both score |h| = 0";
    expect({ call: call0, A: noCoverage[0] === 0 ? 0 : noCoverage[0], B: noCoverage[1] === 0 ? 0 : noCoverage[1] }).toEqual({ call: call0, A: 0, B: 0 });
  },
);

graded(
  { id: "09.4", points: 1, feedback: "Throw a RangeError naming the value when width is not a positive finite number (0, −0.1, NaN), weight is negative or not finite, a tried point has a different number of coordinates than the point (name both lengths), or decisionValue is not finite. Weight 0, no tried points and negative decision values are valid." },
  "rejects bad widths and weights, dimension mismatches and non-finite h, naming the value",
  () => {
    validCall("phaseOneScore([0.5, 0.5], [[0.6, 0.5]], -0.3, { width: 0.1, weight: 0 })", () => phaseOneScore(X, [[0.6, 0.5]], -0.3, { width: 0.1, weight: 0 }));
    validCall("phaseOneScore([0.5, 0.5], [], 0, { width: 1e-3, weight: 1 })", () => phaseOneScore(X, [], 0, { width: 1e-3, weight: 1 }));
    const tried = [[0.6, 0.5]];
    const cases: [string, () => unknown, RegExp[]][] = [
      ["phaseOneScore(x, tried, 0.3, { width: 0, weight: 1 })", () => phaseOneScore(X, tried, 0.3, { width: 0, weight: 1 }), [/width/i, /0/]],
      ["phaseOneScore(x, tried, 0.3, { width: -0.1, weight: 1 })", () => phaseOneScore(X, tried, 0.3, { width: -0.1, weight: 1 }), [/-0\.1/]],
      ["phaseOneScore(x, tried, 0.3, { width: NaN, weight: 1 })", () => phaseOneScore(X, tried, 0.3, { width: Number.NaN, weight: 1 }), [/NaN/]],
      ["phaseOneScore(x, tried, 0.3, { width: 0.1, weight: -1 })", () => phaseOneScore(X, tried, 0.3, { width: 0.1, weight: -1 }), [/weight/i, /-1/]],
      ["phaseOneScore(x, tried, 0.3, { width: 0.1, weight: Infinity })", () => phaseOneScore(X, tried, 0.3, { width: 0.1, weight: Infinity }), [/Infinity/]],
      ["phaseOneScore([0.5, 0.5], [[0.6, 0.5, 0.1]], ...)", () => phaseOneScore(X, [[0.6, 0.5, 0.1]], 0.3, { width: 0.1, weight: 1 }), [/3/, /2/]],
      ["phaseOneScore([0.5, 0.5], [[0.6, 0.5], [0.1]], ...)", () => phaseOneScore(X, [[0.6, 0.5], [0.1]], 0.3, { width: 0.1, weight: 1 }), [/1/, /2/]],
      ["phaseOneScore(x, tried, NaN, ...)", () => phaseOneScore(X, tried, Number.NaN, { width: 0.1, weight: 1 }), [/NaN/]],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
  },
);
