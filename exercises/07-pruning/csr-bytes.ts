// Lesson 07 exercise 07.4: how many bytes of flash a pruned int8 layer takes in CSR (compressed sparse row)
// format, index bytes included.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/07-pruning.ipynb prints
// "exercise 07.4 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/prune/storage.ts csrBytes, which equals the bytes its encodeSparse really writes).
// Check your work with `npm run grade -- --only 07.4`.
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 07.4: the bytes of a rows × cols int8 weight matrix stored as CSR.
 *
 * `values` is the matrix row-major (row r, column c at index r·cols + c); for a layer, rows are its output
 * channels. CSR stores three arrays:
 *   - row pointers: rows + 1 unsigned 16-bit integers (2 bytes each): where each row's entries start, plus
 *     the end of the last row;
 *   - for each NON-ZERO weight, its column index, `indexBytes` bytes (1: uint8, 2: uint16);
 *   - for each non-zero weight, its int8 value (1 byte).
 * So bytes = 2·(rows + 1) + nnz·(1 + indexBytes), where nnz counts the entries that are not 0 (negative
 * weights count). Zeros cost nothing, but every kept weight now costs 2 or 3 bytes instead of 1.
 *
 * Why: zeroing weights saves no flash while the matrix is stored dense (1 byte per weight, zeros included).
 * A sparse format saves flash only above a break-even sparsity, because of its index bytes: with 2-byte
 * indices CSR beats dense only when more than about 2/3 of the weights are zero.
 *
 *   [[0, 3, 0, 0],
 *    [5, 0, 0, -2],          rows 3, cols 4, nnz 3
 *    [0, 0, 0, 0]]           indexBytes 1 → 2·4 + 3·2 = 14 bytes;  indexBytes 2 → 8 + 3·3 = 17 (dense: 12)
 *
 *   an all-zero 4 × 6 matrix → 2·5 = 10 bytes (the row pointers alone)
 *
 * Throw a RangeError naming the values when:
 *   - values.length ≠ rows · cols (e.g. "11 values do not fill a 3 × 4 matrix (expected 12)"),
 *     or rows / cols is not a positive integer;
 *   - indexBytes is not 1 or 2 (name what was given);
 *   - a 1-byte index cannot address the columns: cols > 256 with indexBytes 1 (name cols).
 * `values` may be any array-like of numbers: a number[], an Int8Array, a Float32Array.
 */
export function csrBytes(values: ArrayLike<number>, rows: number, cols: number, indexBytes: 1 | 2): number {
  notImplemented("07.4");
}
