// The multi-threaded wasm backend: @tensorflow/tfjs-backend-wasm's threaded SIMD build (XNNPACK on a
// pthreadpool, Emscripten pthreads = Node worker_threads over one shared WebAssembly.Memory), which the
// package itself never selects under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false
// there, tfjs issue 3830). The package ships everything it needs in wasm-out/; three things stand in the
// way, and each is handled here without editing node_modules:
//   1. The pthread workers are created from a Blob URL, which Node's Worker cannot load: the worker
//      script the package exports is written once to a file under os.tmpdir() (named by its hash), and
//      the main script is handed to the workers as a path (the worker reads and evaluates it).
//   2. The C++ side sizes its pool as min(emscripten_num_logical_cores() / 2, 4), assuming two hardware
//      threads per core; on a 2-core machine that is 1. The import that reports the core count is
//      replaced so that `threads` threads are created (the pool never exceeds the request).
//   3. The package's own init() is private, so the backend is re-registered under the name "wasm" with a
//      factory that builds the threaded module and wraps it in the package's exported BackendWasm. The
//      stock kernels (registered for "wasm") and the course kernels run on it unchanged.
// XNNPACK splits each convolution and matrix product into output tiles, each computed whole by one
// thread, so results do not depend on how tiles are scheduled (tested: seeded losses repeat exactly).
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";

/** The backend's priority as @tensorflow/tfjs-backend-wasm registers it. */
const WASM_PRIORITY = 2;

/** Cores available to this process (Node 18.14+: os.availableParallelism). */
export function availableCores(): number {
  const fn = (os as unknown as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, fn ? fn() : os.cpus().length);
}

/**
 * Threads the wasm backend should run XNNPACK on: COURSE_THREADS when set (a positive integer, or "all" for
 * every available core; 1 = the single-threaded SIMD build), else 1. A bad value throws, naming it.
 *
 * Why one thread by default (measured on the 2-core machine, runtime/README.md): the course's direct convolution
 * loops (kernels/conv-direct.ts) run on the main thread, and with them two threads made LeNet's training slower
 * (12608 samples/s on one thread, 8749 on two, `npm run bench` of 4 Dec): the median step is faster, but the
 * pool thread spins between operators and takes the second core, so the main thread waits in a long tail.
 * A threaded process also starts ~1 s slower. Lesson 02's operator timings drop to one thread themselves (useOneThread in
 * backend.ts), since a thread pool reorders batch-1 operators' per-MAC efficiency.
 */
export function requestedThreads(): { threads: number; source: string } {
  const env = process.env.COURSE_THREADS;
  if (env !== undefined && env.trim() !== "") {
    const value = env.trim().toLowerCase();
    const n = value === "all" ? availableCores() : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new Error(`COURSE_THREADS=${JSON.stringify(env)} is not a thread count; expected an integer from 1 to 64 or "all" (1 = single-threaded)`);
    }
    return { threads: n, source: `COURSE_THREADS=${value}` };
  }
  return { threads: 1, source: "the default; COURSE_THREADS=all uses every core" };
}

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
}

/** The package's pthread worker script as a file Node's Worker can start (written once per content). */
function workerScriptFile(dir: string): string {
  const { wasmWorkerContents } = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string };
  // The export is the text of a template literal: its "\n" escapes arrived as newlines inside string
  // literals, which must be escaped again (the package does the same before making its Blob).
  const source = wasmWorkerContents.replace(/\n/g, "\\n");
  const hash = crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
  const file = path.join(os.tmpdir(), `tinyml-course-wasm-pthread-${hash}.js`);
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== source) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, source);
    fs.renameSync(tmp, file); // atomic: parallel processes never see half a file
  }
  return file;
}

// tslab compiles the files a notebook imports without the WebAssembly type library (see kernels/simd.ts):
// the one WebAssembly call here is typed locally and reached through globalThis.
const Wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }> };
}).WebAssembly;

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: unknown;
  /** Emscripten's pthread bookkeeping: one Node Worker per running thread. */
  PThread: { runningWorkers: { unref(): void }[] };
}

/** Builds the threaded SIMD module with `threads` pthreads and the JS bridge BackendWasm expects. */
async function createThreadedModule(threads: number): Promise<EmscriptenModule> {
  const dir = wasmOutDir();
  const mainScript = path.join(dir, "tfjs-backend-wasm-threaded-simd.js");
  const wasmFile = path.join(dir, "tfjs-backend-wasm-threaded-simd.wasm");
  for (const f of [mainScript, wasmFile]) if (!fs.existsSync(f)) throw new Error(`the threaded wasm build ${f} is missing (reinstall node_modules)`);
  const factory = require(mainScript) as (config: object) => Promise<EmscriptenModule>;
  const workerFile = workerScriptFile(dir);
  const binary = fs.readFileSync(wasmFile);
  let failInstantiation: (err: unknown) => void = () => undefined;
  const instantiationFailed = new Promise<never>((_, reject) => (failInstantiation = reject));
  const built = factory({
    locateFile: (file: string) => (file.endsWith(".worker.js") ? workerFile : path.join(dir, file)),
    mainScriptUrlOrBlob: mainScript,
    instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void) {
      // Point 2 of the header: the pool is min(cores / 2, 4) threads, so report 2 * threads cores.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      Wasm.instantiate(binary, imports).then((r) => receive(r.instance, r.module), failInstantiation);
      return {};
    },
  });
  const module = await Promise.race([built, instantiationFailed]);
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  return module;
}

/**
 * Re-registers the "wasm" backend as the threaded SIMD build with `threads` XNNPACK threads. Call before
 * the first tf.setBackend("wasm") of the process.
 */
export function registerThreadedWasm(threads: number): void {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`registerThreadedWasm needs 2 or more threads, got ${threads}`);
  tf.removeBackend("wasm");
  tfWasm.setThreadsCount(threads);
  tf.registerBackend(
    "wasm",
    async () => {
      const module = await createThreadedModule(threads);
      // The constructor creates XNNPACK's pool: its threads start here and never exit.
      const backend = new tfWasm.BackendWasm(module as unknown as ConstructorParameters<typeof tfWasm.BackendWasm>[0]);
      // Emscripten refs the Worker of every running pthread, so Node would never exit with the pool alive;
      // the pool only ever works while the main thread waits for it, so it need not keep the process up.
      for (const worker of module.PThread.runningWorkers) worker.unref();
      return backend;
    },
    WASM_PRIORITY,
  );
}
