// Picks and initialises the TensorFlow.js backend the course trains on, and says why it picked it.
//
// Order: an explicit request (env COURSE_BACKEND, else options.backend) → the native TensorFlow
// backend (the optional `tfjs-node-native` package, or a genuine `@tensorflow/tfjs-node`) → the
// WebAssembly backend with the course's extra training kernels (course-lib/runtime/kernels) → cpu.
// cpu is never chosen silently: only when asked for, or (with a loud console.warn naming the reason)
// when the wasm backend itself fails to initialise. Everything else in the course calls
// `await initBackend()` before touching tf.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { registerCourseWasmKernels } from "./kernels/index";
import { silenceCpuBackendBanner } from "./cpu-banner";
import { registerThreadedWasm, requestedThreads } from "./wasm-threads";

export { silenceCpuBackendBanner };

export type BackendName = "node" | "wasm" | "cpu";

export interface BackendInfo {
  /** The course's name for the backend. */
  name: BackendName;
  /** What tf.getBackend() reports ("tensorflow", "wasm" or "cpu"). */
  tfBackend: string;
  /** Human-readable reason for the choice and what the backend is running with. */
  detail: string;
  /** Threads the backend's kernels run on (wasm: XNNPACK's pool, set by COURSE_THREADS; cpu: 1). */
  threads?: number;
}

export const BACKEND_NAMES: readonly BackendName[] = ["node", "wasm", "cpu"];

/** The package name the native backend is installed under (an npm alias of @tensorflow/tfjs-node). */
export const NATIVE_PACKAGE = "tfjs-node-native";

let current: { requested: BackendName | undefined; info: BackendInfo } | undefined;
let pending: Promise<BackendInfo> | undefined;

/** The backend chosen by the last successful initBackend(), or undefined before the first call. */
export function getBackendInfo(): BackendInfo | undefined {
  return current?.info;
}

function parseBackendName(value: string, source: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(
    `${source}=${JSON.stringify(value)} is not a backend the course knows; expected one of ${BACKEND_NAMES.join(", ")}`,
  );
}

/** The explicit request, if any: the COURSE_BACKEND environment variable wins over options.backend. */
function requestedBackend(options?: { backend?: BackendName }): { name: BackendName; source: string } | undefined {
  const env = process.env.COURSE_BACKEND;
  if (env !== undefined && env.trim() !== "") return { name: parseBackendName(env, "COURSE_BACKEND"), source: "COURSE_BACKEND" };
  if (options?.backend !== undefined) {
    return { name: parseBackendName(String(options.backend), "initBackend({ backend })"), source: "options.backend" };
  }
  return undefined;
}

/**
 * Initialises TensorFlow.js on the best backend available (see the header comment for the order) and
 * returns which one and why. Idempotent: calling it again with the same request returns the same info
 * without re-initialising; an explicit request for a different backend switches to it.
 */
export async function initBackend(options?: { backend?: BackendName }): Promise<BackendInfo> {
  const request = requestedBackend(options);
  checkThreads(); // a bad COURSE_THREADS is an error, never a reason to fall back to cpu
  if (pending) await pending.catch(() => undefined);
  if (current && (request === undefined || request.name === current.info.name) && tf.getBackend() === current.info.tfBackend) {
    return current.info;
  }
  pending = (async () => {
    silenceCpuBackendBanner();
    const info = request ? await initRequested(request.name, request.source) : await initAutomatic();
    current = { requested: request?.name, info };
    return info;
  })();
  try {
    return await pending;
  } finally {
    pending = undefined;
  }
}

async function initRequested(name: BackendName, source: string): Promise<BackendInfo> {
  const why = `requested by ${source}=${name}`;
  if (name === "node") {
    const native = loadNative();
    if (native.ok === false) throw new Error(`${source}=node: ${native.reason}; use wasm (the default here) or reinstall with internet access`);
    return activateNative(native.pkg, why);
  }
  if (name === "wasm") {
    try {
      return await activateWasm(why);
    } catch (err) {
      throw new Error(`${source}=wasm: the WebAssembly backend failed to initialise: ${errorMessage(err)}`);
    }
  }
  return activateCpu(why);
}

