// Lesson 10 exercise 10.3: a constant array as a C initialiser, in flash, aligned, in a named section.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/10-export-and-deploy.ipynb
// prints "exercise 10.3 not implemented yet: showing the reference" and uses the course's version
// (course-lib/deploy/codegen.ts cArray, which writes every weight, bias and multiplier array of the
// generated model.c). Check your work with `npm run grade -- --only 10.3`: the tests compile what you
// return with the host's gcc and read the array back.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** The C element types the generated model uses: int8 weights, int32 biases, multipliers and shifts. */
export type CElementType = "int8_t" | "int32_t";

export interface CArrayOptions {
  /** The element type, from <stdint.h>. */
  type: CElementType;
  /** Byte alignment of the array, a power of two (default 4). */
  alignment?: number;
  /** The linker section to put the array in, e.g. ".rodata.nn_weights" (default: none, the compiler's). */
  section?: string;
}

/**
 * Exercise 10.3: the C99 declaration of a constant array of integers.
 *
 * TODO: return C source text that declares
 *     const <type> <name>[<length>] <attributes> = { <values in order> };
 * - `const`, so the compiler puts the array in .rodata, which the linker script maps to flash: without it
 *   the values are copied into RAM at reset (.data) and a model's weights would not fit a microcontroller;
 * - exactly `options.type`, and the length written between the brackets;
 * - every value as a decimal integer, in order (a long array may span several lines);
 * - `__attribute__((aligned(N)))` with N = `options.alignment`, 4 when it is not given: the optimized kernels
 *   read int8 weights four at a time with 32-bit loads, and a Cortex-M's double-word and multiple loads
 *   (LDRD, LDM) fault on an address that is not word-aligned;
 * - with `options.section`: `__attribute__((section("<section>")))`, so a linker script can place it
 *   (both can share one attribute list: `__attribute__((aligned(16), section(".rodata.nn")))`).
 * The text must compile with `gcc -std=c99 -pedantic-errors -Wall -Werror` after `#include <stdint.h>`.
 *
 *   cArray("conv_w", [1, -2, 3], { type: "int8_t" })
 *     →  "const int8_t conv_w[3] __attribute__((aligned(4))) = {1, -2, 3};"
 *   cArray("bias", [100, -7], { type: "int32_t", alignment: 16, section: ".rodata.nn" })
 *     →  'const int32_t bias[2] __attribute__((aligned(16), section(".rodata.nn"))) = {100, -7};'
 *
 * Throw a RangeError naming the bad value when:
 * - `name` is not a C identifier (letters, digits, underscores, not starting with a digit) or is a C keyword
 *   such as `int` or `const`;
 * - `options.type` is not "int8_t" or "int32_t";
 * - `values` is empty (C has no zero-length arrays), or a value is not an integer in the type's range
 *   (int8_t: −128..127, int32_t: −2147483648..2147483647); say which index;
 * - `options.alignment` is given and is not a power of two (1, 2, 4, 8, ...);
 * - `options.section` is given and is not a section name: a dot or a letter or underscore, then letters,
 *   digits, underscores and dots (no quotes, no spaces).
 * Hint: in C, -2147483648 is a minus applied to 2147483648, which is too large for an int (it becomes a
 * long): it still works here, but <stdint.h> writes INT32_MIN as (-2147483647 - 1).
 */
export function cArray(name: string, values: ArrayLike<number>, options: CArrayOptions): string {
  notImplemented("10.3");
}
