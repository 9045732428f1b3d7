// buildFirmware(): a project directory of generated C (model.c, model.h, inputs.c) becomes a Cortex-M
// firmware ELF for a deploy target, with its footprint read back from the ELF.
//
// The project is made self-contained first: the C library (kernels, headers, the application, startup,
// UART driver, semihosting) is copied into <dir>/lib, and a linker script (link.ld) and a Makefile are
// written next to the sources, so a learner can rebuild (`make`), run (`make run`) or build the same
// program for the PC (`make host`) by hand, with exactly the commands used here. Then every .c is compiled
// with the target's cpu flags and the course's flags (-O2, warnings on, one section per function and per
// object so --gc-sections drops what the model does not call), and linked with newlib-nano (memcpy and
// memset: GCC emits calls to them at -O2) against link.ld. A region overflow is FirmwareDoesNotFit.
//
// Compiled objects are cached under build/firmware-objects by a hash of the compiler, the flags and the
// source, and checked against the contents of every header the compile read (gcc -MMD): the kernels do
// not change from one model to the next, so a new model costs the compile of its own sources and a link.
//
// Other applications than app.c (the streaming keyword spotter of course-lib/streaming) name their own
// `app` source and `extraSources`; files from outside the C library are copied into <dir>/lib/app. An
// `extraRegions` entry adds a linker region for data that is not the firmware's (the spotter's test audio,
// beyond the board's flash): its bytes are reported apart and left out of `flash`.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { APP_SOURCE, C_LIBRARY_DIR, HOST_PLATFORM_SOURCE, REPO_ROOT, checkKernelSet, libraryHeaders, kernelDefines, kernelSources, type KernelSet } from "./c/sources";
import { elfSizes, type ElfSizes } from "./elf";
import { FirmwareDoesNotFit } from "./errors";
import { checkExtraRegions, checkStackBytes, extraRegionSection, linkerScript, type ExtraRegion } from "./linker-script";
import type { DeployTarget } from "./machines";
import { checkNewlib, findTool, runProcess } from "./toolchain";

export interface BuildFirmwareOptions {
  /** The project directory; the generated sources are in it, and everything the build writes goes there. */
  dir: string;
  /** The generated files (model.c, model.h, inputs.c): paths inside `dir`; the .c files are compiled. */
  sources: string[];
  target: DeployTarget;
  kernels: KernelSet;
  /** NN_DEBUG_DUMP: the firmware prints every operator's output. */
  debug?: boolean;
  /** Size of the stack region; default the target's (1/8 of RAM, 1 to 8 KB). */
  stackBytes?: number;
  /** The application's C source (absolute, or inside `dir`), compiled instead of c/firmware/app.c. */
  app?: string;
  /** More C sources and headers the application needs (absolute, or inside `dir`); the .c files are compiled. */
  extraSources?: string[];
  /** Read-only regions besides FLASH and RAM (linker-script.ts ExtraRegion); their bytes are not counted in `flash`. */
  extraRegions?: ExtraRegion[];
}

export interface StackFrame {
  function: string;
  /** The source file, relative to the project. */
  file: string;
  bytes: number;
  /** gcc's qualifier: "static" (fixed frame), "dynamic" (alloca/VLAs) or "dynamic,bounded". */
  kind: string;
}

export interface FirmwareBuild {
  dir: string;
  elf: string;
  map: string;
  linkerScript: string;
  makefile: string;
  sizes: ElfSizes;
  /** text + data bytes, less the extra regions' (which arm-none-eabi-size counts in text). */
  flash: number;
  /** data + bss bytes (bss includes the stack region). */
  ram: number;
  stackBytes: number;
  /** -fstack-usage: each function's own frame (not the call chain), largest first. */
  stackUsage: StackFrame[];
  /** The linker's --print-memory-usage table (used and total bytes of FLASH and RAM). */
  memoryUsage: string;
  /** Compiler and linker diagnostics (warnings); empty for a clean build. */
  warnings: string;
  /** Bytes placed in each extra region (empty without extraRegions). */
  extraRegions: { name: string; origin: number; bytes: number }[];
  /** How many objects came from the cache. */
  cachedObjects: number;
  buildMs: number;
}

