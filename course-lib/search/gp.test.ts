// Gaussian-process regression against references we did not write: scikit-learn's GaussianProcessRegressor
// (fixtures/gp-reference.json, made by fixtures/make-gp-fixture.py, regenerated and compared below) for the
// kernel matrices, the posterior, the log marginal likelihood and its gradient, the normalize_y path and the
// ML-II optimum; central finite differences for the gradient; hand-made matrices for the Cholesky jitter.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonMismatches, pythonCannotImport, regenerateFixture } from "../tools/python-fixture";
import { mulberry32 } from "../data/random";
import {
  cholesky,
  DEFAULT_START,
  GaussianProcess,
  gpPosterior,
  kernelMatrix,
  logMarginalLikelihood,
  type GpParams,
  type KernelName,
} from "./gp";

const FIXTURE_PATH = join(__dirname, "fixtures", "gp-reference.json");
const SCRIPT_PATH = join(__dirname, "fixtures", "make-gp-fixture.py");

interface FixedCase {
  name: string;
  kernel: KernelName;
  amplitude: number;
  lengthScales: number[];
  noise: number;
  X: number[][];
  y: number[];
  Xs: number[][];
  K: number[][];
  Ks: number[][];
  mean: number[];
  variance: number[];
  logMarginalLikelihood: number;
  gradient: number[];
}
interface StandardizedCase {
  name: string;
  kernel: KernelName;
  amplitude: number;
  lengthScales: number[];
  noise: number;
  X: number[][];
  y: number[];
  Xs: number[][];
  yMean: number;
  yScale: number;
  mean: number[];
  variance: number[];
  logMarginalLikelihood: number;
}
interface FittedCase {
  name: string;
  kernel: KernelName;
  noise: number | "fit";
  X: number[][];
  y: number[];
  sklearn: { amplitude: number; lengthScales: number[]; noise: number; logMarginalLikelihood: number };
}
interface GpFixture {
  generator: { script: string; sklearn: string };
  fixed: FixedCase[];
  standardized: StandardizedCase;
  fitted: FittedCase[];
}

const readFixture = (path = FIXTURE_PATH): GpFixture => JSON.parse(readFileSync(path, "utf8")) as GpFixture;
const fixture = readFixture();
const paramsOf = (c: { kernel: KernelName; amplitude: number; lengthScales: number[]; noise: number }): GpParams => ({
  kernel: c.kernel,
  amplitude: c.amplitude,
  lengthScales: c.lengthScales,
  noise: c.noise,
});

/** Largest |a − b| / |b| over the entries (|b| floored at 1e-300). */
function maxRelative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), 1e-300)), 0);
}

