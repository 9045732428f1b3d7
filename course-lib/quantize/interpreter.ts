// The integer reference interpreter: runs a QuantizedGraph on int8 inputs with TensorFlow Lite Micro's kernel
// arithmetic (kernels/*.ts), bit for bit, in TFLM's double rounding or (option) XNNPACK's single rounding.
//
// prepareQuantized() does what TFLM's Prepare does once per model: it derives every multiplier/shift from the
// Math.fround'ed float32 scales in TFLM's order, turns constants into typed arrays and gives each activation
// tensor a buffer. The plan is cached per graph object (WeakMap) and per rounding mode, so scoring thousands
// of inputs allocates nothing per inference except the returned output. Treat a graph as immutable once run
// (or call clearQuantizedCache). runQuantizedTrace() also returns every intermediate tensor, like TFLM's
// layer-by-layer debugger, for lesson 08's look inside one layer and lesson 10's firmware comparison.
import type { GraphOp, GraphTensor, QuantizedGraph } from "./graph";
import type { Rounding } from "./fixed-point";
import { product } from "./kernels/common";
import { conv2dInt8, prepareConv2d } from "./kernels/conv2d";
import { depthwiseConv2dInt8, prepareDepthwiseConv2d } from "./kernels/depthwise-conv2d";
import { fullyConnectedInt8, prepareFullyConnected } from "./kernels/fully-connected";
import { addInt8, prepareAdd } from "./kernels/add";
import { mulInt8, prepareMul } from "./kernels/mul";
import { meanInt8, prepareMean } from "./kernels/mean";
import { averagePool2dInt8, maxPool2dInt8, preparePool2d } from "./kernels/pooling";
import { padInt8, preparePad } from "./kernels/pad";
import { reshapeInt8, resolveReshape } from "./kernels/reshape";
import { concatenationInt8, prepareConcatenation } from "./kernels/concatenation";
import { prepareRequantize, requantizeInt8 } from "./kernels/quantize";
import { prepareSoftmax, softmaxInt8 } from "./kernels/softmax";
import { logisticInt8, prepareLogistic } from "./kernels/logistic";
import { prepareTanh, tanhInt8 } from "./kernels/tanh";
import { hardSwishInt8, prepareHardSwish } from "./kernels/hard-swish";

export interface RunQuantizedOptions {
  /** "double" (default): TFLM and CMSIS-NN. "single": TFLITE_SINGLE_ROUNDING, as desktop TFLite's XNNPACK. */
  rounding?: Rounding;
}

/** One prepared operator: the kernel's plan (multipliers, shifts, clamps, ...) and the call that runs it. */
export interface PreparedOp {
  index: number;
  op: GraphOp;
  /** The kernel plan, for inspection (e.g. plan.multipliers / plan.shifts of a conv). */
  plan: unknown;
  /** Multiply-accumulates per inference (conv, depthwise, dense); 0 for the other ops. */
  macs: number;
  run: () => void;
}

export interface QuantizedPlan {
  graph: QuantizedGraph;
  rounding: Rounding;
  ops: PreparedOp[];
  /** Per tensor id: the int8 buffer of an activation or int8 constant; null for int32 tensors. */
  buffers: (Int8Array | null)[];
  inputId: number;
  inputSize: number;
  macs: number;
}

export interface TraceStep {
  index: number;
  kind: GraphOp["kind"];
  tensorId: number;
  name: string;
  shape: number[];
  scale: number;
  zeroPoint: number;
  /** A copy of the op's int8 output. */
  values: Int8Array;
}

export interface QuantizedTrace {
  input: Int8Array;
  steps: TraceStep[];
  /** The graph outputs, in graph.outputs order. */
  outputs: Int8Array[];
}

const cache = new WeakMap<QuantizedGraph, Map<Rounding, QuantizedPlan>>();

/** Drops the cached plans of a graph (needed only if the graph object was modified after a run). */
export function clearQuantizedCache(graph: QuantizedGraph): void {
  cache.delete(graph);
}

