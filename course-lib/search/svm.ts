// An RBF support-vector classifier (C-SVC) trained by SMO, for the AutoTinyML lesson: SVM-CBO learns the
// feasible (deployable) region of the search space with it, and needs the signed decision value h(x), not
// only a label, to tell how far inside or outside the boundary a candidate lies. npm's libsvm-js cannot
// return decision values and ml-svm is a simplified SMO (random second index, no convergence guarantee),
// hence this one. It follows libsvm's solver (Fan, Chen & Lin, "Working set selection using second order
// information for training SVM", JMLR 2005: WSS2, no shrinking, the whole kernel matrix cached, so n up to a
// few hundred) and matches scikit-learn's SVC decision_function to 1e-6 (svm.test.ts,
// fixtures/svc-reference.json). Like libsvm's kernel cache (Qfloat), Q is stored in float32: the optimum is
// that of the same rounded problem sklearn solves; a float64 Q moves h(x) by up to ~5e-6 at C = 100.

export interface SvcOptions {
  /** Box constraint 0 ≤ α ≤ C (default 1). */
  C?: number;
  /** RBF K(x, z) = exp(−γ‖x − z‖²); "scale" (default) = 1 / (d · var(X)), the variance over all coordinates, as sklearn. */
  gamma?: number | "scale";
  /** KKT stopping tolerance on the maximal violating pair (default 1e-8, far tighter than sklearn's 1e-3, so
   *  the solution is the unique optimum whatever the solver's path). */
  tolerance?: number;
  /** SMO iterations at most (default 100000). When reached, the current α is used, as libsvm does (it
   *  warns); `iterations` then equals this. */
  maxIterations?: number;
}

const TAU = 1e-12; // libsvm's floor for a non-positive curvature

function fail(message: string): never {
  throw new RangeError(`SupportVectorClassifier.fit: ${message}`);
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const t = a[k] - b[k];
    s += t * t;
  }
  return s;
}

export class SupportVectorClassifier {
  private constructor(
    readonly gamma: number,
    readonly C: number,
    readonly supportVectors: number[][],
    /** α_k·y_k of each support vector. */
    readonly dualCoefficients: number[],
    readonly intercept: number,
    /** true / false when every training label was true / false (then decision ≡ +1 / −1), null otherwise. */
    readonly oneClass: boolean | null,
    readonly iterations: number,
    private readonly dimension: number,
  ) {}