describe("against scikit-learn with fixed hyperparameters (d = 1, 2, 3; RBF and Matérn 5/2)", () => {
  it("records which script and sklearn made the fixture", () => {
    expect(fixture.generator.script).toBe("course-lib/search/fixtures/make-gp-fixture.py");
    expect(fixture.generator.sklearn).toMatch(/^\d+\.\d+/);
    expect(fixture.fixed.map((c) => `${c.kernel} ${c.X[0].length}`).sort()).toEqual(["matern52 1", "matern52 2", "matern52 3", "rbf 1", "rbf 2", "rbf 3"]);
  });

  it("kernel matrices K(X, X) and K(Xs, X) to 1e-8 relative", () => {
    for (const c of fixture.fixed) {
      const p = paramsOf(c);
      expect(maxRelative(kernelMatrix(c.X, c.X, p).flat(), c.K.flat()), c.name).toBeLessThan(1e-8);
      expect(maxRelative(kernelMatrix(c.Xs, c.X, p).flat(), c.Ks.flat()), c.name).toBeLessThan(1e-8);
    }
  });

  it("posterior mean and variance of f to 1e-8 relative (a test point equal to a training point included)", () => {
    for (const c of fixture.fixed) {
      const { mean, variance } = gpPosterior(c.X, c.y, c.Xs, paramsOf(c));
      expect(maxRelative(mean, c.mean), c.name).toBeLessThan(1e-8);
      expect(maxRelative(variance, c.variance), c.name).toBeLessThan(1e-8);
      expect(variance[4], `${c.name}: at a training point the variance is below the noise`).toBeLessThan(c.noise);
    }
  });

  it("log marginal likelihood to 1e-8 relative, its gradient (θ = log s², log l, log σn²) to 1e-6", () => {
    for (const c of fixture.fixed) {
      const { value, gradient } = logMarginalLikelihood(c.X, c.y, paramsOf(c));
      expect(maxRelative([value], [c.logMarginalLikelihood]), c.name).toBeLessThan(1e-8);
      expect(gradient).toHaveLength(c.X[0].length + 2);
      expect(maxRelative(gradient, c.gradient), c.name).toBeLessThan(1e-6);
    }
  });

  it("the gradient equals finite differences of the value (5-point stencil in θ, h = 1e-4) to 1e-6", () => {
    for (const c of fixture.fixed) {
      const theta = [Math.log(c.amplitude), ...c.lengthScales.map(Math.log), Math.log(c.noise)];
      const d = c.lengthScales.length;
      const at = (th: number[]) =>
        logMarginalLikelihood(c.X, c.y, { kernel: c.kernel, amplitude: Math.exp(th[0]), lengthScales: th.slice(1, 1 + d).map(Math.exp), noise: Math.exp(th[d + 1]) }).value;
      const h = 1e-4;
      const fd = theta.map((_, j) => {
        const shifted = (k: number) => at(theta.map((v, i) => (i === j ? v + k * h : v)));
        return (8 * (shifted(1) - shifted(-1)) - (shifted(2) - shifted(-2))) / (12 * h);
      });
      const { gradient } = logMarginalLikelihood(c.X, c.y, paramsOf(c));
      expect(maxRelative(gradient, fd), c.name).toBeLessThan(1e-6);
    }
  });
});

describe("GaussianProcess with standardised outputs", () => {
  it("withParams(standardize) equals sklearn's normalize_y=True: y mean and sd, predictions in y units, likelihood", () => {
    const c = fixture.standardized;
    const gp = GaussianProcess.withParams(c.X, c.y, paramsOf(c), { standardize: true });
    expect(maxRelative([gp.yMean, gp.yScale], [c.yMean, c.yScale])).toBeLessThan(1e-12);
    const { mean, variance } = gp.predict(c.Xs);
    expect(maxRelative(mean, c.mean)).toBeLessThan(1e-8);
    expect(maxRelative(variance, c.variance)).toBeLessThan(1e-8);
    expect(maxRelative([gp.logLikelihood], [c.logMarginalLikelihood])).toBeLessThan(1e-8);
  });

  it("standardize: false is gpPosterior; standardize is the default", () => {
    const c = fixture.fixed[3];
    const raw = GaussianProcess.withParams(c.X, c.y, paramsOf(c), { standardize: false });
    expect([raw.yMean, raw.yScale]).toEqual([0, 1]);
    expect(raw.predict(c.Xs)).toEqual(gpPosterior(c.X, c.y, c.Xs, paramsOf(c)));
    expect(raw.logLikelihood).toBeCloseTo(c.logMarginalLikelihood, 10);
    expect(GaussianProcess.withParams(c.X, c.y, paramsOf(c)).yScale).not.toBe(1);
  });

  it("all-equal y (sd 0) get scale 1; a single point works", () => {
    const X = [[0.1, 0.2], [0.5, 0.9], [0.8, 0.3]];
    const flat = GaussianProcess.fit(X, [4, 4, 4]);
    expect([flat.yMean, flat.yScale]).toEqual([4, 1]);
    const p = flat.predict([[0.1, 0.2], [0.4, 0.4]]);
    for (const v of p.mean) expect(v).toBeCloseTo(4, 12);
    for (const v of p.variance) expect(Number.isFinite(v) && v >= 0).toBe(true);
    const one = GaussianProcess.fit([[0.3, 0.7]], [2.5], { restarts: 2 });
    expect([one.yMean, one.yScale]).toEqual([2.5, 1]);
    expect(one.predict([[0.3, 0.7]]).mean[0]).toBeCloseTo(2.5, 12);
    expect(Number.isFinite(one.logLikelihood)).toBe(true);
  });
});

