// Shared plumbing for the course's wasm kernels: typed views onto the wasm heap, calls into the stock
// wasm kernels (XNNPACK matmul, conv, depthwise conv, transpose) and kernel (re-)registration.
//
// Why views and not backend.readSync: readSync copies the tensor out of the heap on every call, which
// for big inputs (a whole data set being sliced into batches) costs more than the kernel itself.
// A view is free, but it goes stale when the heap grows: any makeOutput or stock kernel call may grow
// it, so kernels take their views only after the last allocation (or take them again).
import * as tf from "@tensorflow/tfjs";

type TensorInfo = tf.TensorInfo;
type DataId = TensorInfo["dataId"];

/** The parts of @tensorflow/tfjs-backend-wasm's BackendWasm the course kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
  readSync(dataId: DataId): tf.TypedArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

export type Attrs = Record<string, unknown>;
export type Inputs = Record<string, TensorInfo>;
export type CourseKernelFunc = (args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) => TensorInfo | TensorInfo[];

/** A zero-copy Float32Array view of a float32 tensor's memory on the wasm heap. */
export function f32(backend: WasmBackend, t: TensorInfo): Float32Array {
  if (t.dtype !== "float32") throw new Error(`expected a float32 tensor, got ${t.dtype} of shape [${t.shape}]`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** The same tensor memory seen with another shape (no copy, no new reference: do not dispose it). */
export function reshapedView(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** A fresh float32 output tensor on the heap, filled from values when given. */
export function newF32(backend: WasmBackend, shape: number[], values?: Float32Array): TensorInfo {
  return backend.makeOutput(shape, "float32", undefined, values);
}

const stockKernels = new Map<string, CourseKernelFunc>();

/** Remembers the stock wasm kernel for name (call before overriding it). */
function captureStock(name: string): void {
  if (stockKernels.has(name)) return;
  const config = tf.getKernel(name, "wasm");
  if (config) stockKernels.set(name, config.kernelFunc as unknown as CourseKernelFunc);
}

/** Runs the stock wasm kernel `name` (as it was before the course overrode anything). */
export function runStock(name: string, inputs: Inputs, attrs: Attrs, backend: WasmBackend): TensorInfo {
  captureStock(name);
  const fn = stockKernels.get(name);
  if (!fn) throw new Error(`the wasm backend has no stock ${name} kernel`);
  const out = fn({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`stock ${name} returned several outputs`);
  return out;
}

/** Stock kernels the course kernels call into; captured before any override replaces them. */
const STOCK_DEPENDENCIES = ["BatchMatMul", "Conv2D", "DepthwiseConv2dNative", "Transpose", "Cast", "Sum", "Mean", "Slice", "Tile", "Identity", "GatherV2", "MaxPoolGrad", "Conv2DBackpropInput", "FusedBatchNorm", "Square", "Sub", "Add", "FusedConv2D", "_FusedMatMul"];

/** Registers (or replaces) a kernel for the wasm backend. */
export function registerWasmKernel(name: string, kernelFunc: CourseKernelFunc): void {
  for (const dep of STOCK_DEPENDENCIES) captureStock(dep);
  if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Matrix product a[m,k] @ b[k,n] → [m,n] on the wasm backend's XNNPACK path (no transposes, batch 1). */
export function matmul(backend: WasmBackend, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number): TensorInfo {
  const out = runStock(
    "BatchMatMul",
    { a: reshapedView(a, [1, m, k]), b: reshapedView(b, [1, k, n]) },
    { transposeA: false, transposeB: false },
    backend,
  );
  return out;
}

export function assertChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`${kernel} on wasm supports dataFormat "NHWC" only, got ${JSON.stringify(dataFormat)}`);
  }
}

/** A gradient function as tf.registerGradient takes it. */
export type GradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor>;

const stockGradients = new Map<string, tf.GradConfig>();

/**
 * Replaces the gradient of kernel `kernelName` by `wasmGrad` while the wasm backend is active; on every
 * other backend (cpu, native) the stock tfjs-core gradient runs unchanged, so the cpu backend stays an
 * independent reference for the tests. `wasmGrad` may return undefined to use the stock gradient for
 * inputs it does not handle (unusual shapes). The stock config's inputsToSave/outputsToSave are kept, so
 * `saved` has the same layout in both.
 */
export function registerWasmGradient(
  kernelName: string,
  wasmGrad: (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor> | undefined,
): void {
  if (!stockGradients.has(kernelName)) {
    const stock = tf.getGradient(kernelName);
    if (!stock) throw new Error(`tfjs-core has no gradient for ${kernelName} to replace`);
    stockGradients.set(kernelName, stock);
  }
  const stock = stockGradients.get(kernelName)!;
  tf.registerGradient({
    kernelName,
    inputsToSave: stock.inputsToSave,
    outputsToSave: stock.outputsToSave,
    saveAllInputs: stock.saveAllInputs,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() === "wasm") {
        const fused = wasmGrad(dy as tf.Tensor, saved, attrs);
        if (fused) return fused;
      }
      return stock.gradFunc(dy, saved, attrs);
    },
  });
}

/** Runs a course kernel by name on the current backend (used by the fused gradients). */
export function runCourseKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}
