// The host build of a generated model: the same C (model.c, inputs.c, app.c, the kernels) compiled by the
// development machine's gcc with the strict flags of the course (-std=c99 -O2 -Wall -Wextra -Werror) and
// run, its stdout parsed as the firmware's UART would be. A mismatch that shows up here is the C's; one
// that shows up only on the board is the firmware's or the compiler's for Arm. The optimized kernels are
// built here too: nn_simd.h gives portable C versions of the DSP instructions, so the host checks the
// algorithm and QEMU the instructions.
//
// The kernel library does not change between models, so its object files are cached (by a hash of the
// flags, the source and every header) in the system's temporary folder; a model then costs one compile of
// its own sources and a link.
import { execFile } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join, resolve } from "path";
import { parseAppOutput, type AppOutput } from "./protocol";
import { findTool } from "./toolchain";
import { APP_SOURCE, C_INCLUDE_DIRS, checkKernelSet, HOST_PLATFORM_SOURCE, kernelDefines, kernelSources, libraryHeaders, type KernelSet } from "./c/sources";

export const HOST_CC = "gcc" as const;
export const HOST_CFLAGS: readonly string[] = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"];

export interface HostBuildOptions {
  kernels: KernelSet;
  /** NN_DEBUG_DUMP: the program also prints every operator's output. */
  debug?: boolean;
  /** Where compiled kernel objects are kept between builds; default <tmp>/tinyml-course-host-objects. */
  objectCache?: string;
  /** Seconds the program may run; default 60. */
  timeoutSeconds?: number;
}

export interface HostRun extends AppOutput {
  /** The host executable. */
  executable: string;
  buildMs: number;
  runMs: number;
}

interface ProcessResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeoutMs: number, maxBuffer = 1 << 30): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error(`${file} could not be started (ENOENT)`));
        return;
      }
      const e = error as (Error & { code?: number | string; signal?: string; killed?: boolean }) | null;
      resolvePromise({
        code: e ? (typeof e.code === "number" ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stdout, stderr,
      });
    });
  });
}

async function compile(args: string[], what: string): Promise<void> {
  const r = await run(findTool(HOST_CC), args, 120_000); // findTool: ToolchainMissing with the apt-get line
  if (r.code !== 0) throw new Error(`host ${HOST_CC} failed on ${what} (exit ${r.code ?? r.signal}):\n${r.stderr.trim()}\n${HOST_CC} ${args.join(" ")}`);
}

/** Every header of the library, for the cache key (a header change recompiles the kernels). */
function headersDigest(): string {
  const hash = createHash("sha1");
  for (const header of libraryHeaders()) hash.update(header).update(readFileSync(header));
  return hash.digest("hex");
}

/** The object file of one library source, compiled once per (flags, source, headers). */
async function libraryObject(source: string, flags: string[], cacheDir: string, headers: string): Promise<string> {
  const key = createHash("sha1").update(HOST_CC).update(flags.join(" ")).update(headers).update(readFileSync(source)).digest("hex").slice(0, 16);
  const object = join(cacheDir, `${basename(source, ".c")}-${key}.o`);
  if (existsSync(object)) return object;
  const partial = `${object}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await compile([...flags, "-c", source, "-o", partial], source);
  renameSync(partial, object); // atomic: concurrent test workers never see half an object
  return object;
}

/**
 * Writes `files` (model.h, model.c, inputs.c) into `projectDir`, builds them with app.c, host_platform.c and
 * the kernel set's sources using the host gcc, runs the program and returns its parsed output.
 */
export async function buildAndRunHost(projectDir: string, files: Record<string, string>, options: HostBuildOptions): Promise<HostRun> {
  const kernels = checkKernelSet(options?.kernels, "buildAndRunHost: kernels");
  const debug = options.debug === true;
  for (const name of ["model.h", "model.c", "inputs.c"]) {
    if (typeof files[name] !== "string") throw new RangeError(`buildAndRunHost: files must hold ${name} (generateModelSources' output), got ${Object.keys(files).join(", ") || "nothing"}`);
  }
  const dir = resolve(projectDir);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

  const started = Date.now();
  const flags = [...HOST_CFLAGS, ...kernelDefines(kernels, debug), ...C_INCLUDE_DIRS.map((d) => `-I${d}`)];
  const cacheDir = options.objectCache ?? join(tmpdir(), "tinyml-course-host-objects");
  mkdirSync(cacheDir, { recursive: true });
  const headers = headersDigest();
  const objects = await Promise.all([...kernelSources(kernels), HOST_PLATFORM_SOURCE].map((s) => libraryObject(s, flags, cacheDir, headers)));
  const executable = join(dir, debug ? "host-model-debug" : "host-model");
  const modelSources = ["model.c", "inputs.c"].map((f) => join(dir, f));
  await compile([...flags, `-I${dir}`, ...modelSources, APP_SOURCE, ...objects, "-lm", "-o", executable], `the model in ${dir}`);
  const buildMs = Date.now() - started;

  const runStarted = Date.now();
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  const result = await run(executable, [], timeoutSeconds * 1000);
  const runMs = Date.now() - runStarted;
  if (result.code !== 0) {
    const why = result.signal ? `was killed by ${result.signal}${result.signal === "SIGTERM" ? ` (timeout ${timeoutSeconds} s?)` : ""}` : `exited with status ${result.code}`;
    throw new Error(`host model ${executable} ${why}; last output: ${JSON.stringify(result.stdout.slice(-200))} ${result.stderr.trim()}`);
  }
  const parsed = parseAppOutput(result.stdout);
  if (!parsed.ended) throw new Error(`host model ${executable} exited 0 without printing "end"`);
  return { ...parsed, executable, buildMs, runMs };
}
