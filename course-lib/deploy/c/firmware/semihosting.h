/* semihosting.h: the Arm semihosting call the firmware needs to tell the emulator that runs it how it ended.
 *
 * Semihosting is a debug channel: the program executes `bkpt 0xab` with an operation number in r0 and an
 * argument in r1, and the debugger (here qemu-system-arm with -semihosting-config enable=on) carries it
 * out. SYS_EXIT_EXTENDED ends the emulation with the firmware's own status as QEMU's exit code (plain
 * SYS_EXIT only gives 0 or 1), which is how a test learns that the firmware finished, and how it finished.
 * On a real board without a debugger attached, `bkpt` faults: these calls are for emulated runs.
 */
#ifndef TINYML_COURSE_SEMIHOSTING_H
#define TINYML_COURSE_SEMIHOSTING_H

/* Ends the emulation; QEMU exits with `status`. Never returns. */
void semihosting_exit(int status) __attribute__((noreturn));

#endif /* TINYML_COURSE_SEMIHOSTING_H */
