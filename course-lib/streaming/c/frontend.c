/* frontend.c: the device's audio front end (see frontend.h for what and why float32). All arithmetic is
 * float32 and written with float constants only (no double promotion: on a Cortex-M4F a double is a
 * software routine, and the host build would round differently), in the order TypeScript can follow. */
#include "frontend.h"

#define FE_HALF (FE_FFT_SIZE / 2) /* complex points of the packed FFT */

void fe_init(fe_state_t* state) {
  uint32_t i;
  for (i = 0; i < FE_FRAME_LENGTH; i++) state->samples[i] = 0;
  state->received = 0;
}

int fe_push(fe_state_t* state, const int16_t* samples, uint32_t count) {
  uint32_t i, keep;
  if (count > FE_FRAME_LENGTH) count = FE_FRAME_LENGTH; /* the contract says count <= FE_FRAME_LENGTH */
  keep = FE_FRAME_LENGTH - count;
  for (i = 0; i < keep; i++) state->samples[i] = state->samples[i + count];
  for (i = 0; i < count; i++) state->samples[keep + i] = samples[i];
  if (state->received < FE_FRAME_LENGTH) state->received += count;
  return state->received >= FE_FRAME_LENGTH;
}

/* ---- natural log ----
 * x = 2^k * m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact: Sterbenz), s = f / (2 + f), and
 *   ln(1 + f) = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ...  =  f - (f^2/2 - s (f^2/2 + R(s^2))),
 *   R(z) = 2z/3 + 2z^2/5 + 2z^3/7 + 2z^4/9   (the identity 2s = f - s f turns one form into the other).
 * |s| <= 0.1716, so z <= 0.0295 and the first dropped term, 2 s^11 / 11, is below 2.2e-9 of ln(1 + f):
 * truncation is far under float32's 6e-8. The big term f is exact and the correction is under half of it,
 * so its rounding errors count half; k ln 2 is added in two parts (ln2_hi has 9 trailing zero bits, so
 * k * ln2_hi is exact for |k| <= 2^9). Measured against Math.log on 1e5 floats from every binade (subnormals
 * included) and on every float within 3000 ulp of 1: at most 0.74 ulp, 7.4e-8 relative, i.e. as good as float32
 * holds (course-lib/streaming/frontend-host.test.ts requires <= 1 ulp). */
#define FE_LN2_HI 0.693145751953125f /* 0x3f317200 */
#define FE_LN2_LO 1.42860677e-06f    /* ln 2 - FE_LN2_HI, rounded to float */
#define FE_SQRT2 1.41421354f

typedef union {
  float f;
  uint32_t u;
} fe_bits_t;

float fe_log(float x) {
  fe_bits_t v;
  int32_t k = 0;
  float f, s, z, r, hfsq, kf;
  v.f = x;
  if (!(x > 0.0f)) {
    if (x == 0.0f) {
      v.u = 0xFF800000u; /* -inf */
    } else {
      v.u = 0x7FC00000u; /* NaN: negative or NaN input */
    }
    return v.f;
  }
  if (v.u >= 0x7F800000u) return x; /* +inf */
  if (v.u < 0x00800000u) {            /* subnormal: scale into the normal range first */
    v.f = x * 8388608.0f;             /* 2^23, exact */
    k = -23;
  }
  k += (int32_t)(v.u >> 23) - 127;
  v.u = (v.u & 0x007FFFFFu) | 0x3F800000u; /* m in [1, 2) */
  if (v.f > FE_SQRT2) {
    v.f *= 0.5f;
    k += 1;
  }
  f = v.f - 1.0f;
  s = f / (2.0f + f);
  z = s * s;
  r = z * (0.666666687f + z * (0.400000006f + z * (0.285714298f + z * 0.222222224f)));
  hfsq = 0.5f * f * f;
  kf = (float)k;
  return kf * FE_LN2_HI + (f - (hfsq - (s * (hfsq + r) + kf * FE_LN2_LO)));
}

/* ---- the real FFT ----
 * The FE_FFT_SIZE real samples are packed as FE_HALF complex numbers z[n] = x[2n] + i x[2n+1]; one
 * FE_HALF-point complex radix-2 FFT (in place, bit-reversed input order) gives Z, and the spectrum of x is
 * X[k] = E[k] + W^k O[k] with E = (Z[k] + conj Z[H-k]) / 2, O = (Z[k] - conj Z[H-k]) / 2i, W = e^(-2 pi i / N).
 * Only |X|^2 is kept, and |X[H-k]| = |E[k] - W^k O[k]|, so bins k and H-k come from one pair of Z values.
 * Each pair is read once and its two powers are written back into the real slots of the same two complex
 * values (power[k] at buffer[2k]): no second array (1 KB of RAM on a 16 KB board). */
