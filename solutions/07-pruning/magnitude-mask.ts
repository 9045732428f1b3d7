// Lesson 07 exercise 07.1: model solution (see exercises/07-pruning/magnitude-mask.ts for the task): the
// course's own mask, course-lib/compress/prune/magnitude.ts magnitudeMask with its default "exact" tie rule.
import { magnitudeMask as courseMask } from "../../course-lib/compress/prune/magnitude";

export function magnitudeMask(values: ArrayLike<number>, sparsity: number): Uint8Array {
  return courseMask(values, sparsity);
}
