// Post-training quantization of a tfjs LayersModel into the course's int8 QuantizedGraph (TFLite's scheme):
//
//   const graph = quantizeModel(model, { calibration: trainImages.slice(0, 200) });
//   const { accuracy } = evaluateQuantized(graph, testImages, testLabels);
//
// Steps: (1) walk the model's layers through their inbound nodes (functional or Sequential) into a float
// op list in TFLite's vocabulary, folding every BatchNormalization into the conv/depthwise/dense before it
// (course-lib/primitives/batch-norm.ts) and fusing ReLU/ReLU6 into the op that produces its input;
// (2) calibrate the range of every activation tensor that is not pinned by an op constraint (calibrate.ts);
// (3) give tensors that TFLite requires to share parameters (max/avg pool, reshape, pad, concatenation
// inputs and output) one range, pin logistic/softmax outputs to (1/256, −128) and tanh to (1/128, 0);
// (4) quantize weights symmetric narrow-range per channel (conv dim 0 of OHWI, depthwise dim 3 of
// [1,H,W,C·M]; dense per-tensor unless asked) and biases to int32 with scale fround(s_in·s_w[c]) (a weight
// scale is raised where the bias would leave the int32 accumulator no room).
//
// Mappings that are choices, not TFLite facts:
// - a ReLU/ReLU6 that cannot be fused (its producer has other consumers or has no fused activation) becomes
//   MAX_POOL_2D 1×1 stride 1 with the fused clamp: exact, and it keeps its input's scale/zp as max pool must;
// - SiLU ("swish") is LOGISTIC then MUL(x, σ(x)); hard-sigmoid relu6(x + 3)/6 is ADD(x, const 3) with a fused
//   RELU6, then MUL by const 1/6 (the constants are int8 127 with scales 3/127 and (1/6)/127);
// - Conv1D / pooling 1D / global pooling 1D run as their 2-D ops on a [1, 1, L, C] view (a RESHAPE);
// - an activation other than ReLU/ReLU6 inside a conv/dense layer (e.g. dense + softmax) becomes a separate op;
//   the tensor before it, which no layer outputs, is calibrated from an eager float computation;
// - HARD_SWISH needs (s_in/128)/s_out < 1 (TFLM's output exponent ≤ 0): its output range is widened if not.
// - ranges are fitted to the scales the kernels accept: every scale ≥ MIN_ACTIVATION_SCALE (2^-24), LOGISTIC/TANH
//   inputs inside TFLM's admissible interval; each change is in graph.provenance["range <tensor>"] and a warning.
// Anything else (a layer class, an activation, a BN that cannot fold) throws an Error naming the layer.
import * as tf from "@tensorflow/tfjs";
import { batchNormParamsOf, foldBatchNorm, type KernelLayout } from "../primitives/batch-norm";
import type { DisplayTarget } from "../viz/display";
import {
  activationParams, calibrateActivations, fitRangeToScale, MIN_ACTIVATION_SCALE, roundHalfAway, type ActivationParams, type CalibrationMethod, type Probe, type Range,
} from "./calibrate";
import { HARD_SWISH_INPUT_SCALE_BELOW } from "./kernels/hard-swish";
import { FIXED_POINT_ACTIVATION_INPUT_SCALE } from "./kernels/logistic-tanh-common";
import type { FusedActivation, GraphOp, GraphTensor, Padding, QuantizedGraph } from "./graph";
import { runQuantizedBatch } from "./interpreter";
import { stepProgress } from "./task-progress";

export type WeightGranularity = "per-channel" | "per-tensor";

export interface QuantizeOptions {
  /** A batch of representative float inputs [N, ...inputShape] (e.g. 100-500 training samples). */
  calibration: tf.Tensor;
  /** Conv / depthwise weights per output channel (default) or one scale per tensor. */
  weights?: WeightGranularity;
  /** Dense (FULLY_CONNECTED) weights: per-tensor by default, as TFLite's spec; TFLM also runs per-channel. */
  denseWeights?: WeightGranularity;
  /** Calibration method (default "minmax"); see calibrate.ts. */
  method?: CalibrationMethod;
  /** For method "percentile" (default 99.99). */
  percentile?: number;
  /** Weight bits 2..8 (default 8): weights are restricted to ±(2^(bits−1) − 1) inside the int8 tensors. */
  bits?: number;
  /**
   * Real ranges by tensor name that replace calibration (QAT passes its learned ranges). Names are the tfjs
   * layer names of the tensors the graph keeps (after folding, the BN's or ReLU's name); `quantizationPlan`
   * lists them. A name of a layer that was folded away is ignored; any other unknown name is an error.
   * A range given for a tensor TFLite pins (logistic/softmax/tanh outputs) is ignored; one given for a tensor
   * that shares parameters with others (pool, reshape, pad, concatenation) joins their union.
   */
  activationRanges?: Record<string, [number, number]>;
  /** Graph name (default the model's name). */
  name?: string;
  /** Samples per calibration forward pass (default 32). */
  calibrationBatchSize?: number;
  /** Progress display during calibration (default: inside a notebook only). */
  progress?: boolean | DisplayTarget;
}

// ---------------------------------------------------------------------------------------------------------
// The float op list (TFLite vocabulary, float weights in tfjs layout until the last step).

interface Value {
  name: string;
  /** Graph shape, batch 1. */
  shape: number[];
  /** How the range is measured; absent for pinned, derived or grouped-only values. */
  probe?: Probe;
  /** Pinned output parameters (logistic, softmax, tanh). */
  fixed?: ActivationParams;
  /** A range computed from another value's range (hard-sigmoid's inner tensor). */
  derived?: { from: Value; map: (r: Range) => Range };
  /** Values that must share this value's scale and zero point (TFLite op constraints). */
  sameAs: Value[];
  /** Constant int8 tensor (hard-sigmoid's 3 and 1/6): its real value; quantized symmetric to q = 127. */
  constant?: number;
  /** The op that writes it, and the symbolic tensor it currently stands for (for fusion checks). */
  producer?: FloatOp;
  sym?: number;
  /** Reshape views of this value, by shape. */
  views: Map<string, Value>;
}

interface ConvWeights {
  /** tfjs layout: conv HWIO [kh, kw, in, out] (Conv1D as [1, k, in, out]), depthwise [kh, kw, C, M], dense [in, out]. */
  kernel: Float32Array;
  kernelShape: number[];
  bias: Float32Array | null;
  layout: KernelLayout;
}

interface FloatOp {
  kind: GraphOp["kind"];
  /** The tfjs layer it came from (for errors and inspection). */
  layer: string;
  inputs: Value[];
  output: Value;
  activation: FusedActivation;
  weights?: ConvWeights;
  stride?: [number, number];
  dilation?: [number, number];
  padding?: Padding;
  depthMultiplier?: number;
  filter?: [number, number];
  axes?: number[];
  keepDims?: boolean;
  paddings?: [number, number][];
  newShape?: number[];
  axis?: number;
  beta?: number;
}

/** What quantizeModel decided before calibration: the tensors whose range it needs. */
export interface QuantizationPlan {
  /** Tensors that need a real range, by name (calibrated unless given in activationRanges). */
  calibrated: string[];
  /** Tensors whose parameters an op pins (logistic/softmax/tanh outputs) or that follow another tensor. */
  pinned: string[];
  /** The float ops in execution order, "kind(layer): inputs → output". */
  ops: string[];
}

const PASS_THROUGH = new Set(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout"]);
const FUSABLE = new Set<GraphOp["kind"]>(["conv2d", "depthwiseConv2d", "fullyConnected", "add", "mul"]);
const LOGISTIC_PARAMS: ActivationParams = { scale: Math.fround(1 / 256), zeroPoint: -128 };
const TANH_PARAMS: ActivationParams = { scale: Math.fround(1 / 128), zeroPoint: 0 };

const layerDesc = (layer: tf.layers.Layer) => `layer "${layer.name}" (${layer.getClassName()})`;
const shapeKey = (s: number[]) => s.join("x");
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const pair = (v: number | number[], what: string, layer: tf.layers.Layer): [number, number] => {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2) throw new Error(`quantizeModel: ${layerDesc(layer)} has ${what} ${JSON.stringify(v)}; expected 2 values`);
  return [a[0], a[1]];
};

