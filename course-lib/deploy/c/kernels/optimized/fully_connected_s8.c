/* fully_connected_s8.c: FULLY_CONNECTED for cores with the DSP extension.
 *
 * Row by row, two output channels at a time: per four inputs one LDR and two SXTAB16 widen the inputs and add
 * the input offset, then per channel one LDR and two SXTB16 widen four weights and two SMLAD multiply them:
 * 15 instructions per 8 MACs. Each weight is used once per row, so unlike the convolutions there is nothing
 * to gain from widening the input into a buffer first (it would save 3 instructions per 8 MACs but cost
 * 2·in_dim bytes of RAM: 8 KB for micro_speech's 4000-input layer, more than a small board has to spare).
 * A weight zero point (per-tensor weights only) costs nothing per MAC: sum (w + fo)·(x + io) =
 * sum w·(x + io) + fo·S with S = sum (x + io) of the row, so fo·S joins every channel's bias for that row, as
 * CMSIS-NN folds its offsets into a precomputed kernel sum (the course cannot precompute at export time
 * without changing the kernel interface, so the per-row term is computed here, once per row).
 * Falls back to nn_fully_connected_s8_reference for requantization parameters the fast requantization does
 * not reproduce exactly (see nn_opt_prepare_channels).
 *
 * Scratch (sized by course-lib/deploy/scratch.ts, optimizedScratchBytes): [out_dim x nn_opt_channel].
 */
#include "nn_optimized.h"

static int32_t row_sum(const int8_t* x, int32_t n, int32_t input_offset) {
  int32_t sum = n * input_offset;
  for (int32_t i = 0; i < n; ++i) sum += x[i];
  return sum;
}

/* Two channels (weight rows wa, wb) against one row x of k inputs: groups of four, then the k mod 4 rest. */
static inline void dot_2x1(const int8_t* wa, const int8_t* wb, const int8_t* x, int32_t k, int32_t input_offset,
                           int32_t acc[2]) {
  const uint32_t offset2 = nn_pack16(input_offset, input_offset);
  const int32_t groups = k >> 2;
  int32_t a = acc[0], b = acc[1];
  if (groups > 0) {
#if NN_SIMD_DSP
    /* 11 live registers; gcc 12 spills in the C version below (19 instructions per 8 MACs). */
    const int8_t* const end = wa + 4 * groups;
    uint32_t t0, t1, x02, x13;
    __asm__ volatile(
        "1:\n\t"
        "ldr     %[t0], [%[x]], #4\n\t"
        "sxtab16 %[x02], %[off], %[t0]\n\t"
        "sxtab16 %[x13], %[off], %[t0], ror #8\n\t"
        "ldr     %[t0], [%[wa]], #4\n\t"
        "sxtb16  %[t1], %[t0]\n\t"
        "sxtb16  %[t0], %[t0], ror #8\n\t"
        "smlad   %[a], %[t1], %[x02], %[a]\n\t"
        "smlad   %[a], %[t0], %[x13], %[a]\n\t"
        "ldr     %[t0], [%[wb]], #4\n\t"
        "sxtb16  %[t1], %[t0]\n\t"
        "sxtb16  %[t0], %[t0], ror #8\n\t"
        "smlad   %[b], %[t1], %[x02], %[b]\n\t"
        "smlad   %[b], %[t0], %[x13], %[b]\n\t"
        "cmp     %[wa], %[end]\n\t"
        "bne     1b\n\t"
        : [a] "+r"(a), [b] "+r"(b), [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb), [t0] "=&r"(t0), [t1] "=&r"(t1),
          [x02] "=&r"(x02), [x13] "=&r"(x13)
        : [off] "r"(offset2), [end] "r"(end)
        : "cc", "memory");
#else
    for (int32_t g = 0; g < groups; ++g, wa += 4, wb += 4, x += 4) {
      const uint32_t v = nn_read_u32(x);
      const uint32_t x02 = nn_sxtab16(offset2, v), x13 = nn_sxtab16_ror8(offset2, v);
      const uint32_t wa4 = nn_read_u32(wa), wb4 = nn_read_u32(wb);
      a = nn_smlad(nn_sxtb16_ror8(wa4), x13, nn_smlad(nn_sxtb16(wa4), x02, a));
      b = nn_smlad(nn_sxtb16_ror8(wb4), x13, nn_smlad(nn_sxtb16(wb4), x02, b));
    }
#endif
  }
  for (int32_t i = 0; i < (k & 3); ++i) {
    const int32_t v = x[i] + input_offset;
    a += wa[i] * v;
    b += wb[i] * v;
  }
  acc[0] = a;
  acc[1] = b;
}

static inline int32_t dot_1x1(const int8_t* w, const int8_t* x, int32_t k, int32_t input_offset, int32_t acc) {
  for (int32_t i = 0; i < k; ++i) acc += w[i] * (x[i] + input_offset);
  return acc;
}

static inline int8_t output_of(int32_t acc, const nn_opt_channel* ch, int32_t act_min, int32_t act_max) {
  const int32_t doubled = (int32_t)((uint32_t)acc << 1);
  return nn_opt_clamp(nn_opt_requantize_doubled(doubled, ch), 1, act_min, act_max);
}

void nn_fully_connected_s8_optimized(const nn_fully_connected_params* p, const int8_t* input, const int8_t* filter,
                                     const int32_t* bias, int8_t* output, void* scratch) {
  const int32_t k = p->in_dim;
  const int32_t out_dim = p->out_dim;
  const int32_t fo = p->filter_offset;
  const int32_t abs_fo = fo < 0 ? -fo : fo;
  const int64_t max_abs_dot = (int64_t)k * (128 + abs_fo) * nn_opt_max_abs_offset(p->input_offset);
  nn_opt_channel* const channels = (nn_opt_channel*)scratch;
  if (!nn_opt_prepare_channels(channels, out_dim, p->multipliers, p->shifts, bias, 1, p->output_offset, max_abs_dot)) {
    nn_fully_connected_s8_reference(p, input, filter, bias, output, scratch);
    return;
  }
  for (int32_t r = 0; r < p->rows; ++r) {
    const int8_t* const x = input + r * k;
    int8_t* const out = output + r * out_dim;
    if (fo != 0) {
      const int32_t row_term = fo * row_sum(x, k, p->input_offset);
      for (int32_t c = 0; c < out_dim; ++c) channels[c].bias = (bias != 0 ? bias[c] : 0) + row_term;
    }
    int32_t c = 0;
    for (; c + 2 <= out_dim; c += 2) {
      int32_t acc[2] = {channels[c].bias, channels[c + 1].bias};
      dot_2x1(filter + c * k, filter + (c + 1) * k, x, k, p->input_offset, acc);
      out[c] = output_of(acc[0], &channels[c], p->act_min, p->act_max);
      out[c + 1] = output_of(acc[1], &channels[c + 1], p->act_min, p->act_max);
    }
    if (c < out_dim) {
      out[c] = output_of(dot_1x1(filter + c * k, x, k, p->input_offset, channels[c].bias), &channels[c], p->act_min,
                         p->act_max);
    }
  }
}
