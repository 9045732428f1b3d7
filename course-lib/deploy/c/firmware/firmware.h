/* firmware.h: what startup.c and the firmware platform share: the symbols the generated linker script
 * defines (course-lib/deploy/linker-script.ts) and the word the stack is painted with at reset.
 *
 * The stack is a fixed-size region at the top of RAM (.stack, after .data and .bss). The reset handler
 * fills it with STACK_PAINT_WORD; at the end of the run platform_stack_peak() scans up from the bottom for
 * the first word that changed. That is the deepest the stack ever went: a measurement, not the static
 * estimate of -fstack-usage (which cannot follow calls through pointers or count interrupt frames).
 */
#ifndef TINYML_COURSE_FIRMWARE_H
#define TINYML_COURSE_FIRMWARE_H

#include <stdint.h>

#define STACK_PAINT_WORD 0xA5C3A5C3u

/* Linker-script symbols: only their addresses mean something. */
extern uint32_t __data_load[];   /* where .data's initial values sit in flash */
extern uint32_t __data_start[];  /* .data in RAM */
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_bottom[]; /* lowest address of the stack region */
extern uint32_t __stack_top[];    /* initial stack pointer (the stack grows down from here) */

/* Reports an unhandled exception on the UART ("hardfault" and a detail line) and exits with status 3. */
void firmware_fault(const uint32_t* frame, uint32_t exception) __attribute__((noreturn));

#endif /* TINYML_COURSE_FIRMWARE_H */