class Planner {
  readonly ops: FloatOp[] = [];
  readonly values: Value[] = [];
  readonly bySym = new Map<number, Value>();
  readonly consumers = new Map<number, tf.layers.Layer[]>();
  readonly outputSyms: Set<number>;
  readonly folded = new Set<string>();
  inputValue!: Value;

  constructor(readonly model: tf.LayersModel) {
    this.outputSyms = new Set(model.outputs.map((t) => t.id));
    for (const layer of model.layers) {
      for (const t of this.nodeOf(layer).inputTensors) {
        const list = this.consumers.get(t.id) ?? [];
        list.push(layer);
        this.consumers.set(t.id, list);
      }
    }
  }

  nodeOf(layer: tf.layers.Layer): { inputTensors: tf.SymbolicTensor[]; outputTensors: tf.SymbolicTensor[] } {
    const nodes = (layer as unknown as { inboundNodes: { inputTensors: tf.SymbolicTensor[]; outputTensors: tf.SymbolicTensor[] }[] }).inboundNodes;
    if (layer instanceof tf.LayersModel) {
      throw new Error(`quantizeModel: ${layerDesc(layer)} is a nested model; build the network as one flat functional or Sequential model`);
    }
    if (nodes.length !== 1) throw new Error(`quantizeModel: ${layerDesc(layer)} is applied ${nodes.length} times; shared layers are not supported`);
    return nodes[0];
  }

  /** The layers that consume symbolic tensor `id`, looking through dropout-like layers; "output" for a model output. */
  effectiveConsumers(id: number): (tf.layers.Layer | "output")[] {
    const out: (tf.layers.Layer | "output")[] = this.outputSyms.has(id) ? ["output"] : [];
    for (const layer of this.consumers.get(id) ?? []) {
      const cls = layer.getClassName();
      const identity = PASS_THROUGH.has(cls) || (cls === "Activation" && (layer.getConfig() as { activation: string }).activation === "linear");
      if (identity) out.push(...this.effectiveConsumers(this.nodeOf(layer).outputTensors[0].id));
      else out.push(layer);
    }
    return out;
  }

  /** True when `v` is read only by `layer` (so the op writing it may absorb that layer). */
  onlyConsumer(v: Value, layer: tf.layers.Layer): boolean {
    if (v.sym === undefined || v.views.size > 0 || v === this.inputValue) return false;
    const c = this.effectiveConsumers(v.sym);
    return c.length === 1 && c[0] === layer;
  }

  newValue(name: string, shape: number[], extra: Partial<Value> = {}): Value {
    const v: Value = { name, shape, sameAs: [], views: new Map(), ...extra };
    this.values.push(v);
    return v;
  }

  layerOutputValue(layer: tf.layers.Layer, shape: number[]): Value {
    const out = this.nodeOf(layer).outputTensors[0];
    return this.newValue(layer.name, shape, { probe: { name: layer.name, tensor: out }, sym: out.id });
  }

  emit(op: Omit<FloatOp, "activation"> & { activation?: FusedActivation }): FloatOp {
    const full: FloatOp = { activation: "none", ...op };
    full.output.producer = full;
    this.ops.push(full);
    return full;
  }

  link(a: Value, b: Value): void {
    a.sameAs.push(b);
    b.sameAs.push(a);
  }

  /** `v` reshaped to `shape` (same data order), through a cached RESHAPE that keeps v's parameters. */
  view(v: Value, shape: number[], layer: string): Value {
    if (shapeKey(v.shape) === shapeKey(shape)) return v;
    if (size(v.shape) !== size(shape)) throw new Error(`quantizeModel: layer "${layer}": cannot view [${v.shape}] as [${shape}]`);
    const cached = v.views.get(shapeKey(shape));
    if (cached) return cached;
    const out = this.newValue(`${v.name}:${shapeKey(shape)}`, shape);
    this.link(v, out);
    this.emit({ kind: "reshape", layer, inputs: [v], output: out, newShape: shape });
    v.views.set(shapeKey(shape), out);
    return out;
  }

  /** A 4-D NHWC view: [1, L, C] → [1, 1, L, C], [1, N] → [1, 1, 1, N]. */
  as4d(v: Value, layer: string): Value {
    if (v.shape.length === 4) return v;
    if (v.shape.length === 3) return this.view(v, [1, 1, v.shape[1], v.shape[2]], layer);
    if (v.shape.length === 2) return this.view(v, [1, 1, 1, v.shape[1]], layer);
    throw new Error(`quantizeModel: layer "${layer}" needs an image-like input, got shape [${v.shape}]`);
  }

  /** `v` in the shape tfjs gives symbolic tensor `t` (batch 1). */
  canonical(v: Value, t: tf.SymbolicTensor, layer: string): Value {
    return this.view(v, [1, ...(t.shape.slice(1) as number[])], layer);
  }
}

const tfjsShape = (t: tf.SymbolicTensor, layer: tf.layers.Layer): number[] => {
  const rest = t.shape.slice(1);
  if (rest.some((d) => d === null || d === undefined)) throw new Error(`quantizeModel: ${layerDesc(layer)} has an output of unknown size ${JSON.stringify(t.shape)}`);
  return [1, ...(rest as number[])];
};

/** Float forward of a conv-like op on a batch (for calibrating tensors no layer outputs). */
function floatForward(op: FloatOp, x: tf.Tensor): tf.Tensor {
  const w = op.weights as ConvWeights;
  const kernel = tf.tensor(w.kernel, w.kernelShape);
  let y: tf.Tensor;
  if (op.kind === "fullyConnected") {
    y = tf.matMul(tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D, kernel as tf.Tensor2D);
  } else {
    const n = x.shape[0];
    const x4 = (x.rank === 4 ? x : tf.reshape(x, [n, 1, ...x.shape.slice(1)] as [number, number, number, number])) as tf.Tensor4D;
    y = op.kind === "conv2d"
      ? tf.conv2d(x4, kernel as tf.Tensor4D, op.stride as [number, number], op.padding as Padding, "NHWC", op.dilation as [number, number])
      : tf.depthwiseConv2d(x4, kernel as tf.Tensor4D, op.stride as [number, number], op.padding as Padding, "NHWC", op.dilation as [number, number]);
  }
  return w.bias ? tf.add(y, tf.tensor1d(w.bias)) : y;
}

function kernelOf(layer: tf.layers.Layer, index = 0): { values: Float32Array; shape: number[] } {
  const w = layer.getWeights()[index];
  return { values: Float32Array.from(w.dataSync() as Float32Array), shape: w.shape };
}

function activationOf(layer: tf.layers.Layer): string {
  const a = (layer.getConfig() as { activation?: string }).activation;
  return a ?? "linear";
}

