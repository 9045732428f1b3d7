// Profiler for tfjs LayersModels (sequential or functional, with skip connections and nested models):
// per-layer and total parameters, MACs, output shapes, flash bytes for the weights and peak activation
// RAM, at float32 and int8. It reads the real graph (layer weights and the symbolic tensors' shapes), so
// it is an independent check of the closed forms in course-lib/primitives/cost.ts, whose conventions it
// follows (MACs: conv and dense multiply-accumulates only). Everything below is for batch size 1.
//
// Parameters: from the layers' weights. trainable = kernels, biases, BN gamma/beta (and any other trainable
// weight); nonTrainable = BN moving mean/variance; total = trainable + nonTrainable = model.countParams()
// (checked, an error if it ever differs). A layer shared by several call sites is counted once.
//
// Flash (weights only; no code, no graph structure, no activation quantisation parameters):
// - float32: 4 bytes per stored value.
// - int8, TFLite-like full-integer quantisation: conv/depthwise/separable/dense kernels 1 byte per weight
//   plus one float32 scale (4 bytes) per output channel (symmetric per-channel quantisation, so zero
//   points are 0 and not counted); biases int32, 4 bytes each.
// - Batch-norm (both precisions): when it directly follows a conv/dense layer that has no other
//   consumer, it is folded into that layer at conversion (as the TFLite converter does): it costs 0 bytes
//   if the layer has a bias, else one bias of C values (int32 / float32, 4 bytes each). An unfolded BN is
//   stored as a per-channel multiplier and offset: 2*C*4 bytes (float32) or 2*C bytes + two float32
//   scales (int8).
// - Any other weight (PReLU alpha, LayerNormalization, Embedding...): 4 bytes per value (float32), 1 byte
//   per value plus one float32 scale per weight tensor (int8).
//
// Peak activation RAM: layers run one at a time in topological order (tfjs's own execution order, by
// depth). Each layer writes its output into a new buffer that stays live from that step until its last
// consumer has run (inclusive); while a layer runs, its inputs and output are live. The model input is a
// live buffer from step 0 until its last consumer has run; model outputs stay live until the end. So a
// skip connection keeps its tensor live across the layers it jumps over. With `inPlace` (default true),
// an element-wise single-input layer (BN, activations, dropout, reshape/flatten) whose input has no other
// consumer writes into its input's buffer instead, which is what fusing conv+BN+activation achieves in
// TFLite. float32 counts 4 bytes per element, int8 1 byte. Scratch buffers (im2col) are not counted.
// Nested models are inlined: their layers are scheduled as part of the outer graph.
import * as tf from "@tensorflow/tfjs";

export interface ParamCounts {
  trainable: number;
  nonTrainable: number;
  total: number;
}

export interface Bytes {
  float32: number;
  int8: number;
}

export interface LayerProfile {
  /** Layer name, prefixed with the enclosing model's name for layers of nested models ("inner/conv"). */
  name: string;
  className: string;
  /** Output shapes without the batch axis (one per output). */
  outputShapes: number[][];
  params: ParamCounts;
  macs: number;
  flash: Bytes;
  /** Elements of the layer's output(s), i.e. its activation size. */
  outputElements: number;
  /** Extra information, e.g. which layer a batch-norm was folded into. */
  note?: string;
}

export interface RamStep {
  /** Layer run at this step. */
  layer: string;
  /** Elements live while this layer runs. */
  liveElements: number;
  /** Names of the tensors (by producing layer) live at this step. */
  live: string[];
}

export interface ModelProfile {
  name: string;
  layers: LayerProfile[];
  totals: {
    params: ParamCounts;
    macs: number;
    flash: Bytes;
    peakRam: Bytes;
    /** Elements live at the peak and the layer running at that moment. */
    peakElements: number;
    peakLayer: string;
  };
  ramTimeline: RamStep[];
  options: Required<ProfileOptions>;
}

export interface ProfileOptions {
  /** Element-wise single-input layers reuse their input's buffer when nothing else reads it (default true). */
  inPlace?: boolean;
  /** Fold batch-norm into a preceding conv/dense for flash bytes (default true). */
  foldBatchNorm?: boolean;
}

/** Layers with no weights and no MACs under the course convention; any other unknown class is an error. */
export const PARAMETER_FREE_LAYERS: ReadonlySet<string> = new Set([
  "InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU", "HardSwish", "HardSigmoid",
  "Dropout", "SpatialDropout1D", "AlphaDropout", "GaussianDropout", "GaussianNoise",
  "Flatten", "Reshape", "Permute", "RepeatVector", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
  "Add", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
  // Lesson 07's Add that skips its branch at random in training (course-lib/compress/prune/layer-drop.ts).
  "LayerDropAdd",
  "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
  "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
  "Rescaling", "CenterCrop", "Resizing",
]);

