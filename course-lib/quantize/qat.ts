// Quantization-aware training (QAT): fine-tune a float model while its forward pass sees quantized weights
// and activations, so that it learns weights that survive quantization. Trained with the course's own loop
// (course-lib/train/fit.ts); the result converts with quantizeModel() to the same int8 QuantizedGraph as PTQ.
//
// Weights: straight-through estimator (STE) with float "shadow" weights. Each kernel variable holds
// fakeQuant(shadow) during the forward/backward pass; after each optimizer step (fit's onBatchEnd hook) the
// step the optimizer made to the kernel is added to the shadow, and the kernel is reloaded with
// fakeQuant(shadow). So gradients are computed at the quantized weights but accumulate in float, exactly
// the STE's "gradient of the rounding = 1" (small steps are not lost to rounding).
// Activations: FakeQuantActivation layers after every tensor the int8 graph stores (the model input and
// each layer output except those that keep their input's parameters, such as flatten and max pool, or are
// followed by a fusable ReLU). Each tracks its range by an exponential moving average of the batch min/max
// (TFMOT's MovingAverageQuantizer; here started at the first training batch and decay 0.95 by default,
// since our fine-tunes are tens to hundreds of steps, not TFMOT's thousands at 0.999), quantizes
// asymmetrically with TFLite's scale/zero point, and passes gradients by TF's clipped STE
// (FakeQuantWithMinMaxVarsGradient): dL/dx = dL/dy inside the representable range, 0 outside.
import * as tf from "@tensorflow/tfjs";
import type { Range } from "./calibrate";
import { cloneModel, fakeQuantizeAsymmetric, fakeQuantizeKernel, KERNEL_NAMES, type FakeQuantScheme } from "./fake-quant";
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
  private minVar!: tf.LayerVariable;
  private maxVar!: tf.LayerVariable;
  private initializedVar!: tf.LayerVariable;

  constructor(args: FakeQuantActivationArgs = {}) {
    super({ name: args.name, trainable: false });
    this.bits = args.bits ?? 8;
    this.decay = args.decay ?? 0.95;
    if (!Number.isInteger(this.bits) || this.bits < 2 || this.bits > 8) throw new RangeError(`FakeQuantActivation: bits must be an integer from 2 to 8, got ${this.bits}`);
    if (!(this.decay >= 0 && this.decay < 1)) throw new RangeError(`FakeQuantActivation: decay must be in [0, 1), got ${this.decay}`);
  }

  override build(): void {
    const zeros = tf.initializers.zeros();
    this.minVar = this.addWeight("range_min", [], "float32", zeros, undefined, false);
    this.maxVar = this.addWeight("range_max", [], "float32", zeros, undefined, false);
    this.initializedVar = this.addWeight("initialized", [], "float32", zeros, undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs && kwargs.training) {
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
    this.minVar.write(tf.scalar(range[0]));
    this.maxVar.write(tf.scalar(range[1]));
    this.initializedVar.write(tf.scalar(1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bits: this.bits, decay: this.decay };
  }
}
tf.serialization.registerClass(FakeQuantActivation);

// ---------------------------------------------------------------------------------------------------------
// The QAT training graph

export interface QatOptions {
  /** Weight bit width, 2..8. */
  weightBits: number;
  /** Weight level set (default "uniform"). */
  weightScheme?: FakeQuantScheme;
  /** Weight scales per output channel (default, as TFLite's conv) or per tensor. */
  granularity?: "per-channel" | "per-tensor";
  /** Activation bit width 2..8 (default 8), or null to leave activations float (weight-only QAT). */
  activationBits?: number | null;
  /** EMA decay of the activation ranges (default 0.95). */
  emaDecay?: number;
  /** Optimizer of the fine-tune (default Adam, learning rate 1e-3). */
  optimizer?: tf.Optimizer;
  /** Loss (default categoricalCrossentropy, for one-hot labels and a softmax output). */
  loss?: string;
}

/** Layers whose output int8 keeps at their input's parameters (TFLite): no fake-quant of their own. */
const KEEPS_INPUT_PARAMS = new Set(["Flatten", "Reshape", "Dropout", "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D"]);

function activationName(layer: tf.layers.Layer): string | null {
  const cls = layer.getClassName();
  if (cls === "ReLU") return "relu";
  const config = layer.getConfig() as { activation?: unknown };
  return cls === "Activation" || typeof config.activation === "string" ? (config.activation as string) : null;
}

/** A layer the int8 graph fuses into the op before it as an output clamp. */
function isFusableActivation(layer: tf.layers.Layer | undefined): boolean {
  if (!layer) return false;
  const cls = layer.getClassName();
  if (cls === "ReLU") return (layer.getConfig() as { maxValue?: number | null }).maxValue == null || (layer.getConfig() as { maxValue?: number }).maxValue === 6;
  return cls === "Activation" && ["relu", "relu6"].includes(activationName(layer) as string);
}

export interface QatSession {
  /** The model being trained, with its original layers (shared with `trainingModel`) and names. */
  model: tf.LayersModel;
  /** model with FakeQuantActivation layers inserted: train and evaluate this one. */
  trainingModel: tf.LayersModel;
  /** Fine-tunes with fitWithProgress, re-quantizing the weights after every step. */
  fit(train: LabelledData, options: FitOptions): Promise<FitResult>;
  /**
   * The learned activation ranges, keyed as calibrateActivations keys them (the tfjs layer whose output
   * the tensor is; the input layer's name for the input), for quantizeModel's activationRanges.
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
}

/**
 * Sets up QAT of `model` (a chain of layers, e.g. a tf.sequential; BatchNormalization must be folded
 * first): inserts activation fake-quant layers, compiles the training graph, and loads quantized kernels.
 * Call `.fit(...)` (as often as you like), then `.activationRanges()` and `.finish()`.
 */
export function prepareQat(model: tf.LayersModel, options: QatOptions): QatSession {
  const weightScheme = options.weightScheme ?? "uniform";
  const weightOptions = { bits: options.weightBits, scheme: weightScheme, granularity: options.granularity ?? "per-channel" } as const;
  const activationBits = options.activationBits === undefined ? 8 : options.activationBits;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`prepareQat: the model must have one input and one output, "${model.name}" has ${model.inputs.length} and ${model.outputs.length}`);

  // 1. The training graph: the same layer objects (so the same variables) with fake-quant layers between.
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  const inputLayerName = model.inputs[0].sourceLayer.name;
  const fakeQuants = new Map<string, FakeQuantActivation>();
  const addFakeQuant = (x: tf.SymbolicTensor, name: string) => {
    if (activationBits === null) return x;
    const fq = new FakeQuantActivation({ bits: activationBits, decay: options.emaDecay, name: `${name}_fakequant` });
    fakeQuants.set(name, fq);
    return fq.apply(x) as tf.SymbolicTensor;
  };
  const input = tf.input({ shape: model.inputs[0].shape.slice(1) as number[] });
  let x = addFakeQuant(input, inputLayerName);
  layers.forEach((layer, i) => {
    const cls = layer.getClassName();
    if (cls === "BatchNormalization") throw new Error(`prepareQat: layer "${layer.name}" is BatchNormalization; fold it into the layer before first (course-lib/quantize/fold.ts)`);
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    const previous = i === 0 ? model.inputs[0].sourceLayer : layers[i - 1];
    if (inbound.length !== 1 || inbound[0].inboundLayers.length !== 1 || inbound[0].inboundLayers[0] !== previous) {
      throw new Error(`prepareQat: layer "${layer.name}" (${cls}) is not fed by the layer before it alone; prepareQat handles chains of layers (tf.sequential) only`);
    }
    x = layer.apply(x) as tf.SymbolicTensor;
    // Softmax outputs have fixed int8 parameters (1/256, −128) and no range to learn.
    const softmaxOut = activationName(layer) === "softmax" || cls === "Softmax";
    if (!KEEPS_INPUT_PARAMS.has(cls) && !isFusableActivation(layers[i + 1]) && !softmaxOut) x = addFakeQuant(x, layer.name);
  });
  const trainingModel = tf.model({ inputs: input, outputs: x, name: `${model.name}_qat` });
  trainingModel.compile({
    optimizer: options.optimizer ?? tf.train.adam(1e-3),
    loss: options.loss ?? "categoricalCrossentropy",
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
      const quantized = tf.keep(fakeQuantizeKernel(shadow, layer.getClassName(), weightName, weightOptions));
      variable.write(quantized);
      kernels.push({ layerName: layer.name, layerClass: layer.getClassName(), weightName, variable, shadow, quantized });
    }
  }
  if (!kernels.length) throw new Error(`prepareQat: model "${model.name}" has no dense or convolution kernels to quantize`);

  const afterStep = () => {
    tf.tidy(() => {
      for (const k of kernels) {
        // The optimizer's step, made at the quantized point, goes to the float shadow.
        const shadow = tf.keep(tf.add(k.shadow, tf.sub(k.variable.read(), k.quantized)));
        const quantized = tf.keep(fakeQuantizeKernel(shadow, k.layerClass, k.weightName, weightOptions));
        k.variable.write(quantized);
        k.shadow.dispose();
        k.quantized.dispose();
        k.shadow = shadow;
        k.quantized = quantized;
      }
    });
  };
  let finished = false;
  return {
    model,
    trainingModel,
    fit(train, fitOptions) {
      if (finished) throw new Error("QatSession.fit: finish() was already called");
      return fitWithProgress(trainingModel, train, { ...fitOptions, onBatchEnd: afterStep });
    },
    activationRanges() {
      const ranges: Record<string, Range> = {};
      for (const [name, fq] of fakeQuants) {
        const r = fq.range();
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
  activationRanges: Record<string, Range>;
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
  return { model: session.finish(), trainingModel: session.trainingModel, activationRanges, fit };
}
