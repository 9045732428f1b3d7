// Three ways to count the activation RAM of one network, from the leanest runtime to the one tfjs is:
//  1. "largest-tensor": the largest single activation tensor (padded copies left out). Any runtime that
//     materialises whole tensors holds at least this much: a lower bound.
//  2. "conv-in-out": the largest input + output of one convolution, reading through explicit zero
//     padding to the unpadded tensor. A runtime that pads inside the conv kernel and keeps nothing else
//     alive (no skip tensors) needs this.
//  3. "live-buffers": every buffer live at once, padded copies and skip tensors included: profile.ts's
//     peak (profileModel), i.e. tfjs running the graph layer by layer.
// Lesson 04 uses them to explain why the lecture's RAM budget and the profiler's peak differ. Elements
// are counted once per value: int8 bytes = elements, float32 bytes = 4 × elements.
import * as tf from "@tensorflow/tfjs";
import { profileModel, type Bytes } from "./profile";

export type RamModelId = "largest-tensor" | "conv-in-out" | "live-buffers";

export interface RamModelPeak {
  id: RamModelId;
  /** What the model counts, for a table row. */
  description: string;
  /** Activation elements at the peak (= int8 bytes). */
  peakElements: number;
  peakRam: Bytes;
  /** The layer at the peak (for conv-in-out, the convolution). */
  layer: string;
}

/** Layers that read an input window and write a new tensor: their input and output are live together. */
const CONV_LAYERS: ReadonlySet<string> = new Set(["Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"]);

const elementsOf = (shape: tf.Shape, where: string): number => {
  const dims = shape.slice(1);
  if (dims.some((d) => d == null)) throw new RangeError(`ramModels: ${where} has an unknown dimension in ${JSON.stringify(shape)}; fix the input size`);
  return (dims as number[]).reduce((a, b) => a * b, 1);
};

/** The single input tensor of a layer called once (layer.input throws for shared layers). */
function inputOf(layer: tf.layers.Layer): tf.SymbolicTensor {
  let input: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    input = layer.input;
  } catch (e) {
    throw new RangeError(`ramModels: layer "${layer.name}" is called more than once (a shared layer); only single-call layers are supported (${(e as Error).message})`);
  }
  if (Array.isArray(input)) throw new RangeError(`ramModels: convolution "${layer.name}" has ${input.length} inputs; expected one`);
  return input;
}

/** The tensor a convolution really reads: through any explicit ZeroPadding2D to the unpadded tensor. */
function unpaddedInput(layer: tf.layers.Layer): tf.SymbolicTensor {
  let t = inputOf(layer);
  while (t.sourceLayer.getClassName() === "ZeroPadding2D") t = inputOf(t.sourceLayer);
  return t;
}

const peak = (id: RamModelId, description: string, elements: number, layer: string): RamModelPeak => ({
  id, description, peakElements: elements, peakRam: { float32: 4 * elements, int8: elements }, layer,
});

/**
 * The three RAM models of a functional or sequential tfjs model, leanest first (see the header):
 * largest single tensor, largest conv input + output, every live buffer (the profiler's peak).
 * Nested models are not supported (profileModel handles them).
 */
export function ramModels(model: tf.LayersModel): RamModelPeak[] {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`ramModels: expected a tfjs LayersModel, got ${String(model)}`);
  const profile = profileModel(model); // also builds an unbuilt Sequential
  let tensor = { elements: 0, layer: "" };
  let conv = { elements: 0, layer: "" };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (layer instanceof tf.LayersModel) throw new RangeError(`ramModels: nested model "${layer.name}" is not supported; profileModel counts nested models`);
    if (cls === "ZeroPadding2D") continue; // a padded copy: what the leaner models leave out
    const out = elementsOf(layer.outputShape as tf.Shape, `output of "${layer.name}"`);
    if (out > tensor.elements) tensor = { elements: out, layer: layer.name };
    if (!CONV_LAYERS.has(cls)) continue;
    const input = unpaddedInput(layer);
    const inOut = elementsOf(input.shape, `input of "${layer.name}"`) + out;
    if (inOut > conv.elements) conv = { elements: inOut, layer: layer.name };
  }
  return [
    peak("largest-tensor", "largest single tensor (no padded copies)", tensor.elements, tensor.layer),
    peak("conv-in-out", "largest input + output of one convolution (no padded copies)", conv.elements, conv.layer),
    peak("live-buffers", "every live buffer, padded copies included (profiler)", profile.totals.peakElements, profile.totals.peakLayer),
  ];
}