/** Layers that may run in place (element-wise, one input, output the same size as the input). */
const IN_PLACE_LAYERS: ReadonlySet<string> = new Set([
  "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "HardSwish", "HardSigmoid", "Softmax",
  "Dropout", "SpatialDropout1D", "AlphaDropout", "GaussianDropout", "GaussianNoise", "Flatten", "Reshape", "Rescaling",
]);

/** Conv and dense layers: MACs from their kernels, int8 per-channel kernels, and batch-norm can fold into them. */
const FOLD_TARGETS: ReadonlySet<string> = new Set(["Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "Conv2DTranspose"]);
const WEIGHTED_ZERO_MAC_LAYERS: ReadonlySet<string> = new Set(["BatchNormalization", "PReLU", "LayerNormalization", "Embedding"]);

// Minimal views of tfjs-layers internals (Node, Container.nodesByDepth) that the public typings hide.
interface GraphNode {
  outboundLayer: tf.layers.Layer;
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}
interface ContainerInternals {
  nodesByDepth: { [depth: string]: GraphNode[] };
  built: boolean;
  build(shape?: tf.Shape): void;
}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function concreteShape(t: tf.SymbolicTensor, where: string): number[] {
  const dims = t.shape.slice(1);
  if (dims.some((d) => d == null)) {
    throw new RangeError(`profileModel: ${where} has an unknown dimension in shape ${JSON.stringify(t.shape)}; the profiler needs fixed input sizes`);
  }
  return dims as number[];
}

const sizeOf = (w: tf.LayerVariable): number => product(w.shape as number[]);

function weightByName(layer: tf.layers.Layer, suffix: string): tf.LayerVariable | undefined {
  return layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.name.endsWith(`/${suffix}`));
}

/** Nodes of a model in execution order (deepest first), building a Sequential if it is not built yet. */
function nodesInOrder(model: tf.LayersModel): GraphNode[] {
  const internals = model as unknown as ContainerInternals;
  if (model instanceof tf.Sequential && !internals.built) internals.build();
  const byDepth = internals.nodesByDepth;
  if (!byDepth || Object.keys(byDepth).length === 0) {
    throw new RangeError(`profileModel: model "${model.name}" has no graph (an empty or unbuilt model); add layers with a known input shape first`);
  }
  const depths = Object.keys(byDepth).map(Number).sort((a, b) => b - a);
  return depths.flatMap((d) => byDepth[String(d)]);
}

/** MACs of one call of a layer, from its weight shapes and the node's real input/output shapes. */
function layerMacs(layer: tf.layers.Layer, node: GraphNode): number {
  const cls = layer.getClassName();
  const outShape = concreteShape(node.outputTensors[0], `output of layer "${layer.name}"`);
  const outElements = product(outShape);
  const kernel = weightByName(layer, "kernel");
  switch (cls) {
    case "Dense": // kernel [in, units]; one in*units per position
    case "Conv1D": // kernel [k, cIn, cOut]
    case "Conv2D": { // kernel [kh, kw, cIn, cOut]
      if (!kernel) throw new Error(`profileModel: layer "${layer.name}" (${cls}) has no kernel weight`);
      const ks = kernel.shape as number[];
      return outElements * (product(ks) / ks[ks.length - 1]);
    }
    case "Conv2DTranspose": { // kernel [kh, kw, cOut, cIn]: each input pixel scatters kh*kw*cOut products
      if (!kernel) throw new Error(`profileModel: layer "${layer.name}" (${cls}) has no kernel weight`);
      const ks = kernel.shape as number[];
      const inShape = concreteShape(node.inputTensors[0], `input of layer "${layer.name}"`);
      return product(inShape.slice(0, -1)) * product(ks);
    }
    case "DepthwiseConv2D": { // depthwise_kernel [kh, kw, cIn, dm]: kh*kw products per output element
      const dk = weightByName(layer, "depthwise_kernel");
      if (!dk) throw new Error(`profileModel: layer "${layer.name}" (${cls}) has no depthwise_kernel weight`);
      const ks = dk.shape as number[];
      return outElements * ks[0] * ks[1];
    }
    case "SeparableConv2D": { // depthwise over the (strided) output grid, then pointwise
      const dk = weightByName(layer, "depthwise_kernel");
      const pk = weightByName(layer, "pointwise_kernel");
      if (!dk || !pk) throw new Error(`profileModel: layer "${layer.name}" (${cls}) lacks depthwise_kernel or pointwise_kernel`);
      const [kh, kw, cIn, dm] = dk.shape as number[];
      const cOut = (pk.shape as number[])[3];
      const positions = outElements / cOut;
      return positions * cIn * dm * kh * kw + positions * cIn * dm * cOut;
    }
    default:
      if (WEIGHTED_ZERO_MAC_LAYERS.has(cls)) return 0;
      if (PARAMETER_FREE_LAYERS.has(cls)) {
        if (layer.weights.length > 0) {
          throw new Error(`profileModel: layer "${layer.name}" (${cls}) is listed as parameter-free but has ${layer.weights.length} weights`);
        }
        return 0;
      }
      throw new Error(
        `profileModel: cannot cost layer "${layer.name}" of class ${cls}: the profiler knows ` +
          `${[...FOLD_TARGETS, ...WEIGHTED_ZERO_MAC_LAYERS].join(", ")} and the parameter-free layers ` +
          `${[...PARAMETER_FREE_LAYERS].join(", ")}`,
      );
  }
}

/** Number of output channels of a kernel weight (last axis; for depthwise kernels cIn * dm). */
function kernelOutChannels(name: string, shape: number[]): number {
  if (name.endsWith("depthwise_kernel")) return shape[2] * shape[3];
  return shape[shape.length - 1];
}

/** Flash bytes of a non-BN layer's weights at float32 and int8 (see the header for the convention). */
function layerFlash(layer: tf.layers.Layer): Bytes {
  const cls = layer.getClassName();
  let float32 = 0;
  let int8 = 0;
  for (const w of layer.weights) {
    const n = sizeOf(w);
    float32 += 4 * n;
    const short = w.originalName.split("/").pop() ?? w.originalName;
    if (FOLD_TARGETS.has(cls) && short.endsWith("kernel")) {
      const shape = w.shape as number[];
      const outC = cls === "Conv2DTranspose" ? shape[2] : kernelOutChannels(short, shape);
      int8 += n + 4 * outC;
    } else if (FOLD_TARGETS.has(cls) && short === "bias") {
      int8 += 4 * n;
    } else {
      int8 += n + 4;
    }
  }
  return { float32, int8 };
}

/** One layer call in the flattened graph; tensors are named by keys unique across nested models. */
interface Op {
  layer: tf.layers.Layer;
  node: GraphNode;
  /** Display name: nested layers are prefixed with their model's name ("inner/conv"). */
  name: string;
  inputs: string[];
  outputs: string[];
}

/**
 * Flattens a model into layer calls in execution order, inlining nested models: a nested model's inputs
 * and outputs are bound to the outer tensors of its call, so its layers are scheduled (and their tensors
 * kept live) exactly as if they were part of the outer graph.
 */
function flatten(model: tf.LayersModel, namePrefix: string, bound: Map<number, string>, ops: Op[], scope: { next: number }): void {
  const scopeId = scope.next++;
  const key = (t: tf.SymbolicTensor): string => bound.get(t.id) ?? `${scopeId}#${t.id}`;
  for (const node of nodesInOrder(model)) {
    const layer = node.outboundLayer;
    if (layer.getClassName() === "InputLayer") {
      if (scopeId === 0) ops.push({ layer, node, name: layer.name, inputs: [], outputs: node.outputTensors.map(key) });
      continue; // a nested model's input is the outer tensor it is called on
    }
    if (layer instanceof tf.LayersModel) {
      const inner = new Map<number, string>();
      layer.inputs.forEach((t, i) => inner.set(t.id, key(node.inputTensors[i])));
      layer.outputs.forEach((t, i) => inner.set(t.id, key(node.outputTensors[i])));
      flatten(layer, `${namePrefix}${layer.name}/`, inner, ops, scope);
      continue;
    }
    ops.push({ layer, node, name: namePrefix + layer.name, inputs: node.inputTensors.map(key), outputs: node.outputTensors.map(key) });
  }
}

interface Buffer {
  id: number;
  elements: number;
  /** Name of the layer whose output currently occupies the buffer. */
  label: string;
  /** Step index of the last reader (at least the step that wrote it); Infinity for model outputs. */
  lastUse: number;
}

/** Profiles a LayersModel. Throws for layer classes it cannot cost, naming the class. */
export function profileModel(model: tf.LayersModel, options: ProfileOptions = {}): ModelProfile {
  const opts: Required<ProfileOptions> = { inPlace: options.inPlace ?? true, foldBatchNorm: options.foldBatchNorm ?? true };
  const ops: Op[] = [];
  flatten(model, "", new Map(), ops, { next: 0 });
  const outputKeys = new Set(model.outputs.map((t) => `0#${t.id}`));
  const consumers = new Map<string, number[]>();
  const producer = new Map<string, Op>();
  ops.forEach((op, step) => {
    for (const k of op.inputs) consumers.set(k, [...(consumers.get(k) ?? []), step]);
    for (const k of op.outputs) producer.set(k, op);
  });
  const lastUseOf = (k: string, step: number): number => (outputKeys.has(k) ? Infinity : Math.max(step, ...(consumers.get(k) ?? [])));
  const onlyReader = (k: string): boolean => (consumers.get(k) ?? []).length === 1 && !outputKeys.has(k);

  const layers: LayerProfile[] = [];
  const timeline: RamStep[] = [];
  const bufferOf = new Map<string, Buffer>();
  const seenLayers = new Set<tf.layers.Layer>();
  let nextBuffer = 0;

  ops.forEach((op, step) => {
    const { layer, node, name } = op;
    const cls = layer.getClassName();
    const outputShapes = node.outputTensors.map((t) => concreteShape(t, `output of layer "${name}"`));

    // --- Memory: a new buffer per output, or (in place) the input's buffer taken over.
    const inKey = op.inputs[0];
    const canAlias =
      opts.inPlace && IN_PLACE_LAYERS.has(cls) && op.inputs.length === 1 && op.outputs.length === 1 && onlyReader(inKey) &&
      producer.get(inKey)?.layer.getClassName() !== "InputLayer" &&
      product(concreteShape(node.inputTensors[0], `input of layer "${name}"`)) === product(outputShapes[0]);
    op.outputs.forEach((k, i) => {
      const reused = canAlias ? bufferOf.get(inKey) : undefined;
      if (reused) {
        reused.lastUse = lastUseOf(k, step);
        reused.label = name;
        bufferOf.set(k, reused);
      } else {
        bufferOf.set(k, { id: nextBuffer++, elements: product(outputShapes[i]), label: name, lastUse: lastUseOf(k, step) });
      }
    });
    const live = [...new Set(bufferOf.values())].filter((b) => b.lastUse >= step);
    timeline.push({ layer: name, liveElements: live.reduce((s, b) => s + b.elements, 0), live: live.map((b) => b.label) });

    // --- Cost. A layer called several times (shared) has its weights counted at the first call only.
    const first = !seenLayers.has(layer);
    seenLayers.add(layer);
    const params: ParamCounts = first
      ? {
          trainable: layer.trainableWeights.reduce((s, w) => s + sizeOf(w), 0),
          nonTrainable: layer.nonTrainableWeights.reduce((s, w) => s + sizeOf(w), 0),
          total: layer.countParams(),
        }
      : { trainable: 0, nonTrainable: 0, total: 0 };
    let flash: Bytes = { float32: 0, int8: 0 };
    let note: string | undefined = first ? undefined : "shared layer: weights counted at its first call";
    if (first && cls === "BatchNormalization") {
      const c = sizeOf(layer.weights[0]);
      const target = producer.get(inKey)?.layer;
      if (opts.foldBatchNorm && target && FOLD_TARGETS.has(target.getClassName()) && onlyReader(inKey)) {
        const hasBias = weightByName(target, "bias") !== undefined;
        flash = hasBias ? { float32: 0, int8: 0 } : { float32: 4 * c, int8: 4 * c };
        note = `folded into ${producer.get(inKey)?.name}${hasBias ? "" : ` (adds a bias of ${c})`}`;
      } else {
        flash = { float32: 8 * c, int8: 2 * c + 8 };
        note = "not folded: stored as per-channel multiplier and offset";
      }
    } else if (first) {
      flash = layerFlash(layer);
    }
    layers.push({
      name, className: cls, outputShapes, params, macs: layerMacs(layer, node), flash,
      outputElements: outputShapes.reduce((s, sh) => s + product(sh), 0), note,
    });
  });

  const sum = (f: (l: LayerProfile) => number): number => layers.reduce((s, l) => s + f(l), 0);
  const peak = timeline.reduce((best, s) => (s.liveElements > best.liveElements ? s : best), timeline[0]);
  const result: ModelProfile = {
    name: model.name,
    layers,
    totals: {
      params: { trainable: sum((l) => l.params.trainable), nonTrainable: sum((l) => l.params.nonTrainable), total: sum((l) => l.params.total) },
      macs: sum((l) => l.macs),
      flash: { float32: sum((l) => l.flash.float32), int8: sum((l) => l.flash.int8) },
      peakRam: { float32: 4 * peak.liveElements, int8: peak.liveElements },
      peakElements: peak.liveElements,
      peakLayer: peak.layer,
    },
    ramTimeline: timeline,
    options: opts,
  };
  const expected = model.countParams();
  if (result.totals.params.total !== expected) {
    throw new Error(`profileModel: internal error, counted ${result.totals.params.total} parameters but model.countParams() is ${expected}`);
  }
  return result;
}