function checkRounding(rounding: unknown): Rounding {
  if (rounding === "double" || rounding === "single") return rounding;
  throw new RangeError(`rounding must be "double" (TFLM) or "single" (XNNPACK), got ${String(rounding)}`);
}

/** The cached plan of a graph for a rounding mode, prepared on first use. */
export function prepareQuantized(graph: QuantizedGraph, options: RunQuantizedOptions = {}): QuantizedPlan {
  const rounding = checkRounding(options.rounding ?? "double");
  let plans = cache.get(graph);
  if (!plans) {
    plans = new Map();
    cache.set(graph, plans);
  }
  let plan = plans.get(rounding);
  if (!plan) {
    plan = buildPlan(graph, rounding);
    plans.set(rounding, plan);
  }
  return plan;
}

function checkInput(plan: QuantizedPlan, input: unknown): Int8Array {
  if (!(input instanceof Int8Array)) {
    const got = input === null ? "null" : typeof input === "object" ? (input as object).constructor?.name ?? "object" : typeof input;
    throw new TypeError(`runQuantized: the input must be an Int8Array (quantize it with the input scale/zero point first), got ${got}`);
  }
  if (input.length !== plan.inputSize) {
    const t = plan.graph.tensors[plan.inputId];
    throw new RangeError(`runQuantized: input "${t.name}" of shape [${t.shape}] needs ${plan.inputSize} int8 values, got ${input.length}`);
  }
  return input;
}

function execute(plan: QuantizedPlan, input: Int8Array): void {
  (plan.buffers[plan.inputId] as Int8Array).set(input);
  const ops = plan.ops;
  for (let i = 0; i < ops.length; i++) ops[i].run();
}

/** One inference: int8 input (graph.inputs[0]) → a new Int8Array holding graph.outputs[0]. */
export function runQuantized(graph: QuantizedGraph, input: Int8Array, options: RunQuantizedOptions = {}): Int8Array {
  const plan = prepareQuantized(graph, options);
  if (graph.outputs.length !== 1) {
    throw new RangeError(`runQuantized: graph "${graph.name}" has ${graph.outputs.length} outputs; use runQuantizedTrace for all of them`);
  }
  execute(plan, checkInput(plan, input));
  return (plan.buffers[graph.outputs[0]] as Int8Array).slice();
}

/**
 * Many inferences: `inputs` holds `count` inputs back to back; returns their outputs back to back
 * (count × output size), one allocation for the whole batch.
 */
export function runQuantizedBatch(graph: QuantizedGraph, inputs: Int8Array, options: RunQuantizedOptions = {}): Int8Array {
  const plan = prepareQuantized(graph, options);
  if (!(inputs instanceof Int8Array)) throw new TypeError("runQuantizedBatch: the inputs must be one Int8Array of count × input size values");
  if (graph.outputs.length !== 1) throw new RangeError(`runQuantizedBatch: graph "${graph.name}" has ${graph.outputs.length} outputs, expected 1`);
  if (inputs.length % plan.inputSize !== 0) {
    throw new RangeError(`runQuantizedBatch: ${inputs.length} values are not a whole number of inputs of ${plan.inputSize}`);
  }
  const count = inputs.length / plan.inputSize;
  const out = plan.buffers[graph.outputs[0]] as Int8Array;
  const result = new Int8Array(count * out.length);
  for (let k = 0; k < count; k++) {
    execute(plan, inputs.subarray(k * plan.inputSize, (k + 1) * plan.inputSize));
    result.set(out, k * out.length);
  }
  return result;
}

