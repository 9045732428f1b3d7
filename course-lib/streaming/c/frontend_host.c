/* frontend_host.c: the front end on the development machine, for the tests (course-lib/streaming/host.ts).
 * The same frontend.c and generated tables as the firmware, compiled with the host gcc; float32 arithmetic
 * is IEEE on both (no contraction into fused multiply-adds at -std=c99), so the host prints what the board
 * computes.
 *
 *   frontend_host log <file>      file: float32 bit patterns, 8 hex digits per line; prints fe_log's bits
 *   frontend_host frames <file>   file: int16 little-endian samples; prints a "stream" header and one
 *                                 "f" line per frame, as stream_app.c does (protocol.ts parses both)
 *   frontend_host tables          prints every float table's bits, one table per line: "<name> <hex>..."
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

static unsigned bits_of(float f) {
  unsigned u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void print_floats(const char* name, const float* values, size_t count) {
  size_t i;
  printf("%s ", name);
  for (i = 0; i < count; i++) printf("%08x", bits_of(values[i]));
  printf("\n");
}

static int run_log(const char* path) {
  FILE* in = fopen(path, "r");
  unsigned u;
  if (!in) return 2;
  while (fscanf(in, "%8x", &u) == 1) {
    float x;
    memcpy(&x, &u, sizeof x);
    printf("%08x\n", bits_of(fe_log(x)));
  }
  fclose(in);
  return 0;
}

static int run_frames(const char* path) {
  static fe_state_t state;
  static fe_frame_t frame;
  int8_t row[FE_FEATURE_WIDTH];
  FILE* in = fopen(path, "rb");
  unsigned char bytes[2 * FE_FRAME_LENGTH];
  int16_t samples[FE_FRAME_LENGTH];
  long size;
  size_t total, frames = 0, i, got;
  if (!in) return 2;
  fseek(in, 0, SEEK_END);
  size = ftell(in);
  fseek(in, 0, SEEK_SET);
  total = (size_t)size / 2;
  printf("stream samples=%zu clips=0 frame_step=%d mel_bins=%d width=%d window_frames=0 stride=1 classes=0 smooth=1 suppression=0 ops=0\n",
         total, FE_FRAME_STEP, FE_MEL_BINS, FE_FEATURE_WIDTH);
  fe_init(&state);
  /* As stream_app.c: the first frame length - hop samples are history, then one hop at a time. */
  {
    size_t count = FE_FRAME_LENGTH - FE_FRAME_STEP;
    for (;;) {
      got = fread(bytes, 2, count, in);
      if (got < count) break;
      for (i = 0; i < count; i++) samples[i] = (int16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
      if (fe_push(&state, samples, (uint32_t)count)) {
        fe_compute(&state, &frame, row);
        printf("f %zu ", frames++);
        for (i = 0; i < FE_MEL_BINS; i++) printf("%08x", bits_of(frame.logmel[i]));
        printf(" ");
        for (i = 0; i < FE_MEL_BINS; i++) printf("%02x", frame.quantised[i]);
        printf(" ");
        for (i = 0; i < FE_FEATURE_WIDTH; i++) printf("%02x", (unsigned)(uint8_t)row[i]);
        printf("\n");
      }
      count = FE_FRAME_STEP;
    }
  }
  printf("end\n");
  fclose(in);
  return 0;
}

static int run_tables(void) {
  print_floats("fe_window", fe_window, FE_FRAME_LENGTH);
  print_floats("fe_twiddle", fe_twiddle, FE_FFT_SIZE);
  print_floats("fe_mel_weight", fe_mel_weight, FE_MEL_WEIGHTS);
  print_floats("fe_logmel_threshold", fe_logmel_threshold, 255);
  print_floats("fe_norm_scale", fe_norm_scale, FE_FEATURE_WIDTH);
  print_floats("fe_norm_offset", fe_norm_offset, FE_FEATURE_WIDTH);
#if FE_USE_MFCC
  print_floats("fe_logmel_value", fe_logmel_value, 256);
  print_floats("fe_dct", fe_dct, FE_NUM_MFCC * FE_MEL_BINS);
#endif
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "log") == 0) return run_log(argv[2]);
  if (argc == 3 && strcmp(argv[1], "frames") == 0) return run_frames(argv[2]);
  if (argc == 2 && strcmp(argv[1], "tables") == 0) return run_tables();
  fprintf(stderr, "usage: %s log <file> | frames <file> | tables\n", argv[0]);
  return 2;
}
