/* depthwise_conv2d_s8.c: DEPTHWISE_CONV_2D for cores with the DSP extension.
 *
 * Why planes: in NHWC the values one output sums (the k_h·k_w taps of ONE channel) are in_c bytes apart, so
 * SMLAD (two products of the same accumulator) has nothing to pair, and channel-lane schemes (CMSIS-NN's
 * arm_depthwise_conv_3x3_s8 issues SMLABB/SMLATT, one product each, plus the widening of both operands: about
 * 2.5 instructions per MAC in its inner loop) pay for the layout. This kernel transposes the input once into
 * int16 planes, one per channel ((x + input_offset), zero-bordered: padded taps add 0, as TFLM skips them), so
 * that horizontally adjacent taps of a channel are adjacent int16 values: one LDR (any alignment) gives a
 * pair, and the weights are pre-packed once per call as int16 pairs (2·w: the doubling the fast
 * requantization needs comes free). A 3 x 3 output then costs 6 SMLAD and the loads of its three rows; two
 * outputs of a stride-1 row share a load per row.
 *
 * Memory: planes exist for a block of NN_DW_BLOCK channels and only for the input rows of a strip of output
 * rows (NN_DW_STRIP on the 3 x 3 path, which amortizes its per-strip work over them; 1 otherwise), in a ring
 * of row slots (every input row is transposed once per channel block), so the scratch grows with the row
 * width, not with the image: micro_speech's 10 x 8 depthwise on 49 x 40 needs 2.5 KB.
 * The depth multiplier is any (output channel ic·M + m reads plane ic). Falls back to the reference kernel for
 * dilation != 1 and for requantization parameters the fast requantization does not reproduce exactly
 * (nn_opt_prepare_channels).
 *
 * Scratch (sized by course-lib/deploy/scratch.ts, optimizedScratchBytes), all parts word aligned:
 *   [out_c x nn_opt_channel]
 *   [out_c x k_h x ceil(k_w / 2) weight pairs (uint32)]
 *   [slots x int32 row held by each slot][slots x int32 plane offset of each strip row]
 *   [3 x 3 path: NN_DW_STRIP x out_w + 1 int32 sums (its first pass)]
 *   [(slots + 1) x min(NN_DW_BLOCK, in_c) x row_width int16 planes; the last block stays zero: rows outside
 *    the image]
 * with slots = min((out_h - 1)·stride_h + k_h, (strip - 1)·stride_h + k_h), strip = NN_DW_STRIP (3 x 3
 * path) or 1, and row_width = even(max(pad_left + in_w, w)), w = out_w·stride_w + k_w + 1 on the 3 x 3 path
 * (it computes one output more on rows of odd width), (out_w - 1)·stride_w + k_w + 1 otherwise.
 */
#include "nn_optimized.h"

#define NN_DW_BLOCK 4
#define NN_DW_STRIP 8

/* The two-pass 3 x 3 path (sums_3x3_rows) applies to 3 x 3 windows of horizontal stride 1 or 2. */
static int is_fast_3x3(const nn_depthwise_conv2d_params* p) {
  return p->k_h == 3 && p->k_w == 3 && (p->stride_w == 1 || p->stride_w == 2);
}

/* Output rows per strip. */
static int32_t strip_rows(const nn_depthwise_conv2d_params* p) { return is_fast_3x3(p) ? NN_DW_STRIP : 1; }

static int32_t row_width(const nn_depthwise_conv2d_params* p) {
  const int32_t image = p->pad_left + p->in_w;
  /* The last output's window (+ 1: a pair closes an odd row), and on the 3 x 3 path one output more. */
  const int32_t window = (is_fast_3x3(p) ? p->out_w : p->out_w - 1) * p->stride_w + p->k_w + 1;
  const int32_t w = image > window ? image : window;
  return (w + 1) & ~(int32_t)1;
}

static int32_t ring_slots(const nn_depthwise_conv2d_params* p) {
  const int32_t strip = (strip_rows(p) - 1) * p->stride_h + p->k_h;
  const int32_t all = (p->out_h - 1) * p->stride_h + p->k_h;
  return strip < all ? strip : all;
}

