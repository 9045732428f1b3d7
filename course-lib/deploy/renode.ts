// Renode scripts for the deployed firmware, for learners who have Renode (https://renode.io): a `.resc` that
// loads the ELF on Renode's STM32F4 platform and shows the UART, and a `.robot` test (renode-test) that waits
// for every output line the firmware printed on QEMU. The same ELF runs unchanged: the STM32F4 firmware
// built for QEMU's netduinoplus2 (STM32F405) talks to USART1 at 0x40011000, which Renode's
// platforms/cpus/stm32f4.repl declares as `usart1` at the same address, with flash at 0x08000000.
//
// NOT RUN HERE: Renode cannot be installed on the course machines (not in Debian or npm, its download host
// is unreachable), so these scripts are generated and checked for what they name (ELF, platform, UART,
// expected lines) but never executed by the course's tests. Platform and keyword names are from Renode's
// documentation and its repository (platforms/cpus/stm32f4.repl, the Robot keywords of renode-test).
//
// Run them yourself:  renode build/deploy/<dir>/firmware.resc          (interactive: UART analyzer window)
//                     renode-test build/deploy/<dir>/firmware.robot    (headless check of every output line)
import { writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { BOARDS } from "../boards/catalogue";

/** A Renode platform that runs one of the course's QEMU machines' firmware unchanged. */
export interface RenodePlatform {
  /** The QEMU machine whose firmware (memory map, UART) this platform matches. */
  machine: string;
  /** Renode's platform description, relative to Renode's install directory. */
  repl: string;
  /** The firmware's UART as Renode names it. */
  uart: string;
  /** Its address (the same in the firmware and in the .repl). */
  uartAddress: number;
  /** Where the vector table is (the start of flash). */
  flashOrigin: number;
}

/** The STM32F4 family: QEMU's netduinoplus2 (STM32F405) and Renode's STM32F4 SoC description. */
export const RENODE_PLATFORMS: readonly RenodePlatform[] = [
  { machine: "netduinoplus2", repl: "platforms/cpus/stm32f4.repl", uart: "sysbus.usart1", uartAddress: 0x40011000, flashOrigin: 0x08000000 },
];

/** What renode.ts needs of a deploy target (machines.ts DeployTarget has these fields). */
export interface RenodeTarget {
  id: string;
  machine: string;
  clockMHz: number;
}

export interface RenodeScriptOptions {
  /** The firmware ELF (made absolute: Renode resolves relative paths against its own directory). */
  elf: string;
  target: RenodeTarget;
  /** The firmware's UART lines as QEMU received them (protocol.ts AppOutput.lines); see linesToWaitFor. */
  expectedLines: string[];
  /** Name shown in Renode (default: the ELF's directory name). */
  name?: string;
  /** Seconds the terminal tester waits for each line (default 60). */
  timeoutSeconds?: number;
}

export interface RenodeScripts {
  resc: string;
  robot: string;
  /** The lines the robot waits for, in order. */
  waitsFor: string[];
  platform: RenodePlatform;
}

/** Target ids that have a Renode platform: each platform's machine and the catalogue boards that run on it. */
export function renodeTargetIds(): string[] {
  return RENODE_PLATFORMS.flatMap((p) => [p.machine, ...BOARDS.filter((b) => b.qemuMachine === p.machine).map((b) => b.id)]);
}

/** The Renode platform for a target, or undefined. */
function platformOf(target: { machine: string }): RenodePlatform | undefined {
  return RENODE_PLATFORMS.find((p) => p.machine === target.machine);
}

/** Whether renodeScripts can write scripts for this target (STM32F4 targets only). */
export function renodeSupported(target: { machine: string }): boolean {
  return platformOf(target) !== undefined;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/**
 * The lines the robot waits for, in the order received: `begin`, every `out`, and `end` (or `hardfault`, so
 * a firmware that faulted on QEMU is expected to fault on Renode too). `stack` and `dump` lines are left out.
 */
export function linesToWaitFor(expectedLines: string[]): string[] {
  const kept = expectedLines.map((l) => l.trimEnd()).filter((l) => /^begin /.test(l) || /^out \d+ [0-9a-f]*$/.test(l) || l === "end" || l === "hardfault");
  if (!kept.some((l) => l.startsWith("begin "))) {
    throw new RangeError(`renodeScripts: expectedLines has no "begin ..." line (got ${expectedLines.length} lines, first ${JSON.stringify(expectedLines[0] ?? null)}); expected the firmware's UART lines (protocol.ts AppOutput.lines)`);
  }
  return kept;
}

/** The .resc and .robot text for the firmware (see the header). */
export function renodeScripts(options: RenodeScriptOptions): RenodeScripts {
  const { target } = options;
  const platform = platformOf(target);
  if (!platform) {
    throw new RangeError(`renodeScripts: target ${JSON.stringify(target.id)} (QEMU machine ${target.machine}) has no Renode platform here; supported targets (STM32F4, ${RENODE_PLATFORMS.map((p) => p.repl).join(", ")}): ${renodeTargetIds().join(", ")}`);
  }
  const elf = isAbsolute(options.elf) ? options.elf : resolve(options.elf);
  if (/\s/.test(elf)) throw new RangeError(`renodeScripts: the ELF path ${JSON.stringify(elf)} contains whitespace, which Renode's @path arguments do not take; deploy into a directory without spaces`);
  const name = options.name ?? elf.split("/").slice(-2, -1)[0] ?? "firmware";
  const timeout = options.timeoutSeconds ?? 60;
  if (!(timeout > 0)) throw new RangeError(`renodeScripts: timeoutSeconds must be > 0, got ${timeout}`);
  const waitsFor = linesToWaitFor(options.expectedLines);

  // The machine set-up, shared by both scripts (the robot starts the emulation itself, after its tester).
  const setup = [
    `mach create "${name}"`,
    `machine LoadPlatformDescription @${platform.repl}`,
    `cpu PerformanceInMips ${target.clockMHz}`,
    `sysbus LoadELF @${elf}`,
    `cpu VectorTableOffset ${hex(platform.flashOrigin)}`,
  ];
  const header = (comment: string) => [
    `${comment} Generated by course-lib/deploy/renode.ts for ${target.id} (QEMU machine ${target.machine}).`,
    `${comment} NOT RUN by the course: Renode is not installable on its machines. Written from Renode's documentation.`,
    `${comment} Firmware UART: ${platform.uart} at ${hex(platform.uartAddress)}; vector table at ${hex(platform.flashOrigin)}.`,
  ];
  const resc = [
    `:name: ${name}`,
    `:description: tinyml-course firmware on Renode's STM32F4 (${platform.repl}); prints its outputs on ${platform.uart}`,
    ...header("#"),
    "",
    ...setup,
    `showAnalyzer ${platform.uart}`,
    "start",
    "",
  ].join("\n");

  // A Robot cell ends at two spaces or a tab; `${`, `%{`, `@{`, `&{` start variables and `\\` escapes: none appear
  // in the firmware's lines or the commands, and a value that has one is refused rather than mis-quoted.
  const cell = (s: string) => {
    if (/ {2}|\t|[$%@&]\{|\\/.test(s)) throw new RangeError(`renodeScripts: ${JSON.stringify(s)} cannot be a Robot Framework cell as is (two spaces, a tab, a backslash or a variable)`);
    return s;
  };
  const robot = [
    ...header("#"),
    "*** Settings ***",
    "Suite Setup       Setup",
    "Suite Teardown    Teardown",
    "Test Teardown     Test Teardown",
    "Resource          ${RENODEKEYWORDS}",
    "",
    "*** Test Cases ***",
    `${name} prints the outputs it printed on QEMU`,
    ...setup.map((c) => `    Execute Command           ${cell(c)}`),
    `    Create Terminal Tester    ${platform.uart}    timeout=${timeout}`,
    "    Start Emulation",
    ...waitsFor.map((l) => `    Wait For Line On Uart     ${cell(l)}`),
    "",
  ].join("\n");
  return { resc, robot, waitsFor, platform };
}

/** Writes firmware.resc and firmware.robot into `dir`; returns their paths. */
export function writeRenodeScripts(dir: string, options: RenodeScriptOptions): { resc: string; robot: string } {
  const scripts = renodeScripts(options);
  const paths = { resc: join(dir, "firmware.resc"), robot: join(dir, "firmware.robot") };
  writeFileSync(paths.resc, scripts.resc);
  writeFileSync(paths.robot, scripts.robot);
  return paths;
}
