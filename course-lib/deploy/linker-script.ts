// The GNU ld script of a deploy target, generated from its memory: FLASH and RAM at the QEMU machine's
// addresses with the target's sizes (a catalogue board's real flash and RAM, or the machine's), code and
// constants (weights) in FLASH, initialised data in RAM with its initial values in FLASH, then .bss (the
// arena) and a fixed-size .stack region at the top of RAM. Because the stack is part of RAM, a model whose
// arena leaves no room for it fails the link ("region `RAM' overflowed by N bytes"), not the board at run
// time. The symbols it defines are the ones c/firmware/firmware.h declares.
//
// Optional extra regions hold read-only data that is not part of the firmware's footprint: the streaming
// keyword spotter (course-lib/streaming) puts its test audio, which stands in for a microphone, in the
// machine's code memory beyond the board's flash, so it neither counts against nor overflows FLASH.
import type { DeployTarget, MemoryRegion } from "./machines";

const hex = (n: number) => "0x" + n.toString(16).toUpperCase().padStart(8, "0");

export function checkStackBytes(stackBytes: number, ramBytes: number): number {
  if (!Number.isInteger(stackBytes) || stackBytes < 256 || stackBytes % 8 !== 0 || stackBytes >= ramBytes) {
    throw new RangeError(`stackBytes must be a multiple of 8, at least 256 and below the RAM size (${ramBytes}), got ${stackBytes}`);
  }
  return stackBytes;
}

/** A read-only memory region besides FLASH and RAM, and the input sections placed in it. */
export interface ExtraRegion extends MemoryRegion {
  /** The MEMORY region's name (upper case, e.g. "AUDIO"); its output section is the lower-case name with a dot (".audio"). */
  name: string;
  /** Input sections kept there, e.g. [".audio"] for `__attribute__((section(".audio")))` data. */
  sections: string[];
  /** What it holds (a comment in link.ld). */
  what: string;
}

/** The machine's code memory above the board's flash (where a catalogue board's flash is smaller), or null. */
export function memoryBeyondFlash(target: DeployTarget): MemoryRegion | null {
  const machine = target.machineFacts.flash;
  const origin = target.flash.origin + target.flash.bytes;
  const end = machine.origin + machine.bytes;
  return origin < end ? { origin, bytes: end - origin } : null;
}

const overlaps = (a: MemoryRegion, b: MemoryRegion) => a.origin < b.origin + b.bytes && b.origin < a.origin + a.bytes;
const inside = (a: MemoryRegion, b: MemoryRegion) => a.origin >= b.origin && a.origin + a.bytes <= b.origin + b.bytes;

/** Checks extra regions against the target: names, sizes, inside the machine's memory, clear of FLASH and RAM. */
export function checkExtraRegions(target: DeployTarget, regions: readonly ExtraRegion[]): ExtraRegion[] {
  if (!Array.isArray(regions)) throw new RangeError(`extra regions must be an array, got ${String(regions)}`);
  const names = new Set<string>();
  return regions.map((r, i) => {
    const where = `extra region ${i}`;
    if (r === null || typeof r !== "object") throw new RangeError(`${where} must be { name, origin, bytes, sections, what }, got ${String(r)}`);
    if (typeof r.name !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(r.name) || r.name === "FLASH" || r.name === "RAM" || names.has(r.name)) {
      throw new RangeError(`${where}: name must be a new upper-case identifier other than FLASH and RAM, got ${JSON.stringify(r.name)}`);
    }
    names.add(r.name);
    if (!(Number.isInteger(r.origin) && r.origin >= 0 && Number.isInteger(r.bytes) && r.bytes > 0)) {
      throw new RangeError(`${where} ${r.name}: origin and bytes must be integers (bytes > 0), got origin ${r.origin}, bytes ${r.bytes}`);
    }
    const m = target.machineFacts;
    if (!inside(r, m.flash) && !inside(r, m.ram)) {
      throw new RangeError(
        `${where} ${r.name} (${hex(r.origin)}, ${r.bytes} bytes) is not inside ${m.id}'s code memory (${hex(m.flash.origin)}, ${m.flash.bytes} bytes) or data memory (${hex(m.ram.origin)}, ${m.ram.bytes} bytes)`,
      );
    }
    for (const [what, region] of [["FLASH", target.flash], ["RAM", target.ram]] as const) {
      if (overlaps(r, region)) throw new RangeError(`${where} ${r.name} (${hex(r.origin)}, ${r.bytes} bytes) overlaps ${target.id}'s ${what} (${hex(region.origin)}, ${region.bytes} bytes)`);
    }
    if (!Array.isArray(r.sections) || r.sections.length === 0 || r.sections.some((s: unknown) => typeof s !== "string" || !/^\.[A-Za-z0-9_.]+$/.test(s))) {
      throw new RangeError(`${where} ${r.name}: sections must be input section names like ".audio", got ${JSON.stringify(r.sections)}`);
    }
    if (typeof r.what !== "string" || r.what.includes("*/")) throw new RangeError(`${where} ${r.name}: what must be a comment text, got ${JSON.stringify(r.what)}`);
    return { ...r, sections: [...r.sections] };
  });
}

