// Space-filling designs in the unit cube: Latin hypercube samples for a search's initial design, and the
// Sobol sequence for the candidates an acquisition function is scored on.
//
// npm has no usable Sobol or LHS package (see ../shared notes), so both are here. Sobol uses Joe & Kuo's
// direction numbers (new-joe-kuo-6.21201, the table SciPy's qmc.Sobol ships; the test compares the first
// points with SciPy's) for up to SOBOL_MAX_DIMENSIONS dimensions, Gray-code order (Antonov & Saleev), the
// first point 0 included as SciPy does; `shift` adds a seeded random shift modulo 1 (Cranley-Patterson
// rotation), so that successive acquisition steps do not score the very same candidates.
import { SeededRandom } from "../data/seeded";

/** [degree s, polynomial coefficients a, initial direction numbers m_1..m_s] for dimensions 2..32. */
const JOE_KUO: readonly [number, number, readonly number[]][] = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
  [7, 7, [1, 1, 3, 13, 7, 35, 63]],
  [7, 8, [1, 3, 5, 9, 1, 25, 53]],
  [7, 14, [1, 3, 1, 13, 9, 35, 107]],
  [7, 19, [1, 3, 1, 5, 27, 61, 31]],
  [7, 21, [1, 1, 5, 11, 19, 41, 61]],
  [7, 28, [1, 3, 5, 3, 3, 13, 69]],
  [7, 31, [1, 1, 7, 13, 1, 19, 1]],
  [7, 32, [1, 3, 7, 5, 13, 19, 59]],
  [7, 37, [1, 1, 3, 9, 25, 29, 41]],
  [7, 41, [1, 3, 5, 13, 23, 1, 55]],
  [7, 42, [1, 3, 7, 3, 13, 59, 17]],
];

export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;
const BITS = 30;

function directionNumbers(dimensions: number): Uint32Array[] {
  const v: Uint32Array[] = [];
  for (let j = 0; j < dimensions; j++) {
    const dir = new Uint32Array(BITS);
    if (j === 0) {
      for (let i = 0; i < BITS; i++) dir[i] = 1 << (BITS - 1 - i);
    } else {
      const [s, a, m] = JOE_KUO[j - 1];
      for (let i = 0; i < Math.min(s, BITS); i++) dir[i] = m[i] << (BITS - 1 - i);
      for (let i = s; i < BITS; i++) {
        let value = dir[i - s] ^ (dir[i - s] >>> s);
        for (let k = 1; k < s; k++) if ((a >>> (s - 1 - k)) & 1) value ^= dir[i - k];
        dir[i] = value;
      }
    }
    v.push(dir);
  }
  return v;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/**
 * The first n points of the d-dimensional Sobol sequence (point 0 is the origin), optionally rotated by a
 * seeded shift modulo 1.
 */
export function sobol(n: number, dimensions: number, options: { shiftSeed?: number } = {}): number[][] {
  checkCount(n, "sobol: n");
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
    throw new RangeError(`sobol: dimensions must be an integer in [1, ${SOBOL_MAX_DIMENSIONS}], got ${dimensions}`);
  }
  if (n > 2 ** BITS) throw new RangeError(`sobol: at most 2^${BITS} points, asked for ${n}`);
  const v = directionNumbers(dimensions);
  const shift = options.shiftSeed === undefined ? null : (() => {
    const rng = new SeededRandom(options.shiftSeed);
    return Array.from({ length: dimensions }, () => rng.next());
  })();
  const x = new Uint32Array(dimensions);
  const points: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      let c = 0; // index of the lowest zero bit of i − 1 (Gray-code update)
      for (let k = i - 1; k & 1; k >>>= 1) c++;
      for (let j = 0; j < dimensions; j++) x[j] ^= v[j][c];
    }
    points.push(Array.from(x, (xj, j) => {
      const u = xj / 2 ** BITS;
      return shift ? (u + shift[j]) % 1 : u;
    }));
  }
  return points;
}

/**
 * n points of a Latin hypercube in [0, 1]^d: each dimension's range is cut into n equal strata and every
 * stratum holds exactly one point, at a random position inside it (seeded).
 */
export function latinHypercube(n: number, dimensions: number, seed: number): number[][] {
  checkCount(n, "latinHypercube: n");
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`latinHypercube: dimensions must be a positive integer, got ${dimensions}`);
  const rng = new SeededRandom(seed);
  const points = Array.from({ length: n }, () => new Array<number>(dimensions).fill(0));
  for (let j = 0; j < dimensions; j++) {
    const order = rng.permutation(n);
    for (let i = 0; i < n; i++) points[i][j] = (order[i] + rng.next()) / n;
  }
  return points;
}