/** One inference that keeps a copy of every operator's output, in execution order. */
export function runQuantizedTrace(graph: QuantizedGraph, input: Int8Array, options: RunQuantizedOptions = {}): QuantizedTrace {
  const plan = prepareQuantized(graph, options);
  const checked = checkInput(plan, input);
  (plan.buffers[plan.inputId] as Int8Array).set(checked);
  const steps: TraceStep[] = [];
  for (const prepared of plan.ops) {
    prepared.run();
    const id = prepared.op.outputs[0];
    const t = graph.tensors[id];
    steps.push({
      index: prepared.index, kind: prepared.op.kind, tensorId: id, name: t.name, shape: t.shape.slice(),
      scale: t.quant!.scale[0], zeroPoint: t.quant!.zeroPoint[0], values: (plan.buffers[id] as Int8Array).slice(),
    });
  }
  return { input: checked.slice(), steps, outputs: graph.outputs.map((id) => (plan.buffers[id] as Int8Array).slice()) };
}

// ---------------------------------------------------------------------------------------------------------------
// Preparation

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function buildPlan(graph: QuantizedGraph, rounding: Rounding): QuantizedPlan {
  if (graph.format !== 1) throw new RangeError(`QuantizedGraph format ${String(graph.format)} is not supported (expected 1)`);
  if (graph.inputs.length !== 1) throw new RangeError(`graph "${graph.name}" has ${graph.inputs.length} inputs; the interpreter runs single-input graphs`);
  graph.tensors.forEach((t, i) => {
    if (t.id !== i) throw new RangeError(`tensor "${t.name}" at index ${i} has id ${t.id}`);
  });
  const buffers: (Int8Array | null)[] = graph.tensors.map((t) => int8Buffer(t));
  const produced = new Set<number>([graph.inputs[0]]);
  const ops: PreparedOp[] = graph.operators.map((op, index) => {
    const out = graph.tensors[op.outputs[0]];
    const where = `op ${index} (${op.kind} → "${out?.name ?? op.outputs[0]}")`;
    try {
      for (const id of op.inputs) {
        if (id === -1) continue;
        const t = graph.tensors[id];
        if (!t) throw new RangeError(`input tensor id ${id} does not exist`);
        if (t.data === undefined && !produced.has(id)) throw new RangeError(`input "${t.name}" is used before any op produces it`);
      }
      const prepared = prepareOp(graph, op, index, buffers, rounding);
      produced.add(op.outputs[0]);
      return prepared;
    } catch (err) {
      throw new Error(`${where} in graph "${graph.name}": ${(err as Error).message}`);
    }
  });
  for (const id of graph.outputs) {
    if (!produced.has(id)) throw new RangeError(`graph "${graph.name}": output tensor ${id} is never produced`);
  }
  const inputId = graph.inputs[0];
  return {
    graph, rounding, ops, buffers, inputId, inputSize: product(graph.tensors[inputId].shape),
    macs: ops.reduce((s, o) => s + o.macs, 0),
  };
}

/** Int8 buffer of a tensor: its constant data, or a zeroed activation buffer; null for int32 tensors. */
function int8Buffer(t: GraphTensor): Int8Array | null {
  if (t.dtype === "int32") return null;
  if (t.dtype !== "int8") throw new RangeError(`tensor "${t.name}" has dtype ${String(t.dtype)}, expected int8 or int32`);
  const size = product(t.shape);
  if (t.data === undefined) return new Int8Array(size);
  if (t.data.length !== size) throw new RangeError(`tensor "${t.name}" of shape [${t.shape}] holds ${t.data.length} values`);
  const buffer = new Int8Array(size);
  for (let i = 0; i < size; i++) {
    const v = t.data[i];
    if (!(Number.isInteger(v) && v >= -128 && v <= 127)) throw new RangeError(`tensor "${t.name}"[${i}] = ${v} is not an int8`);
    buffer[i] = v;
  }
  return buffer;
}

function int32Constant(t: GraphTensor, what: string): Int32Array {
  if (t.dtype !== "int32" || t.data === undefined) throw new RangeError(`${what} "${t.name}" must be a constant int32 tensor`);
  const out = new Int32Array(t.data.length);
  t.data.forEach((v, i) => {
    if ((v | 0) !== v) throw new RangeError(`${what} "${t.name}"[${i}] = ${v} is not an int32`);
    out[i] = v;
  });
  return out;
}

