// Facts about the QEMU Cortex-M machines the course's firmware runs on, and deployTarget(): what a
// `--board` id means for the build (compiler flags, linker MEMORY, stack size) and the run (machine, UART).
//
// A target is either a catalogue board (course-lib/boards/catalogue.ts) or a QEMU machine id. A board
// keeps its own flash and RAM sizes, placed at its QEMU machine's addresses, so a model that would not fit
// the real chip fails the link even though the emulator has more memory; a machine id uses the machine's
// whole memory. Board facts (sizes, clock) stay in the catalogue; machine facts live here.
//
// Memory maps are QEMU 7.2's (Debian 12), read from QEMU's hw/arm/mps2.c, mps2-tz.c and stm32f405_soc.h,
// and probed with firmware that writes and reads back the last word of each region and the first word past
// it (course-lib/deploy/firmware.test.ts runs a firmware on every machine).
import { BOARDS, type Board, type QemuMachine } from "../boards/catalogue";

export type MachineId = QemuMachine;

export interface MemoryRegion {
  /** Start address. */
  origin: number;
  bytes: number;
}

export interface QemuMachineFacts {
  id: MachineId;
  name: string;
  core: "Cortex-M3" | "Cortex-M4F" | "Cortex-M7F" | "Cortex-M55";
  /** arm-none-eabi-gcc flags selecting the core, its instruction set and its floating-point ABI. */
  cpuFlags: readonly string[];
  /** The Armv7E-M DSP extension (SMLAD, SXTB16, ...), which the optimized kernels need. */
  hasDsp: boolean;
  /** The code region (the reset vector table must be at its start) and the data region. */
  flash: MemoryRegion & { what: string };
  ram: MemoryRegion & { what: string };
  uart: { kind: "cmsdk" | "stm32-usart"; base: number; name: string };
  /** The real board's (or FPGA image's) core clock, for latency estimates. */
  clockMHz: number;
  /** Where the memory map and the clock come from. */
  source: string;
}

const KB = 1024;
const MB = 1024 * KB;

const M4F_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"] as const;

const MPS2_MEMORY = {
  flash: { origin: 0x00000000, bytes: 4 * MB, what: "ZBT SSRAM1 (4 MB at 0x00000000; mirrored at 0x00400000)" },
  ram: { origin: 0x20000000, bytes: 4 * MB, what: "ZBT SSRAM2&3 (4 MB at 0x20000000)" },
};
const MPS2_UART = { kind: "cmsdk", base: 0x40004000, name: "UART0 (CMSDK APB UART)" } as const;
const MPS2_SOURCE =
  "QEMU 7.2 hw/arm/mps2.c: SSRAM1 4 MB at 0x0, SSRAM2&3 4 MB at 0x20000000, UART0 at 0x40004000, SYSCLK_FRQ 25 MHz " +
  "(the MPS2 FPGA images run the core at 25 MHz; QEMU models every MPS2 image at that clock)";