/** Adds the ops of activation `kind` on `x`; `outSym` is the layer output it stands for. */
function applyActivation(p: Planner, kind: string, x: Value, layer: tf.layers.Layer, outSym: tf.SymbolicTensor): Value {
  const name = layer.name;
  const probe: Probe = { name, tensor: outSym };
  switch (kind) {
    case "linear":
      return x;
    case "relu":
    case "relu6": {
      const producer = x.producer;
      if (producer && FUSABLE.has(producer.kind) && producer.activation === "none" && p.onlyConsumer(x, layer)) {
        producer.activation = kind;
        x.name = name;
        x.probe = probe;
        x.sym = outSym.id;
        return x;
      }
      // Standalone clamp: MAX_POOL_2D 1×1 with the fused activation keeps the input's parameters.
      const v = p.as4d(x, name);
      const out = p.newValue(name, v.shape, { sym: outSym.id });
      p.link(v, out);
      p.emit({ kind: "maxPool2d", layer: name, inputs: [v], output: out, filter: [1, 1], stride: [1, 1], padding: "valid", activation: kind });
      return out;
    }
    case "sigmoid": {
      const out = p.newValue(name, x.shape, { fixed: LOGISTIC_PARAMS, sym: outSym.id });
      p.emit({ kind: "logistic", layer: name, inputs: [x], output: out });
      return out;
    }
    case "tanh": {
      const out = p.newValue(name, x.shape, { fixed: TANH_PARAMS, sym: outSym.id });
      p.emit({ kind: "tanh", layer: name, inputs: [x], output: out });
      return out;
    }
    case "softmax": {
      const out = p.newValue(name, x.shape, { fixed: LOGISTIC_PARAMS, sym: outSym.id });
      p.emit({ kind: "softmax", layer: name, inputs: [x], output: out, beta: 1 });
      return out;
    }
    case "swish": {
      const sig = p.newValue(`${name}:sigmoid`, x.shape, { fixed: LOGISTIC_PARAMS });
      p.emit({ kind: "logistic", layer: name, inputs: [x], output: sig });
      const out = p.newValue(name, x.shape, { probe, sym: outSym.id });
      p.emit({ kind: "mul", layer: name, inputs: [x, sig], output: out });
      return out;
    }
    case "hardSwish": {
      const out = p.newValue(name, x.shape, { probe, sym: outSym.id });
      p.emit({ kind: "hardSwish", layer: name, inputs: [x], output: out });
      return out;
    }
    case "hardSigmoid": {
      // relu6(x + 3) / 6: ADD(x, 3) with fused RELU6, then MUL by 1/6. The inner tensor is 6× the output.
      const ones = x.shape.map(() => 1);
      const out = p.newValue(name, x.shape, { probe, sym: outSym.id });
      const inner = p.newValue(`${name}:relu6`, x.shape, { derived: { from: out, map: ([lo, hi]) => [6 * lo, 6 * hi] } });
      const three = p.newValue(`${name}:3`, ones, { constant: 3 });
      const sixth = p.newValue(`${name}:1/6`, ones, { constant: 1 / 6 });
      p.emit({ kind: "add", layer: name, inputs: [x, three], output: inner, activation: "relu6" });
      p.emit({ kind: "mul", layer: name, inputs: [inner, sixth], output: out });
      return out;
    }
    default:
      throw new Error(`quantizeModel: ${layerDesc(layer)} uses activation "${kind}", which has no int8 mapping (supported: linear, relu, relu6, sigmoid, tanh, softmax, swish, HardSwish, HardSigmoid)`);
  }
}

/** A conv-like layer's op(s) and its activation. */
function convLike(p: Planner, layer: tf.layers.Layer, x: Value, inSym: tf.SymbolicTensor, outSym: tf.SymbolicTensor): Value {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const useBias = cfg.useBias !== false;
  const act = activationOf(layer);
  const fused = act === "relu" || act === "relu6";
  const outShape = tfjsShape(outSym, layer);
  const padding = cfg.padding as string | undefined;
  if (padding !== undefined && padding !== "same" && padding !== "valid") {
    throw new Error(`quantizeModel: ${layerDesc(layer)} has padding "${padding}"; only "same" and "valid" map to TFLite`);
  }
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== "channelsLast") {
    throw new Error(`quantizeModel: ${layerDesc(layer)} is ${String(cfg.dataFormat)}; only channelsLast maps to TFLite`);
  }
  // The op's output value: the layer output itself, unless a separate activation follows.
  const finalOut = (op: Omit<FloatOp, "activation" | "output">, shape: number[], linearFrom: (x: tf.Tensor) => tf.Tensor): Value => {
    const out = fused || act === "linear"
      ? p.newValue(layer.name, shape, { probe: { name: layer.name, tensor: outSym }, sym: outSym.id })
      : p.newValue(`${layer.name}:linear`, shape, { probe: { name: `${layer.name}:linear`, from: [inSym], compute: ([v]) => linearFrom(v) } });
    const emitted = p.emit({ ...op, output: out, activation: fused ? (act as FusedActivation) : "none" });
    return fused || act === "linear" ? out : applyActivation(p, act, emitted.output, layer, outSym);
  };
  const biasOf = (index: number) => (useBias ? Float32Array.from(layer.getWeights()[index].dataSync() as Float32Array) : null);

  if (cls === "Dense") {
    const inShape = tfjsShape(inSym, layer);
    if (inShape.slice(1, -1).some((d) => d !== 1)) {
      throw new Error(`quantizeModel: ${layerDesc(layer)} is applied to a [${inShape.slice(1)}] input; TFLite FULLY_CONNECTED needs a flat [features] input (add a Flatten)`);
    }
    const x2 = p.view(x, [1, inShape[inShape.length - 1]], layer.name);
    const k = kernelOf(layer);
    const op = { kind: "fullyConnected" as const, layer: layer.name, inputs: [x2], weights: { kernel: k.values, kernelShape: k.shape, bias: biasOf(1), layout: "conv" as KernelLayout } };
    const w = op.weights;
    return finalOut(op, [1, k.shape[1]], (v) => floatForward({ ...op, output: x, activation: "none", weights: w }, v));
  }
  if (cls === "Conv1D") {
    const k = kernelOf(layer); // [k, in, out]
    const x4 = p.as4d(x, layer.name);
    const op = {
      kind: "conv2d" as const, layer: layer.name, inputs: [x4], stride: [1, (cfg.strides as number[])[0]] as [number, number],
      dilation: [1, (cfg.dilationRate as number[])[0]] as [number, number], padding: padding as Padding,
      weights: { kernel: k.values, kernelShape: [1, ...k.shape], bias: biasOf(1), layout: "conv" as KernelLayout },
    };
    return finalOut(op, [1, 1, outShape[1], outShape[2]], (v) => floatForward({ ...op, output: x, activation: "none" }, v));
  }
  if (x.shape.length !== 4) throw new Error(`quantizeModel: ${layerDesc(layer)} needs a [1, H, W, C] input, got [${x.shape}]`);
  const dilation = pair(cfg.dilationRate as number | number[], "dilationRate", layer);
  const stride = pair(cfg.strides as number | number[], "strides", layer);
  if (cls === "Conv2D") {
    const k = kernelOf(layer);
    const op = { kind: "conv2d" as const, layer: layer.name, inputs: [x], stride, dilation, padding: padding as Padding, weights: { kernel: k.values, kernelShape: k.shape, bias: biasOf(1), layout: "conv" as KernelLayout } };
    return finalOut(op, outShape, (v) => floatForward({ ...op, output: x, activation: "none" }, v));
  }
  if (cls === "DepthwiseConv2D") {
    const k = kernelOf(layer);
    const op = {
      kind: "depthwiseConv2d" as const, layer: layer.name, inputs: [x], stride, dilation, padding: padding as Padding, depthMultiplier: k.shape[3],
      weights: { kernel: k.values, kernelShape: k.shape, bias: biasOf(1), layout: "depthwise" as KernelLayout },
    };
    return finalOut(op, outShape, (v) => floatForward({ ...op, output: x, activation: "none" }, v));
  }
  if (cls === "SeparableConv2D") {
    const dk = kernelOf(layer, 0);
    const pk = kernelOf(layer, 1);
    const dwOp = {
      kind: "depthwiseConv2d" as const, layer: layer.name, inputs: [x], stride, dilation, padding: padding as Padding, depthMultiplier: dk.shape[3],
      weights: { kernel: dk.values, kernelShape: dk.shape, bias: null, layout: "depthwise" as KernelLayout },
    };
    const mid = p.newValue(`${layer.name}:depthwise`, [1, outShape[1], outShape[2], dk.shape[2] * dk.shape[3]], {
      probe: { name: `${layer.name}:depthwise`, from: [inSym], compute: ([v]) => floatForward({ ...dwOp, output: x, activation: "none" }, v) },
    });
    p.emit({ ...dwOp, output: mid });
    const pwOp = {
      kind: "conv2d" as const, layer: layer.name, inputs: [mid], stride: [1, 1] as [number, number], dilation: [1, 1] as [number, number], padding: "valid" as Padding,
      weights: { kernel: pk.values, kernelShape: pk.shape, bias: biasOf(2), layout: "conv" as KernelLayout },
    };
    return finalOut(pwOp, outShape, (v) => floatForward({ ...pwOp, output: x, activation: "none" }, floatForward({ ...dwOp, output: x, activation: "none" }, v)));
  }
  throw new Error(`quantizeModel: internal: ${layerDesc(layer)} is not conv-like`);
}