/** Per-tensor (scale, zero point) of an int8 activation-like tensor. */
function perTensor(t: GraphTensor): { scale: number; zeroPoint: number } {
  if (!t.quant) throw new RangeError(`tensor "${t.name}" has no quantization parameters`);
  if (t.quant.scale.length !== 1 || t.quant.zeroPoint.length !== 1) {
    throw new RangeError(`tensor "${t.name}" must be quantized per tensor, has ${t.quant.scale.length} scales`);
  }
  return { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] };
}

function activation8(graph: QuantizedGraph, buffers: (Int8Array | null)[], id: number): { t: GraphTensor; buf: Int8Array; scale: number; zeroPoint: number } {
  const t = graph.tensors[id];
  const buf = buffers[id];
  if (!buf) throw new RangeError(`tensor "${t.name}" is ${t.dtype}, expected int8`);
  return { t, buf, ...perTensor(t) };
}

/** Weights: int8 constant, symmetric (zero points 0 unless allowed), per-channel along `axis` or per tensor. */
function weights(graph: QuantizedGraph, buffers: (Int8Array | null)[], id: number, axis: number, allowZeroPoint: boolean) {
  const t = graph.tensors[id];
  if (t.dtype !== "int8" || t.data === undefined || !t.quant) throw new RangeError(`weights "${t.name}" must be a quantized constant int8 tensor`);
  const channels = t.shape[axis];
  if (t.quant.scale.length !== 1 && (t.quant.scale.length !== channels || t.quant.axis !== axis)) {
    throw new RangeError(`weights "${t.name}" have ${t.quant.scale.length} scales on axis ${t.quant.axis}; expected 1, or ${channels} on axis ${axis}`);
  }
  const zeroPoints = t.quant.zeroPoint;
  if (!allowZeroPoint && zeroPoints.some((z) => z !== 0)) throw new RangeError(`weights "${t.name}" must have zero point 0 (TFLM ignores it), got ${zeroPoints}`);
  return { t, data: buffers[id] as Int8Array, scales: t.quant.scale, zeroPoint: zeroPoints[0] ?? 0 };
}

function biasOf(graph: QuantizedGraph, id: number, channels: number): Int32Array | null {
  if (id === -1) return null;
  const b = int32Constant(graph.tensors[id], "bias");
  if (b.length !== channels) throw new RangeError(`bias "${graph.tensors[id].name}" has ${b.length} values, expected ${channels}`);
  return b;
}

function expectShape(t: GraphTensor, shape: number[]): void {
  if (!sameShape(t.shape, shape)) throw new RangeError(`output "${t.name}" has shape [${t.shape}], the op produces [${shape}]`);
}

function expectSameParams(a: { scale: number; zeroPoint: number }, b: { scale: number; zeroPoint: number }, what: string, tolerance = 0): void {
  const scaleDiff = Math.abs(Math.fround(a.scale) - Math.fround(b.scale));
  if (scaleDiff > tolerance || a.zeroPoint !== b.zeroPoint) {
    throw new RangeError(`${what} needs equal input and output quantization, got (${a.scale}, ${a.zeroPoint}) and (${b.scale}, ${b.zeroPoint})`);
  }
}