describe("ML-II (GaussianProcess.fit)", () => {
  it("reaches at least sklearn's optimum (same bounds, sklearn from the same start, no restarts), within 1e-6", () => {
    for (const c of fixture.fitted) {
      const gp = GaussianProcess.fit(c.X, c.y, { kernel: c.kernel, noise: c.noise });
      expect(gp.logLikelihood, c.name).toBeGreaterThanOrEqual(c.sklearn.logMarginalLikelihood - 1e-6);
      // the same local optimum here, so the parameters agree too (loosely: the likelihood is flat near it)
      expect(maxRelative([gp.params.amplitude, ...gp.params.lengthScales, gp.params.noise], [c.sklearn.amplitude, ...c.sklearn.lengthScales, c.sklearn.noise]), c.name).toBeLessThan(1e-3);
      if (c.noise !== "fit") expect(gp.params.noise).toBe(c.noise);
    }
  });

  const random = mulberry32(4242);
  const X = Array.from({ length: 100 }, () => [random(), random(), random()]);
  const y = X.map(([a, b, c]) => 20 + 5 * Math.sin(5 * a) + 3 * b * b - 2 * Math.cos(3 * c));

  it("same seed ⇒ bit-identical parameters; within the bounds; better than the default start", () => {
    const first = GaussianProcess.fit(X, y, { seed: 7 });
    const again = GaussianProcess.fit(X, y, { seed: 7 });
    expect(again.params).toEqual(first.params);
    expect(again.logLikelihood).toBe(first.logLikelihood);
    const { amplitude, lengthScales, noise } = first.params;
    for (const v of [amplitude, ...lengthScales]) expect(v >= 0.01 && v <= 100).toBe(true);
    expect(noise).toBe(1e-6);
    const start = GaussianProcess.withParams(X, y, { kernel: "matern52", amplitude: DEFAULT_START.amplitude, lengthScales: [0.5, 0.5, 0.5], noise: 1e-6 });
    expect(first.logLikelihood).toBeGreaterThan(start.logLikelihood + 1);
    expect(first.logLikelihood).toBeGreaterThanOrEqual(GaussianProcess.fit(X, y, { restarts: 0 }).logLikelihood);
  });

  it("a noise-free fit interpolates: predictions at the training points ≈ y, variance ≈ the 1e-6 floor", () => {
    // the residual y − μ(x_i) is σn²·α_i (standardised units): small, not 0, with the jitter floor σn² = 1e-6
    for (const kernel of ["matern52", "rbf"] as const) {
      const gp = GaussianProcess.fit(X.slice(0, 30), y.slice(0, 30), { kernel, restarts: 2, seed: 3 });
      const { mean, variance } = gp.predict(X.slice(0, 30));
      mean.forEach((m, i) => expect(Math.abs(m - y[i]), kernel).toBeLessThan(1e-3 * gp.yScale));
      for (const v of variance) expect(v).toBeLessThan(2e-6 * gp.yScale ** 2);
    }
    const gp = GaussianProcess.fit(X.slice(0, 30), y.slice(0, 30), { restarts: 0 });
    expect(gp.predict([[0.5, 0.5, 0.5]]).variance[0]).toBeGreaterThan(100 * 1e-6 * gp.yScale ** 2); // between the data: well above the floor
  });

  it("two trials at the same point with different y: the noise floor keeps K + σn²I factorisable", () => {
    const Xd = [[0.2, 0.4], [0.7, 0.1], [0.2, 0.4], [0.9, 0.8]];
    const gp = GaussianProcess.fit(Xd, [1, 3, 1.2, 2], { restarts: 1 });
    const { mean } = gp.predict([[0.2, 0.4]]);
    expect(mean[0]).toBeGreaterThan(1 - 1e-6);
    expect(mean[0]).toBeLessThan(1.2 + 1e-6);
  });

  it('noise: "fit" learns the noise of noisy data within [1e-6, 1]', () => {
    const noisy = y.map((v) => v + 0.5 * (random() - 0.5));
    const gp = GaussianProcess.fit(X.slice(0, 40), noisy.slice(0, 40), { noise: "fit", kernel: "rbf", restarts: 2 });
    expect(gp.params.noise).toBeGreaterThan(1e-6);
    expect(gp.params.noise).toBeLessThanOrEqual(1);
    const fixed = GaussianProcess.fit(X.slice(0, 40), noisy.slice(0, 40), { kernel: "rbf", restarts: 2 });
    expect(gp.logLikelihood).toBeGreaterThan(fixed.logLikelihood);
  });
});

