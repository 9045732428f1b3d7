/* frontend.h: the keyword spotter's audio front end on the device, one 20 ms hop at a time: the same
 * features as course-lib/data/audio/features.ts (periodic Hann window, 512-point FFT, power, 40 HTK mel
 * triangles, ln(E + 1e-6), optionally the DCT to MFCCs), then the dataset's uint8 rounding of log-mel
 * (course-lib/data/generate-keywords.ts) and the model's int8 input (standardised with the train
 * statistics, quantised with the input's scale and zero point).
 *
 * Float32 on purpose: the course's targets are Cortex-M4F cores, whose single-precision FPU does a float
 * multiply-add in a cycle or two, so float32 costs about what fixed point would and needs no scaling
 * analysis. A core without an FPU (Cortex-M0+/M3) would emulate every float operation in software; there
 * the choice is fixed point, as TensorFlow Lite Micro's micro_frontend does.
 *
 * Every number the front end needs (window, twiddles, the sparse mel filterbank, the DCT, the rounding
 * thresholds, the normalisation) is a const table in frontend_tables.c, written by
 * course-lib/streaming/frontend-tables.ts from features.ts's own functions: C and TS share one definition.
 * No libm: fe_log() is written here.
 */
#ifndef TINYML_COURSE_FRONTEND_H
#define TINYML_COURSE_FRONTEND_H

#include <stdint.h>

#include "frontend_tables.h"

/* One frame's features: what the firmware prints for the comparison with TypeScript. */
typedef struct {
  float logmel[FE_MEL_BINS];     /* ln(mel energy + offset), float32 */
  uint8_t quantised[FE_MEL_BINS]; /* the dataset's uint8 log-mel: value = offset + step * q */
} fe_frame_t;

/* The sample history: the latest FE_FRAME_LENGTH samples, as a microphone driver would keep them. */
typedef struct {
  int16_t samples[FE_FRAME_LENGTH];
  uint32_t received; /* samples pushed so far (saturates; only "at least one frame" matters) */
} fe_state_t;

void fe_init(fe_state_t* state);

/* Appends `count` samples (count <= FE_FRAME_LENGTH); the oldest ones fall out of the history. Returns 1
 * when the history holds a full frame (FE_FRAME_LENGTH samples received), 0 before. */
int fe_push(fe_state_t* state, const int16_t* samples, uint32_t count);

/* Computes the features of the frame in the history: the float and uint8 log-mel into `frame`, the
 * model's int8 input row (FE_FEATURE_WIDTH values: log-mel bins, or MFCCs) into `row`. */
void fe_compute(const fe_state_t* state, fe_frame_t* frame, int8_t* row);

/* The same from a frame of FE_FRAME_LENGTH samples given directly (the host tests use it). */
void fe_compute_samples(const int16_t* samples, fe_frame_t* frame, int8_t* row);

/* Natural logarithm in float32, without libm: within about one unit in the last place for every positive
 * float (normal or subnormal); ln(0) = -inf, ln(x < 0) = NaN, ln(+inf) = +inf. */
float fe_log(float x);

/* Power spectrum |X[k]|^2 of the windowed frame, k = 0..FE_FFT_SIZE/2, unnormalised like features.ts,
 * left at stride 2 in `buffer` (power[k] = buffer[2 k]; FE_FFT_SIZE + 2 floats). Exposed for tests. */
void fe_power_spectrum(const int16_t* samples, float* buffer);

#endif /* TINYML_COURSE_FRONTEND_H */