function foldBn(p: Planner, layer: tf.layers.Layer, x: Value, outSym: tf.SymbolicTensor): Value {
  const producer = x.producer;
  const why =
    !producer || !producer.weights ? `its input "${x.name}" does not come from a Conv2D/Conv1D/DepthwiseConv2D/SeparableConv2D/Dense layer`
      : producer.activation !== "none" ? `the layer before it ("${producer.layer}") applies ${producer.activation} first`
        : !p.onlyConsumer(x, layer) ? `the output of "${producer.layer}" is also used elsewhere`
          : null;
  if (why !== null) throw new Error(`quantizeModel: BatchNormalization layer "${layer.name}" cannot be folded: ${why}`);
  const w = (producer as FloatOp).weights as ConvWeights;
  let folded;
  try {
    folded = foldBatchNorm({ values: w.kernel, shape: w.kernelShape }, w.bias, batchNormParamsOf(layer), w.layout);
  } catch (e) {
    throw new Error(`quantizeModel: BatchNormalization layer "${layer.name}" cannot be folded into "${(producer as FloatOp).layer}": ${(e as Error).message}`);
  }
  w.kernel = folded.kernel;
  w.bias = folded.bias;
  p.folded.add(x.name);
  x.name = layer.name;
  x.probe = { name: layer.name, tensor: outSym };
  x.sym = outSym.id;
  return x;
}

function pool(p: Planner, layer: tf.layers.Layer, x: Value, outSym: tf.SymbolicTensor, kind: "averagePool2d" | "maxPool2d", oneD: boolean): Value {
  const cfg = layer.getConfig() as { poolSize: number[]; strides: number[]; padding: string; dataFormat?: string };
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== "channelsLast") throw new Error(`quantizeModel: ${layerDesc(layer)} is ${cfg.dataFormat}; only channelsLast maps to TFLite`);
  const v = oneD ? p.as4d(x, layer.name) : x;
  const filter: [number, number] = oneD ? [1, cfg.poolSize[0]] : pair(cfg.poolSize, "poolSize", layer);
  const stride: [number, number] = oneD ? [1, cfg.strides[0]] : pair(cfg.strides, "strides", layer);
  const o = tfjsShape(outSym, layer);
  const out = p.newValue(layer.name, oneD ? [1, 1, o[1], o[2]] : o, { sym: outSym.id });
  p.link(v, out); // TFLite: max pool keeps its input's parameters; TFLM's average pool assumes them too
  p.emit({ kind, layer: layer.name, inputs: [v], output: out, filter, stride, padding: cfg.padding as Padding });
  return out;
}

function processLayer(p: Planner, layer: tf.layers.Layer): void {
  const node = p.nodeOf(layer);
  const cls = layer.getClassName();
  const outSym = node.outputTensors[0];
  if (node.outputTensors.length !== 1) throw new Error(`quantizeModel: ${layerDesc(layer)} has ${node.outputTensors.length} outputs`);
  const ins = node.inputTensors.map((t) => {
    const v = p.bySym.get(t.id);
    if (!v) throw new Error(`quantizeModel: internal: input of ${layerDesc(layer)} not yet mapped`);
    return v;
  });
  const set = (v: Value): void => {
    p.bySym.set(outSym.id, v);
  };
  const x = ins[0];
  const name = layer.name;
  switch (cls) {
    case "InputLayer":
      return;
    case "Conv2D": case "Conv1D": case "DepthwiseConv2D": case "SeparableConv2D": case "Dense":
      return set(convLike(p, layer, x, node.inputTensors[0], outSym));
    case "BatchNormalization":
      return set(foldBn(p, layer, x, outSym));
    case "ReLU": {
      const maxValue = (layer.getConfig() as { maxValue?: number | null }).maxValue;
      if (maxValue !== undefined && maxValue !== null && maxValue !== 6) {
        throw new Error(`quantizeModel: ${layerDesc(layer)} has maxValue ${maxValue}; only ReLU and ReLU6 (maxValue 6) map to TFLite's fused clamps`);
      }
      return set(applyActivation(p, maxValue === 6 ? "relu6" : "relu", x, layer, outSym));
    }
    case "Activation":
      return set(applyActivation(p, activationOf(layer), x, layer, outSym));
    case "Softmax": {
      const axis = (layer.getConfig() as { axis?: number | number[] }).axis ?? -1;
      const rank = outSym.shape.length;
      if (axis !== -1 && axis !== rank - 1) throw new Error(`quantizeModel: ${layerDesc(layer)} has axis ${JSON.stringify(axis)}; TFLite SOFTMAX works on the last axis`);
      return set(applyActivation(p, "softmax", p.canonical(x, node.inputTensors[0], name), layer, outSym));
    }
    case "HardSwish":
      return set(applyActivation(p, "hardSwish", x, layer, outSym));
    case "HardSigmoid":
      return set(applyActivation(p, "hardSigmoid", x, layer, outSym));
    case "GlobalAveragePooling2D": case "GlobalAveragePooling1D": {
      const cfg = layer.getConfig() as { dataFormat?: string; keepDims?: boolean };
      if (cfg.dataFormat !== undefined && cfg.dataFormat !== "channelsLast") throw new Error(`quantizeModel: ${layerDesc(layer)} is ${cfg.dataFormat}; only channelsLast maps to TFLite`);
      const axes = x.shape.length === 4 ? [1, 2] : x.shape.length === 3 ? [1] : null;
      if (axes === null) throw new Error(`quantizeModel: ${layerDesc(layer)} got an input of shape [${x.shape}]`);
      const out = p.layerOutputValue(layer, [1, x.shape[x.shape.length - 1]]);
      p.emit({ kind: "mean", layer: name, inputs: [x], output: out, axes, keepDims: false });
      return set(out);
    }
    case "AveragePooling2D": case "MaxPooling2D": case "AveragePooling1D": case "MaxPooling1D":
      return set(pool(p, layer, x, outSym, cls.startsWith("Average") ? "averagePool2d" : "maxPool2d", cls.endsWith("1D")));
    case "ZeroPadding2D": {
      const cfg = layer.getConfig() as { padding: [[number, number], [number, number]]; dataFormat?: string };
      if (cfg.dataFormat !== undefined && cfg.dataFormat !== "channelsLast") throw new Error(`quantizeModel: ${layerDesc(layer)} is ${cfg.dataFormat}; only channelsLast maps to TFLite`);
      const out = p.newValue(name, tfjsShape(outSym, layer), { sym: outSym.id });
      p.link(x, out);
      p.emit({ kind: "pad", layer: name, inputs: [x], output: out, paddings: [[0, 0], cfg.padding[0], cfg.padding[1], [0, 0]] });
      return set(out);
    }
    case "Flatten": case "Reshape": {
      const shape = tfjsShape(outSym, layer);
      const out = p.newValue(name, shape, { sym: outSym.id });
      p.link(x, out);
      p.emit({ kind: "reshape", layer: name, inputs: [x], output: out, newShape: shape });
      return set(out);
    }
    case "Add": case "Multiply": {
      const kind = cls === "Add" ? "add" : "mul";
      const xs = ins.map((v, i) => p.canonical(v, node.inputTensors[i], name));
      let acc = xs[0];
      for (let k = 1; k < xs.length; k++) {
        const last = k === xs.length - 1;
        const from = node.inputTensors.slice(0, k + 1);
        const shape = last ? tfjsShape(outSym, layer) : [1, ...tf.broadcast_util.assertAndGetBroadcastShape(acc.shape, xs[k].shape).slice(1)];
        const out = last
          ? p.newValue(name, shape, { probe: { name, tensor: outSym }, sym: outSym.id })
          : p.newValue(`${name}:partial${k}`, shape, {
            probe: { name: `${name}:partial${k}`, from, compute: (vs) => vs.reduce((a, b) => (kind === "add" ? tf.add(a, b) : tf.mul(a, b))) },
          });
        p.emit({ kind, layer: name, inputs: [acc, xs[k]], output: out });
        acc = out;
      }
      return set(acc);
    }
    case "Concatenate": {
      const rank = outSym.shape.length;
      let axis = (layer.getConfig() as { axis?: number }).axis ?? -1;
      if (axis < 0) axis += rank;
      const xs = ins.map((v, i) => p.canonical(v, node.inputTensors[i], name));
      const out = p.newValue(name, tfjsShape(outSym, layer), { probe: { name, tensor: outSym }, sym: outSym.id });
      for (const v of xs) p.link(v, out); // TFLM's int8 CONCATENATION copies bytes: one scale/zp for all
      p.emit({ kind: "concatenation", layer: name, inputs: xs, output: out, axis });
      return set(out);
    }
    default:
      if (PASS_THROUGH.has(cls)) return set(x);
      throw new Error(`quantizeModel: ${layerDesc(layer)} has no int8 mapping (supported: Conv1D/2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization (folded), ReLU, Activation, Softmax, HardSwish, HardSigmoid, global/average/max pooling, ZeroPadding2D, Flatten, Reshape, Add, Multiply, Concatenate, Dropout)`);
  }
}

