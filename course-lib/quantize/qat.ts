// Quantization-aware training (QAT): fine-tune a float model while its forward pass sees quantized weights
// and activations, so that it learns weights that survive quantization. Trained with the course's own loop
// (course-lib/train/fit.ts); the result converts with quantizeModel() to the same int8 QuantizedGraph as PTQ.
//
// Weights: straight-through estimator (STE) with float "shadow" weights. Each kernel variable holds
// fakeQuant(shadow) during the forward/backward pass; after each optimizer step (fit's onBatchEnd hook) the
// step the optimizer made to the kernel is added to the shadow, and the kernel is reloaded with
// fakeQuant(shadow). So gradients are computed at the quantized weights but accumulate in float, exactly
// the STE's "gradient of the rounding = 1" (small steps are not lost to rounding).
// Activations: FakeQuantActivation layers after every tensor the int8 graph stores with parameters of its
// own, read off quantizeModel's plan of the same model (planPlacement below: the model input and each layer
// output except those that keep their input's parameters, such as pad, pooling and reshape, or that a
// fused ReLU replaces; logistic/tanh outputs at their pinned parameters). Any DAG of layers applied once
// works (residual Add, squeeze-excite Multiply, Concatenate): the graph is rebuilt in dependency order from
// the layers' inbound nodes. BatchNormalization must be folded first (fold.ts: foldBatchNormLayers), so
// that QAT quantizes the kernels the int8 graph holds; the ranges are then keyed by the folded model's
// names, for quantizeModel(qat.model, { calibration, activationRanges }).
// Each learned range is an exponential moving average of the batch min/max
// (TFMOT's MovingAverageQuantizer; here started at the first training batch and decay 0.95 by default,
// since our fine-tunes are tens to hundreds of steps, not TFMOT's thousands at 0.999), quantizes
// asymmetrically with TFLite's scale/zero point, and passes gradients by TF's clipped STE
// (FakeQuantWithMinMaxVarsGradient): dL/dx = dL/dy inside the representable range, 0 outside.
import * as tf from "@tensorflow/tfjs";
import type { Range } from "./calibrate";
import { cloneModel, fakeQuantizeAsymmetric, fakeQuantizeKernel, KERNEL_NAMES, type FakeQuantScheme, type FakeQuantWeightsOptions } from "./fake-quant";
import { quantizationPlan } from "./quantize-model";
import { crossEntropyFromLogits } from "../compress/distill/loss";
import { fitWithProgress, type FitOptions, type FitResult, type LabelledData } from "../train/fit";


// ---------------------------------------------------------------------------------------------------------
// Activation fake-quant layer

/**
 * Quantize-dequantize with a clipped straight-through gradient: the value is fakeQuant(x) into [lo, hi],
 * the gradient passes where nudgedMin ≤ x ≤ nudgedMax and is 0 elsewhere (lo and hi get no gradient).
 */
export function fakeQuantWithClippedSte(x: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor, bits: number): tf.Tensor {
  // customGrad's typing has a fixed arity; the function takes (x, lo, hi, save).
  const f = tf.customGrad(((xIn: tf.Tensor, loIn: tf.Tensor, hiIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const { values, nudgedMin, nudgedMax } = fakeQuantizeAsymmetric(xIn, loIn, hiIn, bits);
    const inside = tf.logicalAnd(tf.greaterEqual(xIn, nudgedMin), tf.lessEqual(xIn, nudgedMax)).toFloat();
    save([inside, loIn, hiIn]);
    return {
      value: values,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0]), tf.zerosLike(saved[1]), tf.zerosLike(saved[2])],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor)(x, lo, hi);
}

export interface FakeQuantActivationArgs {
  bits?: number;
  /** EMA decay of the range (default 0.95). */
  decay?: number;
  /**
   * A fixed range, never updated by training: for tensors whose int8 parameters an op pins (a logistic
   * output is [0, 255/256], i.e. scale 1/256, zero point −128).
   */
  range?: Range;
  name?: string;
}

/**
 * Simulates an int8 (or narrower) activation tensor. Before its first training batch it has no range and
 * passes values through unchanged; train (or call `setRange`) before reading its output as quantized.
 */
