// Public constrained test functions (2-D, partially defined: no value outside the feasible region) with
// their known optima, for the searchers' tests, the lesson's plots and the convergence study. Each is a
// Problem. The optima were computed here by a dense grid plus local refinement (and agree with the
// literature where it gives them); the feasible fractions are of the box.
//
//   rosenbrock-disk   Rosenbrock on [-1.5, 1.5]², feasible x² + y² ≤ 2; f* = 0 at (1, 1), ON the boundary
//   simionescu        0.1·x·y on [-1.25, 1.25]², feasible inside r = 1 + 0.2·cos(8·atan2(x, y)); two optima
//                     −0.072 at ±(0.8485, −0.8485), both on the boundary (Simionescu & Beale 2002)
//   branin-ellipses   rescaled Branin on [0, 1]² (Picheny et al. 2013), feasible inside one of two ellipses
//                     (SVM-CBO's branin_c): disconnected, 40 % feasible; f* = −1.0474 at (0.5428, 0.1517)
//   michalewicz       Michalewicz (m = 10) on [0, π]², feasible x³ + y³ ≤ 15; f* = −1.8013 at (2.2029, 1.5708)
//                     (the SVMCBO example's −1.80114 is not the optimum, so its gap can exceed 1)
//   alpine2           −√x·sin x·√y·sin y on [0, 10]², feasible inside the disc (x−5)² + (y−5)² ≤ 17.25;
//                     f* = −7.8856 at (7.917, 7.917), inside near the boundary
import type { Problem } from "./problem";
import type { Config, Space } from "./space";

function box(low: number, high: number): Space {
  return [
    { name: "x", type: "real", low, high },
    { name: "y", type: "real", low, high },
  ];
}

function constrained(
  name: string,
  space: Space,
  f: (x: number, y: number) => number,
  feasible: (x: number, y: number) => boolean,
  optimum: { value: number; config: Config },
  description: string,
): Problem {
  return {
    name,
    space,
    description,
    optimum,
    evaluate: (c: Config) => {
      const x = c.x as number;
      const y = c.y as number;
      return feasible(x, y) ? { feasible: true, value: f(x, y) } : { feasible: false };
    },
  };
}

const rosenbrock = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;

function branin01(u: number, v: number): number {
  const x = 15 * u - 5;
  const y = 15 * v;
  const term = y - (5.1 * x * x) / (4 * Math.PI * Math.PI) + (5 * x) / Math.PI - 6;
  return (term * term + (10 - 10 / (8 * Math.PI)) * Math.cos(x) - 44.81) / 51.95;
}

function insideEllipse(x: number, y: number, cx: number, cy: number, a: number, b: number, degrees: number): boolean {
  const t = (degrees * Math.PI) / 180;
  const dx = x - cx;
  const dy = y - cy;
  const p = dx * Math.cos(t) + dy * Math.sin(t);
  const q = -dx * Math.sin(t) + dy * Math.cos(t);
  return (p / a) ** 2 + (q / b) ** 2 <= 1;
}

function michalewicz(x: number, y: number): number {
  return -(Math.sin(x) * Math.sin((x * x) / Math.PI) ** 20 + Math.sin(y) * Math.sin((2 * y * y) / Math.PI) ** 20);
}

export const TEST_FUNCTIONS: readonly Problem[] = [
  constrained("rosenbrock-disk", box(-1.5, 1.5), rosenbrock, (x, y) => x * x + y * y <= 2,
    { value: 0, config: { x: 1, y: 1 } }, "Rosenbrock's valley inside a disc; the optimum (1, 1) is on the disc's edge"),
  constrained("simionescu", box(-1.25, 1.25), (x, y) => 0.1 * x * y,
    (x, y) => x * x + y * y <= (1 + 0.2 * Math.cos(8 * Math.atan2(x, y))) ** 2,
    { value: -0.072, config: { x: 0.8485281374, y: -0.8485281374 } }, "a saddle inside a flower; two optima on petal tips"),
  constrained("branin-ellipses", box(0, 1), branin01,
    (x, y) => insideEllipse(x, y, 1 / 3, 1 / 4, 0.45, 0.27, 45) || insideEllipse(x, y, 5 / 6, 7 / 8, 0.25, 0.1, 135),
    { value: -1.0473939, config: { x: 0.5427728, y: 0.1516667 } }, "Branin with two disconnected elliptical feasible regions"),
  constrained("michalewicz", box(0, Math.PI), michalewicz, (x, y) => x ** 3 + y ** 3 <= 15,
    { value: -1.8013034101, config: { x: 2.2029055, y: 1.5707963 } }, "Michalewicz's narrow valleys under a cubic constraint"),
  constrained("alpine2", box(0, 10), (x, y) => -Math.sqrt(x) * Math.sin(x) * Math.sqrt(y) * Math.sin(y),
    (x, y) => (x - 5) ** 2 + (y - 5) ** 2 <= 17.25,
    { value: -7.8856007, config: { x: 7.9170527, y: 7.9170527 } }, "Alpine-2 inside a disc"),
];

/** A test function by name. */
export function testFunction(name: string): Problem {
  const p = TEST_FUNCTIONS.find((f) => f.name === name);
  if (!p) throw new RangeError(`no test function ${JSON.stringify(name)}; expected one of ${TEST_FUNCTIONS.map((f) => f.name).join(", ")}`);
  return p;
}

/**
 * The normalised gap after a search (SVM-CBO papers): (f_init − f_best) / (f_init − f*), where f_init is the
 * best feasible value of the initial design (or the first feasible one); 0 = no progress, 1 = the optimum.
 * Throws when f* is above a value found (a wrong optimum would make the gap exceed 1).
 */
export function normalisedGap(initialBest: number, best: number, optimum: number): number {
  for (const [v, what] of [[initialBest, "initialBest"], [best, "best"], [optimum, "optimum"]] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`normalisedGap: ${what} must be finite, got ${v}`);
  }
  for (const [v, what] of [[initialBest, "initialBest"], [best, "best"]] as const) {
    if (v < optimum - 1e-9 * Math.max(1, Math.abs(optimum))) {
      throw new RangeError(`normalisedGap: ${what} ${v} is below the stated optimum ${optimum}: the optimum is wrong`);
    }
  }
  if (initialBest <= optimum) return 1;
  return Math.min(1, Math.max(0, (initialBest - best) / (initialBest - optimum)));
}

/**
 * Forrester et al.'s 1-D function (6x − 2)²·sin(12x − 4) on [0, 1] (Engineering Design via Surrogate
 * Modelling, 2008): a local minimum near x = 0.14 and the global one, −6.0207 at x = 0.7572. Unconstrained:
 * lesson 09's picture of one BO step.
 */
export const FORRESTER: Problem = {
  name: "forrester",
  space: [{ name: "x", type: "real", low: 0, high: 1 }],
  description: "Forrester's 1-D function, unconstrained",
  optimum: { value: -6.020740055767083, config: { x: 0.7572487580903837 } },
  evaluate: (c: Config) => {
    const x = c.x as number;
    return { feasible: true, value: (6 * x - 2) ** 2 * Math.sin(12 * x - 4) };
  },
};
