// The SMO C-SVC against a reference we did not write: scikit-learn's SVC (libsvm) decision values, support
// vectors, dual coefficients, intercept and gamma "scale" (fixtures/svc-reference.json, made by
// fixtures/make-svc-fixture.py, regenerated and compared below); the dual's constraints and separable data
// on seeded points; the one-class rule and every error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonMismatches, pythonCannotImport, regenerateFixture } from "../tools/python-fixture";
import { mulberry32 } from "../data/random";
import { SupportVectorClassifier } from "./svm";

interface SvcCase {
  name: string;
  X: number[][];
  labels: boolean[];
  C: number;
  gammaOption: number | "scale";
  gamma: number;
  test: number[][];
  decisionTest: number[];
  decisionTrain: number[];
  support: number[];
  dualCoef: number[];
  intercept: number;
}
interface SvcFixture { generator: string; cases: SvcCase[] }

const SCRIPT_PATH = join(__dirname, "fixtures", "make-svc-fixture.py");
const FIXTURE_PATH = join(__dirname, "fixtures", "svc-reference.json");
const readFixture = (path = FIXTURE_PATH): SvcFixture => JSON.parse(readFileSync(path, "utf8")) as SvcFixture;
const fixture = readFixture();

/** Within 1e-6 absolutely, or relatively for |b| > 1. */
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const fitCase = (c: SvcCase) => SupportVectorClassifier.fit(c.X, c.labels, { C: c.C, gamma: c.gammaOption });
/** Indices into X of the model's support vectors (the random points are distinct). */
const supportIndices = (model: SupportVectorClassifier, X: number[][]) =>
  model.supportVectors.map((sv) => X.findIndex((row) => row.every((v, k) => v === sv[k])));