/** The flags every firmware compile uses besides the cpu flags (the course's, as the issue asks). */
export const FIRMWARE_CFLAGS: readonly string[] = [
  "-O2", "-g", "-std=c99", "-Wall", "-Wextra", "-ffunction-sections", "-fdata-sections", "-fstack-usage", "--specs=nano.specs",
];

const OBJECT_CACHE = join(REPO_ROOT, "build", "firmware-objects");
const LIB = "lib";
/** Where application files from outside the C library go, inside lib/. */
const APP_DIR = "app";
const FIRMWARE_DIR = join(C_LIBRARY_DIR, "firmware");

const UART_DRIVERS: Record<DeployTarget["machineFacts"]["uart"]["kind"], string> = {
  cmsdk: "uart_cmsdk.c",
  "stm32-usart": "uart_stm32.c",
};

/** The library files a firmware build of `kernels` on `target` compiles (absolute paths). */
export function firmwareLibrarySources(target: DeployTarget, kernels: KernelSet): string[] {
  return [
    APP_SOURCE,
    join(FIRMWARE_DIR, "startup.c"),
    join(FIRMWARE_DIR, "semihosting.c"),
    join(FIRMWARE_DIR, "platform_firmware.c"),
    join(FIRMWARE_DIR, UART_DRIVERS[target.machineFacts.uart.kind]),
    ...kernelSources(kernels),
  ];
}

const toPosix = (p: string) => p.split(sep).join("/");

/** Copies a library file to <dir>/lib/<its path inside course-lib/deploy/c> (a file from elsewhere to
 * <dir>/lib/app/<name>); returns the project-relative path. */
function copyIntoProject(dir: string, file: string): string {
  const inLibrary = relative(C_LIBRARY_DIR, file);
  const rel = toPosix(inLibrary.startsWith("..") || isAbsolute(inLibrary) ? join(LIB, APP_DIR, basename(file)) : join(LIB, inLibrary));
  const dest = join(dir, rel);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(file, dest);
  return rel;
}

function hexAddress(n: number): string {
  return "0x" + n.toString(16).toUpperCase().padStart(8, "0");
}

function makefileText(o: {
  target: DeployTarget; cpuFlags: readonly string[]; defines: string[]; includes: string[]; sources: string[];
  hostSources: string[]; hostDefines: string[];
}): string {
  const list = (items: readonly string[]) => items.map((s) => ` \\\n  ${s}`).join("");
  const m = o.target.machineFacts;
  return `# Makefile for ${o.target.id} (${o.target.name}), run on QEMU ${o.target.machine}.
# Generated by course-lib/deploy/build.ts: these are the commands the course ran to build this firmware.
#   make            build firmware.elf (and firmware.map), print the memory used
#   make run        run it on qemu-system-arm; the UART (the results) prints here, the exit status is the firmware's
#   make host       build the same program for this computer with gcc, and run it
#   make clean
CC = arm-none-eabi-gcc
SIZE = arm-none-eabi-size
QEMU = qemu-system-arm
HOST_CC = gcc

CPUFLAGS =${o.cpuFlags.map((f) => " " + f).join("")}
CFLAGS = $(CPUFLAGS) ${FIRMWARE_CFLAGS.join(" ")} -fdebug-prefix-map=$(CURDIR)=. -MMD -MP${o.defines.map((d) => " " + d).join("")}${o.includes.map((i) => " -I" + i).join("")}
# newlib-nano for memcpy/memset; no C start files (lib/firmware/startup.c is the start-up code).
LDFLAGS = $(CPUFLAGS) --specs=nano.specs -nostartfiles -T link.ld -Wl,--gc-sections -Wl,-Map=firmware.map -Wl,--print-memory-usage
LDLIBS = -lc -lgcc

SOURCES =${list(o.sources)}
OBJECTS = $(SOURCES:%.c=obj/%.o)

firmware.elf: $(OBJECTS) link.ld
\t$(CC) $(LDFLAGS) $(OBJECTS) $(LDLIBS) -o $@
\t$(SIZE) $@

obj/%.o: %.c
\t@mkdir -p $(dir $@)
\t$(CC) $(CFLAGS) -c $< -o $@

# ${m.name}: the UART is ${m.uart.name} at ${hexAddress(m.uart.base)}; semihosting carries the exit status.
run: firmware.elf
\t$(QEMU) -M ${o.target.machine} -display none -monitor none -serial stdio -semihosting-config enable=on,target=native -kernel firmware.elf

HOST_SOURCES =${list(o.hostSources)}

host: $(HOST_SOURCES)
\t$(HOST_CC) -std=c99 -O2 -Wall -Wextra${o.hostDefines.map((d) => " " + d).join("")}${o.includes.map((i) => " -I" + i).join("")} $(HOST_SOURCES) -o host
\t./host

clean:
\trm -rf obj firmware.elf firmware.map host

.PHONY: run host clean
-include $(OBJECTS:.o=.d)
`;
}