function plan(model: tf.LayersModel): Planner {
  const p = new Planner(model);
  if (model.inputs.length !== 1) throw new Error(`quantizeModel: the model must have one input; "${model.name}" has ${model.inputs.length}`);
  const input = model.inputs[0];
  const inLayer = input.sourceLayer as tf.layers.Layer;
  p.inputValue = p.newValue(inLayer.name, tfjsShape(input, inLayer), { probe: { name: inLayer.name, tensor: input }, sym: input.id });
  p.bySym.set(input.id, p.inputValue);
  // Worklist in dependency order (model.layers is topological in tfjs, but do not rely on it).
  const pending = model.layers.filter((l) => !(l.getClassName() === "InputLayer"));
  while (pending.length > 0) {
    const i = pending.findIndex((l) => p.nodeOf(l).inputTensors.every((t) => p.bySym.has(t.id)));
    if (i < 0) throw new Error(`quantizeModel: layers ${pending.map((l) => `"${l.name}"`).join(", ")} are not reachable from the input`);
    processLayer(p, pending.splice(i, 1)[0]);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Parameters and emission.

function groupsOf(values: Value[]): Map<Value, Value[]> {
  const root = new Map<Value, Value>();
  const find = (v: Value): Value => {
    let r = v;
    while (root.get(r) && root.get(r) !== r) r = root.get(r) as Value;
    return r;
  };
  for (const v of values) root.set(v, v);
  for (const v of values) for (const w of v.sameAs) root.set(find(w), find(v));
  const groups = new Map<Value, Value[]>();
  for (const v of values) {
    const r = find(v);
    const list = groups.get(r) ?? [];
    list.push(v);
    groups.set(r, list);
  }
  return groups;
}

interface WeightQuant {
  q: number[];
  scales: number[];
}

/** Symmetric narrow-range quantization of `data` (TFLite layout) with one scale per index of `axis` (or one). */
function quantizeSymmetric(data: Float32Array, shape: number[], axis: number | null, qmax: number, minScales?: number[]): WeightQuant {
  const channels = axis === null ? 1 : shape[axis];
  const inner = axis === null ? 1 : size(shape.slice(axis + 1));
  const channelOf = (i: number) => (axis === null ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(data[i]));
  const scales = Array.from(maxAbs, (m, c) => {
    // An all-zero channel is exact under any scale; 1 keeps its bias within int32.
    const s = Math.fround(m > 0 ? m / qmax : 1);
    return minScales && minScales[c] > s ? Math.fround(minScales[c]) : s;
  });
  const q = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = roundHalfAway(data[i] / scales[channelOf(i)]);
    q[i] = Math.max(-qmax, Math.min(qmax, v)) + 0; // + 0: no −0 in plain data (JSON writes it as 0)
  }
  return { q, scales };
}

/** tfjs layout → TFLite layout: conv HWIO → OHWI, dense [in, out] → [out, in], depthwise [kh,kw,C,M] → [1,kh,kw,C·M]. */
function toTfliteLayout(op: FloatOp): { data: Float32Array; shape: number[]; axis: number } {
  const w = op.weights as ConvWeights;
  const s = w.kernelShape;
  if (op.kind === "depthwiseConv2d") return { data: w.kernel, shape: [1, s[0], s[1], s[2] * s[3]], axis: 3 };
  if (op.kind === "fullyConnected") {
    const [nIn, nOut] = s;
    const out = new Float32Array(w.kernel.length);
    for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) out[o * nIn + i] = w.kernel[i * nOut + o];
    return { data: out, shape: [nOut, nIn], axis: 0 };
  }
  const [kh, kw, ci, co] = s;
  const out = new Float32Array(w.kernel.length);
  for (let h = 0; h < kh; h++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * kh + h) * kw + x) * ci + i] = w.kernel[((h * kw + x) * ci + i) * co + o];
  }
  return { data: out, shape: [co, kh, kw, ci], axis: 0 };
}

const INT32_MAX = 2147483647;

/** A calibrated range quantizeModel changed so that the kernels accept it (see resolveParams). */
interface RangeAdjustment {
  /** The tensors sharing the parameters (first: the one named in messages). */
  tensors: string[];
  from: Range;
  to: Range;
  why: string;
}

const fmt = (x: number) => (x === 0 ? "0" : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential(3) : x.toPrecision(4));
const fmtRange = (r: Range) => `[${fmt(r[0])}, ${fmt(r[1])}]`;

/**
 * Scale and zero point of every activation tensor: the union of the ranges of the tensors that must share
 * them (or the pinned parameters), then fitted (fitRangeToScale, by a factor about 0) to the scales the
 * kernels accept:
 * - every calibrated tensor: scale ≥ MIN_ACTIVATION_SCALE (calibrate.ts says why);
 * - LOGISTIC / TANH inputs: inside FIXED_POINT_ACTIVATION_INPUT_SCALE (TFLM's input shift in [0, 31]);
 * - HARD_SWISH inputs: below HARD_SWISH_INPUT_SCALE_BELOW; HARD_SWISH, ADD and MUL outputs: large enough
 *   for the output multiplier TFLM's prepare accepts, which depends on the inputs' final scales (passes);
 * - CONV/DEPTHWISE/FULLY_CONNECTED need s_in·s_w/s_out < 2^30: with s_out ≥ 2^-24 that takes s_in·s_w > 64,
 *   not checked here (weight scales are set later); the kernel's prepare would name the op;
 * - SOFTMAX inputs need beta·s_in·2^26 > 1: beta is 1 here, so the floor 2^-24 already gives it.
 * Pinned parameters that violate a limit are an Error; every range that changes is returned.
 */
