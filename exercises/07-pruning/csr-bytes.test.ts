// Graded tests for lesson 07's CSR byte count (exercises/07-pruning/csr-bytes.ts). Run them with
// `npm run grade -- --only 07.4`; each failing test prints its feedback as a hint. The expected counts are
// worked out by hand in the comments (row pointers 2·(rows + 1), then 1 + indexBytes per non-zero), and the
// break-even zero counts solve 2(R + 1) + (1 + b)(N − Z) < N by hand. The "rejects ..." test also makes
// valid calls (validCall): a function that throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import { csrBytes } from "@exercise/07-pruning/csr-bytes";

// 3 × 4, non-zeros 3, 5, −2 (the negative one counts too).
const EXAMPLE = [0, 3, 0, 0, 5, 0, 0, -2, 0, 0, 0, 0];

graded(
  { id: "07.4", points: 2, feedback: "bytes = 2·(rows + 1) for the uint16 row pointers (one more pointer than rows) + nnz·(1 + indexBytes), where nnz counts the entries that are not 0, negative ones included. The 3 × 4 example has nnz 3: 8 + 3·2 = 14 with 1-byte indices, 8 + 3·3 = 17 with 2-byte ones." },
  "counts row pointers, column indices and values on hand-worked matrices",
  () => {
    const cases: [string, ArrayLike<number>, number, number, 1 | 2, number][] = [
      ["the 3 × 4 example", EXAMPLE, 3, 4, 1, 14],
      ["the 3 × 4 example", EXAMPLE, 3, 4, 2, 17],
      ["the 3 × 4 example as an Int8Array", Int8Array.from(EXAMPLE), 3, 4, 2, 17],
      // 1 × 5 [−1, −2, 0, 0, −3]: 2·2 + 3·2 = 10
      ["1 × 5 of negatives", [-1, -2, 0, 0, -3], 1, 5, 1, 10],
      // 4 × 2 identity-like [1 0 | 0 1 | 0 0 | 7 0], a Float32Array: 2·5 + 3·3 = 19
      ["4 × 2 as a Float32Array", Float32Array.from([1, 0, 0, 1, 0, 0, 7, 0]), 4, 2, 2, 19],
      // 2 × 300 with 4 non-zeros (2-byte indices are needed past 256 columns): 2·3 + 4·3 = 18
      ["2 × 300, four non-zeros", Array.from({ length: 600 }, (_, i) => (i % 150 === 7 ? 9 : 0)), 2, 300, 2, 18],
    ];
    for (const [what, values, rows, cols, indexBytes, bytes] of cases) {
      const call = `csrBytes(${what}, ${rows}, ${cols}, ${indexBytes})`;
      expect({ call, bytes: csrBytes(values, rows, cols, indexBytes) }).toEqual({ call, bytes });
    }
  },
);

graded(
  { id: "07.4", points: 1, feedback: "An all-zero matrix still needs its rows + 1 row pointers (2 bytes each) and nothing else; a matrix with no zeros needs the pointers plus (1 + indexBytes) bytes for EVERY weight, so it is 2 to 3 times larger than dense." },
  "all-zero and fully dense matrices",
  () => {
    const cases: [string, number[], number, number, 1 | 2, number][] = [
      ["all-zero 4 × 6", new Array(24).fill(0), 4, 6, 1, 10],
      ["all-zero 4 × 6", new Array(24).fill(0), 4, 6, 2, 10],
      ["all-zero 1 × 1", [0], 1, 1, 2, 4],
      ["dense 4 × 6", Array.from({ length: 24 }, (_, i) => (i % 5) - 2 || 1), 4, 6, 1, 10 + 48],
      ["dense 4 × 6", Array.from({ length: 24 }, (_, i) => (i % 5) - 2 || 1), 4, 6, 2, 10 + 72],
    ];
    for (const [what, values, rows, cols, indexBytes, bytes] of cases) {
      const call = `csrBytes(${what}, ${rows}, ${cols}, ${indexBytes})`;
      expect({ call, bytes: csrBytes(values, rows, cols, indexBytes) }).toEqual({ call, bytes });
    }
  },
);

