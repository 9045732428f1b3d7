// runOnQemu(): run a firmware ELF on its target's QEMU machine and collect what it said and how much it did.
//
// The recipe (../shared/notes/deploy-toolchain.md): no display, no monitor, the UART into a file, the
// semihosting console into another, `-kernel` loading the ELF at its linked addresses. The firmware ends
// the emulation itself with a semihosting SYS_EXIT_EXTENDED, so QEMU's exit code is the firmware's status:
// 0 for a clean run, 3 from the fault handler (FirmwareHardFault); a firmware that never exits is killed
// after `timeoutMs` (FirmwareTimeout).
//
// With countInstructions, QEMU loads the course's TCG plugin (c/tools/insn_count_plugin.c, compiled here
// once with the host gcc and cached under build/tools), which counts every guest instruction and records
// the running count each time the first instruction of nn_op_mark executes. QEMU counts instructions, not
// cycles.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { C_LIBRARY_DIR, REPO_ROOT } from "./c/sources";
import { symbolAddress } from "./elf";
import { FirmwareHardFault, FirmwareTimeout } from "./errors";
import type { DeployTarget } from "./machines";
import { findTool, runProcess } from "./toolchain";

export interface RunOnQemuOptions {
  elf: string;
  target: DeployTarget;
  /** Load the instruction-counting plugin and return the running count at every nn_op_mark. */
  countInstructions?: boolean;
  /** Kill QEMU after this long (default 60 s): the firmware is expected to exit through semihosting. */
  timeoutMs?: number;
  /** The function whose first instruction is the marker (default "nn_op_mark", see c/firmware/app.c). */
  markSymbol?: string;
}

export interface QemuRun {
  /** Everything the firmware wrote to its UART. */
  uart: string;
  /** The firmware's exit status (semihosting SYS_EXIT_EXTENDED): 0 unless main() returned something else. */
  exitCode: number;
  /** countInstructions: the instructions executed before each execution of the marker, in order. */
  marks?: number[];
  /** countInstructions: instructions executed in the whole run (includes UART polling: varies run to run). */
  instructions?: number;
  wallMs: number;
  /** The qemu-system-arm command line that ran (its output files were temporary and are gone). */
  command: string[];
}

export const PLUGIN_SOURCE = join(C_LIBRARY_DIR, "tools", "insn_count_plugin.c");
const PLUGIN_CACHE = join(REPO_ROOT, "build", "tools");

let pluginPath: Promise<string> | null = null;