export class FakeQuantActivation extends tf.layers.Layer {
  static className = "FakeQuantActivation";
  readonly bits: number;
  readonly decay: number;
  readonly fixedRange: Range | null;
  private minVar!: tf.LayerVariable;
  private maxVar!: tf.LayerVariable;
  private initializedVar!: tf.LayerVariable;

  constructor(args: FakeQuantActivationArgs = {}) {
    super({ name: args.name, trainable: false });
    this.bits = args.bits ?? 8;
    this.decay = args.decay ?? 0.95;
    this.fixedRange = args.range ? [args.range[0], args.range[1]] : null;
    if (!Number.isInteger(this.bits) || this.bits < 2 || this.bits > 8) throw new RangeError(`FakeQuantActivation: bits must be an integer from 2 to 8, got ${this.bits}`);
    if (!(this.decay >= 0 && this.decay < 1)) throw new RangeError(`FakeQuantActivation: decay must be in [0, 1), got ${this.decay}`);
    const r = this.fixedRange;
    if (r && !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] <= r[1])) throw new RangeError(`FakeQuantActivation: range must be [min, max] with finite min <= max, got ${JSON.stringify(args.range)}`);
  }

  override build(): void {
    const zeros = tf.initializers.zeros();
    const r = this.fixedRange;
    const constant = (v: number) => (r ? tf.initializers.constant({ value: v }) : zeros);
    this.minVar = this.addWeight("range_min", [], "float32", constant(r ? r[0] : 0), undefined, false);
    this.maxVar = this.addWeight("range_max", [], "float32", constant(r ? r[1] : 0), undefined, false);
    this.initializedVar = this.addWeight("initialized", [], "float32", constant(1), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs && kwargs.training && !this.fixedRange) {
        const init = this.initializedVar.read();
        const d = this.decay;
        const ema = (v: tf.Tensor, batch: tf.Tensor) => tf.add(tf.mul(init, tf.add(tf.mul(v, d), tf.mul(batch, 1 - d))), tf.mul(tf.sub(1, init), batch));
        this.minVar.write(ema(this.minVar.read(), tf.min(x)));
        this.maxVar.write(ema(this.maxVar.read(), tf.max(x)));
        this.initializedVar.write(tf.onesLike(init));
      }
      const init = this.initializedVar.read();
      const q = fakeQuantWithClippedSte(x, this.minVar.read(), this.maxVar.read(), this.bits);
      return tf.add(tf.mul(init, q), tf.mul(tf.sub(1, init), x));
    });
  }

  /** The tracked range, widened to contain 0 as the quantizer uses it; null before any training batch. */
  range(): Range | null {
    if (this.initializedVar.read().dataSync()[0] !== 1) return null;
    const lo = this.minVar.read().dataSync()[0], hi = this.maxVar.read().dataSync()[0];
    return [Math.min(lo, 0), Math.max(hi, 0)];
  }

  setRange(range: Range): void {
    if (this.fixedRange) throw new Error(`FakeQuantActivation "${this.name}": its range is fixed at [${this.fixedRange}]`);
    this.minVar.write(tf.scalar(range[0]));
    this.maxVar.write(tf.scalar(range[1]));
    this.initializedVar.write(tf.scalar(1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bits: this.bits, decay: this.decay, ...(this.fixedRange ? { range: [...this.fixedRange] } : {}) };
  }
}
tf.serialization.registerClass(FakeQuantActivation);

// ---------------------------------------------------------------------------------------------------------
// The QAT training graph

/** A loss for model.compile: a tfjs loss name or (yTrue, yPred) → loss. */
export type QatLoss = string | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor);

export interface QatOptions {
  /** Weight bit width, 2..8. */
  weightBits: number;
  /** Weight level set (default "uniform"). */
  weightScheme?: FakeQuantScheme;
  /** Weight scales per output channel (default, as TFLite's conv) or per tensor. */
  granularity?: "per-channel" | "per-tensor";
  /**
   * Dense kernels' granularity (default: `granularity`). quantizeModel quantizes dense kernels per tensor
   * unless told `denseWeights: "per-channel"`; match the two to simulate the deployed head exactly.
   */
  denseGranularity?: "per-channel" | "per-tensor";
  /** Activation bit width 2..8 (default 8), or null to leave activations float (weight-only QAT). */
  activationBits?: number | null;
  /** EMA decay of the activation ranges (default 0.95). */
  emaDecay?: number;
  /** Optimizer of the fine-tune (default Adam, learning rate 1e-3). */
  optimizer?: tf.Optimizer;
  /**
   * Loss. Default: categoricalCrossentropy (one-hot labels) when the model ends in a softmax or another
   * activation; crossEntropyFromLogits (compress/distill/loss.ts) when its output has no activation (logits,
   * e.g. PhiNet's and XiNet's dense head), or when `fromLogits` is true.
   */
  loss?: QatLoss;
  /** The output is logits: default loss crossEntropyFromLogits (see `loss`). Default: detected from the output layer. */
  fromLogits?: boolean;
}