  /**
   * Trains on rows X with labels true → +1, false → −1 (sklearn's classes [-1, 1]).
   *
   * One class only (every label true, or every label false) does not throw, unlike sklearn: the classifier
   * has no support vectors and decides the constant +1 (all true) or −1 (all false), `oneClass` telling which.
   * The searcher reads "every point so far feasible" as "everything may be feasible". gamma "scale" is then
   * NaN if var(X) = 0 (no kernel is ever evaluated); with two classes that is an error.
   *
   * Throws RangeError for empty X, ragged rows, a labels length other than X's, non-finite coordinates, C or
   * an explicit gamma not finite and > 0, gamma "scale" with var(X) = 0, a bad tolerance or maxIterations.
   */
  static fit(X: readonly (readonly number[])[], labels: readonly boolean[], options: SvcOptions = {}): SupportVectorClassifier {
    const n = X.length;
    if (n === 0) fail("X is empty; expected at least one row");
    const d = X[0].length;
    if (d === 0) fail("rows of X have no coordinates; expected at least one");
    X.forEach((row, i) => {
      if (row.length !== d) fail(`row ${i} of X has ${row.length} coordinates; expected ${d} like row 0`);
      row.forEach((v, k) => {
        if (!Number.isFinite(v)) fail(`X[${i}][${k}] is ${v}; expected a finite number`);
      });
    });
    if (labels.length !== n) fail(`labels has length ${labels.length}; expected ${n}, the number of rows of X`);
    labels.forEach((l, i) => {
      if (typeof l !== "boolean") fail(`labels[${i}] is ${String(l)}; expected a boolean`);
    });
    const C = options.C ?? 1;
    if (!(Number.isFinite(C) && C > 0)) fail(`C is ${C}; expected a finite number > 0`);
    const tolerance = options.tolerance ?? 1e-8;
    if (!(Number.isFinite(tolerance) && tolerance > 0)) fail(`tolerance is ${tolerance}; expected a finite number > 0`);
    const maxIterations = options.maxIterations ?? 100_000;
    if (!(Number.isInteger(maxIterations) && maxIterations > 0)) fail(`maxIterations is ${maxIterations}; expected a positive integer`);

    const positives = labels.filter((l) => l).length;
    const oneClass = positives === n ? true : positives === 0 ? false : null;

    const option = options.gamma ?? "scale";
    let gamma: number;
    if (option === "scale") {
      let mean = 0;
      for (const row of X) for (const v of row) mean += v;
      mean /= n * d;
      let variance = 0;
      for (const row of X) for (const v of row) variance += (v - mean) * (v - mean);
      variance /= n * d;
      if (variance > 0) gamma = 1 / (d * variance);
      else if (oneClass !== null) gamma = Number.NaN;
      else fail(`gamma "scale" needs var(X) > 0, but all ${n} points are equal (var(X) = 0); pass an explicit gamma`);
    } else {
      if (!(typeof option === "number" && Number.isFinite(option) && option > 0)) {
        fail(`gamma is ${typeof option === "string" ? JSON.stringify(option) : String(option)}; expected a finite number > 0 or "scale"`);
      }
      gamma = option;
    }

    if (oneClass !== null) return new SupportVectorClassifier(gamma, C, [], [], oneClass ? 1 : -1, oneClass, 0, d);

    // Dual: min ½αᵀQα − eᵀα, 0 ≤ α ≤ C, yᵀα = 0, with Q_ij = y_i y_j K_ij (float32, as libsvm). G = Qα − e.
    const y = labels.map((l) => (l ? 1 : -1));
    const Q = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const q = y[i] * y[j] * Math.exp(-gamma * squaredDistance(X[i], X[j]));
        Q[i * n + j] = q;
        Q[j * n + i] = q;
      }
    }
    const alpha = new Float64Array(n);
    const G = new Float64Array(n).fill(-1);
    const upper = (t: number) => alpha[t] >= C;
    const lower = (t: number) => alpha[t] <= 0;

    let iterations = 0;
    while (iterations < maxIterations) {
      // WSS2: i maximises −y_t G_t over I_up; j minimises the second-order decrease −b²/a over I_low.
      let gMax = -Infinity, i = -1;
      for (let t = 0; t < n; t++) {
        if (y[t] === 1 ? !upper(t) : !lower(t)) {
          const v = -y[t] * G[t];
          if (v >= gMax) { gMax = v; i = t; }
        }
      }
      if (i === -1) break;
      let gMax2 = -Infinity, j = -1, objMin = Infinity;
      for (let t = 0; t < n; t++) {
        if (y[t] === 1 ? lower(t) : upper(t)) continue;
        const v = y[t] * G[t];
        if (v >= gMax2) gMax2 = v;
        const b = gMax + v;
        if (b > 0) {
          const a = Q[i * n + i] + Q[t * n + t] - 2 * y[i] * y[t] * Q[i * n + t];
          const obj = -(b * b) / (a > 0 ? a : TAU);
          if (obj <= objMin) { objMin = obj; j = t; }
        }
      }
      if (gMax + gMax2 < tolerance || j === -1) break;
      iterations++;

      // Analytic step on (α_i, α_j), clipped to the box (libsvm's update).
      const oldI = alpha[i], oldJ = alpha[j];
      const Qij = Q[i * n + j];
      if (y[i] !== y[j]) {
        let a = Q[i * n + i] + Q[j * n + j] + 2 * Qij;
        if (a <= 0) a = TAU;
        const delta = (-G[i] - G[j]) / a;
        const diff = oldI - oldJ;
        alpha[i] += delta;
        alpha[j] += delta;
        if (diff > 0) {
          if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
        } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
        if (diff > 0) {
          if (alpha[i] > C) { alpha[i] = C; alpha[j] = C - diff; }
        } else if (alpha[j] > C) { alpha[j] = C; alpha[i] = C + diff; }
      } else {
        let a = Q[i * n + i] + Q[j * n + j] - 2 * Qij;
        if (a <= 0) a = TAU;
        const delta = (G[i] - G[j]) / a;
        const sum = oldI + oldJ;
        alpha[i] -= delta;
        alpha[j] += delta;
        if (sum > C) {
          if (alpha[i] > C) { alpha[i] = C; alpha[j] = sum - C; }
        } else if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = sum; }
        if (sum > C) {
          if (alpha[j] > C) { alpha[j] = C; alpha[i] = sum - C; }
        } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = sum; }
      }
      const dI = alpha[i] - oldI, dJ = alpha[j] - oldJ;
      for (let t = 0; t < n; t++) G[t] += Q[i * n + t] * dI + Q[j * n + t] * dJ;
    }

    // ρ (b = −ρ): the average of y_t G_t over free α; without free α, the midpoint of its feasible interval.
    let free = 0, sumFree = 0, ub = Infinity, lb = -Infinity;
    for (let t = 0; t < n; t++) {
      const yG = y[t] * G[t];
      if (upper(t)) {
        if (y[t] === -1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (lower(t)) {
        if (y[t] === 1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        free++;
        sumFree += yG;
      }
    }
    const rho = free > 0 ? sumFree / free : (ub + lb) / 2;

    const supportVectors: number[][] = [], dualCoefficients: number[] = [];
    for (let t = 0; t < n; t++) {
      if (alpha[t] > 0) {
        supportVectors.push([...X[t]]);
        dualCoefficients.push(alpha[t] * y[t]);
      }
    }
    return new SupportVectorClassifier(gamma, C, supportVectors, dualCoefficients, -rho, null, iterations, d);
  }

  /** Signed decision value h(x) = Σ_k α_k y_k K(sv_k, x) + b; positive means class `true`. */
  decision(x: readonly number[]): number {
    if (x.length !== this.dimension) {
      throw new RangeError(`SupportVectorClassifier.decision: x has ${x.length} coordinates; expected ${this.dimension}`);
    }
    let h = this.intercept;
    for (let k = 0; k < this.supportVectors.length; k++) {
      h += this.dualCoefficients[k] * Math.exp(-this.gamma * squaredDistance(this.supportVectors[k], x));
    }
    return h;
  }

  decisionValues(X: readonly (readonly number[])[]): number[] {
    return X.map((x) => this.decision(x));
  }

  /** decision(x) > 0. */
  predict(x: readonly number[]): boolean {
    return this.decision(x) > 0;
  }
}
