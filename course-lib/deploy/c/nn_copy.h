/* nn_copy.h: byte copies for the reference kernels that never become C-library calls.
 *
 * GCC at -O2 recognises copy and fill loops and replaces them by calls to memcpy/memmove/memset
 * (-ftree-loop-distribute-patterns). Firmware linked with -nostdlib has no such functions, so the loops here
 * and in the kernels that fill scratch (mean) carry NN_NO_LIBCALL_LOOPS, which turns that transformation off
 * for the function (GCC only; other compilers get nothing and must link a C library if they do the same).
 * The copies are byte loops: RESHAPE is normally planned in place (no copy at all) and CONCATENATION moves
 * small blocks, so a word-copy routine would buy little on the course's models.
 */
#ifndef TINYML_COURSE_NN_COPY_H
#define TINYML_COURSE_NN_COPY_H

#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NN_NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NN_NO_LIBCALL_LOOPS
#endif

/* memmove semantics: correct for any overlap of the two ranges (copies backward when dst is above src). */
static inline NN_NO_LIBCALL_LOOPS void nn_copy_s8(int8_t* dst, const int8_t* src, int32_t size) {
  int32_t i;
  if ((uintptr_t)dst <= (uintptr_t)src) {
    for (i = 0; i < size; ++i) dst[i] = src[i];
  } else {
    for (i = size - 1; i >= 0; --i) dst[i] = src[i];
  }
}

#endif /* TINYML_COURSE_NN_COPY_H */