describe("SupportVectorClassifier against scikit-learn's SVC", () => {
  it("has the fixture's five cases, with free and bounded support vectors between them", () => {
    expect(fixture.generator).toMatch(/make-svc-fixture\.py \(scikit-learn \d/);
    expect(fixture.cases).toHaveLength(5);
    const all = fixture.cases.flatMap((c) => c.dualCoef.map((a) => Math.abs(a) / c.C));
    expect(all.some((a) => a > 1 - 1e-12)).toBe(true);
    expect(all.some((a) => a < 1 - 1e-6)).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: decision values to 1e-6, same support vectors, dual coefficients and intercept`, () => {
      const model = fitCase(c);
      expect(model.oneClass).toBeNull();
      const bad: string[] = [];
      model.decisionValues(c.test).forEach((h, i) => {
        if (!close(h, c.decisionTest[i])) bad.push(`test ${i}: ${h} vs sklearn ${c.decisionTest[i]}`);
      });
      model.decisionValues(c.X).forEach((h, i) => {
        if (!close(h, c.decisionTrain[i])) bad.push(`train ${i}: ${h} vs sklearn ${c.decisionTrain[i]}`);
      });
      expect(bad).toEqual([]);

      const mine = supportIndices(model, c.X);
      expect([...mine].sort((a, b) => a - b)).toEqual([...c.support].sort((a, b) => a - b));
      const reference = new Map(c.support.map((s, k) => [s, c.dualCoef[k]]));
      mine.forEach((s, k) => expect(close(model.dualCoefficients[k], reference.get(s)!), `α·y of X[${s}]`).toBe(true));
      expect(close(model.intercept, c.intercept), `b ${model.intercept} vs ${c.intercept}`).toBe(true);
      c.test.forEach((x, i) => expect(model.predict(x)).toBe(c.decisionTest[i] > 0));
    });
  }

  it('gamma "scale" is sklearn\'s 1/(d·var(X)); an explicit gamma is kept', () => {
    for (const c of fixture.cases) {
      const model = fitCase(c);
      if (c.gammaOption === "scale") expect(Math.abs(model.gamma - c.gamma)).toBeLessThanOrEqual(1e-12 * c.gamma);
      else expect(model.gamma).toBe(c.gammaOption);
      expect(model.C).toBe(c.C);
    }
    expect(fixture.cases.filter((c) => c.gammaOption === "scale")).toHaveLength(3);
  });
});

describe("SupportVectorClassifier on seeded data", () => {
  const random = mulberry32(20240517);
  const points = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => random()));

  it("separates two separable clusters, training and fresh points alike, with a feasible dual", () => {
    const side = (p: number[]) => p[0] + 0.5 * p[1] > 0.75;
    const X = points(120, 2).filter((p) => Math.abs(p[0] + 0.5 * p[1] - 0.75) > 0.08);
    const labels = X.map(side);
    const C = 10;
    const model = SupportVectorClassifier.fit(X, labels, { C, gamma: 2 });
    X.forEach((p, i) => expect(model.predict(p), `X[${i}]`).toBe(labels[i]));
    const fresh = points(200, 2).filter((p) => Math.abs(p[0] + 0.5 * p[1] - 0.75) > 0.15);
    fresh.forEach((p) => expect(model.predict(p)).toBe(side(p)));
    // Σ α_k y_k = 0 and 0 < α_k ≤ C; the decision of each support vector is on or inside its margin.
    expect(Math.abs(model.dualCoefficients.reduce((s, a) => s + a, 0))).toBeLessThan(1e-9);
    for (const a of model.dualCoefficients) {
      expect(Math.abs(a)).toBeGreaterThan(0);
      expect(Math.abs(a)).toBeLessThanOrEqual(C);
    }
    model.supportVectors.forEach((sv, k) => expect(Math.sign(model.dualCoefficients[k]) * model.decision(sv)).toBeLessThan(1 + 1e-6));
    expect(model.iterations).toBeGreaterThan(0);
    expect(model.decisionValues(fresh)).toEqual(fresh.map((p) => model.decision(p)));
  });

  it("one class only: no support vectors, decision the constant +1 (all true) or −1 (all false)", () => {
    const X = points(7, 3);
    for (const value of [true, false]) {
      const model = SupportVectorClassifier.fit(X, X.map(() => value));
      expect(model.oneClass).toBe(value);
      expect(model.supportVectors).toEqual([]);
      expect(model.dualCoefficients).toEqual([]);
      expect(model.iterations).toBe(0);
      for (const p of [...X, ...points(5, 3)]) {
        expect(model.decision(p)).toBe(value ? 1 : -1);
        expect(model.predict(p)).toBe(value);
      }
    }
    // A single point in 1-D: var(X) = 0, which is no error here (no kernel is evaluated).
    const single = SupportVectorClassifier.fit([[0.5]], [true]);
    expect(single.decision([3])).toBe(1);
    expect(single.gamma).toBeNaN();
    expect(SupportVectorClassifier.fit([[0, 1], [1, 0]], [true, false]).oneClass).toBeNull();
  });

  it("rejects bad input with a RangeError naming the value and what was expected", () => {
    const X = [[0, 0], [1, 1], [0, 1]];
    const y = [true, false, true];
    const fit = (x: number[][], l: boolean[], o = {}) => () => SupportVectorClassifier.fit(x, l, o);
    expect(fit([], [])).toThrow(RangeError);
    expect(fit([], [])).toThrow(/X is empty; expected at least one row/);
    expect(fit([[], []], [true, false])).toThrow(/rows of X have no coordinates/);
    expect(fit([[0, 0], [1, 1, 1]], [true, false])).toThrow(/row 1 of X has 3 coordinates; expected 2/);
    expect(fit(X, [true, false])).toThrow(/labels has length 2; expected 3/);
    expect(fit([[0, 0], [1, Number.NaN]], [true, false])).toThrow(/X\[1\]\[1\] is NaN; expected a finite number/);
    expect(fit([[Infinity, 0], [1, 1]], [true, false])).toThrow(/X\[0\]\[0\] is Infinity/);
    for (const C of [0, -1, Number.NaN, Infinity]) expect(fit(X, y, { C })).toThrow(new RegExp(`C is ${C}; expected a finite number > 0`));
    for (const gamma of [0, -2, Number.NaN, Infinity]) expect(fit(X, y, { gamma })).toThrow(new RegExp(`gamma is ${gamma}; expected a finite number > 0 or "scale"`));
    expect(fit(X, y, { gamma: "auto" })).toThrow(/gamma is "auto"; expected/);
    expect(fit([[0.3, 0.3], [0.3, 0.3]], [true, false])).toThrow(/gamma "scale" needs var\(X\) > 0, but all 2 points are equal/);
    expect(SupportVectorClassifier.fit([[0.3, 0.3], [0.3, 0.3]], [true, false], { gamma: 1 }).supportVectors).toHaveLength(2);
    expect(fit(X, y, { tolerance: 0 })).toThrow(/tolerance is 0; expected a finite number > 0/);
    expect(fit(X, y, { maxIterations: 1.5 })).toThrow(/maxIterations is 1.5; expected a positive integer/);
    expect(() => SupportVectorClassifier.fit(X, y).decision([1])).toThrow(/x has 1 coordinates; expected 2/);
  });

  it("stops at maxIterations with the current solution", () => {
    const c = fixture.cases[1];
    const model = SupportVectorClassifier.fit(c.X, c.labels, { C: c.C, gamma: c.gammaOption, maxIterations: 5 });
    expect(model.iterations).toBe(5);
    expect(Number.isFinite(model.decision(c.test[0]))).toBe(true);
  });
});

describe("fixtures/svc-reference.json is what make-svc-fixture.py writes", () => {
  const missing = pythonCannotImport("sklearn", "python3-sklearn");

  it("regenerated numbers equal the committed JSON to 1e-12", (ctx) => {
    if (missing) ctx.skip(`skipped: ${missing}`);
    const regenerated = regenerateFixture(SCRIPT_PATH, "svc-reference.json", readFixture);
    expect(jsonMismatches(regenerated, fixture, { ignoreKeys: ["generator"] })).toEqual([]);
  }, 90_000);
});
