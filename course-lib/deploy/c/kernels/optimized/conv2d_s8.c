/* conv2d_s8.c: CONV_2D for cores with the DSP extension, as a matrix multiply (output pixels x channels).
 *
 * Four output pixels at a time (then two, then one) become int16 columns (nn_optimized.h) that the core of
 * mat_mult_s8_s16.c multiplies with every filter row:
 *   - a 1 x 1 filter without padding reads each pixel's in_c int8 values straight from the input (any stride):
 *     the column is the pixel widened to int16 with the input offset, so the conv is a plain matrix multiply
 *     of (pixels x in_c) by (in_c x out_c);
 *   - any other filter (3 x 3, strides, padding, dilation) first gathers the pixel's kH·kW·in_c window into an
 *     int8 staging row (im2col; taps outside the image get the input zero point, i.e. 0 after the offset,
 *     as TFLM skips them), then widens it the same way.
 * Falls back to nn_conv2d_s8_reference for grouped convolutions (filter_c != in_c) and for requantization
 * parameters the fast requantization does not reproduce exactly (see nn_opt_prepare_channels).
 *
 * Scratch (sized by course-lib/deploy/scratch.ts, optimizedScratchBytes):
 *   [out_c x nn_opt_channel][NN_OPT_COLUMN_WORDS(K, n) words][K int8 staging (none for 1 x 1 unpadded)]
 * with n = max_columns(): 4, or 2 or 1 when there are fewer pixels or 4 columns exceed NN_CONV_COLUMN_BUDGET.
 */
#include "nn_optimized.h"

/* The window of output pixel (oy, ox) as K = k_h·k_w·in_c int8 values in filter order (ky, kx, ic). */
static void gather_window(const nn_conv2d_params* p, const int8_t* input, int32_t oy, int32_t ox, int8_t* dst) {
  const int32_t in_c = p->in_c;
  const int8_t zero_point = (int8_t)(-p->input_offset);
  const int32_t row_bytes = p->k_w * in_c;
  const int32_t y0 = oy * p->stride_h - p->pad_top;
  const int32_t x0 = ox * p->stride_w - p->pad_left;
  const int32_t x_last = x0 + (p->k_w - 1) * p->dilation_w;
  const int contiguous = p->dilation_w == 1 && x0 >= 0 && x_last < p->in_w;
  for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row_bytes) {
    const int32_t y = y0 + ky * p->dilation_h;
    if (y < 0 || y >= p->in_h) {
      memset(dst, zero_point, (size_t)row_bytes);
      continue;
    }
    const int8_t* row = input + (y * p->in_w) * in_c;
    if (contiguous) {
      memcpy(dst, row + x0 * in_c, (size_t)row_bytes);
      continue;
    }
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t x = x0 + kx * p->dilation_w;
      if (x < 0 || x >= p->in_w) {
        memset(dst + kx * in_c, zero_point, (size_t)in_c);
      } else {
        memcpy(dst + kx * in_c, row + x * in_c, (size_t)in_c);
      }
    }
  }
}

/* Bytes of int16 columns a call may use: four columns (the 1 x 4 tile) while 4·K values fit, else two, else
 * one (so a 3 x 3 x 256 conv does not need 18 KB of RAM). */
#define NN_CONV_COLUMN_BUDGET 4096

/* The most columns per call of the matrix-multiply core: 4, 2 or 1. */
static int32_t max_columns(const nn_conv2d_params* p, int32_t k) {
  const int32_t pixels = p->out_h * p->out_w;
  int32_t n = 4;
  while (n > 1 && (n > pixels || 4 * NN_OPT_COLUMN_WORDS(k, n) > NN_CONV_COLUMN_BUDGET)) n /= 2;
  return n;
}

static int is_pointwise(const nn_conv2d_params* p) {
  return p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0;
}

void nn_conv2d_s8_optimized(const nn_conv2d_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output, void* scratch) {
  if (p->filter_c != p->in_c) { /* grouped convolution: not handled here */
    nn_conv2d_s8_reference(p, input, filter, bias, output, scratch);
    return;
  }
  const int32_t k = p->k_h * p->k_w * p->in_c;
  const int64_t max_abs_dot = (int64_t)k * 128 * nn_opt_max_abs_offset(p->input_offset);
  nn_opt_channel* const channels = (nn_opt_channel*)scratch;
  if (!nn_opt_prepare_channels(channels, p->out_c, p->multipliers, p->shifts, bias, 2, p->output_offset, max_abs_dot)) {
    nn_conv2d_s8_reference(p, input, filter, bias, output, scratch);
    return;
  }
  const int32_t columns = max_columns(p, k);
  uint32_t* const cols = (uint32_t*)(channels + p->out_c);
  int8_t* const stage = (int8_t*)(cols + NN_OPT_COLUMN_WORDS(k, columns));
  const int pointwise = is_pointwise(p);
  const int32_t pixels = p->out_h * p->out_w;
  const int32_t out_c = p->out_c;

  for (int32_t pixel = 0; pixel < pixels;) {
    /* Four pixels at a time (the 1 x 4 tile), then two, then one. */
    const int32_t left = pixels - pixel;
    const int32_t n = left >= 4 && columns == 4 ? 4 : left >= 2 && columns >= 2 ? 2 : 1;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t oy = (pixel + i) / p->out_w, ox = (pixel + i) % p->out_w;
      const int8_t* src;
      if (pointwise) {
        src = input + ((oy * p->stride_h) * p->in_w + ox * p->stride_w) * p->in_c;
      } else {
        gather_window(p, input, oy, ox, stage);
        src = stage;
      }
      nn_opt_widen_column(src, k, p->input_offset, cols, n, i);
    }
    nn_opt_mat_mult_s8_s16(filter, k, out_c, cols, n, channels, p->act_min, p->act_max, output + pixel * out_c);
    pixel += n;
  }
}