export const MACHINES: readonly QemuMachineFacts[] = [
  {
    id: "mps2-an385", name: "Arm MPS2 with the AN385 FPGA image (Cortex-M3)", core: "Cortex-M3",
    cpuFlags: ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"], hasDsp: false,
    ...MPS2_MEMORY, uart: MPS2_UART, clockMHz: 25, source: MPS2_SOURCE,
  },
  {
    id: "mps2-an386", name: "Arm MPS2 with the AN386 FPGA image (Cortex-M4F)", core: "Cortex-M4F",
    cpuFlags: M4F_FLAGS, hasDsp: true,
    ...MPS2_MEMORY, uart: MPS2_UART, clockMHz: 25, source: MPS2_SOURCE,
  },
  {
    id: "mps2-an500", name: "Arm MPS2 with the AN500 FPGA image (Cortex-M7F)", core: "Cortex-M7F",
    cpuFlags: ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16"], hasDsp: true,
    ...MPS2_MEMORY, uart: MPS2_UART, clockMHz: 25, source: MPS2_SOURCE,
  },
  {
    id: "netduinoplus2", name: "Netduino Plus 2 (STM32F405RG, Cortex-M4F)", core: "Cortex-M4F",
    cpuFlags: M4F_FLAGS, hasDsp: true,
    flash: { origin: 0x08000000, bytes: 1 * MB, what: "internal flash (1 MB at 0x08000000)" },
    ram: { origin: 0x20000000, bytes: 192 * KB, what: "SRAM (192 KB at 0x20000000 in QEMU 7.2; 128 KB from QEMU 8.0)" },
    uart: { kind: "stm32-usart", base: 0x40011000, name: "USART1 (STM32F4 USART)" },
    clockMHz: 168,
    source:
      "QEMU 7.2 include/hw/arm/stm32f405_soc.h: flash 1 MB at 0x08000000, SRAM 192 KB at 0x20000000 (probed: 0x2002FFF0 " +
      "is RAM, 0x20030000 bus-faults; QEMU 8.0 split it into 128 KB SRAM + 64 KB CCM at 0x10000000), USART1 at 0x40011000; " +
      "clock: ST DS8626, the STM32F405's 168 MHz maximum (the Netduino Plus 2 runs at it)",
  },
  {
    id: "mps3-an547", name: "Arm MPS3 with the AN547 FPGA image (Cortex-M55)", core: "Cortex-M55",
    cpuFlags: ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"], hasDsp: true,
    flash: { origin: 0x00000000, bytes: 512 * KB, what: "ITCM (512 KB at 0x00000000, where the reset vector base points)" },
    ram: { origin: 0x20000000, bytes: 512 * KB, what: "DTCM (512 KB at 0x20000000)" },
    uart: { kind: "cmsdk", base: 0x59303000, name: "UART0 (CMSDK APB UART, secure alias)" },
    clockMHz: 32,
    source:
      "QEMU 7.2 hw/arm/mps2-tz.c and armsse.c (SSE-300): ITCM 512 KB at 0x0 (init-svtor 0x0), DTCM 512 KB at 0x20000000, " +
      "also SRAM 2 MB at 0x01000000 and 4 MB at 0x21000000, QSPI as 8 MB ROM at 0x28000000, DDR at 0x60000000; the core " +
      "boots Secure with the SAU off, so the Non-secure addresses and the Secure aliases (+0x10000000) both work (probed). " +
      "Code goes in ITCM because the vector table must be at 0x0; UART0 at 0x59303000; sysclk_frq 32 MHz (the AN547 image's clock)",
  },
];

/** The facts of a QEMU machine, or an error listing the known machines. */
export function getMachine(id: string): QemuMachineFacts {
  const machine = MACHINES.find((m) => m.id === id);
  if (!machine) {
    throw new RangeError(`unknown QEMU machine ${JSON.stringify(id)}; expected one of: ${MACHINES.map((m) => m.id).join(", ")}`);
  }
  return machine;
}

/** What the build and the run need to know about a `--board` id. */
export interface DeployTarget {
  /** The id as given: a catalogue board id or a QEMU machine id. */
  id: string;
  name: string;
  /** The QEMU machine the firmware runs on. */
  machine: MachineId;
  /** The board's core as the catalogue names it, or the machine's. */
  core: string;
  /** The real board's clock (latency estimates). */
  clockMHz: number;
  flashBytes: number;
  ramBytes: number;
  /** true for a catalogue board (its sizes), false for a machine id (the machine's memory). */
  fromCatalogue: boolean;
  hasDsp: boolean;
  /** Linker MEMORY regions: the machine's origins, the target's sizes. */
  flash: MemoryRegion;
  ram: MemoryRegion;
  /** Default size of the stack region (part of RAM): 1/8 of RAM, between 1 KB and 8 KB. */
  stackBytes: number;
  machineFacts: QemuMachineFacts;
  board: Board | null;
}

function defaultStackBytes(ramBytes: number): number {
  return Math.min(8 * KB, Math.max(1 * KB, Math.floor(ramBytes / 8 / 8) * 8));
}

