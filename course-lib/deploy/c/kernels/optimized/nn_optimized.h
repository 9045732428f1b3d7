/* nn_optimized.h: what the optimized kernels share (internal to kernels/optimized/, not part of the interface).
 *
 * 1. A per-output-channel table {bias, multiplier, round, shift} built once per call in the scratch buffer, so
 *    the requantization of one accumulator costs four instructions (ADD, SMMLAR, ASR, SSAT) instead of the
 *    ~20 of fixed_point.h's function, and gives the same int32 for the accumulators the table admits:
 *
 *      fixed_point.h (TFLM, double rounding), for shift = -e with e >= 1 and multiplier M >= 0:
 *        s = SRDHM(acc, M)        = floor((acc·M + 2^30) / 2^31)          (no saturation: M != INT32_MIN)
 *        q = RDBPOT(s, e)         = floor((s + 2^(e-1) - [s < 0]) / 2^e)  (ties away from zero)
 *        out = q + output_offset, clamped.
 *      Here, with a2 = 2·acc (exact while |acc| < 2^30; the kernels accumulate it directly, from doubled
 *      columns or weights and a doubled bias) and round = 2^(e-1) + output_offset·2^e:
 *        SMMLAR(a2, M, round - [acc < 0]) = floor((a2·M + 2^31) / 2^32) + round - [acc < 0]
 *                                         = s + 2^(e-1) + output_offset·2^e - [acc < 0]
 *        ASR e of that                    = q + output_offset.
 *      [acc < 0] may stand for [s < 0]: they differ only when acc < 0 and s = 0, and then both give q = 0.
 *      No intermediate overflows: |s| < 2^30, |round| < 2^30 for e <= 22.
 *    nn_opt_prepare_channels admits a call only if every channel has M >= 0 and shift in [-22, -1] and
 *    |bias| + (the largest |sum of products| the shapes allow) < 2^30; otherwise the kernel calls the
 *    reference kernel (see each kernel's dispatch), so every input gives the reference bytes.
 * 2. The int8 -> int16 "columns" of the matrix-multiply core (mat_mult_s8_s16.c): n = 1, 2 or 4 vectors of
 *    K values 2·(x + input_offset) (doubled: see part 1) as words. Each group of four values k..k+3 of a
 *    column is stored as (x_k, x_k+2), (x_k+1, x_k+3), so that SXTB16 and SXTB16-ROR8 of four int8 weights
 *    pair with them without any repacking (PKHBT/PKHTB); the n columns are interleaved group by group
 *    ([x02 x13 y02 y13 ...]), so a tile walks one pointer with LDRD/LDM. The K mod 4 last values follow as
 *    int16, value e of column i at int16 index e·n + i (for n = 4: one LDRD per step).
 *    Sizes: NN_OPT_COLUMN_WORDS.
 */
#ifndef TINYML_COURSE_NN_OPTIMIZED_H
#define TINYML_COURSE_NN_OPTIMIZED_H

#include <stdint.h>

#include "nn_kernels.h"
#include "nn_simd.h"

typedef struct {
  int32_t bias;       /* bias[c] (times bias_scale) */
  int32_t multiplier; /* M >= 0 */
  int32_t round;      /* 2^(e-1) + output_offset · 2^e */
  int32_t shift;      /* e = -shift, 1..22 */
} nn_opt_channel;

/* The largest shift magnitude the table admits (keeps output_offset·2^e and the rounding term below 2^30). */
#define NN_OPT_MAX_RIGHT_SHIFT 22
/* |accumulator| must stay below this for a2 = 2·acc to be exact. */
#define NN_OPT_ACC_LIMIT ((int64_t)1 << 30)

/* Fills table[0..channels) and returns 1, or returns 0 when some channel is outside what the fast
 * requantization reproduces exactly (then the caller runs the reference kernel). max_abs_dot bounds
 * |sum of products| of one output; bias may be NULL. */
int nn_opt_prepare_channels(nn_opt_channel* table, int32_t channels, const int32_t* multipliers, const int32_t* shifts,
                            const int32_t* bias, int32_t bias_scale, int32_t output_offset, int64_t max_abs_dot);

/* max |v + offset| over int8 v. */
static inline int32_t nn_opt_max_abs_offset(int32_t offset) {
  const int32_t lo = -128 + offset, hi = 127 + offset;
  const int32_t a = lo < 0 ? -lo : lo, b = hi < 0 ? -hi : hi;
  return a > b ? a : b;
}

/* The requantized output (before the clamp, output_offset added) of a doubled accumulator acc2 = 2·acc: the
 * kernels double their columns (conv, FC) or their weights (depthwise), so the doubling costs no instruction
 * per output. */
static inline int32_t nn_opt_requantize_doubled(int32_t acc2, const nn_opt_channel* ch) {
  return nn_smmlar(acc2, ch->multiplier, ch->round + (acc2 >> 31)) >> ch->shift;
}

/* Clamp to [act_min, act_max] ⊂ [-128, 127]; `clamped` is a compile-time constant at every call site:
 * 0 when the range is the whole int8 range (one SSAT), 1 otherwise (SSAT, then the two bounds). */
static inline int8_t nn_opt_clamp(int32_t value, int clamped, int32_t act_min, int32_t act_max) {
  int32_t v = nn_ssat8(value);
  if (clamped) {
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
  }
  return (int8_t)v;
}

/* Words of a set of n columns of k values: 2n per group of four, then (k mod 4)·n int16 tail values. */
#define NN_OPT_COLUMN_WORDS(k, n) (2 * (n) * ((k) >> 2) + (((k)&3) * (n) + 1) / 2)

/* Widens k int8 values into 2·(x + input_offset) in column i of a set of n columns (layout above). */
void nn_opt_widen_column(const int8_t* src, int32_t k, int32_t input_offset, uint32_t* cols, int32_t n, int32_t i);

/* Output channels 0..out_c-1 of n = 1, 2 or 4 columns: out[i·out_c + c] from column i, with filter rows of
 * k int8 (filter + c·k) and the channel table (bias added, requantized, clamped). */
void nn_opt_mat_mult_s8_s16(const int8_t* filter, int32_t k, int32_t out_c, const uint32_t* cols, int32_t n,
                            const nn_opt_channel* channels, int32_t act_min, int32_t act_max, int8_t* out);

/* Rounds a byte count up to a multiple of 4 (the scratch layouts keep every part word aligned). */
#define NN_OPT_ALIGN4(n) (((n) + 3) & ~(int32_t)3)

#endif /* TINYML_COURSE_NN_OPTIMIZED_H */