// ---- the object cache ----

/** Bumped when what a cached object depends on changes in a way the key does not see. */
const CACHE_FORMAT = 3;

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

interface CacheEntry {
  deps: { path: string; sha: string }[];
}

/** Header paths (relative to the project) a compile read, from its gcc -MMD dependency file. */
function readDependencies(depFile: string, source: string): string[] {
  const text = readFileSync(depFile, "utf8").replace(/\\\n/g, " ");
  const firstRule = text.split("\n")[0];
  const colon = firstRule.indexOf(": ");
  const files = firstRule.slice(colon + 2).trim().split(/\s+/).filter(Boolean);
  return files.filter((f) => f !== source);
}

function depsStillMatch(dir: string, entry: CacheEntry): boolean {
  return entry.deps.every((d) => {
    const path = isAbsolute(d.path) ? d.path : join(dir, d.path);
    return existsSync(path) && sha256(readFileSync(path)) === d.sha;
  });
}

async function compilerIdentity(gcc: string): Promise<string> {
  const version = await runProcess(gcc, ["-dumpfullversion"]);
  return `${gcc} ${version.stdout.trim()} ${statSync(gcc).mtimeMs}`;
}

interface CompileResult {
  warnings: string;
  cached: boolean;
}

async function compileOne(gcc: string, identity: string, dir: string, cflags: string[], source: string): Promise<CompileResult> {
  const object = `obj/${source.replace(/\.c$/, ".o")}`;
  const base = object.replace(/\.o$/, "");
  mkdirSync(join(dir, dirname(object)), { recursive: true });
  // The debug prefix map names the project's directory, which the object does not depend on (see cflags).
  const keyFlags = cflags.filter((f) => !f.startsWith("-fdebug-prefix-map="));
  const key = sha256(JSON.stringify({ cache: CACHE_FORMAT, identity, keyFlags, source, text: sha256(readFileSync(join(dir, source))) }));
  // One folder per key; in it one immutable entry per set of header contents, published by an atomic rename
  // and never rewritten, so parallel builds (several test processes) can share the cache safely.
  const keyDir = join(OBJECT_CACHE, key.slice(0, 2), key);
  if (existsSync(keyDir)) {
    for (const name of readdirSync(keyDir)) {
      if (name.startsWith(".")) continue; // an entry being written
      const entryDir = join(keyDir, name);
      const entry = JSON.parse(readFileSync(join(entryDir, "entry.json"), "utf8")) as CacheEntry;
      if (!depsStillMatch(dir, entry)) continue;
      for (const ext of [".o", ".su", ".d"]) copyFileSync(join(entryDir, "object" + ext), join(dir, base + ext));
      return { warnings: readFileSync(join(entryDir, "warnings.txt"), "utf8"), cached: true };
    }
  }
  const result = await runProcess(gcc, [...cflags, "-c", source, "-o", object], { cwd: dir });
  if (result.code !== 0) {
    throw new Error(`arm-none-eabi-gcc could not compile ${source} (in ${dir}):\n${result.stderr.trim()}`);
  }
  const deps = readDependencies(join(dir, base + ".d"), source).map((path) => ({
    path, sha: sha256(readFileSync(isAbsolute(path) ? path : join(dir, path))),
  }));
  const entryDir = join(keyDir, sha256(JSON.stringify(deps)).slice(0, 16));
  if (!existsSync(entryDir)) {
    const staging = join(keyDir, `.staging-${process.pid}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(staging, { recursive: true });
    for (const ext of [".o", ".su", ".d"]) copyFileSync(join(dir, base + ext), join(staging, "object" + ext));
    writeFileSync(join(staging, "warnings.txt"), result.stderr);
    writeFileSync(join(staging, "entry.json"), JSON.stringify({ deps } satisfies CacheEntry));
    try {
      renameSync(staging, entryDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another build published the same entry first
    }
  }
  return { warnings: result.stderr, cached: false };
}

async function inPool<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

/** Stack frames from the .su files gcc wrote next to the objects. */
function readStackUsage(dir: string, sources: string[]): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const source of sources) {
    const su = join(dir, `obj/${source.replace(/\.c$/, ".su")}`);
    if (!existsSync(su)) continue;
    for (const line of readFileSync(su, "utf8").split("\n")) {
      const m = /^(.*):\d+:\d+:(\S+)\t(\d+)\t(\S+)$/.exec(line);
      if (m) frames.push({ function: m[2], file: source, bytes: Number(m[3]), kind: m[4] });
    }
  }
  return frames.sort((a, b) => b.bytes - a.bytes || a.function.localeCompare(b.function));
}

/** A file the application needs: inside the project (used in place) or elsewhere (copied to lib/app). */
function checkAppFile(dir: string, file: string, what: string): { abs: string; rel: string; copy: boolean } {
  if (typeof file !== "string" || !/\.[ch]$/.test(file)) throw new RangeError(`buildFirmware: ${what} must be the path of a .c or .h file, got ${JSON.stringify(file)}`);
  const abs = resolve(dir, file);
  if (!existsSync(abs)) throw new RangeError(`buildFirmware: ${what} ${JSON.stringify(file)} does not exist`);
  const rel = toPosix(relative(dir, abs));
  const inProject = !rel.startsWith("..") && !isAbsolute(rel);
  if (inProject && rel.startsWith(`${LIB}/`)) throw new RangeError(`buildFirmware: ${what} ${JSON.stringify(file)} is inside ${LIB}/, which the build rewrites`);
  return { abs, rel, copy: !inProject };
}

/** Output section sizes by name (arm-none-eabi-size -A). */
async function sectionSizes(elf: string): Promise<Map<string, number>> {
  const result = await runProcess(findTool("arm-none-eabi-size"), ["-A", elf]);
  if (result.code !== 0) throw new Error(`arm-none-eabi-size -A ${elf} failed: ${result.stderr.trim()}`);
  const sizes = new Map<string, number>();
  for (const line of result.stdout.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+\s*$/.exec(line.trim());
    if (m) sizes.set(m[1], Number(m[2]));
  }
  return sizes;
}

const OVERFLOW = /region [`']?(\w+)'? overflowed by (\d+) bytes/;

/** Builds the firmware of the project in `options.dir`: see the header. */
export async function buildFirmware(options: BuildFirmwareOptions): Promise<FirmwareBuild> {
  const started = Date.now();
  if (options === null || typeof options !== "object") throw new RangeError("buildFirmware: options must be an object");
  const { target } = options;
  if (!target || typeof target !== "object" || !target.machineFacts) {
    throw new RangeError("buildFirmware: target must be a DeployTarget (from deployTarget(id) in course-lib/deploy/machines.ts)");
  }
  const kernels = checkKernelSet(options.kernels, "buildFirmware: kernels");
  if (kernels === "optimized" && !target.hasDsp) {
    throw new RangeError(
      `buildFirmware: ${target.id} runs a ${target.machineFacts.core}, which has no DSP extension (no SMLAD/SXTB16), so the ` +
        `optimized kernels cannot be built for it; use kernels "reference"`,
    );
  }
  const stackBytes = checkStackBytes(options.stackBytes ?? target.stackBytes, target.ram.bytes);
  if (typeof options.dir !== "string" || !existsSync(options.dir) || !statSync(options.dir).isDirectory()) {
    throw new RangeError(`buildFirmware: dir ${JSON.stringify(options.dir)} is not a directory`);
  }
  const dir = realpathSync(resolve(options.dir)); // as make's $(CURDIR) names it
  if (!Array.isArray(options.sources) || options.sources.length === 0) {
    throw new RangeError("buildFirmware: sources must list the generated files (model.c, model.h, inputs.c)");
  }
  const projectSources = options.sources.map((s) => {
    const abs = resolve(dir, s);
    const rel = relative(dir, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new RangeError(`buildFirmware: source ${JSON.stringify(s)} is not inside the project dir ${dir}`);
    if (!existsSync(abs)) throw new RangeError(`buildFirmware: source ${JSON.stringify(s)} does not exist`);
    if (toPosix(rel).startsWith(`${LIB}/`)) throw new RangeError(`buildFirmware: source ${JSON.stringify(s)} is inside ${LIB}/, which the build rewrites`);
    return toPosix(rel);
  });

  const extraRegions = checkExtraRegions(target, options.extraRegions ?? []);
  if (options.app !== undefined && !(typeof options.app === "string" && options.app.endsWith(".c"))) {
    throw new RangeError(`buildFirmware: app must be the path of a .c file, got ${JSON.stringify(options.app)}`);
  }
  if (options.extraSources !== undefined && !Array.isArray(options.extraSources)) {
    throw new RangeError(`buildFirmware: extraSources must be an array of file paths, got ${String(options.extraSources)}`);
  }
  const appFiles = [
    ...(options.app === undefined ? [] : [checkAppFile(dir, options.app, "app")]),
    ...(options.extraSources ?? []).map((f, i) => checkAppFile(dir, f, `extraSources[${i}]`)),
  ];
  const copiedNames = appFiles.filter((f) => f.copy).map((f) => basename(f.abs));
  const duplicate = copiedNames.find((n, i) => copiedNames.indexOf(n) !== i);
  if (duplicate) throw new RangeError(`buildFirmware: two application files are named ${duplicate}; they would both be copied to ${LIB}/${APP_DIR}/${duplicate}`);

  const gcc = findTool("arm-none-eabi-gcc");
  findTool("arm-none-eabi-size");
  const cpuFlags = target.machineFacts.cpuFlags;
  await checkNewlib(cpuFlags);

  // A self-contained project: a fresh copy of the library, the linker script and the Makefile.
  rmSync(join(dir, LIB), { recursive: true, force: true });
  rmSync(join(dir, "obj"), { recursive: true, force: true });
  for (const header of libraryHeaders()) copyIntoProject(dir, header);
  // Application files from outside the project go to lib/app; the app replaces app.c in the library list.
  const appPaths = appFiles.map((f) => (f.copy ? copyIntoProject(dir, f.abs) : f.rel));
  const appSource = options.app === undefined ? null : appPaths[0];
  const extraPaths = options.app === undefined ? appPaths : appPaths.slice(1);
  const librarySources = firmwareLibrarySources(target, kernels)
    .filter((f) => appSource === null || f !== APP_SOURCE)
    .map((f) => copyIntoProject(dir, f));
  if (appSource !== null) librarySources.unshift(appSource);
  const hostPlatform = copyIntoProject(dir, HOST_PLATFORM_SOURCE);
  const extraCompiled = extraPaths.filter((s) => s.endsWith(".c"));
  const compiled = [...projectSources.filter((s) => s.endsWith(".c")), ...librarySources, ...extraCompiled];

  const defines = [...kernelDefines(kernels, options.debug === true), `-DUART_BASE=${hexAddress(target.machineFacts.uart.base)}`];
  const includes = [".", LIB, `${LIB}/firmware`, ...(copiedNames.length > 0 ? [`${LIB}/${APP_DIR}`] : [])];
  // Debug info names the project directory "." so that objects do not depend on where the project is
  // (they can be cached and shared); the Makefile passes the same flag in the same place.
  const cflags = [...cpuFlags, ...FIRMWARE_CFLAGS, `-fdebug-prefix-map=${dir}=.`, "-MMD", "-MP", ...defines, ...includes.map((i) => `-I${i}`)];

  const linkerScriptPath = join(dir, "link.ld");
  writeFileSync(linkerScriptPath, linkerScript(target, stackBytes, extraRegions));
  const makefile = join(dir, "Makefile");
  const hostSources = [
    ...projectSources.filter((s) => s.endsWith(".c")),
    appSource ?? toPosix(join(LIB, relative(C_LIBRARY_DIR, APP_SOURCE))),
    ...extraCompiled,
    hostPlatform,
    ...librarySources.filter((s) => s.startsWith(`${LIB}/kernels/`)),
  ];
  writeFileSync(makefile, makefileText({
    target, cpuFlags, defines, includes, sources: compiled, hostSources, hostDefines: kernelDefines(kernels, options.debug === true),
  }));

  const identity = await compilerIdentity(gcc);
  const results = await inPool(compiled, Math.max(1, availableParallelism()), (source) => compileOne(gcc, identity, dir, cflags, source));

  const objects = compiled.map((s) => `obj/${s.replace(/\.c$/, ".o")}`);
  const link = await runProcess(gcc, [
    ...cpuFlags, "--specs=nano.specs", "-nostartfiles", "-T", "link.ld", "-Wl,--gc-sections", "-Wl,-Map=firmware.map",
    "-Wl,--print-memory-usage", ...objects, "-lc", "-lgcc", "-o", "firmware.elf",
  ], { cwd: dir });
  if (link.code !== 0) {
    const overflow = OVERFLOW.exec(link.stderr);
    if (overflow) {
      const region = overflow[1];
      const regionBytes = region === "FLASH" ? target.flash.bytes : region === "RAM" ? target.ram.bytes : extraRegions.find((r) => r.name === region)?.bytes ?? NaN;
      throw new FirmwareDoesNotFit(region, Number(overflow[2]), target.id, regionBytes);
    }
    throw new Error(`linking the firmware for ${target.id} failed (in ${dir}):\n${link.stderr.trim()}`);
  }
  const elf = join(dir, "firmware.elf");
  const { sizes, flash: textAndData, ram } = await elfSizes(elf);
  const placed = extraRegions.length > 0 ? await sectionSizes(elf) : new Map<string, number>();
  const extra = extraRegions.map((r) => ({ name: r.name, origin: r.origin, bytes: placed.get(extraRegionSection(r)) ?? 0 }));
  const flash = textAndData - extra.reduce((sum, r) => sum + r.bytes, 0);
  const warnings = [...results.map((r) => r.warnings), link.stderr].map((w) => w.trim()).filter(Boolean).join("\n");
  return {
    dir, elf, map: join(dir, "firmware.map"), linkerScript: linkerScriptPath, makefile,
    sizes, flash, ram, stackBytes, extraRegions: extra,
    stackUsage: readStackUsage(dir, compiled),
    memoryUsage: link.stdout.trim(),
    warnings, cachedObjects: results.filter((r) => r.cached).length,
    buildMs: Date.now() - started,
  };
}