describe("cholesky", () => {
  it("factors a positive-definite matrix exactly, no jitter", () => {
    const { L, n, jitter } = cholesky([[4, 2], [2, 3]]);
    expect([n, jitter]).toEqual([2, 0]);
    expect(Array.from(L)).toEqual([2, 0, 1, Math.SQRT2]);
  });

  const reconstructs = (A: number[][], L: Float64Array, jitter: number) => {
    const n = A.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
        expect(s).toBeCloseTo(A[i][j] + (i === j ? jitter : 0), 12);
      }
    }
  };

  it("a singular matrix (two identical rows) gets the first jitter, 1e-10·mean(diag)", () => {
    const K = kernelMatrix([[0.2, 0.3], [0.7, 0.1], [0.2, 0.3]], [[0.2, 0.3], [0.7, 0.1], [0.2, 0.3]], { kernel: "rbf", amplitude: 2, lengthScales: [0.5, 0.5] });
    expect(K[0]).toEqual(K[2]);
    const { L, jitter } = cholesky(K);
    expect(jitter).toBe(2 * 1e-10);
    reconstructs(K, L, jitter);
  });

  it("escalates ×10 until the factorisation works (an indefinite matrix with eigenvalue −3e-6 needs 1e-5)", () => {
    const A = [[1, 1 + 3e-6], [1 + 3e-6, 1]];
    const { L, jitter } = cholesky(A);
    expect(jitter).toBe(1e-5);
    reconstructs(A, L, jitter);
  });

  it("throws naming the size and the last jitter when no jitter up to 1e-2·mean(diag) helps", () => {
    const negative = [[-2, 0.5, 0], [0.5, -1, 0], [0, 0, -3]];
    expect(() => cholesky(negative)).toThrowError(RangeError);
    expect(() => cholesky(negative)).toThrowError(/3×3 matrix is not positive definite, even with jitter 0\.02 /);
    expect(() => cholesky([[1, 2], [2, 1]])).toThrowError(/2×2 matrix is not positive definite, even with jitter 0\.01 /);
  });

  it("rejects non-square, non-symmetric and non-finite input", () => {
    expect(() => cholesky([])).toThrowError(/non-empty square matrix/);
    expect(() => cholesky([[1, 0]])).toThrowError(/A\[0\] has 2 coordinates, expected 1 \(A has 1 rows/);
    expect(() => cholesky([[1, 0], [0.5, 1]])).toThrowError(/must be symmetric, got A\[1\]\[0\] = 0.5 but A\[0\]\[1\] = 0/);
    expect(() => cholesky([[1, 0], [0, Number.NaN]])).toThrowError(/A\[1\]\[1\] is NaN/);
  });
});

