// Loads the course's SIMD loops (simd.wat, compiled into simd-module.ts) against the wasm backend's
// own WebAssembly memory, so they read and write tensor data in place (no copies), and wraps them
// for the kernels: pointers are taken from heap views, the 0-3 trailing elements the vector loops
// leave are finished in JS, and float64 scratch accumulators live in a temporary heap buffer.
import * as tf from "@tensorflow/tfjs";
import { SIMD_WASM_BASE64 } from "./simd-module";
import { f32, newF32, reshapedView, runStock, WasmBackend } from "./wasm-util";

interface SimdExports {
  relu6_grad(x: number, dy: number, out: number, n: number): void;
  square_grad(x: number, dy: number, out: number, n: number): void;
  hard_swish(x: number, out: number, n: number): void;
  hard_swish_grad(x: number, dy: number, out: number, n: number): void;
  channel_sums(x: number, acc: number, rows: number, C: number): void;
  sum_all(x: number, n: number): number;
  batchnorm_grad(x: number, dy: number, mean: number, k: number, out: number, acc: number, rows: number, C: number): void;
  batchnorm_forward(x: number, mean: number, k: number, offset: number, out: number, rows: number, C: number): void;
  depthwise_filter_tap(x: number, dy: number, acc: number, rows: number, cols: number, xColStep: number, xRowStep: number, dyRowStep: number, C: number): void;
  depthwise_input_tap(dy: number, w: number, dx: number, rows: number, cols: number, dxColStep: number, dxRowStep: number, dyRowStep: number, C: number): void;
  transpose(x: number, out: number, rows: number, cols: number): void;
  relu_grad(x: number, dy: number, out: number, n: number): void;
  im2col_row(x: number, out: number, N: number, OH: number, OW: number, ohLo: number, ohHi: number, owLo: number, owHi: number, c0: number, xBatch: number, xRow: number, xCol: number): void;
  im2col_rows4(x: number, out: number, N: number, OH: number, OW: number, ohLo: number, ohHi: number, owLo: number, owHi: number, c0: number, xBatch: number, xRow: number, xCol: number, M: number): void;
  col2im(cols: number, dx: number, geometry: number): void;
  adam_update(w: number, m: number, v: number, g: number, outW: number, outM: number, outV: number, n: number,
    b1: number, omb1: number, b2: number, omb2: number, c1: number, c2: number, eps: number, negLr: number): void;
  square(x: number, out: number, n: number): void;
  sub_channels(x: number, b: number, out: number, rows: number, C: number): void;
  add_channels(x: number, b: number, out: number, rows: number, C: number): void;
  channel_sq_dev(x: number, mean: number, acc: number, rows: number, C: number): void;
  conv1ch_forward(x: number, w: number, bias: number, out: number, N: number, OH: number, OW: number, FH: number, FW: number,
    xImage: number, xRow: number, xCol: number, tapRow: number, tapCol: number, CO: number, relu: number): void;
  conv_filter_grad(x: number, dy: number, acc: number, offsets: number, G: number, N: number, OH: number, OW: number,
    xImage: number, xRow: number, xCol: number, CO: number): void;
  maxpool_grad_row(x: number, pooled: number, dy: number, dx: number, OW: number, C: number, FH: number, FW: number, W: number): void;
  mac_peak(iters: number, w: number): number;
}

// tslab compiles the files a notebook imports without the WebAssembly type library, so the three
// WebAssembly APIs used here are typed locally and reached through globalThis.
interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: { memory: WasmMemory; exports: SimdExports } | undefined;

/**
 * The wasm backend's WebAssembly.Memory: the single-threaded build exports it (asm.memory); the threaded
 * build creates it shared in JavaScript and imports it (wasmMemory).
 */