void fe_power_spectrum(const int16_t* samples, float* buffer) {
  uint32_t n, k, size;
  for (n = 0; n < FE_FRAME_LENGTH; n++) buffer[n] = (float)samples[n] * fe_window[n]; /* window holds w / 32768 */
  for (; n < FE_FFT_SIZE + 2; n++) buffer[n] = 0.0f;

  for (n = 0; n < FE_HALF; n++) {
    const uint32_t j = fe_bitrev[n];
    if (n < j) {
      const float re = buffer[2 * n], im = buffer[2 * n + 1];
      buffer[2 * n] = buffer[2 * j];
      buffer[2 * n + 1] = buffer[2 * j + 1];
      buffer[2 * j] = re;
      buffer[2 * j + 1] = im;
    }
  }
  for (size = 2; size <= FE_HALF; size <<= 1) {
    const uint32_t half = size >> 1;
    const uint32_t step = FE_FFT_SIZE / size; /* W_H^(k H/size) = W_N^(k N/size) */
    for (k = 0; k < half; k++) {
      const float wr = fe_twiddle[2u * k * step], wi = fe_twiddle[2u * k * step + 1u];
      uint32_t a;
      for (a = k; a < FE_HALF; a += size) {
        float* p = buffer + 2 * a;
        float* q = buffer + 2 * (a + half);
        const float tr = wr * q[0] - wi * q[1];
        const float ti = wr * q[1] + wi * q[0];
        q[0] = p[0] - tr;
        q[1] = p[1] - ti;
        p[0] = p[0] + tr;
        p[1] = p[1] + ti;
      }
    }
  }

  {
    const float zr = buffer[0], zi = buffer[1];
    buffer[0] = (zr + zi) * (zr + zi);                   /* X[0] = Re Z0 + Im Z0 */
    buffer[FE_FFT_SIZE] = (zr - zi) * (zr - zi);         /* X[N/2] = Re Z0 - Im Z0 */
    buffer[FE_HALF] = buffer[FE_HALF] * buffer[FE_HALF] + buffer[FE_HALF + 1] * buffer[FE_HALF + 1]; /* X[N/4] = conj Z[H/2] */
  }
  for (k = 1; k < FE_HALF / 2; k++) {
    float* p = buffer + 2 * k;
    float* q = buffer + 2 * (FE_HALF - k);
    const float er = 0.5f * (p[0] + q[0]), ei = 0.5f * (p[1] - q[1]);
    const float orr = 0.5f * (p[1] + q[1]), oi = 0.5f * (q[0] - p[0]);
    const float wr = fe_twiddle[2u * k], wi = fe_twiddle[2u * k + 1u];
    const float tr = wr * orr - wi * oi, ti = wr * oi + wi * orr;
    const float ar = er + tr, ai = ei + ti, br = er - tr, bi = ei - ti;
    p[0] = ar * ar + ai * ai;
    q[0] = br * br + bi * bi;
  }
}

/* ---- the dataset's rounding and the model's input ---- */

/* The uint8 log-mel of generate-keywords.ts, Math.round((x - offset) / step) clamped to 0..255, exactly:
 * fe_logmel_threshold[j - 1] is the smallest float whose rounding is >= j, so q = how many thresholds x
 * reaches (a binary search: 8 comparisons). */
static uint8_t fe_quantise_logmel(float x) {
  uint32_t lo = 0, hi = 255;
  while (lo < hi) {
    const uint32_t mid = (lo + hi + 1u) >> 1;
    if (x >= fe_logmel_threshold[mid - 1u]) {
      lo = mid;
    } else {
      hi = mid - 1u;
    }
  }
  return (uint8_t)lo;
}

/* round half away from zero, + zero point, clamped: quantizeInput in course-lib/quantize/quantize-model.ts. */
static int8_t fe_to_int8(float x) {
  int32_t t;
  float frac;
  if (!(x > -512.0f)) x = -512.0f; /* also NaN; anything this far out clamps anyway */
  if (x > 512.0f) x = 512.0f;
  t = (int32_t)x; /* toward zero */
  frac = x - (float)t; /* exact */
  if (frac >= 0.5f) {
    t += 1;
  } else if (frac <= -0.5f) {
    t -= 1;
  }
  t += FE_INPUT_ZERO_POINT;
  if (t < -128) t = -128;
  if (t > 127) t = 127;
  return (int8_t)t;
}

static float fe_buffer[FE_FFT_SIZE + 2];

void fe_compute_samples(const int16_t* samples, fe_frame_t* frame, int8_t* row) {
  uint32_t m, i, w = 0;
  fe_power_spectrum(samples, fe_buffer);
  for (m = 0; m < FE_MEL_BINS; m++) {
    const float* power = fe_buffer + 2u * fe_mel_first[m];
    const uint32_t count = fe_mel_count[m];
    float e = 0.0f;
    for (i = 0; i < count; i++) e += fe_mel_weight[w + i] * power[2u * i];
    w += count;
    frame->logmel[m] = fe_log(e + FE_LOG_OFFSET);
    frame->quantised[m] = fe_quantise_logmel(frame->logmel[m]);
  }
#if FE_USE_MFCC
  /* MFCC of the dequantised log-mel, as the dataset's loader computes them (keywords.ts). */
  {
    uint32_t c;
    for (c = 0; c < FE_NUM_MFCC; c++) {
      float y = 0.0f;
      for (m = 0; m < FE_MEL_BINS; m++) y += fe_dct[c * FE_MEL_BINS + m] * fe_logmel_value[frame->quantised[m]];
      row[c] = fe_to_int8(fe_norm_scale[c] * y + fe_norm_offset[c]);
    }
  }
#else
  /* (offset + step q - mean) / std / input scale, folded into one multiply-add per bin. */
  for (m = 0; m < FE_MEL_BINS; m++) row[m] = fe_to_int8(fe_norm_scale[m] * (float)frame->quantised[m] + fe_norm_offset[m]);
#endif
}

void fe_compute(const fe_state_t* state, fe_frame_t* frame, int8_t* row) { fe_compute_samples(state->samples, frame, row); }