/** The output section of an extra region: ".audio" for "AUDIO". */
export function extraRegionSection(region: Pick<ExtraRegion, "name">): string {
  return "." + region.name.toLowerCase();
}

/** The linker script text for `target` with a stack region of `stackBytes` (and optional extra regions). */
export function linkerScript(target: DeployTarget, stackBytes: number = target.stackBytes, extraRegions: readonly ExtraRegion[] = []): string {
  checkStackBytes(stackBytes, target.ram.bytes);
  const extra = checkExtraRegions(target, extraRegions);
  const extraMemory = extra.map((r) => `\n  ${r.name.padEnd(5)} (r)   : ORIGIN = ${hex(r.origin)}, LENGTH = ${r.bytes}`).join("");
  const extraSections = extra.map((r) => `
  /* ${r.what}: not part of the firmware's flash. */
  ${extraRegionSection(r)} :
  {
    . = ALIGN(4);
    ${r.sections.map((s) => `KEEP(*(${s} ${s}.*))`).join("\n    ")}
    . = ALIGN(4);
  } > ${r.name}
`).join("");
  return `/* link.ld for ${target.id} (${target.name}) on QEMU ${target.machine}: generated by course-lib/deploy/linker-script.ts.
 * FLASH and RAM are ${target.fromCatalogue ? "the board's sizes at the QEMU machine's addresses" : "the QEMU machine's own memory"}. */
MEMORY
{
  FLASH (rx)  : ORIGIN = ${hex(target.flash.origin)}, LENGTH = ${target.flash.bytes}
  RAM   (rwx) : ORIGIN = ${hex(target.ram.origin)}, LENGTH = ${target.ram.bytes}${extraMemory}
}

ENTRY(Reset_Handler)

STACK_BYTES = ${stackBytes};

SECTIONS
{
  /* The vector table first: the core reads the initial stack pointer and Reset_Handler from there. */
  .text :
  {
    KEEP(*(.isr_vector))
    *(.text .text.*)
  } > FLASH

  /* Constants: the model's weights, biases and quantization parameters. */
  .rodata :
  {
    . = ALIGN(4);
    *(.rodata .rodata.*)
    . = ALIGN(4);
  } > FLASH

  .ARM.extab : { *(.ARM.extab* .gnu.linkonce.armextab.*) } > FLASH
  .ARM.exidx : { *(.ARM.exidx* .gnu.linkonce.armexidx.*) } > FLASH

  /* Initialised variables: live in RAM, start as a copy of their values in FLASH (startup.c copies). */
  .data :
  {
    . = ALIGN(4);
    __data_start = .;
    *(.data .data.*)
    . = ALIGN(4);
    __data_end = .;
  } > RAM AT > FLASH
  __data_load = LOADADDR(.data);

  /* Zero-initialised variables: the tensor arena and scratch buffer (startup.c zeroes them). */
  .bss (NOLOAD) :
  {
    . = ALIGN(4);
    __bss_start = .;
    *(.bss .bss.*)
    *(COMMON)
    . = ALIGN(4);
    __bss_end = .;
  } > RAM

  /* The stack: a fixed region at the top of what the program uses, painted at reset (firmware.h). */
  .stack (NOLOAD) :
  {
    . = ALIGN(8);
    __stack_bottom = .;
    . = . + STACK_BYTES;
    __stack_top = .;
  } > RAM
${extraSections}}
`;
}