describe("errors name the value and what was expected", () => {
  const X = [[0.1, 0.2], [0.4, 0.5], [0.9, 0.3]];
  const y = [1, 2, 3];
  const p: GpParams = { kernel: "matern52", amplitude: 1, lengthScales: [0.5, 0.5], noise: 1e-4 };
  const cases: [string, () => unknown, RegExp][] = [
    ["empty X", () => GaussianProcess.fit([], []), /X is empty: the GP needs at least one point/],
    ["empty X (posterior)", () => gpPosterior([], [], [[0.5]], p), /X is empty/],
    ["ragged rows", () => gpPosterior([[0.1, 0.2], [0.3]], [1, 2], [], p), /X\[1\] has 1 coordinates, expected 2 \(as X\[0\]\)/],
    ["X/y length", () => GaussianProcess.fit(X, [1, 2]), /X has 3 rows, y has 2 values/],
    ["NaN in X", () => logMarginalLikelihood([[0.1, Number.NaN]], [1], p), /X\[0\]\[1\] is NaN, expected a finite number/],
    ["NaN y", () => GaussianProcess.fit(X, [1, Number.NaN, 3]), /y\[1\] is NaN.*NaN\/Infinity objectives must not reach the GP \(infeasible or failed trials are handled by the searcher\)/],
    ["Infinity y", () => gpPosterior(X, [1, 2, Infinity], [], p), /y\[2\] is Infinity/],
    ["lengthScales length", () => kernelMatrix(X, X, { ...p, lengthScales: [0.5] }), /lengthScales has 1 entries, expected one per input dimension \(d = 2\)/],
    ["amplitude 0", () => gpPosterior(X, y, X, { ...p, amplitude: 0 }), /amplitude \(signal variance s²\) must be a positive finite number, got 0/],
    ["negative length", () => logMarginalLikelihood(X, y, { ...p, lengthScales: [0.5, -0.5] }), /lengthScales\[1\] must be a positive finite number, got -0.5/],
    ["noise 0", () => gpPosterior(X, y, X, { ...p, noise: 0 }), /noise \(noise variance σn²\) must be a positive finite number, got 0/],
    ["unknown kernel", () => kernelMatrix(X, X, { ...p, kernel: "linear" as KernelName }), /kernel must be "rbf" or "matern52", got "linear"/],
    ["Xs width", () => GaussianProcess.withParams(X, y, p).predict([[0.5]]), /Xs\[0\] has 1 coordinates, expected 2 \(as the training inputs\)/],
    ["restarts", () => GaussianProcess.fit(X, y, { restarts: -1 }), /restarts must be a non-negative integer, got -1/],
    ["bounds", () => GaussianProcess.fit(X, y, { lengthScaleBounds: [1, 0.1] }), /lengthScaleBounds must be \[low, high\] with 0 < low ≤ high, both finite, got \[1,0.1\]/],
    ["fit noise", () => GaussianProcess.fit(X, y, { noise: -1 }), /noise \(noise variance σn², or "fit"\) must be a positive finite number, got -1/],
    ["seed", () => GaussianProcess.fit(X, y, { seed: 1.5 }), /seed must be an integer/],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => {
      expect(run).toThrowError(RangeError);
      expect(run).toThrowError(message);
    });
  }
});

describe("fixtures/gp-reference.json is what make-gp-fixture.py writes", () => {
  const missing = pythonCannotImport("sklearn", "python3-sklearn");

  it("regenerated numbers equal the committed JSON to 1e-12", (ctx) => {
    if (missing) ctx.skip(`skipped: ${missing}`);
    const regenerated = regenerateFixture(SCRIPT_PATH, "gp-reference.json", readFixture);
    expect(jsonMismatches(regenerated, fixture, { ignoreKeys: ["generator"] })).toEqual([]);
  }, 90_000);
});