function resolveParams(p: Planner, ranges: Record<string, Range>): { params: Map<Value, ActivationParams>; adjustments: RangeAdjustment[] } {
  const rangeOf = new Map<Value, Range>();
  for (const v of p.values) if (ranges[v.name] && !v.fixed) rangeOf.set(v, ranges[v.name]);
  for (const v of p.values) {
    if (v.derived) {
      const r = rangeOf.get(v.derived.from);
      if (!r) throw new Error(`quantizeModel: internal: no range for "${v.derived.from.name}" (needed by "${v.name}")`);
      rangeOf.set(v, v.derived.map(r));
    }
  }
  const groups = [...groupsOf(p.values.filter((v) => v.constant === undefined)).values()];
  const groupOf = new Map<Value, number>();
  groups.forEach((members, g) => members.forEach((m) => groupOf.set(m, g)));
  interface Limits { atLeast: number; atLeastWhy: string; below: number; belowWhy: string }
  const limits: Limits[] = groups.map(() => ({ atLeast: MIN_ACTIVATION_SCALE, atLeastWhy: "scale floor MIN_ACTIVATION_SCALE = 2^-24", below: Infinity, belowWhy: "" }));
  const union: (Range | null)[] = groups.map((members) => {
    if (members.some((m) => m.fixed)) return null;
    let lo = 0;
    let hi = 0;
    let any = false;
    for (const m of members) {
      const r = rangeOf.get(m);
      if (r) {
        lo = Math.min(lo, r[0]);
        hi = Math.max(hi, r[1]);
        any = true;
      }
    }
    if (!any) throw new Error(`quantizeModel: internal: no range for ${members.map((m) => `"${m.name}"`).join(", ")}`);
    return [lo, hi];
  });
  const fitted: (Range | null)[] = groups.map(() => null);
  const params = new Map<Value, ActivationParams>();
  const assign = (g: number) => {
    const members = groups[g];
    const fixed = members.filter((m) => m.fixed);
    let prm: ActivationParams;
    if (fixed.length > 0) {
      prm = fixed[0].fixed as ActivationParams;
      const other = fixed.find((m) => m.fixed?.scale !== prm.scale || m.fixed?.zeroPoint !== prm.zeroPoint);
      if (other) throw new Error(`quantizeModel: "${fixed[0].name}" and "${other.name}" must share parameters but are pinned to different ones`);
    } else {
      const l = limits[g];
      if (!(l.atLeast < l.below)) {
        throw new Error(`quantizeModel: "${members[0].name}" needs a scale ≥ ${l.atLeast} (${l.atLeastWhy}) and < ${l.below} (${l.belowWhy}); no int8 parameters satisfy both`);
      }
      const r = fitRangeToScale(union[g] as Range, l);
      fitted[g] = r;
      prm = activationParams(r[0], r[1]);
    }
    for (const m of members) params.set(m, prm);
  };
  /** Tightens group g's limits; false when they already held. Pinned parameters outside them are an Error. */
  const demand = (v: Value, bound: "atLeast" | "below", value: number, why: string): boolean => {
    const g = groupOf.get(v) as number;
    const l = limits[g];
    if (union[g] === null) {
      const s = (groups[g].find((m) => m.fixed)?.fixed as ActivationParams).scale;
      if (bound === "atLeast" ? s < value : s >= value) throw new Error(`quantizeModel: "${v.name}" has pinned scale ${s}, but ${why} needs it ${bound === "atLeast" ? "≥" : "<"} ${value}`);
      return false;
    }
    if (bound === "atLeast" ? value <= l.atLeast : value >= l.below) return false;
    if (bound === "atLeast") [l.atLeast, l.atLeastWhy] = [value, why];
    else [l.below, l.belowWhy] = [value, why];
    return true;
  };
  // Limits that do not depend on other tensors' scales.
  for (const op of p.ops) {
    const x = op.inputs[0];
    if (op.kind === "logistic" || op.kind === "tanh") {
      const lim = FIXED_POINT_ACTIVATION_INPUT_SCALE;
      demand(x, "atLeast", lim.min, `${op.kind.toUpperCase()} "${op.layer}" (TFLM input shift ≥ 0)`);
      demand(x, "below", lim.below, `${op.kind.toUpperCase()} "${op.layer}" (TFLM input shift ≤ 31)`);
    } else if (op.kind === "hardSwish") {
      demand(x, "below", HARD_SWISH_INPUT_SCALE_BELOW * (1 - 2 ** -12), `HARD_SWISH "${op.layer}" (reluish exponent ≤ 30)`);
    }
  }
  groups.forEach((_, g) => assign(g));
  // Output limits that depend on the inputs' scales (TFLM's prepare checks):
  // - HARD_SWISH: the output multiplier (s_in/128)/s_out (float32) must be < 1 (exponent ≤ 0);
  // - ADD: the output multiplier 2·max(s_a, s_b)/(2^20·s_out) must be < 1 (QuantizeMultiplierSmallerThanOneExp);
  // - MUL: s_a·s_b/s_out needs a shift ≤ 30, i.e. stays below 2^30 (kept below 2^29).
  // Raising an output scale can move another op's input, so repeat until nothing changes.
  const scaleOf = (v: Value) => (v.constant !== undefined ? Math.fround(Math.abs(v.constant) / 127) : (params.get(v) as ActivationParams).scale);
  for (let pass = 0; ; pass++) {
    const changed = new Set<number>();
    const atLeast = (op: FloatOp, value: number, why: string) => {
      const tflite = op.kind === "hardSwish" ? "HARD_SWISH" : op.kind.toUpperCase();
      if (demand(op.output, "atLeast", value, `${tflite} "${op.layer}" (${why})`)) changed.add(groupOf.get(op.output) as number);
    };
    for (const op of p.ops) {
      const sOut = scaleOf(op.output);
      if (op.kind === "hardSwish") {
        const hires = Math.fround(scaleOf(op.inputs[0]) / 128);
        if (Math.fround(hires / sOut) >= 1) atLeast(op, hires * (1 + 2 ** -10), "output exponent ≤ 0: s_out > s_in/128");
      } else if (op.kind === "add") {
        const twiceMax = 2 * Math.max(scaleOf(op.inputs[0]), scaleOf(op.inputs[1]));
        if (twiceMax / (2 ** 20 * sOut) >= 1 - 2 ** -10) atLeast(op, (twiceMax / 2 ** 20) * (1 + 2 ** -10), "output multiplier < 1: s_out > 2·max(s_a, s_b)/2^20");
      } else if (op.kind === "mul") {
        const product = scaleOf(op.inputs[0]) * scaleOf(op.inputs[1]);
        if (product / sOut >= 2 ** 29) atLeast(op, product / 2 ** 29, "multiplier shift ≤ 30: s_out > s_a·s_b/2^29");
      }
    }
    if (changed.size === 0) break;
    if (pass >= 8) throw new Error(`quantizeModel: internal: output scales did not settle after ${pass} passes`);
    changed.forEach(assign);
  }
  const adjustments: RangeAdjustment[] = [];
  groups.forEach((members, g) => {
    const from = union[g];
    const to = fitted[g];
    if (from === null || to === null || to === from) return;
    const l = limits[g];
    const raised = activationParams(to[0], to[1]).scale > activationParams(from[0], from[1]).scale;
    adjustments.push({ tensors: members.map((m) => m.name), from, to, why: raised ? `widened: ${l.atLeastWhy}` : `clipped: ${l.belowWhy}` });
  });
  return { params, adjustments };
}

