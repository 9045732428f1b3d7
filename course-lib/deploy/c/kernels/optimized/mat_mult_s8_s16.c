/* mat_mult_s8_s16.c: the matrix-multiply core of the optimized CONV_2D kernel.
 *
 * One call computes every output channel of n = 4, 2 or 1 output pixels (int16 columns, nn_optimized.h):
 *   - four columns: 1 channel x 4 columns tiles, 15 instructions per 16 MACs (naked asm on a DSP core);
 *   - two (pixels left over): 2 channels x 2 columns, the tile of CMSIS-NN's arm_nn_mat_mult_kernel_s8_s16
 *     (18 instructions per 16 MACs in asm, 21 as gcc compiles the C here), which also reorders its columns
 *     so that SXTB16 needs no PKHBT/PKHTB (facts read from its source; this code is the course's own);
 *   - one (the last pixel): 2 channels x 1 column, 13 per 8 MACs.
 * Also here: the channel table all optimized kernels use and the column widening (nn_optimized.h).
 */
#include "nn_optimized.h"

int nn_opt_prepare_channels(nn_opt_channel* table, int32_t channels, const int32_t* multipliers, const int32_t* shifts,
                            const int32_t* bias, int32_t bias_scale, int32_t output_offset, int64_t max_abs_dot) {
  for (int32_t c = 0; c < channels; ++c) {
    const int32_t m = multipliers[c];
    const int32_t e = -shifts[c];
    const int32_t b = bias != 0 ? bias[c] : 0;
    const int64_t abs_b = b < 0 ? -(int64_t)b : (int64_t)b;
    if (m < 0 || e < 1 || e > NN_OPT_MAX_RIGHT_SHIFT || abs_b + max_abs_dot >= NN_OPT_ACC_LIMIT) return 0;
    table[c].bias = b * bias_scale;
    table[c].multiplier = m;
    table[c].round = ((int32_t)1 << (e - 1)) + output_offset * ((int32_t)1 << e);
    table[c].shift = e;
  }
  return 1;
}

void nn_opt_widen_column(const int8_t* src, int32_t k, int32_t input_offset, uint32_t* cols, int32_t n, int32_t i) {
  const uint32_t offset2 = nn_pack16(2 * input_offset, 2 * input_offset);
  const int32_t groups = k >> 2;
  uint32_t* col = cols + 2 * i;
  for (int32_t g = 0; g < groups; ++g, src += 4, col += 2 * n) {
    const uint32_t v = nn_read_u32(src);
    col[0] = nn_sxtab16(nn_sxtab16(offset2, v), v);           /* 2·((x0, x2) + offset) */
    col[1] = nn_sxtab16_ror8(nn_sxtab16_ror8(offset2, v), v); /* 2·((x1, x3) + offset) */
  }
  char* const tails = (char*)(cols + 2 * n * groups);
  for (int32_t e = 0; e < (k & 3); ++e) {
    const int16_t v = (int16_t)(2 * (src[e] + input_offset));
    memcpy(tails + 2 * (e * n + i), &v, 2);
  }
}

/* Tail value e (0..2) of column i in a set of n columns. */
static inline int32_t tail_value(const uint32_t* tails, int32_t n, int32_t e, int32_t i) {
  int16_t v;
  memcpy(&v, (const char*)tails + 2 * (e * n + i), 2);
  return v;
}

/* The K mod 4 last products of one filter row against column i of n. */
static inline int32_t tail_dot(const int8_t* w, const uint32_t* tails, int32_t n, int32_t i, int32_t tail,
                               int32_t acc) {
  for (int32_t e = 0; e < tail; ++e) acc += w[e] * tail_value(tails, n, e, i);
  return acc;
}

/* The group loops (four K steps per group) of the smaller tiles. On a DSP core the 1 x 2 and 2 x 1 loops are
 * inline asm (gcc 12 -O2 spills and reloads in them); elsewhere, the same arithmetic in C (nn_simd.h's
 * emulations), so the host tests check what the asm computes. */

