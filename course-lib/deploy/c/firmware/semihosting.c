/* semihosting.c: SYS_EXIT_EXTENDED through `bkpt 0xab` (the Armv7-M / Armv8-M semihosting trap; see
 * semihosting.h for why the firmware needs it). */
#include "semihosting.h"

#include <stdint.h>

#define SYS_EXIT_EXTENDED 0x20u
/* ADP_Stopped_ApplicationExit: "the application exited", the reason that carries an exit status. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihosting_call(uint32_t operation, const void* argument) {
  register uint32_t r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihosting_exit(int status) {
  const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  semihosting_call(SYS_EXIT_EXTENDED, block);
  /* Only reached when no debugger handles the call (then `bkpt` has already faulted on real hardware). */
  for (;;) {
  }
}