function validIds(): string {
  const boards = BOARDS.filter((b) => b.qemuMachine !== null).map((b) => b.id);
  return `catalogue boards ${boards.join(", ")} or QEMU machines ${MACHINES.map((m) => m.id).join(", ")}`;
}

/** A catalogue board id (its flash/RAM at its QEMU machine's addresses) or a QEMU machine id (its memory). */
export function deployTarget(id: string): DeployTarget {
  const machineFacts = MACHINES.find((m) => m.id === id);
  if (machineFacts) {
    return {
      id, name: machineFacts.name, machine: machineFacts.id, core: machineFacts.core, clockMHz: machineFacts.clockMHz,
      flashBytes: machineFacts.flash.bytes, ramBytes: machineFacts.ram.bytes, fromCatalogue: false, hasDsp: machineFacts.hasDsp,
      flash: { origin: machineFacts.flash.origin, bytes: machineFacts.flash.bytes },
      ram: { origin: machineFacts.ram.origin, bytes: machineFacts.ram.bytes },
      stackBytes: defaultStackBytes(machineFacts.ram.bytes), machineFacts, board: null,
    };
  }
  const board = BOARDS.find((b) => b.id === id);
  if (!board) throw new RangeError(`unknown deploy target ${JSON.stringify(id)}; expected one of: ${validIds()}`);
  if (board.qemuMachine === null) {
    throw new RangeError(
      `board ${JSON.stringify(id)} (${board.core}) has no QEMU machine to run on; expected one of: ${validIds()}`,
    );
  }
  const machine = getMachine(board.qemuMachine);
  for (const [what, need, region] of [["flash", board.flashBytes, machine.flash], ["RAM", board.ramBytes, machine.ram]] as const) {
    if (need > region.bytes) {
      throw new RangeError(
        `board ${JSON.stringify(id)} has ${need} bytes of ${what} but its QEMU machine ${machine.id} maps only ${region.bytes} ` +
          `(${region.what}); expected a board that fits its machine, or the machine id ${machine.id} itself`,
      );
    }
  }
  return {
    id, name: board.name, machine: machine.id, core: board.core, clockMHz: board.clockMHz,
    flashBytes: board.flashBytes, ramBytes: board.ramBytes, fromCatalogue: true, hasDsp: machine.hasDsp,
    flash: { origin: machine.flash.origin, bytes: board.flashBytes },
    ram: { origin: machine.ram.origin, bytes: board.ramBytes },
    stackBytes: defaultStackBytes(board.ramBytes), machineFacts: machine, board,
  };
}

/** How a firmware is linked: against the board's flash and RAM, or against its QEMU machine's whole memory. */
export type LinkMemory = "board" | "machine";

export function checkLinkMemory(memory: unknown, where: string): LinkMemory {
  if (memory === undefined || memory === "board" || memory === "machine") return (memory ?? "board") as LinkMemory;
  throw new RangeError(`${where}: memory must be "board" (link against the board's flash and RAM) or "machine" (its QEMU machine's whole memory, to measure a firmware that may not fit), got ${JSON.stringify(memory)}`);
}

/**
 * `target` with its QEMU machine's whole memory (less `keepBytes` at the top of the code memory, left for
 * an extra region) but the board's core, clock, kernels and stack size: what a firmware needs can then be
 * measured even when it does not fit the board, e.g. the pipeline's calibration probe.
 */
export function withMachineMemory(target: DeployTarget, keepBytes = 0): DeployTarget {
  const m = target.machineFacts;
  const flashBytes = m.flash.bytes - keepBytes;
  if (!(Number.isInteger(keepBytes) && keepBytes >= 0 && flashBytes > 0)) {
    throw new RangeError(`withMachineMemory: keepBytes must be an integer in 0..${m.flash.bytes - 1} (${m.id}'s code memory), got ${keepBytes}`);
  }
  return {
    ...target, name: `${target.name} (linked against ${m.id}'s whole memory)`, flashBytes, ramBytes: m.ram.bytes,
    flash: { origin: m.flash.origin, bytes: flashBytes }, ram: { origin: m.ram.origin, bytes: m.ram.bytes },
  };
}
