// The course's one representation of an int8 model: `QuantizedGraph`, plain data in TensorFlow Lite's
// layout and quantization scheme. quantizeModel() and readTflite() produce it; runQuantized() (the integer
// interpreter), exportTflite(), the profiler and the C generator of lesson 10 consume it. It holds only
// numbers, strings and arrays, so JSON.stringify / JSON.parse round-trip it and a learner can print it.
//
// Layouts are TFLite's: activations NHWC (batch 1); conv filters OHWI [out, kh, kw, in]; depthwise
// filters [1, kh, kw, in·multiplier]; fully-connected weights [out, in]. Real value = (q − zeroPoint)·scale.

/** Element types the graph stores: int8 activations and weights, int32 biases and shape/axis inputs. */
export type DType = "int8" | "int32";

/**
 * Affine quantization of a tensor. Per-tensor: `scale` and `zeroPoint` have one entry. Per-channel
 * (weights and biases only): one entry per index of dimension `axis`. Every scale is a float32 value
 * (stored as the double Math.fround gives), because a .tflite file stores float32 and TFLM derives its
 * multipliers from those.
 */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** The quantized dimension (TFLite's quantized_dimension); 0 for per-tensor. */
  axis: number;
}

export interface GraphTensor {
  /** Index of this tensor in QuantizedGraph.tensors. */
  id: number;
  /** The tfjs layer (or .tflite tensor) it came from, for error messages and inspection. */
  name: string;
  shape: number[];
  dtype: DType;
  /** Absent only for int32 shape/axis tensors. */
  quant?: QuantParams;
  /** Constant data (weights, biases, axes), row-major in `shape`; absent for activations. */
  data?: number[];
}

/** Fused activation, applied as the output clamp of the op (TFLite's fused_activation_function). */
export type FusedActivation = "none" | "relu" | "relu6";

export type Padding = "same" | "valid";

/** Operators in execution order. `inputs`/`outputs` are tensor ids; an omitted optional input is −1. */
export type GraphOp =
  | { kind: "conv2d"; inputs: [number, number, number]; outputs: [number]; stride: [number, number]; padding: Padding; dilation: [number, number]; activation: FusedActivation }
  | { kind: "depthwiseConv2d"; inputs: [number, number, number]; outputs: [number]; stride: [number, number]; padding: Padding; dilation: [number, number]; depthMultiplier: number; activation: FusedActivation }
  | { kind: "fullyConnected"; inputs: [number, number, number]; outputs: [number]; activation: FusedActivation }
  | { kind: "add"; inputs: [number, number]; outputs: [number]; activation: FusedActivation }
  | { kind: "mul"; inputs: [number, number]; outputs: [number]; activation: FusedActivation }
  /** Mean over `axes` (input 1 is an int32 axes tensor, as in TFLite). */
  | { kind: "mean"; inputs: [number, number]; outputs: [number]; keepDims: boolean }
  | { kind: "averagePool2d" | "maxPool2d"; inputs: [number]; outputs: [number]; filter: [number, number]; stride: [number, number]; padding: Padding; activation: FusedActivation }
  /** Zero padding in real terms: pads with the input's zero point. paddings[d] = [before, after] per dimension. */
  | { kind: "pad"; inputs: [number]; outputs: [number]; paddings: [number, number][] }
  | { kind: "reshape"; inputs: [number]; outputs: [number]; newShape: number[] }
  | { kind: "concatenation"; inputs: number[]; outputs: [number]; axis: number; activation: FusedActivation }
  | { kind: "softmax"; inputs: [number]; outputs: [number]; beta: number }
  | { kind: "logistic" | "tanh" | "hardSwish"; inputs: [number]; outputs: [number] }
  /** int8 → int8 requantization (TFLite QUANTIZE with an int8 input). */
  | { kind: "quantize"; inputs: [number]; outputs: [number] };

export type GraphOpKind = GraphOp["kind"];

export interface QuantizedGraph {
  /** Format version of this structure, bumped when a field changes meaning. */
  format: 1;
  name: string;
  tensors: GraphTensor[];
  operators: GraphOp[];
  /** Graph input and output tensor ids (int8 activations). */
  inputs: number[];
  outputs: number[];
  /** How the graph was made, for inspection (e.g. { weights: "per-channel", calibration: "minmax" }). */
  provenance?: Record<string, string | number>;
}
