// The programs a deploy runs, found on the PATH once, and one way to run them. A missing program is a
// ToolchainMissing error with the apt-get line that installs it, never a skipped step: the firmware
// needs the Arm cross compiler and binutils, newlib (memcpy/memset for -O2 code), QEMU, and the host gcc
// that compiles the instruction-counting plugin (make only runs the Makefile written into each project).
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { ToolchainMissing } from "./errors";

export type ToolName = "arm-none-eabi-gcc" | "arm-none-eabi-size" | "arm-none-eabi-nm" | "qemu-system-arm" | "gcc" | "make";

const APT = "apt-get install -y --no-install-recommends";

/** The Debian package line that installs each tool. */
export const INSTALL_LINES: Readonly<Record<ToolName, string>> = {
  "arm-none-eabi-gcc": `${APT} gcc-arm-none-eabi libnewlib-arm-none-eabi`,
  "arm-none-eabi-size": `${APT} binutils-arm-none-eabi`,
  "arm-none-eabi-nm": `${APT} binutils-arm-none-eabi`,
  "qemu-system-arm": `${APT} qemu-system-arm`,
  gcc: `${APT} gcc libc6-dev`,
  make: `${APT} make`,
};

export const NEWLIB_INSTALL_LINE = `${APT} libnewlib-arm-none-eabi`;

/** Found tools, by PATH and name (a changed PATH looks again). */
const found = new Map<string, string>();

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** The absolute path of a tool, or ToolchainMissing with its install line. */
export function findTool(name: ToolName): string {
  const key = `${process.env.PATH ?? ""}\0${name}`;
  const cached = found.get(key);
  if (cached) return cached;
  if (!(name in INSTALL_LINES)) {
    throw new RangeError(`unknown tool ${JSON.stringify(name)}; expected one of ${Object.keys(INSTALL_LINES).join(", ")}`);
  }
  const path = onPath(name);
  if (!path) throw new ToolchainMissing(name, INSTALL_LINES[name], "not found on the PATH");
  found.set(key, path);
  return path;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
}

/** Runs a program to completion (no shell), collecting its output; kills it after `timeoutMs`. */
export function runProcess(file: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs)
        : undefined;
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        code, signal, timedOut, wallMs: Date.now() - started,
        stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

const newlibChecked = new Set<string>();

/** Throws ToolchainMissing when the cross compiler has no newlib for these cpu flags (libc.a missing). */
export async function checkNewlib(cpuFlags: readonly string[]): Promise<void> {
  const key = cpuFlags.join(" ");
  if (newlibChecked.has(key)) return;
  const gcc = findTool("arm-none-eabi-gcc");
  const result = await runProcess(gcc, [...cpuFlags, "--specs=nano.specs", "-print-file-name=libc_nano.a"]);
  const path = result.stdout.trim();
  if (result.code !== 0 || !isAbsolute(path) || !existsSync(path)) {
    throw new ToolchainMissing("newlib for arm-none-eabi", NEWLIB_INSTALL_LINE, `arm-none-eabi-gcc ${key} finds no libc_nano.a`);
  }
  newlibChecked.add(key);
}
