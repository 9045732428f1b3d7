/* platform.h: what the application (app.c) needs from the machine it runs on. Two kinds of platform implement
 * it: the boards' firmware (startup, UART, semihosting exit; c/firmware/) and the host build of the tests
 * (host_platform.c: stdout and exit()). app.c is the same file for both, so a host run and a QEMU run print
 * the same protocol lines and differ only where the hardware does.
 */
#ifndef TINYML_COURSE_PLATFORM_H
#define TINYML_COURSE_PLATFORM_H

#include <stdint.h>

/* Called once by main() before anything is printed: enable the UART (a no-op on the host). */
void platform_init(void);

/* Writes one byte of the protocol (UART data register, or stdout). */
void platform_putc(char c);

/* Ends the program with `status` (semihosting SYS_EXIT_EXTENDED on firmware, exit() on the host). */
void platform_exit(int status) __attribute__((noreturn));

/* Peak stack use in bytes (the firmware paints the stack at reset and scans it), or -1 when the platform cannot
 * measure it (the host): app.c prints the `stack` line only for a value >= 0. */
int32_t platform_stack_peak(void);

#endif /* TINYML_COURSE_PLATFORM_H */