async function initAutomatic(): Promise<BackendInfo> {
  const native = loadNative();
  if (native.ok === true) return activateNative(native.pkg, "native TensorFlow is installed");
  try {
    return await activateWasm(`native backend unavailable (${native.reason})`);
  } catch (err) {
    const reason = errorMessage(err);
    console.warn(
      `\n*** tinyml-course: the WebAssembly backend failed to initialise (${reason}).\n` +
        `*** Falling back to the pure-JavaScript cpu backend: training conv nets will be 20-100x slower.\n`,
    );
    return activateCpu(`fallback: native unavailable (${native.reason}); wasm failed (${reason})`);
  }
}

type NativeLoad = { ok: true; pkg: string } | { ok: false; reason: string };

/** Tries the native backend packages; never throws, says why it could not load one. */
function loadNative(): NativeLoad {
  if (tf.findBackend("tensorflow")) return { ok: true, pkg: "already registered" };
  const reasons: string[] = [];
  const alias = tryRequire(NATIVE_PACKAGE);
  if (alias.ok === true && tf.findBackend("tensorflow")) return { ok: true, pkg: NATIVE_PACKAGE };
  reasons.push(
    alias.ok === true
      ? `${NATIVE_PACKAGE} loaded but did not register the 'tensorflow' backend (its @tensorflow/tfjs-core is a different copy from the course's)`
      : alias.missing
        ? `the native package ${NATIVE_PACKAGE} is not installed (npm could not download libtensorflow)`
        : `the native package ${NATIVE_PACKAGE} failed to load: ${alias.message}`,
  );
  // @tensorflow/tfjs-node counts only when it is the genuine package: in this repository that name is an
  // npm alias of plain @tensorflow/tfjs that danfojs-node needs, and requiring it gains nothing.
  const genuineName = packageName("@tensorflow/tfjs-node");
  if (genuineName === "@tensorflow/tfjs-node") {
    const real = tryRequire("@tensorflow/tfjs-node");
    if (real.ok === true && tf.findBackend("tensorflow")) return { ok: true, pkg: "@tensorflow/tfjs-node" };
    reasons.push(real.ok === true ? "@tensorflow/tfjs-node loaded but did not register 'tensorflow'" : `@tensorflow/tfjs-node failed to load: ${real.message}`);
  }
  return { ok: false, reason: reasons.join("; ") };
}

function tryRequire(id: string): { ok: true } | { ok: false; missing: boolean; message: string } {
  try {
    require(id);
    return { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === "MODULE_NOT_FOUND" && String(e.message).includes(`'${id}'`);
    return { ok: false, missing, message: errorMessage(err).split("\n")[0] };
  }
}

function packageName(id: string): string | undefined {
  try {
    const file = require.resolve(`${id}/package.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")).name;
  } catch {
    return undefined;
  }
}

async function activateNative(pkg: string, why: string): Promise<BackendInfo> {
  if (!(await tf.setBackend("tensorflow"))) throw new Error(`the native 'tensorflow' backend from ${pkg} failed to initialise`);
  await tf.ready();
  return { name: "node", tfBackend: tf.getBackend(), detail: `native TensorFlow (${pkg}); ${why}` };
}

let wasmKernelNames: string[] | undefined;
let wasmPathsSet = false;
/** The thread count the process's wasm backend was built with (fixed at its first initialisation). */
let wasmThreads: { threads: number; source: string } | undefined;
let threadedBuild = false;

/**
 * Parses COURSE_THREADS (throws on a bad value) and, once the wasm backend exists, refuses a count other than
 * the one it was built with: the build is fixed for the process.
 */
function checkThreads(): void {
  const wanted = requestedThreads();
  if (wasmThreads && wanted.threads !== wasmThreads.threads) {
    throw new Error(
      `COURSE_THREADS asks for ${wanted.threads} thread(s) but this process's wasm backend was built with ${wasmThreads.threads} ` +
        `(${wasmThreads.source}); the thread count is fixed when the backend first starts: set COURSE_THREADS before the first initBackend()`,
    );
  }
}

/** Directory holding the .wasm binaries inside node_modules, so they load from disk, offline. */
export function wasmBinaryDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
}