/* Input row y, channels c0..c0+nc-1, into nc plane rows (dst + c·width), image column x at plane column
 * pad_left + x. Four channels at a time: per two pixels 2 LDR, 4 SXTAB16, 4 PKHBT/PKHTB, 4 STR. */
static void transpose_row(const int8_t* src, int32_t in_w, int32_t in_c, int32_t nc, int32_t input_offset,
                          int16_t* dst, int32_t width) {
  int32_t x = 0;
  if (nc == NN_DW_BLOCK && in_w >= 2) {
    const uint32_t offset2 = nn_pack16(input_offset, input_offset);
    const int32_t pixel_pairs = in_w / 2;
    x = 2 * pixel_pairs;
#if NN_SIMD_DSP
    /* 17 instructions per two pixels of four channels: gcc 12 spills in the C below (30 measured). */
    int16_t* d0 = dst;                 /* channels 0 and 1: [d0], [d0 + row] */
    int16_t* d2 = dst + 2 * width;     /* channels 2 and 3: [d2], [d2 + row] */
    const int32_t row = 2 * width;     /* bytes from one channel's plane row to the next */
    int16_t* const end = dst + x;
    uint32_t v0, v1, e0, o0, e1, o1;
    __asm__ volatile(
        "1:\n\t"
        "ldr     %[v0], [%[src]]\n\t"
        "ldr     %[v1], [%[src], %[in_c]]\n\t"
        "add     %[src], %[src], %[in_c], lsl #1\n\t"
        "sxtab16 %[e0], %[off], %[v0]\n\t"
        "sxtab16 %[o0], %[off], %[v0], ror #8\n\t"
        "sxtab16 %[e1], %[off], %[v1]\n\t"
        "sxtab16 %[o1], %[off], %[v1], ror #8\n\t"
        "pkhbt   %[v0], %[e0], %[e1], lsl #16\n\t"
        "pkhbt   %[v1], %[o0], %[o1], lsl #16\n\t"
        "pkhtb   %[e1], %[e1], %[e0], asr #16\n\t"
        "pkhtb   %[o1], %[o1], %[o0], asr #16\n\t"
        "str     %[v1], [%[d0], %[row]]\n\t"
        "str     %[o1], [%[d2], %[row]]\n\t"
        "str     %[e1], [%[d2]], #4\n\t"
        "str     %[v0], [%[d0]], #4\n\t"
        "cmp     %[d0], %[end]\n\t"
        "bne     1b\n\t"
        : [src] "+r"(src), [d0] "+r"(d0), [d2] "+r"(d2), [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0),
          [o0] "=&r"(o0), [e1] "=&r"(e1), [o1] "=&r"(o1)
        : [in_c] "r"(in_c), [off] "r"(offset2), [row] "r"(row), [end] "r"(end)
        : "cc", "memory");
#else
    for (int32_t i = 0; i < x; i += 2, src += 2 * in_c) {
      const uint32_t v0 = nn_read_u32(src);
      const uint32_t v1 = nn_read_u32(src + in_c);
      const uint32_t e0 = nn_sxtab16(offset2, v0), o0 = nn_sxtab16_ror8(offset2, v0); /* (c0, c2), (c1, c3) */
      const uint32_t e1 = nn_sxtab16(offset2, v1), o1 = nn_sxtab16_ror8(offset2, v1);
      nn_write_u32(dst + i, nn_pkhbt(e0, e1));
      nn_write_u32(dst + width + i, nn_pkhbt(o0, o1));
      nn_write_u32(dst + 2 * width + i, nn_pkhtb(e1, e0));
      nn_write_u32(dst + 3 * width + i, nn_pkhtb(o1, o0));
    }
#endif
  }
  for (; x < in_w; ++x, src += in_c) {
    for (int32_t c = 0; c < nc; ++c) dst[c * width + x] = (int16_t)(src[c] + input_offset);
  }
}

static inline uint32_t pair_at(const int16_t* p) { return nn_read_u32(p); }