/* 2 channels x 2 columns (two pixels or rows left over): C, which gcc 12 turns into 21 instructions per 16 MACs
 * (an asm version would take all 14 allocatable registers, which inline asm cannot count on). */
static inline __attribute__((always_inline)) void groups_2x2(const int8_t* wa, const int8_t* wb, const uint32_t* x,
                                                            int32_t groups, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
  for (int32_t g = 0; g < groups; ++g, wa += 4, wb += 4, x += 4) {
    const uint32_t wa4 = nn_read_u32(wa), wb4 = nn_read_u32(wb);
    a0 = nn_smlad(nn_sxtb16_ror8(wa4), x[1], nn_smlad(nn_sxtb16(wa4), x[0], a0));
    a1 = nn_smlad(nn_sxtb16_ror8(wa4), x[3], nn_smlad(nn_sxtb16(wa4), x[2], a1));
    b0 = nn_smlad(nn_sxtb16_ror8(wb4), x[1], nn_smlad(nn_sxtb16(wb4), x[0], b0));
    b1 = nn_smlad(nn_sxtb16_ror8(wb4), x[3], nn_smlad(nn_sxtb16(wb4), x[2], b1));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = b0;
  acc[3] = b1;
}

/* 1 channel x 2 columns (the odd last channel): LDRD, LDRD, LDR, 2 SXTB16, 4 SMLAD, CMP, BNE. */
static inline __attribute__((always_inline)) void groups_1x2(const int8_t* w, const uint32_t* x, int32_t groups,
                                                            int32_t acc[2]) {
  int32_t a0 = acc[0], a1 = acc[1];
  if (groups > 0) {
#if NN_SIMD_DSP
    const int8_t* const end = w + 4 * groups;
    uint32_t t0, t1, t2, t3, t4, t5;
    __asm__ volatile(
        "1:\n\t"
        "ldrd   %[t0], %[t1], [%[x]], #8\n\t"
        "ldrd   %[t2], %[t3], [%[x]], #8\n\t"
        "ldr    %[t4], [%[w]], #4\n\t"
        "sxtb16 %[t5], %[t4]\n\t"
        "sxtb16 %[t4], %[t4], ror #8\n\t"
        "smlad  %[a0], %[t5], %[t0], %[a0]\n\t"
        "smlad  %[a0], %[t4], %[t1], %[a0]\n\t"
        "smlad  %[a1], %[t5], %[t2], %[a1]\n\t"
        "smlad  %[a1], %[t4], %[t3], %[a1]\n\t"
        "cmp    %[w], %[end]\n\t"
        "bne    1b\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [x] "+r"(x), [w] "+r"(w), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
          [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
        : [end] "r"(end)
        : "cc", "memory");
#else
    for (int32_t g = 0; g < groups; ++g, w += 4, x += 4) {
      const uint32_t w4 = nn_read_u32(w);
      a0 = nn_smlad(nn_sxtb16_ror8(w4), x[1], nn_smlad(nn_sxtb16(w4), x[0], a0));
      a1 = nn_smlad(nn_sxtb16_ror8(w4), x[3], nn_smlad(nn_sxtb16(w4), x[2], a1));
    }
#endif
  }
  acc[0] = a0;
  acc[1] = a1;
}

/* 2 channels x 1 column: LDRD, LDR, LDR, 4 SXTB16, 4 SMLAD, CMP, BNE (13 for 8 MACs). */
static inline __attribute__((always_inline)) void groups_2x1(const int8_t* wa, const int8_t* wb, const uint32_t* x,
                                                            int32_t groups, int32_t acc[2]) {
  int32_t a = acc[0], b = acc[1];
  if (groups > 0) {
#if NN_SIMD_DSP
    const int8_t* const end = wa + 4 * groups;
    uint32_t t0, t1, t2, t3, t4;
    __asm__ volatile(
        "1:\n\t"
        "ldrd   %[t0], %[t1], [%[x]], #8\n\t"
        "ldr    %[t2], [%[wa]], #4\n\t"
        "ldr    %[t3], [%[wb]], #4\n\t"
        "sxtb16 %[t4], %[t2]\n\t"
        "sxtb16 %[t2], %[t2], ror #8\n\t"
        "smlad  %[a], %[t4], %[t0], %[a]\n\t"
        "smlad  %[a], %[t2], %[t1], %[a]\n\t"
        "sxtb16 %[t4], %[t3]\n\t"
        "sxtb16 %[t3], %[t3], ror #8\n\t"
        "smlad  %[b], %[t4], %[t0], %[b]\n\t"
        "smlad  %[b], %[t3], %[t1], %[b]\n\t"
        "cmp    %[wa], %[end]\n\t"
        "bne    1b\n\t"
        : [a] "+r"(a), [b] "+r"(b), [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb), [t0] "=&r"(t0), [t1] "=&r"(t1),
          [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4)
        : [end] "r"(end)
        : "cc", "memory");
#else
    for (int32_t g = 0; g < groups; ++g, wa += 4, wb += 4, x += 2) {
      const uint32_t wa4 = nn_read_u32(wa), wb4 = nn_read_u32(wb);
      a = nn_smlad(nn_sxtb16_ror8(wa4), x[1], nn_smlad(nn_sxtb16(wa4), x[0], a));
      b = nn_smlad(nn_sxtb16_ror8(wb4), x[1], nn_smlad(nn_sxtb16(wb4), x[0], b));
    }
#endif
  }
  acc[0] = a;
  acc[1] = b;
}

/* 1 channel x 1 column. */
static inline int32_t groups_1x1(const int8_t* w, const uint32_t* x, int32_t groups, int32_t acc) {
  for (int32_t g = 0; g < groups; ++g, w += 4, x += 2) {
    const uint32_t w4 = nn_read_u32(w);
    acc = nn_smlad(nn_sxtb16_ror8(w4), x[1], nn_smlad(nn_sxtb16(w4), x[0], acc));
  }
  return acc;
}

/* The requantized, clamped output of one accumulator (the tail of every tile). */
static inline __attribute__((always_inline)) int8_t output_of(int32_t acc, const nn_opt_channel* ch, const int clamped,
                                                             int32_t act_min, int32_t act_max) {
  return nn_opt_clamp(nn_opt_requantize_doubled(acc, ch), clamped, act_min, act_max);
}

/* The four outputs of a 2 x 2 tile: acc = {channel 0 col 0, channel 0 col 1, channel 1 col 0, channel 1 col 1}
 * to out[0], out[out_c], out[1], out[out_c + 1]. On a DSP core, unclamped, in asm (per output ADD, SMMLAR,
 * ASR, SSAT, STRB; the table by LDRD and LDR): gcc 12 keeps four output pointers on the stack here. */
static inline __attribute__((always_inline)) void requantize_tile(const int32_t acc[4], const nn_opt_channel* ch,
                                                                 int8_t* out, int32_t out_c, const int clamped,
                                                                 int32_t act_min, int32_t act_max) {
#if NN_SIMD_DSP
  if (!clamped) {
    int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
    int32_t m, rnd, e, t;
#define NN_REQ(x, store)                                 \
  "add    %[t], %[rnd], %[" x "], asr #31\n\t"            \
  "smmlar %[" x "], %[" x "], %[m], %[t]\n\t"              \
  "asr    %[" x "], %[" x "], %[e]\n\t"                    \
  "ssat   %[" x "], #8, %[" x "]\n\t" store
    __asm__ volatile(
        "ldrd   %[m], %[rnd], [%[ch], #4]\n\t"
        "ldr    %[e], [%[ch], #12]\n\t"
        NN_REQ("a0", "strb   %[a0], [%[out]]\n\t")
        NN_REQ("a1", "strb   %[a1], [%[out], %[oc]]\n\t")
        "ldrd   %[m], %[rnd], [%[ch], #20]\n\t"
        "ldr    %[e], [%[ch], #28]\n\t"
        NN_REQ("b0", "strb   %[b0], [%[out], #1]\n\t")
        NN_REQ("b1", "add    %[t], %[out], %[oc]\n\tstrb   %[b1], [%[t], #1]\n\t")
        : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [m] "=&r"(m), [rnd] "=&r"(rnd), [e] "=&r"(e),
          [t] "=&r"(t)
        : [ch] "r"(ch), [out] "r"(out), [oc] "r"(out_c)
        : "memory");
#undef NN_REQ
    return;
  }
#endif
  const nn_opt_channel ca = ch[0], cb = ch[1];
  out[0] = output_of(acc[0], &ca, clamped, act_min, act_max);
  out[out_c] = output_of(acc[1], &ca, clamped, act_min, act_max);
  out[1] = output_of(acc[2], &cb, clamped, act_min, act_max);
  out[out_c + 1] = output_of(acc[3], &cb, clamped, act_min, act_max);
}

/* Column i's outputs go to out + i·out_c (consecutive pixels or rows). */
static inline __attribute__((always_inline)) void mat_mult_two_columns(const int8_t* filter, int32_t k, int32_t out_c,
                                                                       const uint32_t* cols, const nn_opt_channel* ch,
                                                                       const int clamped, int32_t act_min,
                                                                       int32_t act_max, int8_t* out) {
  const int32_t groups = k >> 2;
  const int32_t tail = k & 3;
  const int32_t done = 4 * groups; /* weights consumed by the group loop */
  const uint32_t* const tails = cols + 4 * groups;
  const int8_t* wa = filter;
  for (int32_t pairs = out_c >> 1; pairs > 0; --pairs, wa += 2 * k, ch += 2, out += 2) {
    const int8_t* const wb = wa + k;
    int32_t acc[4] = {ch[0].bias, ch[0].bias, ch[1].bias, ch[1].bias};
    groups_2x2(wa, wb, cols, groups, acc);
    if (tail) {
      acc[0] = tail_dot(wa + done, tails, 2, 0, tail, acc[0]);
      acc[1] = tail_dot(wa + done, tails, 2, 1, tail, acc[1]);
      acc[2] = tail_dot(wb + done, tails, 2, 0, tail, acc[2]);
      acc[3] = tail_dot(wb + done, tails, 2, 1, tail, acc[3]);
    }
    requantize_tile(acc, ch, out, out_c, clamped, act_min, act_max);
  }
  if (out_c & 1) { /* odd out_c: the last channel, 1 x 2 */
    int32_t acc[2] = {ch[0].bias, ch[0].bias};
    groups_1x2(wa, cols, groups, acc);
    const nn_opt_channel cc = ch[0];
    out[0] = output_of(tail_dot(wa + done, tails, 2, 0, tail, acc[0]), &cc, clamped, act_min, act_max);
    out[out_c] = output_of(tail_dot(wa + done, tails, 2, 1, tail, acc[1]), &cc, clamped, act_min, act_max);
  }
}

static inline __attribute__((always_inline)) void mat_mult_one_column(const int8_t* filter, int32_t k, int32_t out_c,
                                                                      const uint32_t* col, const nn_opt_channel* ch,
                                                                      const int clamped, int32_t act_min,
                                                                      int32_t act_max, int8_t* out) {
  const int32_t groups = k >> 2;
  const int32_t tail = k & 3;
  const int32_t done = 4 * groups;
  const uint32_t* const tails = col + 2 * groups;
  const int8_t* wa = filter;
  for (int32_t pairs = out_c >> 1; pairs > 0; --pairs, wa += 2 * k, ch += 2, out += 2) {
    const int8_t* const wb = wa + k;
    int32_t acc[2] = {ch[0].bias, ch[1].bias};
    groups_2x1(wa, wb, col, groups, acc);
    const nn_opt_channel ca = ch[0], cb = ch[1];
    out[0] = output_of(tail_dot(wa + done, tails, 1, 0, tail, acc[0]), &ca, clamped, act_min, act_max);
    out[1] = output_of(tail_dot(wb + done, tails, 1, 0, tail, acc[1]), &cb, clamped, act_min, act_max);
  }
  if (out_c & 1) {
    const int32_t acc = tail_dot(wa + done, tails, 1, 0, tail, groups_1x1(wa, col, groups, ch[0].bias));
    const nn_opt_channel cc = ch[0];
    out[0] = output_of(acc, &cc, clamped, act_min, act_max);
  }
}

/* ---- 1 channel x 4 columns: the tile used whenever four pixels are left ----
 * Per group of four K steps: LDR (4 weights), SXTB16, SXTB16-ROR8, two LDM of four column words, 8 SMLAD,
 * CMP, BNE: 15 instructions for 16 MACs. The weights are widened once for four pixels and one channel's
 * requantization constants serve four outputs, so it beats the 2 x 2 tile (18 per 16 MACs) and, with 13 live
 * registers instead of 17, needs no spills. On a DSP core the whole channel loop is one naked asm function
 * (gcc 12 keeps half of the loop state on the stack otherwise); elsewhere the same arithmetic in C. */
typedef struct {
  const int8_t* filter;     /*  0: row of the first channel */
  const uint32_t* cols;     /*  4: four interleaved columns */
  const nn_opt_channel* ch; /*  8 */
  int8_t* out;              /* 12: outputs of column i at out + i·out_c */
  int32_t out_c;            /* 16 */
  int32_t group_bytes;      /* 20: 4·(k / 4) */
  int32_t tail;             /* 24: k mod 4 */
  int32_t channels;         /* 28: >= 1 */
  int32_t act_min;          /* 32 */
  int32_t act_max;          /* 36 */
} quad_args;

#if NN_SIMD_DSP
/* Requantizes accumulator register x (multiplier r0, round r1, shift r2, scratch r12), clamps, stores. */
#define NN_QUAD_REQ(x, clamp, store) \
  "add    r12, r1, " x ", asr #31\n\t" \
  "smmlar " x ", " x ", r0, r12\n\t" \
  "asr    " x ", " x ", r2\n\t" clamp(x) store
#define NN_QUAD_SSAT(x) "ssat   " x ", #8, " x "\n\t"
#define NN_QUAD_BOUNDS(x) \
  "cmp    " x ", r6\n\tit     lt\n\tmovlt  " x ", r6\n\t" \
  "cmp    " x ", r11\n\tit     gt\n\tmovgt  " x ", r11\n\t"
/* Frame: [sp] cols, [sp, #4] group bytes, [sp, #8] tail, [sp, #12] out, [sp, #16] out_c, [sp, #20] the table's
 * end, [sp, #24] act_min, [sp, #28] act_max. Registers: r4 weights (runs from row to row), lr the table,
 * r5 columns, r6 group end, r7-r10 the accumulators of columns 0-3, r11/r12 widened weights, r0-r3 columns. */
#define NN_QUAD_LOAD_BOUNDS "ldrd   r6, r11, [sp, #24]\n\t" /* act_min, act_max */
/* After a channel's groups: its k mod 4 last steps (per step the words (columns 0, 1) and (columns 2, 3)),
 * the four outputs, the next channel (back to `head`). */
#define NN_QUAD_REST(head, CLAMP, LOAD) \
  "3:\n\t" \
  "ldr    r6, [sp, #8]\n\t" \
  "cbz    r6, 5f\n\t" \
  "4:\n\t" \
  "ldrsb  r11, [r4], #1\n\t" \
  "ldrd   r0, r1, [r5], #8\n\t" \
  "smlabb r7, r0, r11, r7\n\t" \
  "smlatb r8, r0, r11, r8\n\t" \
  "smlabb r9, r1, r11, r9\n\t" \
  "smlatb r10, r1, r11, r10\n\t" \
  "subs   r6, r6, #1\n\t" \
  "bne    4b\n\t" \
  "5:\n\t" \
  "ldrd   r0, r1, [lr, #4]\n\t" /* multiplier, round */ \
  "ldr    r2, [lr, #12]\n\t" /* shift */ \
  "ldrd   r3, r5, [sp, #12]\n\t" /* out, out_c */ \
  LOAD \
  NN_QUAD_REQ("r7", CLAMP, "strb   r7, [r3]\n\t") \
  NN_QUAD_REQ("r8", CLAMP, "strb   r8, [r3, r5]\n\t") \
  "add    r3, r3, r5, lsl #1\n\t" \
  NN_QUAD_REQ("r9", CLAMP, "strb   r9, [r3]\n\t") \
  NN_QUAD_REQ("r10", CLAMP, "strb   r10, [r3, r5]\n\t") \
  "ldr    r3, [sp, #12]\n\t" \
  "add    r3, r3, #1\n\t" \
  "str    r3, [sp, #12]\n\t" \
  "add    lr, lr, #16\n\t" \
  "ldr    r3, [sp, #20]\n\t" \
  "cmp    lr, r3\n\t" \
  "bne    " head "b\n\t"
#define NN_QUAD_FUNCTION(name, CLAMP, LOAD) \
  static __attribute__((naked, noinline)) void name(const quad_args* args) { \
    (void)args; \
    __asm__( \
        "push   {r4-r11, lr}\n\t" \
        "sub    sp, sp, #36\n\t" \
        "ldrd   r1, r2, [r0, #4]\n\t" /* cols, table */ \
        "str    r1, [sp]\n\t" \
        "mov    lr, r2\n\t" \
        "ldrd   r1, r2, [r0, #12]\n\t" /* out, out_c */ \
        "strd   r1, r2, [sp, #12]\n\t" \
        "ldrd   r1, r2, [r0, #20]\n\t" /* group bytes, tail */ \
        "strd   r1, r2, [sp, #4]\n\t" \
        "ldr    r1, [r0, #28]\n\t" /* channels: the table's end */ \
        "add    r1, lr, r1, lsl #4\n\t" \
        "str    r1, [sp, #20]\n\t" \
        "ldrd   r1, r2, [r0, #32]\n\t" \
        "strd   r1, r2, [sp, #24]\n\t" \
        "ldr    r4, [r0]\n\t" \
        "ldr    r1, [sp, #4]\n\t" \
        "cmp    r1, #0\n\t" \
        "beq    6f\n\t" /* k < 4: the channel loop without groups */ \
        "1:\n\t" /* a channel, k >= 4: the first group is peeled, it starts the sums from the bias */ \
        "ldrd   r5, r6, [sp]\n\t" \
        "ldr    r7, [lr]\n\t" \
        "add    r6, r4, r6\n\t" \
        "ldr    r11, [r4], #4\n\t" \
        "sxtb16 r12, r11\n\t" \
        "sxtb16 r11, r11, ror #8\n\t" \
        "ldmia  r5!, {r0-r3}\n\t" \
        "smlad  r8, r12, r2, r7\n\t" \
        "smlad  r8, r11, r3, r8\n\t" \
        "ldrd   r2, r3, [r5], #8\n\t" \
        "smlad  r9, r12, r2, r7\n\t" \
        "smlad  r9, r11, r3, r9\n\t" \
        "ldrd   r2, r3, [r5], #8\n\t" \
        "smlad  r10, r12, r2, r7\n\t" \
        "smlad  r10, r11, r3, r10\n\t" \
        "smlad  r7, r12, r0, r7\n\t" \
        "smlad  r7, r11, r1, r7\n\t" \
        "cmp    r4, r6\n\t" \
        "beq    3f\n\t" \
        "2:\n\t" \
        "ldr    r11, [r4], #4\n\t" \
        "sxtb16 r12, r11\n\t" \
        "sxtb16 r11, r11, ror #8\n\t" \
        "ldmia  r5!, {r0-r3}\n\t" \
        "smlad  r7, r12, r0, r7\n\t" \
        "smlad  r7, r11, r1, r7\n\t" \
        "smlad  r8, r12, r2, r8\n\t" \
        "smlad  r8, r11, r3, r8\n\t" \
        "ldmia  r5!, {r0-r3}\n\t" \
        "smlad  r9, r12, r0, r9\n\t" \
        "smlad  r9, r11, r1, r9\n\t" \
        "smlad  r10, r12, r2, r10\n\t" \
        "smlad  r10, r11, r3, r10\n\t" \
        "cmp    r4, r6\n\t" \
        "bne    2b\n\t" \
        NN_QUAD_REST("1", CLAMP, LOAD) \
        "b      9f\n\t" \
        "6:\n\t" /* a channel, k < 4 */ \
        "ldr    r5, [sp]\n\t" \
        "ldr    r7, [lr]\n\t" \
        "mov    r8, r7\n\t" \
        "mov    r9, r7\n\t" \
        "mov    r10, r7\n\t" \
        NN_QUAD_REST("6", CLAMP, LOAD) \
        "9:\n\t" \
        "add    sp, sp, #36\n\t" \
        "pop    {r4-r11, pc}\n\t"); \
  }
NN_QUAD_FUNCTION(quad_tiles_full_range, NN_QUAD_SSAT, "")
NN_QUAD_FUNCTION(quad_tiles_clamped, NN_QUAD_BOUNDS, NN_QUAD_LOAD_BOUNDS)
#undef NN_QUAD_FUNCTION
#undef NN_QUAD_REST
#undef NN_QUAD_REQ
#undef NN_QUAD_SSAT
#undef NN_QUAD_BOUNDS
#undef NN_QUAD_LOAD_BOUNDS
#else
static void quad_tiles_c(const quad_args* a, const int clamped) {
  const int8_t* w = a->filter;
  const int32_t groups = a->group_bytes / 4;
  const uint32_t* const tails = a->cols + 8 * groups;
  for (int32_t c = 0; c < a->channels; ++c) {
    const nn_opt_channel ch = a->ch[c];
    int32_t acc[4] = {ch.bias, ch.bias, ch.bias, ch.bias};
    const uint32_t* x = a->cols;
    for (int32_t g = 0; g < groups; ++g, w += 4, x += 8) {
      const uint32_t w4 = nn_read_u32(w);
      const uint32_t w02 = nn_sxtb16(w4), w13 = nn_sxtb16_ror8(w4);
      for (int32_t i = 0; i < 4; ++i) acc[i] = nn_smlad(w13, x[2 * i + 1], nn_smlad(w02, x[2 * i], acc[i]));
    }
    for (int32_t i = 0; i < 4; ++i) {
      acc[i] = tail_dot(w, tails, 4, i, a->tail, acc[i]);
      a->out[c + i * a->out_c] = output_of(acc[i], &ch, clamped, a->act_min, a->act_max);
    }
    w += a->tail;
  }
}
#endif

static void mat_mult_four_columns(const int8_t* filter, int32_t k, int32_t out_c, const uint32_t* cols,
                                  const nn_opt_channel* ch, int32_t act_min, int32_t act_max, int8_t* out) {
  const quad_args args = {filter, cols, ch, out, out_c, 4 * (k >> 2), k & 3, out_c, act_min, act_max};
  const int clamped = !(act_min == -128 && act_max == 127);
#if NN_SIMD_DSP
  if (clamped) {
    quad_tiles_clamped(&args);
  } else {
    quad_tiles_full_range(&args);
  }
#else
  quad_tiles_c(&args, clamped);
#endif
}

void nn_opt_mat_mult_s8_s16(const int8_t* filter, int32_t k, int32_t out_c, const uint32_t* cols, int32_t n,
                            const nn_opt_channel* channels, int32_t act_min, int32_t act_max, int8_t* out) {
  const int clamped = !(act_min == -128 && act_max == 127);
  if (n == 4) {
    mat_mult_four_columns(filter, k, out_c, cols, channels, act_min, act_max, out);
  } else if (n == 2) {
    if (clamped) {
      mat_mult_two_columns(filter, k, out_c, cols, channels, 1, act_min, act_max, out);
    } else {
      mat_mult_two_columns(filter, k, out_c, cols, channels, 0, act_min, act_max, out);
    }
  } else if (clamped) {
    mat_mult_one_column(filter, k, out_c, cols, channels, 1, act_min, act_max, out);
  } else {
    mat_mult_one_column(filter, k, out_c, cols, channels, 0, act_min, act_max, out);
  }
}
