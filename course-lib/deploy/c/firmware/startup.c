/* startup.c: what runs between reset and main() on a Cortex-M, written out instead of taken from a vendor
 * pack, so a learner sees all of it: the vector table, the copy of initialised data from flash to RAM, the
 * zeroing of .bss, the painting of the stack (firmware.h), turning on the FPU, and fault reporting.
 *
 * A Cortex-M starts by reading two words at the vector table's base: the initial stack pointer and the
 * address of Reset_Handler. The linker script (course-lib/deploy/linker-script.ts) puts .isr_vector first in
 * flash, which is where each QEMU machine's reset vector base points.
 */
#include <stdint.h>

#include "firmware.h"
#include "semihosting.h"
#include "uart.h"

int main(void);

void Reset_Handler(void);
void Fault_Handler(void);

/* Exception numbers 0-15: stack, reset and the system exceptions; no device interrupts are enabled, so
 * none are listed. Every exception but reset is a fault here: the firmware runs one loop and enables
 * nothing that interrupts it. Index 7 is SecureFault on Armv8-M (the M55), reserved before. */
__attribute__((section(".isr_vector"), used)) void (*const firmware_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top, /* 0: initial MSP */
    Reset_Handler,                          /* 1 */
    Fault_Handler,                          /* 2: NMI */
    Fault_Handler,                          /* 3: HardFault */
    Fault_Handler,                          /* 4: MemManage */
    Fault_Handler,                          /* 5: BusFault */
    Fault_Handler,                          /* 6: UsageFault */
    Fault_Handler,                          /* 7: SecureFault (v8-M) */
    0,
    0,
    0,
    Fault_Handler, /* 11: SVCall */
    Fault_Handler, /* 12: DebugMonitor */
    0,
    Fault_Handler, /* 14: PendSV */
    Fault_Handler, /* 15: SysTick */
};

#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)

void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Built for an FPU (hard float): grant full access to coprocessors 10 and 11 (the FPU, and on the M55
   * also the MVE vector unit) before any floating-point instruction runs; otherwise the first one
   * faults with NOCP. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* p = __bss_start; p < __bss_end;) *p++ = 0u;

  /* Paint the stack below the current stack pointer (this function's own frame is above it). */
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_bottom; p < sp;) *p++ = STACK_PAINT_WORD;

  int status = main(); /* main() enables the UART (platform_init) and normally exits itself */
  semihosting_exit(status);
}

/* Finds the frame the core pushed on entry (main stack or process stack, from EXC_RETURN bit 2) and the
 * active exception number (IPSR), then reports them. Naked: no prologue may touch the stack first. */
__attribute__((naked)) void Fault_Handler(void) {
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "mrs r1, ipsr\n\t"
      "b firmware_fault\n\t");
}

static void fault_puts(const char* s) {
  while (*s) uart_putc(*s++);
}

static void fault_hex(const char* name, uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  fault_puts(name);
  fault_puts("=0x");
  for (int shift = 28; shift >= 0; shift -= 4) uart_putc(digits[(value >> shift) & 0xFu]);
}

static const char* exception_name(uint32_t exception) {
  switch (exception) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    case 11: return "SVCall";
    case 12: return "DebugMonitor";
    case 14: return "PendSV";
    case 15: return "SysTick";
    default: return "unexpected";
  }
}

/* Configurable Fault Status, HardFault Status, MemManage and Bus Fault Address registers (Armv7-M ARM
 * B3.2): they say why the core faulted. */
#define SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t*)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t*)0xE000ED38u)

void firmware_fault(const uint32_t* frame, uint32_t exception) {
  /* frame: r0, r1, r2, r3, r12, lr, pc, xPSR as the core stacked them. */
  uart_init(); /* the fault may come before main() enabled the UART; enabling it again is harmless */
  fault_puts("\nhardfault\n");
  fault_puts("fault ");
  fault_puts(exception_name(exception & 0x1FFu));
  fault_puts(" ");
  fault_hex("pc", frame[6]);
  fault_puts(" ");
  fault_hex("lr", frame[5]);
  fault_puts(" ");
  fault_hex("cfsr", SCB_CFSR);
  fault_puts(" ");
  fault_hex("hfsr", SCB_HFSR);
  fault_puts(" ");
  fault_hex("bfar", SCB_BFAR);
  fault_puts(" ");
  fault_hex("mmfar", SCB_MMFAR);
  fault_puts("\n");
  semihosting_exit(3);
}