/* One channel, rows 0..rows-1 of a strip, any k_h x k_w: per tap pair one LDR of weights, one of input, SMLAD. */
static inline __attribute__((always_inline)) void strip_generic(const int32_t* row_offset, const int16_t* planes,
                                                                 int32_t rows, int32_t k_h, int32_t pairs,
                                                                 int32_t stride_h, int32_t stride_w, int32_t out_w,
                                                                 const uint32_t* w, const nn_opt_channel* ch,
                                                                 const int clamped, int32_t act_min, int32_t act_max,
                                                                 int8_t* out, int32_t out_c) {
  for (int32_t r = 0; r < rows; ++r, out += out_w * out_c) {
    const int32_t* first = row_offset + r * stride_h;
    for (int32_t ox = 0; ox < out_w; ++ox) {
      int32_t acc = ch->bias;
      const uint32_t* wp = w;
      for (int32_t ky = 0; ky < k_h; ++ky) {
        const int16_t* x = planes + first[ky] + ox * stride_w;
        for (int32_t j = 0; j < pairs; ++j) acc = nn_smlad(*wp++, pair_at(x + 2 * j), acc);
      }
      out[ox * out_c] = nn_opt_clamp(nn_opt_requantize_doubled(acc, ch), clamped, act_min, act_max);
    }
  }
}

/* 3 x 3, horizontal stride 1 or 2, in two passes per channel and strip: the bias plus the 9-tap sums of the
 * strip's output rows, two outputs per step, into int32 rows of the scratch; then one requantization loop
 * over the strip. (One pass would need ~19 live values: 5 weights, 3 row pointers, 2 sums, bias, multiplier,
 * rounding, shift, output pointer and stride, end, a temporary; gcc spills half of them, ~4.4 instructions
 * per MAC measured.) A row of odd width computes one output more, into the first sum of the next row, which
 * that row then overwrites (the last row's lands in the spare sum at the end; the planes are wide enough).
 * Weights per channel: w0, w1, w2 = (2·w[r][0], 2·w[r][1]) of rows r = 0, 1, 2, then (2·w[0][2], 2·w[1][2])
 * and (2·w[2][2], 0). The rows come as a table (three plane-row pointers of the block's first channel, the
 * end and the start of the row's sums, an entry with end == NULL closing it), built once per strip for
 * every channel, so one naked asm function runs the whole strip: per two outputs 9 LDR (any alignment),
 * 6 SMLAD, 6 SMLAxy, STRD, CMP, BNE; per row 2 LDRD, LDR, 3 ADD (the channel), CMP, BEQ, B. It needs all 14
 * allocatable registers, which inline asm cannot count on (gcc 12 finds none for it inside a loop). */
typedef struct {
  const int16_t* x0; /* plane rows of kernel rows 0, 1, 2 at the row's first output */
  const int16_t* x1;
  const int16_t* x2;
  int32_t* end; /* one past the row's last pair of sums; NULL closes the table */
  int32_t* sums;
} dw_row;

#if NN_SIMD_DSP
/* Registers: r0 the table (between rows) or the bias (in a row), r1-r3 the pairs of kernel rows 0-2,
 * r12 (w[0][2], w[1][2]), lr (w[2][2], 0), r4-r6 the plane rows, r7 the row's end, r8 its sums,
 * r9/r10 the two sums, r11 the loaded pair. */