function backendMemory(backend: WasmBackend): WasmMemory {
  const wasm = (backend as unknown as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  if (!(memory instanceof Wasm.Memory)) {
    throw new Error("the tfjs wasm backend exposes no WebAssembly.Memory (wasm.asm.memory or wasm.wasmMemory): the course's SIMD kernels cannot run on this version");
  }
  return memory;
}

/** The SIMD functions, instantiated once against the backend's memory. */
export function simd(backend: WasmBackend): SimdExports {
  const memory = backendMemory(backend);
  if (!loaded || loaded.memory !== memory) {
    const bytes = Buffer.from(SIMD_WASM_BASE64, "base64");
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const module = new Wasm.Module(shared ? withSharedMemoryImport(bytes) : bytes);
    const instance = new Wasm.Instance(module, { env: { memory } });
    loaded = { memory, exports: instance.exports as unknown as SimdExports };
  }
  return loaded.exports;
}

/** Multiply-accumulates of one round of simd.wat's mac_peak (4 steps × 8 accumulators × 4 lanes). */
export const MAC_PEAK_MACS_PER_ROUND = 128;

/**
 * This machine's practical ceiling for the loops here, GMAC/s: simd.wat's mac_peak (a direct convolution's inner
 * loop alone: L1-resident weight loads, four splats, 8 accumulators) run for about `ms` milliseconds, best of
 * three runs (a busy machine only lowers it). A kernel near this number is limited by WebAssembly's 4-lane
 * vectors, not by its memory traffic or loop structure.
 */
export function simdMacCeilingGmacPerSec(backend: WasmBackend, ms = 60): number {
  if (!(ms > 0)) throw new Error(`ms must be a positive number of milliseconds, got ${ms}`);
  const { mac_peak } = simd(backend);
  // 1 KiB of small normal weights (denormals would slow the loop down; zeros could be special-cased).
  return withF64Scratch(backend, 128, (w) => {
    new Float32Array(backendMemory(backend).buffer, w, 256).fill(1e-3);
    mac_peak(20_000, w); // tier-up: the optimised code is what the kernels run
    let rounds = 20_000;
    let t0 = performance.now();
    mac_peak(rounds, w);
    rounds = Math.max(1000, Math.min(2 ** 30, Math.round((rounds * ms) / Math.max(performance.now() - t0, 1e-3))));
    let best = 0;
    for (let run = 0; run < 3; run++) {
      t0 = performance.now();
      mac_peak(rounds, w);
      best = Math.max(best, (rounds * MAC_PEAK_MACS_PER_ROUND) / ((performance.now() - t0) * 1e6));
    }
    return best;
  });
}

/** Largest memory a wasm32 module can address, in 64 KiB pages (what the threaded build declares). */
const MAX_PAGES = 65536;

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0, shift = 0, i = at;
  for (;;) {
    const b = bytes[i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: i };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/**
 * The SIMD module with its memory import declared shared (limits flag 3, maximum MAX_PAGES), so it links
 * against the threaded backend's shared memory: a wasm import must match the memory's shared flag. The
 * code is unchanged; only the import section is rewritten. Exported for simd.test.ts.
 */
export function withSharedMemoryImport(bytes: Uint8Array): Uint8Array {
  let at = 8; // magic + version
  while (at < bytes.length) {
    const id = bytes[at];
    const size = readLeb(bytes, at + 1);
    const start = size.next, end = size.next + size.value;
    if (id === 2) {
      const count = readLeb(bytes, start);
      let p = count.next;
      for (let k = 0; k < count.value; k++) {
        for (let name = 0; name < 2; name++) {
          const len = readLeb(bytes, p);
          p = len.next + len.value;
        }
        const kind = bytes[p++];
        if (kind !== 2) throw new Error(`the course SIMD module imports something other than its memory (import kind ${kind})`);
        const flags = bytes[p];
        const min = readLeb(bytes, p + 1);
        const limitsEnd = flags & 1 ? readLeb(bytes, min.next).next : min.next;
        const limits = [3, ...leb(min.value), ...leb(MAX_PAGES)];
        const body = [...bytes.subarray(start, p), ...limits, ...bytes.subarray(limitsEnd, end)];
        return Uint8Array.from([...bytes.subarray(0, at), 2, ...leb(body.length), ...body, ...bytes.subarray(end)]);
      }
    }
    at = end;
  }
  throw new Error("the course SIMD module has no memory import to share");
}

/** Byte offset of a float32 tensor's data in the wasm heap. */
export function ptr(backend: WasmBackend, t: tf.TensorInfo): number {
  return f32(backend, t).byteOffset;
}

/**
 * Runs fn with a zeroed float64 scratch array of `length` on the wasm heap (its byte offset and a
 * view taken after the allocation), then frees it. The view must not be used after fn allocates.
 */
export function withF64Scratch<T>(backend: WasmBackend, length: number, fn: (offset: number) => T): T {
  const scratch = newF32(backend, [length * 2 + 2]); // +2 floats: room to align to 8 bytes
  try {
    const view = f32(backend, scratch);
    const offset = (view.byteOffset + 7) & ~7;
    new Float64Array(view.buffer, offset, length).fill(0);
    return fn(offset);
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

/** A float64 view of the heap at `offset` (take it after the last allocation). */
export function f64At(backend: WasmBackend, offset: number, length: number): Float64Array {
  return new Float64Array(backendMemory(backend).buffer, offset, length);
}

/**
 * Transposes the last two axes of x ([..., rows, cols] → [..., cols, rows]). SIMD 4x4 blocks when rows
 * and cols are multiples of 4 (the stock C++ Transpose took ~3 ms for [9216, 96], this ~0.3 ms);
 * the stock kernel otherwise.
 */
export function transposeLastTwo(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2], cols = x.shape[rank - 1];
  const outShape = [...x.shape.slice(0, rank - 2), cols, rows];
  if (x.dtype !== "float32" || rows % 4 !== 0 || cols % 4 !== 0) {
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return runStock("Transpose", { x }, { perm }, backend);
  }
  const out = newF32(backend, outShape);
  const batches = tf.util.sizeFromShape(x.shape.slice(0, rank - 2));
  const lanes = simd(backend);
  const xp = ptr(backend, x), op = ptr(backend, out);
  for (let b = 0; b < batches; b++) lanes.transpose(xp + b * rows * cols * 4, op + b * rows * cols * 4, rows, cols);
  return out;
}

/** 2-D transpose [rows, cols] → [cols, rows] of x's data (any shape with rows*cols elements). */
export function transpose2dFast(backend: WasmBackend, x: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo {
  return transposeLastTwo(backend, reshapedView(x, [rows, cols]));
}