function prepareOp(graph: QuantizedGraph, op: GraphOp, index: number, buffers: (Int8Array | null)[], rounding: Rounding): PreparedOp {
  const outId = op.outputs[0];
  const out = activation8(graph, buffers, outId);
  const output = out.buf;
  const base = { index, op };
  switch (op.kind) {
    case "conv2d": {
      const x = activation8(graph, buffers, op.inputs[0]);
      const w = weights(graph, buffers, op.inputs[1], 0, false);
      const plan = prepareConv2d({
        inShape: x.t.shape, filterShape: w.t.shape, stride: op.stride, dilation: op.dilation, padding: op.padding,
        activation: op.activation, inScale: x.scale, inZeroPoint: x.zeroPoint, filterScales: w.scales,
        outScale: out.scale, outZeroPoint: out.zeroPoint, rounding,
      });
      expectShape(out.t, [1, plan.outH, plan.outW, plan.outC]);
      const bias = biasOf(graph, op.inputs[2], plan.outC);
      const macs = plan.outH * plan.outW * plan.outC * plan.kH * plan.kW * plan.filterC;
      return { ...base, plan, macs, run: () => conv2dInt8(plan, x.buf, w.data, bias, output) };
    }
    case "depthwiseConv2d": {
      const x = activation8(graph, buffers, op.inputs[0]);
      const w = weights(graph, buffers, op.inputs[1], 3, false);
      const plan = prepareDepthwiseConv2d({
        inShape: x.t.shape, filterShape: w.t.shape, depthMultiplier: op.depthMultiplier, stride: op.stride,
        dilation: op.dilation, padding: op.padding, activation: op.activation, inScale: x.scale, inZeroPoint: x.zeroPoint,
        filterScales: w.scales, outScale: out.scale, outZeroPoint: out.zeroPoint, rounding,
      });
      expectShape(out.t, [1, plan.outH, plan.outW, plan.outC]);
      const bias = biasOf(graph, op.inputs[2], plan.outC);
      const macs = plan.outH * plan.outW * plan.outC * plan.kH * plan.kW;
      return { ...base, plan, macs, run: () => depthwiseConv2dInt8(plan, x.buf, w.data, bias, output) };
    }
    case "fullyConnected": {
      const x = activation8(graph, buffers, op.inputs[0]);
      const w = weights(graph, buffers, op.inputs[1], 0, true);
      const plan = prepareFullyConnected({
        inSize: x.buf.length, filterShape: w.t.shape, activation: op.activation, inScale: x.scale, inZeroPoint: x.zeroPoint,
        filterScales: w.scales, filterZeroPoint: w.zeroPoint, outScale: out.scale, outZeroPoint: out.zeroPoint, rounding,
      });
      if (output.length !== plan.rows * plan.outDim) {
        throw new RangeError(`output "${out.t.name}" of shape [${out.t.shape}] cannot hold ${plan.rows} × ${plan.outDim} values`);
      }
      const bias = biasOf(graph, op.inputs[2], plan.outDim);
      return { ...base, plan, macs: plan.rows * plan.outDim * plan.inDim, run: () => fullyConnectedInt8(plan, x.buf, w.data, bias, output) };
    }
    case "add":
    case "mul": {
      const a = activation8(graph, buffers, op.inputs[0]);
      const b = activation8(graph, buffers, op.inputs[1]);
      const spec = {
        shapeA: a.t.shape, shapeB: b.t.shape, outShape: out.t.shape, activation: op.activation,
        scaleA: a.scale, zeroPointA: a.zeroPoint, scaleB: b.scale, zeroPointB: b.zeroPoint,
        outScale: out.scale, outZeroPoint: out.zeroPoint, rounding,
      };
      if (op.kind === "add") {
        const plan = prepareAdd(spec);
        return { ...base, plan, macs: 0, run: () => addInt8(plan, a.buf, b.buf, output) };
      }
      const plan = prepareMul(spec);
      return { ...base, plan, macs: 0, run: () => mulInt8(plan, a.buf, b.buf, output) };
    }
    case "mean": {
      const x = activation8(graph, buffers, op.inputs[0]);
      const axes = Array.from(int32Constant(graph.tensors[op.inputs[1]], "mean axes"));
      const plan = prepareMean({
        inShape: x.t.shape, axes, keepDims: op.keepDims, inScale: x.scale, inZeroPoint: x.zeroPoint,
        outScale: out.scale, outZeroPoint: out.zeroPoint, rounding,
      });
      expectShape(out.t, plan.outShape);
      return { ...base, plan, macs: 0, run: () => meanInt8(plan, x.buf, output) };
    }
    case "averagePool2d":
    case "maxPool2d": {
      const x = activation8(graph, buffers, op.inputs[0]);
      // TFLM pooling_common.cc: |s_in − s_out| ≤ 1e-6 and equal zero points.
      expectSameParams(x, out, op.kind, 1e-6);
      const plan = preparePool2d({
        inShape: x.t.shape, filter: op.filter, stride: op.stride, padding: op.padding, activation: op.activation,
        scale: out.scale, zeroPoint: out.zeroPoint,
      });
      expectShape(out.t, [1, plan.outH, plan.outW, plan.channels]);
      const kernel = op.kind === "averagePool2d" ? averagePool2dInt8 : maxPool2dInt8;
      return { ...base, plan, macs: 0, run: () => kernel(plan, x.buf, output) };
    }
    case "pad": {
      const x = activation8(graph, buffers, op.inputs[0]);
      expectSameParams(x, out, "pad");
      const plan = preparePad({ inShape: x.t.shape, paddings: op.paddings, zeroPoint: out.zeroPoint });
      expectShape(out.t, plan.outShape);
      return { ...base, plan, macs: 0, run: () => padInt8(plan, x.buf, output) };
    }
    case "reshape": {
      const x = activation8(graph, buffers, op.inputs[0]);
      expectSameParams(x, out, "reshape");
      const shape = resolveReshape(x.t.shape, op.newShape);
      expectShape(out.t, shape);
      return { ...base, plan: { shape }, macs: 0, run: () => reshapeInt8(x.buf, output) };
    }
    case "concatenation": {
      if (op.activation !== "none") throw new RangeError(`TFLM's CONCATENATION accepts no fused activation, got ${op.activation}`);
      const xs = op.inputs.map((id) => activation8(graph, buffers, id));
      const plan = prepareConcatenation({ inShapes: xs.map((x) => x.t.shape), axis: op.axis, inParams: xs, outParams: out });
      expectShape(out.t, plan.outShape);
      const inputs = xs.map((x) => x.buf);
      return { ...base, plan, macs: 0, run: () => concatenationInt8(plan, inputs, output) };
    }
    case "softmax": {
      const x = activation8(graph, buffers, op.inputs[0]);
      expectShape(out.t, x.t.shape);
      const plan = prepareSoftmax({ inScale: x.scale, inZeroPoint: x.zeroPoint, outScale: out.scale, outZeroPoint: out.zeroPoint, beta: op.beta, rounding });
      const depth = x.t.shape[x.t.shape.length - 1];
      return { ...base, plan, macs: 0, run: () => softmaxInt8(plan, x.buf, output, depth) };
    }
    case "logistic":
    case "tanh":
    case "hardSwish": {
      const x = activation8(graph, buffers, op.inputs[0]);
      expectShape(out.t, x.t.shape);
      const p = { inScale: x.scale, inZeroPoint: x.zeroPoint, outScale: out.scale, outZeroPoint: out.zeroPoint, rounding };
      if (op.kind === "logistic") {
        const plan = prepareLogistic(p);
        return { ...base, plan, macs: 0, run: () => logisticInt8(plan, x.buf, output) };
      }
      if (op.kind === "tanh") {
        const plan = prepareTanh(p);
        return { ...base, plan, macs: 0, run: () => tanhInt8(plan, x.buf, output) };
      }
      const plan = prepareHardSwish(p);
      return { ...base, plan, macs: 0, run: () => hardSwishInt8(plan, x.buf, output) };
    }
    case "quantize": {
      const x = activation8(graph, buffers, op.inputs[0]);
      expectShape(out.t, x.t.shape);
      const plan = prepareRequantize({ inScale: x.scale, inZeroPoint: x.zeroPoint, outScale: out.scale, outZeroPoint: out.zeroPoint, rounding });
      return { ...base, plan, macs: 0, run: () => requantizeInt8(plan, x.buf, output) };
    }
    default: {
      const kind = (op as { kind?: unknown }).kind;
      throw new RangeError(`operator kind ${String(kind)} is not supported by the integer interpreter`);
    }
  }
}