function emitGraph(p: Planner, params: Map<Value, ActivationParams>, o: { perChannel: boolean; denseWeights: WeightGranularity; qmax: number; name: string; provenance: Record<string, string | number> }): QuantizedGraph {
  const tensors: GraphTensor[] = [];
  const idOf = new Map<Value, number>();
  const tensorOf = (v: Value): number => {
    const known = idOf.get(v);
    if (known !== undefined) return known;
    const id = tensors.length;
    if (v.constant !== undefined) {
      const scale = Math.fround(Math.abs(v.constant) / 127);
      tensors.push({ id, name: v.name, shape: v.shape, dtype: "int8", quant: { scale: [scale], zeroPoint: [0], axis: 0 }, data: [v.constant < 0 ? -127 : 127] });
    } else {
      const prm = params.get(v) as ActivationParams;
      tensors.push({ id, name: v.name, shape: v.shape, dtype: "int8", quant: { scale: [prm.scale], zeroPoint: [prm.zeroPoint], axis: 0 } });
    }
    idOf.set(v, id);
    return id;
  };
  const constant = (t: Omit<GraphTensor, "id">): number => {
    const id = tensors.length;
    tensors.push({ id, ...t });
    return id;
  };
  const inputId = tensorOf(p.inputValue);
  const operators: GraphOp[] = [];
  for (const op of p.ops) {
    const inputs = op.inputs.map(tensorOf);
    const out = tensorOf(op.output);
    const activation = op.activation;
    switch (op.kind) {
      case "conv2d": case "depthwiseConv2d": case "fullyConnected": {
        const t = toTfliteLayout(op);
        const sIn = (params.get(op.inputs[0]) as ActivationParams).scale;
        const perChannel = op.kind === "fullyConnected" ? o.denseWeights === "per-channel" : o.perChannel;
        const axis = perChannel ? t.axis : null;
        const channels = t.shape[t.axis];
        const bias = (op.weights as ConvWeights).bias ?? new Float32Array(channels);
        let wq = quantizeSymmetric(t.data, t.shape, axis, o.qmax);
        // TFLite's converter raises a weight scale when the bias would not fit int32 at s_in·s_w. Here the
        // bias also leaves room for the fan-in K products the kernel adds to it (|q_in − zp| ≤ 255,
        // |q_w| ≤ qmax), so that the int32 accumulator cannot overflow either.
        const fanIn = t.data.length / channels;
        const biasLimit = INT32_MAX - fanIn * 255 * o.qmax;
        if (biasLimit < 2 ** 24) throw new Error(`quantizeModel: layer "${op.layer}" has fan-in ${fanIn}; K·255·${o.qmax} products leave no int32 headroom for its bias`);
        const need = wq.scales.map((_, c) => {
          const lo = axis === null ? Math.max(...Array.from(bias, Math.abs)) : Math.abs(bias[c]);
          return lo / (sIn * biasLimit);
        });
        if (need.some((n, c) => n > wq.scales[c])) wq = quantizeSymmetric(t.data, t.shape, axis, o.qmax, need.map((n) => n * (1 + 1e-6)));
        const biasScales = wq.scales.map((s) => Math.fround(sIn * s));
        const biasQ = Array.from(bias, (b, c) => roundHalfAway(b / biasScales[axis === null ? 0 : c]) + 0);
        const filterId = constant({ name: `${op.layer}/weights`, shape: t.shape, dtype: "int8", quant: { scale: wq.scales, zeroPoint: wq.scales.map(() => 0), axis: axis ?? 0 }, data: wq.q });
        const biasId = constant({ name: `${op.layer}/bias`, shape: [channels], dtype: "int32", quant: { scale: biasScales, zeroPoint: biasScales.map(() => 0), axis: 0 }, data: biasQ });
        const io: [number, number, number] = [inputs[0], filterId, biasId];
        if (op.kind === "conv2d") operators.push({ kind: "conv2d", inputs: io, outputs: [out], stride: op.stride as [number, number], padding: op.padding as Padding, dilation: op.dilation as [number, number], activation });
        else if (op.kind === "depthwiseConv2d") operators.push({ kind: "depthwiseConv2d", inputs: io, outputs: [out], stride: op.stride as [number, number], padding: op.padding as Padding, dilation: op.dilation as [number, number], depthMultiplier: op.depthMultiplier as number, activation });
        else operators.push({ kind: "fullyConnected", inputs: io, outputs: [out], activation });
        break;
      }
      case "add": case "mul":
        operators.push({ kind: op.kind, inputs: [inputs[0], inputs[1]], outputs: [out], activation });
        break;
      case "mean": {
        const axes = op.axes as number[];
        const axesId = constant({ name: `${op.layer}/axes`, shape: [axes.length], dtype: "int32", data: axes });
        operators.push({ kind: "mean", inputs: [inputs[0], axesId], outputs: [out], keepDims: op.keepDims as boolean });
        break;
      }
      case "averagePool2d": case "maxPool2d":
        operators.push({ kind: op.kind, inputs: [inputs[0]], outputs: [out], filter: op.filter as [number, number], stride: op.stride as [number, number], padding: op.padding as Padding, activation });
        break;
      case "pad":
        operators.push({ kind: "pad", inputs: [inputs[0]], outputs: [out], paddings: op.paddings as [number, number][] });
        break;
      case "reshape":
        operators.push({ kind: "reshape", inputs: [inputs[0]], outputs: [out], newShape: op.newShape as number[] });
        break;
      case "concatenation":
        operators.push({ kind: "concatenation", inputs, outputs: [out], axis: op.axis as number, activation });
        break;
      case "softmax":
        operators.push({ kind: "softmax", inputs: [inputs[0]], outputs: [out], beta: op.beta as number });
        break;
      case "logistic": case "tanh": case "hardSwish":
        operators.push({ kind: op.kind, inputs: [inputs[0]], outputs: [out] });
        break;
      default:
        throw new Error(`quantizeModel: internal: op kind ${op.kind} from "${op.layer}"`);
    }
  }
  const outputs = p.model.outputs.map((t) => {
    const v = p.bySym.get(t.id) as Value;
    const canon = [1, ...(t.shape.slice(1) as number[])];
    if (shapeKey(v.shape) === shapeKey(canon)) return tensorOf(v);
    // A 1-D model output kept as a [1, 1, L, C] view: reshape back to the model's shape.
    const id = tensors.length;
    const prm = params.get(v) as ActivationParams;
    tensors.push({ id, name: `${v.name}:output`, shape: canon, dtype: "int8", quant: { scale: [prm.scale], zeroPoint: [prm.zeroPoint], axis: 0 } });
    operators.push({ kind: "reshape", inputs: [tensorOf(v)], outputs: [id], newShape: canon });
    return id;
  });
  return { format: 1, name: o.name, tensors, operators, inputs: [inputId], outputs, provenance: o.provenance };
}

function describe(p: Planner): QuantizationPlan {
  return {
    calibrated: p.values.filter((v) => v.probe && !v.fixed).map((v) => v.name),
    pinned: p.values.filter((v) => !v.probe || v.fixed).filter((v) => v.constant === undefined).map((v) => v.name),
    ops: p.ops.map((op) => `${op.kind}(${op.layer}${op.activation !== "none" ? `, ${op.activation}` : ""}): ${op.inputs.map((v) => v.name).join(", ")} → ${op.output.name}`),
  };
}

/** Runs the float op list (BN folded, activations fused) on a batch: what the int8 graph approximates. */
function forwardPlan(p: Planner, x: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const n = x.shape[0];
    const vals = new Map<Value, tf.Tensor>([[p.inputValue, x]]);
    const get = (v: Value): tf.Tensor => {
      if (v.constant !== undefined) return tf.scalar(v.constant);
      const t = vals.get(v);
      if (!t) throw new Error(`quantizeModel: internal: "${v.name}" used before it is computed`);
      return t;
    };
    const clamp = (t: tf.Tensor, a: FusedActivation) => (a === "relu" ? tf.relu(t) : a === "relu6" ? tf.relu6(t) : t);
    for (const op of p.ops) {
      const [a, b] = op.inputs.map(get);
      let y: tf.Tensor;
      switch (op.kind) {
        case "conv2d": case "depthwiseConv2d": case "fullyConnected": y = floatForward(op, a); break;
        case "add": y = tf.add(a, b); break;
        case "mul": y = tf.mul(a, b); break;
        case "mean": y = tf.mean(a, op.axes as number[]); break;
        case "averagePool2d": y = tf.avgPool(a as tf.Tensor4D, op.filter as [number, number], op.stride as [number, number], op.padding as Padding); break;
        case "maxPool2d": y = tf.maxPool(a as tf.Tensor4D, op.filter as [number, number], op.stride as [number, number], op.padding as Padding); break;
        case "pad": y = tf.pad(a, op.paddings as [number, number][]); break;
        case "reshape": y = tf.reshape(a, [n, ...(op.newShape as number[]).slice(1)]); break;
        case "concatenation": y = tf.concat(op.inputs.map(get), op.axis); break;
        case "softmax": y = tf.softmax(a); break;
        case "logistic": y = tf.sigmoid(a); break;
        case "tanh": y = tf.tanh(a); break;
        case "hardSwish": y = tf.div(tf.mul(a, tf.relu6(tf.add(a, 3))), 6); break;
        default: throw new Error(`quantizeModel: internal: op kind ${op.kind}`);
      }
      vals.set(op.output, clamp(y, op.activation));
    }
    return p.model.outputs.map((t) => {
      const v = get(p.bySym.get(t.id) as Value);
      return tf.reshape(v, [n, ...(t.shape.slice(1) as number[])]);
    });
  });
}