/** A rows × cols matrix with exactly `zeros` zeros at random places and non-zero values elsewhere. */
function withZeros(rows: number, cols: number, zeros: number, seed: number): number[] {
  const next = mulberry32(seed);
  const n = rows * cols;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const out = new Array(n).fill(0);
  for (let k = zeros; k < n; k++) out[order[k]] = next() < 0.5 ? -1 - Math.floor(next() * 127) : 1 + Math.floor(next() * 126);
  return out;
}

graded(
  { id: "07.4", points: 1, feedback: "CSR beats dense (rows·cols bytes) only above its break-even: for a 16 × 64 matrix (1024 weights, 34 pointer bytes) 1-byte indices need more than 529 zeros (2·nnz + 34 < 1024) and 2-byte indices more than 694 (3·nnz + 34 < 1024). Check the row pointers (rows + 1, 2 bytes each) and the bytes per non-zero (1 + indexBytes)." },
  "crosses dense at the hand-computed break-even sparsity",
  () => {
    // 16 × 64: N = 1024, pointers 2·17 = 34. b = 1: 34 + 2(N − Z) < N ⇔ Z > 529; b = 2: 34 + 3(N − Z) < N ⇔ Z > 694.
    const rows = 16;
    const cols = 64;
    const n = rows * cols;
    for (const [indexBytes, lastNotSmaller] of [[1, 529], [2, 694]] as [1 | 2, number][]) {
      for (const zeros of [lastNotSmaller - 1, lastNotSmaller, lastNotSmaller + 1, lastNotSmaller + 2]) {
        const bytes = csrBytes(withZeros(rows, cols, zeros, zeros), rows, cols, indexBytes);
        const call = `csrBytes(16 × 64 with ${zeros} zeros, ${indexBytes}) vs dense ${n}`;
        expect({ call, bytes, smallerThanDense: bytes < n }).toEqual({ call, bytes: 34 + (1 + indexBytes) * (n - zeros), smallerThanDense: zeros > lastNotSmaller });
      }
    }
    // At 90 % sparsity (the lesson's pruned fc layer) 1-byte CSR takes about a fifth of dense.
    const sparse = csrBytes(withZeros(64, 800, 46080, 1), 64, 800, 2);
    expect({ call: "csrBytes(64 × 800 at 90 % zeros, 2)", bytes: sparse }).toEqual({ call: "csrBytes(64 × 800 at 90 % zeros, 2)", bytes: 130 + 3 * 5120 });
  },
);

graded(
  { id: "07.4", points: 1, feedback: "Throw a RangeError naming the values: when values.length ≠ rows·cols (name both, e.g. \"11 values do not fill a 3 × 4 matrix (expected 12)\"), when indexBytes is not 1 or 2 (name it), and when indexBytes is 1 but cols > 256 (a byte addresses only 256 columns; name cols). Valid inputs such as cols = 256 with 1-byte indices must not throw." },
  "rejects a wrong length, a bad indexBytes and too many columns for 1-byte indices",
  () => {
    validCall("csrBytes(3 × 4 example, 3, 4, 1)", () => csrBytes(EXAMPLE, 3, 4, 1));
    validCall("csrBytes(1 × 256 zeros, 1, 256, 1)", () => csrBytes(new Array(256).fill(0), 1, 256, 1));
    validCall("csrBytes(1 × 300 zeros, 1, 300, 2)", () => csrBytes(new Array(300).fill(0), 1, 300, 2));
    const cases: [string, () => unknown, RegExp[]][] = [
      ["csrBytes(11 values, 3, 4, 1)", () => csrBytes(EXAMPLE.slice(1), 3, 4, 1), [/11/, /12|3\s*[×x*]\s*4/]],
      ["csrBytes(12 values, 4, 4, 2)", () => csrBytes(EXAMPLE, 4, 4, 2), [/12/, /16|4\s*[×x*]\s*4/]],
      ["csrBytes(example, 3, 4, 7)", () => csrBytes(EXAMPLE, 3, 4, 7 as 1), [/7/]],
      ["csrBytes(example, 3, 4, 0)", () => csrBytes(EXAMPLE, 3, 4, 0 as 1), [/0/]],
      ["csrBytes(example, 3, 4, 1.5)", () => csrBytes(EXAMPLE, 3, 4, 1.5 as 2), [/1\.5/]],
      ["csrBytes(1 × 300, 1, 300, 1)", () => csrBytes(new Array(300).fill(0), 1, 300, 1), [/300/]],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
  },
);