static __attribute__((naked, noinline)) void sums_3x3_rows(const dw_row* table, const uint32_t* w, int32_t stride,
                                                          int32_t bias, int32_t channel_bytes) {
  (void)table;
  (void)w;
  (void)stride;
  (void)bias;
  (void)channel_bytes; /* the fifth argument: on the stack, [sp, #44] once 9 registers and 8 bytes are pushed */
  __asm__(
      "push   {r4-r11, lr}\n\t"
      "sub    sp, sp, #8\n\t"
      "str    r3, [sp, #4]\n\t" /* the bias; [sp] holds the table pointer while r0 holds the bias */
      "ldr    r12, [r1, #12]\n\t"
      "ldr    lr, [r1, #16]\n\t"
      "ldr    r3, [r1, #8]\n\t"
      "cmp    r2, #1\n\t"
      "ldrd   r1, r2, [r1]\n\t"
      "bne    20f\n\t"
      /* stride 1 */
      "21:\n\t"
      "ldrd   r4, r5, [r0], #8\n\t"
      "ldrd   r6, r7, [r0], #8\n\t"
      "ldr    r8, [r0], #4\n\t"
      "cmp    r7, #0\n\t"
      "beq    9f\n\t"
      "ldr    r9, [sp, #44]\n\t" /* the channel's planes: the table's rows + channel_bytes */
      "add    r4, r4, r9\n\t"
      "add    r5, r5, r9\n\t"
      "add    r6, r6, r9\n\t"
      "str    r0, [sp]\n\t"
      "ldr    r0, [sp, #4]\n\t"
      "11:\n\t"
      "ldr    r11, [r4], #4\n\t" /* (c0, c1) */
      "smlad  r9, r1, r11, r0\n\t"
      "ldr    r11, [r4, #-2]\n\t" /* (c1, c2) */
      "smlad  r10, r1, r11, r0\n\t"
      "ldr    r11, [r4]\n\t" /* (c2, c3) */
      "smlabb r9, r12, r11, r9\n\t"
      "smlabt r10, r12, r11, r10\n\t"
      "ldr    r11, [r5], #4\n\t"
      "smlad  r9, r2, r11, r9\n\t"
      "ldr    r11, [r5, #-2]\n\t"
      "smlad  r10, r2, r11, r10\n\t"
      "ldr    r11, [r5]\n\t"
      "smlatb r9, r12, r11, r9\n\t"
      "smlatt r10, r12, r11, r10\n\t"
      "ldr    r11, [r6], #4\n\t"
      "smlad  r9, r3, r11, r9\n\t"
      "ldr    r11, [r6, #-2]\n\t"
      "smlad  r10, r3, r11, r10\n\t"
      "ldr    r11, [r6]\n\t"
      "smlabb r9, lr, r11, r9\n\t"
      "smlabt r10, lr, r11, r10\n\t"
      "strd   r9, r10, [r8], #8\n\t"
      "cmp    r8, r7\n\t"
      "bne    11b\n\t"
      "ldr    r0, [sp]\n\t"
      "b      21b\n\t"
      /* stride 2 */
      "20:\n\t"
      "ldrd   r4, r5, [r0], #8\n\t"
      "ldrd   r6, r7, [r0], #8\n\t"
      "ldr    r8, [r0], #4\n\t"
      "cmp    r7, #0\n\t"
      "beq    9f\n\t"
      "ldr    r9, [sp, #44]\n\t" /* the channel's planes: the table's rows + channel_bytes */
      "add    r4, r4, r9\n\t"
      "add    r5, r5, r9\n\t"
      "add    r6, r6, r9\n\t"
      "str    r0, [sp]\n\t"
      "ldr    r0, [sp, #4]\n\t"
      "10:\n\t"
      "ldr    r11, [r4], #8\n\t" /* (c0, c1) */
      "smlad  r9, r1, r11, r0\n\t"
      "ldr    r11, [r4, #-4]\n\t" /* (c2, c3) */
      "smlabb r9, r12, r11, r9\n\t"
      "smlad  r10, r1, r11, r0\n\t"
      "ldr    r11, [r4]\n\t" /* (c4, c5) */
      "smlabb r10, r12, r11, r10\n\t"
      "ldr    r11, [r5], #8\n\t"
      "smlad  r9, r2, r11, r9\n\t"
      "ldr    r11, [r5, #-4]\n\t"
      "smlatb r9, r12, r11, r9\n\t"
      "smlad  r10, r2, r11, r10\n\t"
      "ldr    r11, [r5]\n\t"
      "smlatb r10, r12, r11, r10\n\t"
      "ldr    r11, [r6], #8\n\t"
      "smlad  r9, r3, r11, r9\n\t"
      "ldr    r11, [r6, #-4]\n\t"
      "smlabb r9, lr, r11, r9\n\t"
      "smlad  r10, r3, r11, r10\n\t"
      "ldr    r11, [r6]\n\t"
      "smlabb r10, lr, r11, r10\n\t"
      "strd   r9, r10, [r8], #8\n\t"
      "cmp    r8, r7\n\t"
      "bne    10b\n\t"
      "ldr    r0, [sp]\n\t"
      "b      20b\n\t"
      "9:\n\t"
      "add    sp, sp, #8\n\t"
      "pop    {r4-r11, pc}\n\t");
}
#else
static void sums_3x3_rows(const dw_row* table, const uint32_t* w, int32_t stride, int32_t bias,
                          int32_t channel_bytes) {
  for (; table->end != 0; ++table) {
    const int32_t c = channel_bytes / 2;
    const int16_t* rows[3] = {table->x0 + c, table->x1 + c, table->x2 + c};
    for (int32_t* sums = table->sums; sums != table->end; sums += 2) {
      int32_t a = bias, b = bias;
      for (int32_t r = 0; r < 3; ++r) {
        const int32_t third = r == 0 ? nn_bottom16(w[3]) : r == 1 ? nn_top16(w[3]) : nn_bottom16(w[4]);
        a = nn_smlad(w[r], pair_at(rows[r]), a) + third * rows[r][2];
        b = nn_smlad(w[r], pair_at(rows[r] + stride), b) + third * rows[r][stride + 2];
        rows[r] += 2 * stride;
      }
      sums[0] = a;
      sums[1] = b;
    }
  }
}
#endif