/** The instruction-counting plugin's .so, compiled with the host gcc on first use (cached by source hash). */
export function insnCountPlugin(): Promise<string> {
  pluginPath ??= (async () => {
    const source = readFileSync(PLUGIN_SOURCE);
    const so = join(PLUGIN_CACHE, `insn_count_plugin-${createHash("sha256").update(source).digest("hex").slice(0, 16)}.so`);
    if (existsSync(so)) return so;
    mkdirSync(PLUGIN_CACHE, { recursive: true });
    const staging = `${so}.${process.pid}.tmp`;
    const result = await runProcess(findTool("gcc"), ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-o", staging, PLUGIN_SOURCE]);
    if (result.code !== 0) throw new Error(`gcc could not build the QEMU plugin ${PLUGIN_SOURCE}:\n${result.stderr.trim()}`);
    renameSync(staging, so);
    return so;
  })().catch((e) => {
    pluginPath = null;
    throw e;
  });
  return pluginPath;
}

let qemuMajor: Promise<number> | null = null;

function qemuMajorVersion(qemu: string): Promise<number> {
  qemuMajor ??= runProcess(qemu, ["--version"]).then((r) => {
    const m = /version (\d+)\./.exec(r.stdout);
    if (!m) throw new Error(`cannot read the version of ${qemu}: ${JSON.stringify(r.stdout.slice(0, 80))}`);
    return Number(m[1]);
  });
  return qemuMajor;
}

/** QEMU 8.0 shrank netduinoplus2's SRAM at 0x20000000 from 192 KB to 128 KB: a bigger RAM region would fault. */
async function checkMemoryMapVersion(qemu: string, target: DeployTarget): Promise<void> {
  if (target.machine !== "netduinoplus2" || target.ram.bytes <= 128 * 1024) return;
  const major = await qemuMajorVersion(qemu);
  if (major >= 8) {
    throw new RangeError(
      `${target.id} uses ${target.ram.bytes} bytes of RAM at 0x20000000, but QEMU ${major}'s netduinoplus2 maps only 128 KB ` +
        `there (QEMU 7.2 maps 192 KB); expected QEMU 7.2, or a board with at most 128 KB of RAM`,
    );
  }
}

function tail(text: string, lines = 12): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function readMarks(file: string): { marks: number[]; instructions: number } {
  if (!existsSync(file)) throw new Error(`the instruction-counting plugin wrote no output (${file})`);
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const total = /^total (\d+)$/.exec(lines[0] ?? "");
  if (!total) throw new Error(`the instruction-counting plugin's output starts with ${JSON.stringify(lines[0])}, expected "total <n>"`);
  const marks = lines.slice(1).map((line, i) => {
    if (!/^\d+$/.test(line)) throw new Error(`the instruction-counting plugin's output line ${i + 2}: ${JSON.stringify(line)}`);
    return Number(line);
  });
  return { marks, instructions: Number(total[1]) };
}

/** Runs `elf` on `target`'s QEMU machine: see the header. */
export async function runOnQemu(options: RunOnQemuOptions): Promise<QemuRun> {
  if (options === null || typeof options !== "object") throw new RangeError("runOnQemu: options must be an object with elf and target");
  const { elf, target } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`runOnQemu: timeoutMs must be a positive number, got ${timeoutMs}`);
  if (typeof elf !== "string" || !existsSync(elf)) throw new RangeError(`runOnQemu: elf ${JSON.stringify(elf)} does not exist`);
  if (!target || !target.machineFacts) throw new RangeError("runOnQemu: target must be a DeployTarget (deployTarget(id) in machines.ts)");
  const qemu = findTool("qemu-system-arm");
  await checkMemoryMapVersion(qemu, target);

  const work = mkdtempSync(join(tmpdir(), "tinyml-qemu-"));
  try {
    const uartFile = join(work, "uart.txt");
    const marksFile = join(work, "marks.txt");
    const args = [
      "-M", target.machine, "-display", "none", "-monitor", "none", "-serial", `file:${uartFile}`,
      "-chardev", `file,id=semihosting,path=${join(work, "semihosting.txt")}`,
      "-semihosting-config", "enable=on,target=native,chardev=semihosting",
      "-kernel", resolve(elf),
    ];
    if (options.countInstructions) {
      const mark = await symbolAddress(elf, options.markSymbol ?? "nn_op_mark");
      args.push("-plugin", `${await insnCountPlugin()},mark=0x${mark.toString(16)},out=${marksFile}`);
    }
    const result = await runProcess(qemu, args, { timeoutMs });
    const uart = existsSync(uartFile) ? readFileSync(uartFile, "utf8") : "";
    const command = [qemu, ...args];
    if (result.timedOut) throw new FirmwareTimeout(target.machine, timeoutMs, tail(uart));
    if (result.code === null) {
      throw new Error(
        `qemu-system-arm -M ${target.machine} died (${result.signal}): ${tail(result.stderr, 3) || "no message"}` +
          (/Lockup/.test(result.stderr) ? " (the core locked up: a fault while handling a fault, e.g. the stack ran out)" : "") +
          `; last UART output:\n${tail(uart) || "(nothing)"}`,
      );
    }
    if (result.code !== 0 && /qemu-system-arm: /.test(result.stderr)) {
      throw new Error(`qemu-system-arm could not run ${elf} on ${target.machine}: ${result.stderr.trim()}`);
    }
    if (result.code === 3) {
      const detail = /^fault .*$/m.exec(uart)?.[0] ?? "";
      throw new FirmwareHardFault(target.machine, detail, tail(uart));
    }
    const run: QemuRun = { uart, exitCode: result.code, wallMs: result.wallMs, command };
    if (options.countInstructions) Object.assign(run, readMarks(marksFile));
    return run;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
