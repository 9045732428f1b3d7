// Lesson 07 exercise 07.4: model solution (see exercises/07-pruning/csr-bytes.ts for the task). It calls the
// course's function, course-lib/compress/prune/storage.ts csrBytes, whose tests check it against the bytes
// encodeSparse really writes.
import { csrBytes as courseCsrBytes } from "../../course-lib/compress/prune/storage";

export function csrBytes(values: ArrayLike<number>, rows: number, cols: number, indexBytes: 1 | 2): number {
  return courseCsrBytes(values, rows, cols, indexBytes);
}