/* Requantizes n sums (biases included) into every out_c-th output byte. On a DSP core two at a time in asm:
 * per two outputs LDRD, 2 x (ADD, SMMLAR, ASR, SSAT, STRB), ADD, CMP, BNE (a clamp inside int8: 2 x 6 more,
 * no SSAT); gcc 12 spills the rounding term and keeps a counter (11 per output measured). */
static __attribute__((noinline)) void requantize_sums(const int32_t* sums, int32_t n, const nn_opt_channel* ch,
                                                      int32_t act_min, int32_t act_max,
                            int8_t* out, int32_t out_c) {
  const nn_opt_channel c = *ch;
  const int clamped = !(act_min == -128 && act_max == 127);
  int32_t i = 0;
#if NN_SIMD_DSP
  if (n >= 2) {
    const int32_t* const end = sums + (n & ~1);
    int32_t a, b, t;
    i = n & ~1;
    if (!clamped) {
      __asm__ volatile(
          "1:\n\t"
          "ldrd   %[a], %[b], [%[s]], #8\n\t"
          "add    %[t], %[rnd], %[a], asr #31\n\t"
          "smmlar %[a], %[a], %[m], %[t]\n\t"
          "add    %[t], %[rnd], %[b], asr #31\n\t"
          "smmlar %[b], %[b], %[m], %[t]\n\t"
          "asr    %[a], %[a], %[e]\n\t"
          "asr    %[b], %[b], %[e]\n\t"
          "ssat   %[a], #8, %[a]\n\t"
          "ssat   %[b], #8, %[b]\n\t"
          "strb   %[a], [%[o]]\n\t"
          "strb   %[b], [%[o], %[oc]]\n\t"
          "add    %[o], %[o], %[oc], lsl #1\n\t"
          "cmp    %[s], %[end]\n\t"
          "bne    1b\n\t"
          : [s] "+r"(sums), [o] "+r"(out), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t)
          : [rnd] "r"(c.round), [m] "r"(c.multiplier), [e] "r"(c.shift), [oc] "r"(out_c),
            [end] "r"(end)
          : "cc", "memory");
    } else {
      __asm__ volatile(
          "1:\n\t"
          "ldrd   %[a], %[b], [%[s]], #8\n\t"
          "add    %[t], %[rnd], %[a], asr #31\n\t"
          "smmlar %[a], %[a], %[m], %[t]\n\t"
          "add    %[t], %[rnd], %[b], asr #31\n\t"
          "smmlar %[b], %[b], %[m], %[t]\n\t"
          "asr    %[a], %[a], %[e]\n\t"
          "asr    %[b], %[b], %[e]\n\t"
          "cmp    %[a], %[lo]\n\t"
          "it     lt\n\t"
          "movlt  %[a], %[lo]\n\t"
          "cmp    %[a], %[hi]\n\t"
          "it     gt\n\t"
          "movgt  %[a], %[hi]\n\t"
          "cmp    %[b], %[lo]\n\t"
          "it     lt\n\t"
          "movlt  %[b], %[lo]\n\t"
          "cmp    %[b], %[hi]\n\t"
          "it     gt\n\t"
          "movgt  %[b], %[hi]\n\t"
          "strb   %[a], [%[o]]\n\t"
          "strb   %[b], [%[o], %[oc]]\n\t"
          "add    %[o], %[o], %[oc], lsl #1\n\t"
          "cmp    %[s], %[end]\n\t"
          "bne    1b\n\t"
          : [s] "+r"(sums), [o] "+r"(out), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t)
          : [rnd] "r"(c.round), [m] "r"(c.multiplier), [e] "r"(c.shift), [oc] "r"(out_c),
            [end] "r"(end), [lo] "r"(act_min), [hi] "r"(act_max)
          : "cc", "memory");
    }
    sums = end;
  }