const IDENTITY_LAYERS = new Set(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Flatten", "Reshape"]);
/** int8 parameters TFLite pins (quantize-model.ts): logistic and softmax (1/256, −128), tanh (1/128, 0), as real ranges. */
const PINNED_RANGES: Record<string, Range> = { sigmoid: [0, 255 / 256], softmax: [0, 255 / 256], tanh: [-1, 127 / 128] };

function activationName(layer: tf.layers.Layer): string | null {
  const cls = layer.getClassName();
  if (cls === "ReLU") return "relu";
  if (cls === "Softmax") return "softmax";
  const config = layer.getConfig() as { activation?: unknown };
  return typeof config.activation === "string" ? config.activation : null;
}

interface NodeView {
  inboundLayers: tf.layers.Layer[];
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
  callArgs?: tf.serialization.ConfigDict;
}

/** The one node of `layer` in the model: QAT rebuilds the graph from it, so shared layers are refused. */
function nodeOf(layer: tf.layers.Layer): NodeView {
  const nodes = (layer as unknown as { inboundNodes: NodeView[] }).inboundNodes;
  if (layer instanceof tf.LayersModel) throw new Error(`prepareQat: layer "${layer.name}" is a nested model; build the network as one flat functional or Sequential model`);
  if (nodes.length !== 1) {
    throw new Error(`prepareQat: layer "${layer.name}" (${layer.getClassName()}) is applied ${nodes.length} times; expected once (shared layers have no int8 mapping; a model whose layers already feed another model, such as an earlier QAT session's trainingModel, counts too: QAT its finish() copy instead)`);
  }
  if (nodes[0].outputTensors.length !== 1) throw new Error(`prepareQat: layer "${layer.name}" (${layer.getClassName()}) has ${nodes[0].outputTensors.length} outputs; expected 1`);
  return nodes[0];
}

/** The activation the model output comes out of, looking through dropout/reshape: "linear" for logits. */
function outputActivation(model: tf.LayersModel): string {
  let layer = model.outputs[0].sourceLayer as tf.layers.Layer;
  while (IDENTITY_LAYERS.has(layer.getClassName()) || (layer.getClassName() === "Activation" && activationName(layer) === "linear")) {
    const inbound = nodeOf(layer).inboundLayers;
    if (inbound.length !== 1) break;
    layer = inbound[0];
  }
  if (layer.getClassName() === "InputLayer") return "linear";
  const a = activationName(layer);
  return a ?? (["HardSwish", "HardSigmoid"].includes(layer.getClassName()) ? layer.getClassName() : "linear");
}

/**
 * Where the training graph fake-quantizes, read off quantizeModel's own plan of the same model (so the rules
 * are the int8 graph's, not a copy of them):
 * - learned: every tensor that gets its own calibrated parameters and is a layer's output (or the input):
 *   conv/depthwise/dense outputs (after a fused ReLU/ReLU6: the ReLU's output instead), hard-swish, the
 *   multiply of SE and attention, the residual add, global pooling, swish outputs;
 * - none: tensors that keep their input's parameters (pad, max/average pool, reshape/flatten, dropout,
 *   a standalone ReLU), and an op's output that a fused ReLU/ReLU6 replaces;
 * - fixed: logistic/tanh/softmax outputs, whose parameters TFLite pins, at those parameters; except the
 *   model output (the loss reads it; quantizing a softmax output would only coarsen the loss);
 * - lowered activations: swish (an Activation layer) is rebuilt as sigmoid → fixed fake-quant → multiply,
 *   as the int8 graph's LOGISTIC then MUL; hard-swish is one HARD_SWISH op (no inner tensor); hard-sigmoid's
 *   inner relu6(x + 3) tensor gets 6× the output's scale, so it adds no rounding of its own and only the
 *   output is simulated.
 * Not simulated (quantizeModel calibrates them): tensors inside one layer, e.g. a dense+softmax layer's
 * logits (":linear"), a separable conv's depthwise output, partial sums of a 3-input Add. Concatenation
 * inputs share the output's parameters in int8 (the union of their ranges); here each keeps its own range.
 */
function planPlacement(model: tf.LayersModel): { learned: Set<string>; fixed: Map<string, Range>; swish: Set<string> } {
  let plan: ReturnType<typeof quantizationPlan>;
  try {
    plan = quantizationPlan(model);
  } catch (e) {
    throw new Error(`prepareQat: model "${model.name}" has no int8 graph to simulate: ${(e as Error).message}`);
  }
  // A Sequential's model.layers omits its InputLayer.
  const layerNames = new Set([model.inputs[0].sourceLayer.name, ...model.layers.map((l) => l.name)]);
  const learned = new Set(plan.calibrated.filter((name) => layerNames.has(name)));
  const pinned = new Set(plan.pinned);
  const outputs = new Set(model.outputs.map((t) => t.id));
  const fixed = new Map<string, Range>();
  const swish = new Set<string>();
  for (const layer of model.layers) {
    const act = activationName(layer);
    if (act && PINNED_RANGES[act] && pinned.has(layer.name) && !outputs.has(nodeOf(layer).outputTensors[0].id)) fixed.set(layer.name, PINNED_RANGES[act]);
    if (layer.getClassName() === "Activation" && act === "swish" && pinned.has(`${layer.name}:sigmoid`)) {
      swish.add(layer.name);
      fixed.set(`${layer.name}:sigmoid`, PINNED_RANGES.sigmoid);
    }
  }
  return { learned, fixed, swish };
}

/** Which tensors the training graph fake-quantizes (names as quantizeModel's activationRanges takes them). */
export interface QatPlacement {
  /** Tensors with a learned (moving-average) range, in graph order: the keys of activationRanges(). */
  learned: string[];
  /** Tensors simulated at the parameters TFLite pins (logistic/tanh/softmax outputs inside the network). */
  fixed: Record<string, Range>;
}

export interface QatSession {
  /** The model being trained, with its original layers (shared with `trainingModel`) and names. */
  model: tf.LayersModel;
  /** model with FakeQuantActivation layers inserted: train and evaluate this one. */
  trainingModel: tf.LayersModel;
  /** Where the fake-quant layers are (empty with activationBits null). */
  placement: QatPlacement;
  /** Fine-tunes with fitWithProgress, re-quantizing the weights after every step. */
  fit(train: LabelledData, options: FitOptions): Promise<FitResult>;
  /**
   * The learned activation ranges, keyed by the names quantizeModel gives the tensors of `model` (the tfjs
   * layer whose output the tensor is; the input layer's name for the input), for its activationRanges
   * option when quantizing `model` or finish()'s copy (same names).
   */
  activationRanges(): Record<string, Range>;
  /**
   * Frees the shadow weights and returns a copy of `model` holding the quantized kernels (its layers are
   * applied once, as quantizeModel requires; `model`'s own layers are shared with `trainingModel`).
   */
  finish(): tf.LayersModel;
}

interface KernelEntry {
  layerName: string;
  layerClass: string;
  weightName: string;
  variable: tf.LayerVariable;
  shadow: tf.Tensor;
  quantized: tf.Tensor;
  options: FakeQuantWeightsOptions;
}

/**
 * Sets up QAT of `model`, a functional or Sequential model with one input and one output whose layers
 * are each applied once (BatchNormalization folded first: foldBatchNormLayers in fold.ts): rebuilds its
 * graph from the same layer objects with activation fake-quant layers where the int8 graph stores a tensor
 * (planPlacement above), compiles it, and loads quantized kernels.
 * Call `.fit(...)` (as often as you like), then `.activationRanges()` and `.finish()`.
 */
export function prepareQat(model: tf.LayersModel, options: QatOptions): QatSession {
  const weightScheme = options.weightScheme ?? "uniform";
  const granularity = options.granularity ?? "per-channel";
  const weightOptions = { bits: options.weightBits, scheme: weightScheme, granularity } as const;
  const denseOptions = { ...weightOptions, granularity: options.denseGranularity ?? granularity } as const;
  for (const [k, v] of [["granularity", granularity], ["denseGranularity", denseOptions.granularity]] as const) {
    if (v !== "per-channel" && v !== "per-tensor") throw new RangeError(`prepareQat: ${k} must be "per-channel" or "per-tensor", got ${JSON.stringify(v)}`);
  }
  const activationBits = options.activationBits === undefined ? 8 : options.activationBits;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`prepareQat: the model must have one input and one output, "${model.name}" has ${model.inputs.length} and ${model.outputs.length}`);

  // 1. The training graph: the same layer objects (so the same variables) with fake-quant layers between,
  //    applied in dependency order from each layer's inbound node (so Add/Multiply/Concatenate get theirs).
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  for (const layer of layers) {
    if (layer.getClassName() === "BatchNormalization") {
      throw new Error(`prepareQat: layer "${layer.name}" is BatchNormalization; QAT quantizes the kernels the int8 graph holds, which are folded: train foldBatchNormLayers(model) (course-lib/quantize/fold.ts) instead`);
    }
    nodeOf(layer);
  }
  const placement = activationBits === null ? { learned: new Set<string>(), fixed: new Map<string, Range>(), swish: new Set<string>() } : planPlacement(model);
  const inputLayerName = model.inputs[0].sourceLayer.name;
  const fakeQuants = new Map<string, FakeQuantActivation>();
  const addFakeQuant = (x: tf.SymbolicTensor, name: string, range?: Range) => {
    if (activationBits === null) return x;
    // Tensor names such as "act:sigmoid" are not valid tfjs layer names.
    const fq = new FakeQuantActivation({ bits: activationBits, decay: options.emaDecay, name: `${name.replace(/[^A-Za-z0-9_.\-/]/g, "_")}_fakequant`, range });
    fakeQuants.set(name, fq);
    return fq.apply(x) as tf.SymbolicTensor;
  };
  const quantizeOutput = (x: tf.SymbolicTensor, name: string) => {
    if (placement.learned.has(name)) return addFakeQuant(x, name);
    const range = placement.fixed.get(name);
    return range ? addFakeQuant(x, name, range) : x;
  };
  const input = tf.input({ shape: model.inputs[0].shape.slice(1) as number[] });
  const mapped = new Map<number, tf.SymbolicTensor>([[model.inputs[0].id, quantizeOutput(input, inputLayerName)]]);
  const pending = [...layers];
  while (pending.length > 0) {
    const i = pending.findIndex((l) => nodeOf(l).inputTensors.every((t) => mapped.has(t.id)));
    if (i < 0) throw new Error(`prepareQat: layers ${pending.map((l) => `"${l.name}"`).join(", ")} are not reachable from the input`);
    const layer = pending.splice(i, 1)[0];
    const node = nodeOf(layer);
    const ins = node.inputTensors.map((t) => mapped.get(t.id) as tf.SymbolicTensor);
    let y: tf.SymbolicTensor;
    if (placement.swish.has(layer.name)) {
      // x·σ(x) with σ(x) quantized as the int8 LOGISTIC output is (the layer has no weights to share).
      const sigmoid = tf.layers.activation({ activation: "sigmoid", name: `${layer.name}_qat_sigmoid` }).apply(ins[0]) as tf.SymbolicTensor;
      const gate = quantizeOutput(sigmoid, `${layer.name}:sigmoid`);
      y = tf.layers.multiply({ name: `${layer.name}_qat_mul` }).apply([ins[0], gate]) as tf.SymbolicTensor;
    } else {
      y = layer.apply(ins.length === 1 ? ins[0] : ins, node.callArgs) as tf.SymbolicTensor;
    }
    mapped.set(node.outputTensors[0].id, quantizeOutput(y, layer.name));
  }
  const trainingModel = tf.model({ inputs: input, outputs: mapped.get(model.outputs[0].id) as tf.SymbolicTensor, name: `${model.name}_qat` });
  const act = outputActivation(model);
  if (options.fromLogits === true && act === "softmax") throw new RangeError(`prepareQat: fromLogits is true, but the output of "${model.name}" is a softmax (probabilities); drop fromLogits or the softmax`);
  const fromLogits = options.fromLogits ?? act === "linear";
  trainingModel.compile({
    optimizer: options.optimizer ?? tf.train.adam(1e-3),
    loss: options.loss ?? (fromLogits ? crossEntropyFromLogits : "categoricalCrossentropy"),
    metrics: ["accuracy"],
  });

  // 2. Kernels: shadow (float) copies, and the quantized values loaded into the variables.
  const kernels: KernelEntry[] = [];
  for (const layer of layers) {
    const names = KERNEL_NAMES[layer.getClassName()];
    if (!names) continue;
    for (const w of layer.weights) {
      const weightName = w.originalName.split("/").pop() as string;
      if (!names.includes(weightName)) continue;
      const variable = w as tf.LayerVariable;
      const shadow = tf.keep(variable.read().clone());
      const kernelOptions = layer.getClassName() === "Dense" ? denseOptions : weightOptions;
      const quantized = tf.keep(fakeQuantizeKernel(shadow, layer.getClassName(), weightName, kernelOptions));
      variable.write(quantized);
      kernels.push({ layerName: layer.name, layerClass: layer.getClassName(), weightName, variable, shadow, quantized, options: kernelOptions });
    }
  }
  if (!kernels.length) throw new Error(`prepareQat: model "${model.name}" has no dense or convolution kernels to quantize`);

  const afterStep = () => {
    tf.tidy(() => {
      for (const k of kernels) {
        // The optimizer's step, made at the quantized point, goes to the float shadow.
        const shadow = tf.keep(tf.add(k.shadow, tf.sub(k.variable.read(), k.quantized)));
        const quantized = tf.keep(fakeQuantizeKernel(shadow, k.layerClass, k.weightName, k.options));
        k.variable.write(quantized);
        k.shadow.dispose();
        k.quantized.dispose();
        k.shadow = shadow;
        k.quantized = quantized;
      }
    });
  };
  let finished = false;
  const fixedRanges: Record<string, Range> = {};
  const learned: string[] = [];
  for (const [name, fq] of fakeQuants) {
    if (fq.fixedRange) fixedRanges[name] = fq.fixedRange;
    else learned.push(name);
  }
  return {
    model,
    trainingModel,
    placement: { learned, fixed: fixedRanges },
    fit(train, fitOptions) {
      if (finished) throw new Error("QatSession.fit: finish() was already called");
      return fitWithProgress(trainingModel, train, { ...fitOptions, onBatchEnd: afterStep });
    },
    activationRanges() {
      const ranges: Record<string, Range> = {};
      for (const name of learned) {
        const r = (fakeQuants.get(name) as FakeQuantActivation).range();
        if (!r) throw new Error(`activationRanges: the fake-quant after "${name}" has seen no training batch yet; call fit first`);
        ranges[name] = r;
      }
      return ranges;
    },
    finish() {
      if (finished) throw new Error("QatSession.finish: already called");
      for (const k of kernels) {
        k.shadow.dispose();
        k.quantized.dispose();
      }
      finished = true;
      return cloneModel(model);
    },
  };
}

export interface QatResult {
  /** A copy of the model (same layer names) holding the quantized kernels: give this to quantizeModel. */
  model: tf.LayersModel;
  /** The training graph (with fake-quant layers): its accuracy is the simulated quantized accuracy. */
  trainingModel: tf.LayersModel;
  /** For quantizeModel(model, { calibration, activationRanges }): keyed by `model`'s tensor names. */
  activationRanges: Record<string, Range>;
  placement: QatPlacement;
  fit: FitResult;
}

/**
 * prepareQat + fit + finish in one call: fine-tunes `model` (its variables change) and returns the
 * quantized copy, the training graph and the learned activation ranges.
 */
export async function quantizationAwareTraining(model: tf.LayersModel, train: LabelledData, options: QatOptions & { fit: FitOptions }): Promise<QatResult> {
  const session = prepareQat(model, options);
  const fit = await session.fit(train, options.fit);
  const activationRanges = options.activationBits === null ? {} : session.activationRanges();
  return { model: session.finish(), trainingModel: session.trainingModel, activationRanges, placement: session.placement, fit };
}