/** quantizationPlan's result: the op list, tensor names, and a float run of the folded, fused ops. */
export interface FloatPlan extends QuantizationPlan {
  /** The float op list applied to a batch (BN folded into the weights): equals model.predict up to float rounding. */
  predict(x: tf.Tensor): tf.Tensor[];
}

/** The op list and tensor names quantizeModel would use for `model`, without calibrating (for QAT and inspection). */
export function quantizationPlan(model: tf.LayersModel): FloatPlan {
  const p = plan(model);
  return { ...describe(p), predict: (x) => forwardPlan(p, x) };
}

/** Quantizes a float tfjs model to an int8 QuantizedGraph (see the header of this file). */
export function quantizeModel(model: tf.LayersModel, options: QuantizeOptions): QuantizedGraph {
  if (!options || !(options.calibration instanceof tf.Tensor)) throw new TypeError("quantizeModel: options.calibration must be a tf.Tensor of representative inputs");
  const weights = options.weights ?? "per-channel";
  const denseWeights = options.denseWeights ?? "per-tensor";
  for (const [k, v] of [["weights", weights], ["denseWeights", denseWeights]] as const) {
    if (v !== "per-channel" && v !== "per-tensor") throw new RangeError(`quantizeModel: ${k} must be "per-channel" or "per-tensor", got ${JSON.stringify(v)}`);
  }
  const bits = options.bits ?? 8;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new RangeError(`quantizeModel: bits must be an integer 2..8, got ${bits}`);
  const method = options.method ?? "minmax";
  const p = plan(model);

  const given = options.activationRanges ?? {};
  const names = new Set(p.values.map((v) => v.name));
  const layerNames = new Set(model.layers.map((l) => l.name));
  for (const [key, r] of Object.entries(given)) {
    if (!names.has(key) && !layerNames.has(key)) throw new Error(`quantizeModel: activationRanges has "${key}", which is neither a tensor of the graph nor a layer of the model (tensors: ${[...names].join(", ")})`);
    if (!Array.isArray(r) || r.length !== 2 || !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] <= r[1])) {
      throw new RangeError(`quantizeModel: activationRanges["${key}"] must be [min, max] with min <= max, got ${JSON.stringify(r)}`);
    }
  }
  const probes = p.values.filter((v) => v.probe && !v.fixed && given[v.name] === undefined).map((v) => v.probe as Probe);
  const measured = probes.length === 0 ? {} : calibrateActivations(model, options.calibration, probes, {
    method, percentile: options.percentile, batchSize: options.calibrationBatchSize, progress: options.progress,
  });
  const ranges: Record<string, Range> = { ...measured };
  for (const [k, r] of Object.entries(given)) ranges[k] = [r[0], r[1]];
  const { params, adjustments } = resolveParams(p, ranges);
  const provenance: Record<string, string | number> = { source: "quantizeModel", weights, denseWeights, bits, calibration: options.activationRanges ? `${method} + given ranges` : method, calibrationSamples: options.calibration.shape[0] };
  if (method === "percentile") provenance.percentile = options.percentile ?? 99.99;
  // Never silently: each changed range is in the provenance ("range <tensor>") and a warning names them.
  for (const a of adjustments) {
    const shared = a.tensors.length > 1 ? ` (shared with ${a.tensors.slice(1).map((t) => `"${t}"`).join(", ")})` : "";
    provenance[`range ${a.tensors[0]}`] = `${fmtRange(a.from)} → ${fmtRange(a.to)}, ${a.why}${shared}`;
  }
  if (adjustments.length > 0) {
    const names = adjustments.map((a) => `"${a.tensors[0]}"`);
    const listed = names.length > 6 ? `${names.slice(0, 6).join(", ")} and ${names.length - 6} more` : names.join(", ");
    console.warn(`quantizeModel: changed ${adjustments.length} calibrated range(s) so that the int8 kernels accept them: ${listed} (details in graph.provenance["range <tensor>"]; first: ${provenance[`range ${adjustments[0].tensors[0]}`]})`);
  }
  return emitGraph(p, params, { perChannel: weights === "per-channel", denseWeights, qmax: 2 ** (bits - 1) - 1, name: options.name ?? model.name, provenance });
}

// ---------------------------------------------------------------------------------------------------------
// Running a graph on float data.

function ioTensor(graph: QuantizedGraph, id: number, what: string): GraphTensor {
  const t = graph.tensors[id];
  if (!t || !t.quant || t.dtype !== "int8") throw new Error(`${what}: graph tensor ${id} is not a quantized int8 tensor`);
  return t;
}

/**
 * Float input → int8 as TFLite's QUANTIZE op: clamp(round(x / scale) + zp) (x / scale in float32).
 * `count` inputs may be given back to back (for runQuantizedBatch).
 */
export function quantizeInput(graph: QuantizedGraph, floats: ArrayLike<number>, count = 1): Int8Array {
  const t = ioTensor(graph, graph.inputs[0], "quantizeInput");
  const n = size(t.shape) * count;
  if (floats.length !== n) throw new RangeError(`quantizeInput: ${count} input(s) of graph input "${t.name}" [${t.shape}] need ${n} values, got ${floats.length}`);
  const s = t.quant!.scale[0];
  const zp = t.quant!.zeroPoint[0];
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(-128, Math.min(127, roundHalfAway(Math.fround(floats[i] / s)) + zp));
  return out;
}

/** int8 output → float: (q − zp)·scale, as float32. `index` picks a graph output (default 0). */
export function dequantizeOutput(graph: QuantizedGraph, q: ArrayLike<number>, index = 0): Float32Array {
  const t = ioTensor(graph, graph.outputs[index], "dequantizeOutput");
  const s = t.quant!.scale[0];
  const zp = t.quant!.zeroPoint[0];
  return Float32Array.from(q, (v) => (v - zp) * s);
}

export interface EvaluateOptions {
  rounding?: "double" | "single";
  progress?: boolean | DisplayTarget;
}

/**
 * Scores `images` [N, ...] against one-hot `labels` [N, classes] through the integer interpreter
 * (runQuantizedBatch, 64 examples per call). predictions[i] is the argmax of the int8 output (ties: the first,
 * as tf.argMax); since the output scale is positive it is also the argmax of the dequantized output.
 */
export function evaluateQuantized(graph: QuantizedGraph, images: tf.Tensor, labels: tf.Tensor, options: EvaluateOptions = {}): { accuracy: number; predictions: Int32Array } {
  const n = images.shape[0];
  if (labels.rank !== 2 || labels.shape[0] !== n) throw new RangeError(`evaluateQuantized: labels must be one-hot [${n}, classes], got [${labels.shape}]`);
  const x = images.dataSync() as Float32Array;
  const truth = tf.tidy(() => tf.argMax(labels, 1).dataSync() as Int32Array);
  const per = x.length / n;
  const progress = stepProgress(`int8 inference on ${n} examples`, n, options.progress);
  const predictions = new Int32Array(n);
  let correct = 0;
  const chunk = 64;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const out = runQuantizedBatch(graph, quantizeInput(graph, x.subarray(start * per, (start + count) * per), count), { rounding: options.rounding });
    const classes = out.length / count;
    for (let j = 0; j < count; j++) {
      let best = 0;
      for (let k = 1; k < classes; k++) if (out[j * classes + k] > out[j * classes + best]) best = k;
      predictions[start + j] = best;
      if (best === truth[start + j]) correct++;
    }
    progress.step(start + count);
  }
  progress.finish();
  return { accuracy: n > 0 ? correct / n : NaN, predictions };
}