#endif
  for (; i < n; ++i, out += out_c) {
    out[0] = nn_opt_clamp(nn_opt_requantize_doubled(*sums++, &c), clamped, act_min, act_max);
  }
}

/* The strip's rows for sums_3x3_rows (channel 0 of the block; sums_3x3_rows adds the channel's offset). */
static void table_3x3(const nn_depthwise_conv2d_params* p, const int32_t* row_offset, const int16_t* planes,
                      int32_t rows, int32_t* sums, dw_row* table) {
  const int32_t out_w = p->out_w;
  const int32_t paired = (out_w + 1) & ~(int32_t)1; /* outputs the two-output steps compute per row */
  for (int32_t r = 0; r < rows; ++r) {
    const int32_t* first = row_offset + r * p->stride_h;
    dw_row* t = &table[r];
    t->x0 = planes + first[0];
    t->x1 = planes + first[1];
    t->x2 = planes + first[2];
    t->sums = sums + r * out_w;
    t->end = t->sums + paired;
  }
  table[rows].end = 0;
}

static void strip_any(const nn_depthwise_conv2d_params* p, const int32_t* row_offset, const int16_t* planes,
                      int32_t rows, const uint32_t* w, const nn_opt_channel* ch, int8_t* out) {
  const int clamped = !(p->act_min == -128 && p->act_max == 127);
  const int32_t pairs = (p->k_w + 1) / 2;
  if (clamped) {
    strip_generic(row_offset, planes, rows, p->k_h, pairs, p->stride_h, p->stride_w, p->out_w, w, ch, 1, p->act_min,
                  p->act_max, out, p->out_c);
  } else {
    strip_generic(row_offset, planes, rows, p->k_h, pairs, p->stride_h, p->stride_w, p->out_w, w, ch, 0, p->act_min,
                  p->act_max, out, p->out_c);
  }
}