async function activateWasm(why: string): Promise<BackendInfo> {
  if (!wasmPathsSet) {
    // Before the first tf.setBackend("wasm"): afterwards the paths are fixed. (tf.findBackend would
    // itself start the initialisation, so a flag, not a registry query, decides.)
    const dir = wasmBinaryDir();
    const simdBinary = path.join(dir, "tfjs-backend-wasm-simd.wasm");
    if (!fs.existsSync(simdBinary)) throw new Error(`the wasm binary ${simdBinary} is missing (reinstall node_modules)`);
    // The build is chosen once per process: the threaded one needs a shared memory from the start.
    const chosen = requestedThreads();
    tfWasm.setWasmPaths(dir);
    if (chosen.threads > 1) registerThreadedWasm(chosen.threads);
    wasmThreads = chosen;
    threadedBuild = chosen.threads > 1;
    wasmPathsSet = true;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend("wasm");
  } catch (err) {
    throw new Error(errorMessage(err));
  }
  if (!ok) throw new Error(`tf.setBackend("wasm") returned false (binaries looked up in ${wasmBinaryDir()})`);
  await tf.ready();
  // The kernels must be registered after the backend exists: they keep the stock kernels they wrap.
  wasmKernelNames ??= registerCourseWasmKernels();
  // The threaded build is the threaded-SIMD binary; the single-threaded one is SIMD when the engine has it.
  const simd = threadedBuild || tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = activeThreads ?? tfWasm.getThreadsCount();
  return {
    name: "wasm",
    tfBackend: tf.getBackend(),
    threads,
    detail: `WebAssembly (XNNPACK${simd ? ", SIMD" : ""}, ${threadNote(threads)}) with ${wasmKernelNames.length} course training kernels; ${why}`,
  };
}

/** Threads XNNPACK runs on after useOneThread() (undefined: as built). */
let activeThreads: number | undefined;
let oneThreadReason = "";

function threadNote(threads: number): string {
  if (activeThreads !== undefined) return `1 thread: ${oneThreadReason} (built for ${wasmThreads?.threads}: ${wasmThreads?.source})`;
  return `${threads} thread${threads === 1 ? "" : "s"}: ${wasmThreads?.source}`;
}

/**
 * From here on runs this process's wasm backend on one thread: a threaded build's XNNPACK pool is replaced
 * by a one-thread pool (tfjs frees no pool, so the old pool's threads stay, idle). For measurements that
 * model one microcontroller core, which a thread pool would distort: lesson 02's operator timings
 * (primitives/timing.ts). Says why in the backend's detail line. Does nothing on one thread already or on
 * another backend; returns the active backend's info.
 */
export function useOneThread(reason: string): BackendInfo | undefined {
  if (!current || current.info.name !== "wasm" || tf.getBackend() !== "wasm" || (current.info.threads ?? 1) === 1) return current?.info;
  const tfjs = (tf.backend() as unknown as { wasm: { tfjs: { initWithThreadsCount(n: number): void; getThreadsCount(): number } } }).wasm.tfjs;
  tfjs.initWithThreadsCount(1);
  const now = tfjs.getThreadsCount();
  if (now !== 1) throw new Error(`useOneThread: XNNPACK's pool still has ${now} threads after asking for 1`);
  const before = threadNote(current.info.threads ?? 1);
  activeThreads = 1;
  oneThreadReason = reason;
  current.info = { ...current.info, threads: 1, detail: current.info.detail.replace(before, threadNote(1)) };
  return current.info;
}

async function activateCpu(why: string): Promise<BackendInfo> {
  if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend failed to initialise");
  await tf.ready();
  return { name: "cpu", tfBackend: tf.getBackend(), threads: 1, detail: `pure-JavaScript cpu backend (slow for training); ${why}` };
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object" && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}
