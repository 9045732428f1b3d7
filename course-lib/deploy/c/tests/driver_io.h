/* driver_io.h: the stdin/stdout protocol the host test drivers share (elementwise_driver.c,
 * optimized_driver.c). The TypeScript tests write whitespace-separated integers to stdin; a driver answers
 * `out <n> <values>` lines. Every buffer is allocated at exactly its size so AddressSanitizer catches a
 * kernel that reads or writes one byte too far. Define DRIVER_NAME before including (for error messages). */
#ifndef TINYML_COURSE_DRIVER_IO_H
#define TINYML_COURSE_DRIVER_IO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef DRIVER_NAME
#error "define DRIVER_NAME before including driver_io.h"
#endif

static int32_t next_int(void) {
  long v;
  if (scanf("%ld", &v) != 1) {
    fprintf(stderr, DRIVER_NAME ": expected an integer on stdin\n");
    exit(2);
  }
  return (int32_t)v;
}

static void* allocate(size_t bytes) {
  void* p = malloc(bytes == 0 ? 1 : bytes);
  if (p == NULL) {
    fprintf(stderr, DRIVER_NAME ": out of memory (%lu bytes)\n", (unsigned long)bytes);
    exit(2);
  }
  return p;
}

/* Reads `<n> <values>` into a new buffer of exactly n int8 values. */
static int8_t* read_s8(int32_t* n) {
  int32_t i;
  int8_t* a;
  *n = next_int();
  a = (int8_t*)allocate((size_t)*n);
  for (i = 0; i < *n; ++i) a[i] = (int8_t)next_int();
  return a;
}

static void read_ints(int32_t* dst, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i) dst[i] = next_int();
}

/* Prints `out <n> <values>`. */
static void print_s8(const int8_t* a, int32_t n) {
  int32_t i;
  printf("out %ld", (long)n);
  for (i = 0; i < n; ++i) printf(" %d", (int)a[i]);
  printf("\n");
}

#endif /* TINYML_COURSE_DRIVER_IO_H */