void nn_depthwise_conv2d_s8_optimized(const nn_depthwise_conv2d_params* p, const int8_t* input, const int8_t* filter,
                                      const int32_t* bias, int8_t* output, void* scratch) {
  if (p->dilation_h != 1 || p->dilation_w != 1) { /* dilated depthwise: not handled here */
    nn_depthwise_conv2d_s8_reference(p, input, filter, bias, output, scratch);
    return;
  }
  const int32_t out_c = p->out_c;
  const int32_t dm = p->depth_multiplier;
  const int32_t taps = p->k_h * p->k_w;
  const int64_t max_abs_dot = (int64_t)taps * 128 * nn_opt_max_abs_offset(p->input_offset);
  nn_opt_channel* const channels = (nn_opt_channel*)scratch;
  if (!nn_opt_prepare_channels(channels, out_c, p->multipliers, p->shifts, bias, 2, p->output_offset, max_abs_dot)) {
    nn_depthwise_conv2d_s8_reference(p, input, filter, bias, output, scratch);
    return;
  }
  const int32_t pairs = (p->k_w + 1) / 2;
  const int32_t width = row_width(p);
  const int32_t slots = ring_slots(p);
  uint32_t* const weights = (uint32_t*)(channels + out_c);
  int32_t* const slot_row = (int32_t*)(weights + out_c * p->k_h * pairs);
  int32_t* const row_offset = slot_row + slots;
  int32_t* const sums = row_offset + slots;
  const int fast = is_fast_3x3(p);
  const int32_t strip = strip_rows(p);
  int16_t* const planes = (int16_t*)(sums + (fast ? NN_DW_STRIP * p->out_w + 1 : 0));
  /* Channels per set of planes: NN_DW_BLOCK, or in_c when there are fewer. */
  const int32_t block_channels = p->in_c < NN_DW_BLOCK ? p->in_c : NN_DW_BLOCK;
  const int32_t block = block_channels * width; /* int16 values per slot */
  const int32_t zero_block = slots * block;

  /* Weights, doubled, as int16 pairs: (2·w[kx], 2·w[kx+1]) per channel and filter row, (2·w, 0) closing an odd
   * row; the fast 3 x 3 path packs its five words differently (see sums_3x3_pairs). */
#define NN_DW_W(ky, kx) (2 * filter[((ky) * p->k_w + (kx)) * out_c + oc])
  for (int32_t oc = 0; oc < out_c; ++oc) {
    uint32_t* wc = weights + oc * p->k_h * pairs;
    if (fast) {
      for (int32_t ky = 0; ky < 3; ++ky) wc[ky] = nn_pack16(NN_DW_W(ky, 0), NN_DW_W(ky, 1));
      wc[3] = nn_pack16(NN_DW_W(0, 2), NN_DW_W(1, 2));
      wc[4] = nn_pack16(NN_DW_W(2, 2), 0);
      continue;
    }
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t j = 0; j < pairs; ++j) {
        const int32_t kx = 2 * j;
        *wc++ = nn_pack16(NN_DW_W(ky, kx), kx + 1 < p->k_w ? NN_DW_W(ky, kx + 1) : 0);
      }
    }
  }
#undef NN_DW_W
  memset(planes, 0, (size_t)(slots + 1) * (size_t)block * sizeof(int16_t));
  dw_row table[NN_DW_STRIP + 1];

  for (int32_t c0 = 0; c0 < p->in_c; c0 += NN_DW_BLOCK) {
    const int32_t nc = p->in_c - c0 < NN_DW_BLOCK ? p->in_c - c0 : NN_DW_BLOCK;
    for (int32_t s = 0; s < slots; ++s) slot_row[s] = -1;
    for (int32_t oy = 0; oy < p->out_h; oy += strip) {
      const int32_t rows = p->out_h - oy < strip ? p->out_h - oy : strip;
      const int32_t y_first = oy * p->stride_h - p->pad_top;
      const int32_t needed = (rows - 1) * p->stride_h + p->k_h;
      for (int32_t i = 0; i < needed; ++i) {
        const int32_t y = y_first + i;
        if (y < 0 || y >= p->in_h) {
          row_offset[i] = zero_block;
          continue;
        }
        const int32_t s = y % slots;
        if (slot_row[s] != y) {
          transpose_row(input + (y * p->in_w) * p->in_c + c0, p->in_w, p->in_c, nc, p->input_offset,
                        planes + s * block + p->pad_left, width);
          slot_row[s] = y;
        }
        row_offset[i] = s * block;
      }
      if (fast) table_3x3(p, row_offset, planes, rows, sums, table);
      for (int32_t c = 0; c < nc; ++c) {
        const int32_t ic = c0 + c;
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          const uint32_t* const w = weights + oc * p->k_h * pairs;
          int8_t* const out = output + (oy * p->out_w) * out_c + oc;
          if (fast) {
            sums_3x3_rows(table, w, p->stride_w, channels[oc].bias, c * width * (int32_t)sizeof(int16_t));
            requantize_sums(sums, rows * p->out_w, &channels[oc], p->act_min, p->act_max, out, out_c);
          } else {
            strip_any(p, row_offset, planes + c * width, rows, w, &channels[oc], out);
          }
        }
      }
    }
  }
}
