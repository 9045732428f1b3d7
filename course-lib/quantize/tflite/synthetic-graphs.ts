// Small hand-made QuantizedGraphs with consistent shapes that together use every GraphOp kind and every
// option value the .tflite writer encodes (both paddings, all three fused activations, strides ≠ dilations,
// h ≠ w, per-channel weights on axis 0 and 3, an omitted bias, a negative reshape dimension, several
// outputs, a MUL whose rescale is ≥ 1). The .tflite round-trip tests and the profiler's tests use them;
// their weights are seeded pseudo-random int8/int32 values and their scales float32 values.
import { mulberry32, type RandomSource } from "../../data/random";
import type { GraphOp, GraphTensor, QuantizedGraph } from "../graph";

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

class GraphBuilder {
  readonly tensors: GraphTensor[] = [];
  readonly operators: GraphOp[] = [];
  constructor(private readonly random: RandomSource) {}

  private scale(): number {
    return Math.fround(0.001 + 0.1 * this.random());
  }

  activation(name: string, shape: number[], scale?: number, zeroPoint?: number): number {
    const q = { scale: [Math.fround(scale ?? this.scale())], zeroPoint: [zeroPoint ?? Math.floor(this.random() * 256) - 128], axis: 0 };
    this.tensors.push({ id: this.tensors.length, name, shape, dtype: "int8", quant: q });
    return this.tensors.length - 1;
  }

  /** Symmetric int8 weights in [-127, 127]; per-channel on `axis` when `perChannel`. */
  weights(name: string, shape: number[], axis: number, perChannel: boolean): number {
    const channels = perChannel ? shape[axis] : 1;
    const data = Array.from({ length: product(shape) }, () => Math.floor(this.random() * 255) - 127);
    const scale = Array.from({ length: channels }, () => this.scale());
    this.tensors.push({ id: this.tensors.length, name, shape, dtype: "int8", data, quant: { scale, zeroPoint: scale.map(() => 0), axis: perChannel ? axis : 0 } });
    return this.tensors.length - 1;
  }

  /** int32 bias with scale s_in·s_w[c] (rounded to float32). */
  bias(name: string, input: number, weights: number): number {
    const sIn = this.tensors[input].quant!.scale[0];
    const w = this.tensors[weights].quant!;
    const channels = this.tensors[weights].shape[w.axis];
    const scale = w.scale.length > 1 ? w.scale.map((s) => Math.fround(sIn * s)) : [Math.fround(sIn * w.scale[0])];
    const data = Array.from({ length: channels }, () => Math.floor(this.random() * 20001) - 10000);
    this.tensors.push({ id: this.tensors.length, name, shape: [channels], dtype: "int32", data, quant: { scale, zeroPoint: scale.map(() => 0), axis: 0 } });
    return this.tensors.length - 1;
  }

  int32Constant(name: string, values: number[]): number {
    this.tensors.push({ id: this.tensors.length, name, shape: [values.length], dtype: "int32", data: values });
    return this.tensors.length - 1;
  }

  op(op: GraphOp): number {
    this.operators.push(op);
    return op.outputs[0];
  }
}

/**
 * A small CNN: pad → conv (stride [2,1], relu6, per-channel) → depthwise (multiplier 2, same, relu) → conv 2×2
 * dilated [2,1] without bias → add (residual, relu) → average pool (stride [1,2]) → max pool (same, filter [2,1]) → mul →
 * mean over H,W (keep dims) → reshape → fully connected (relu) → softmax.
 */
export function syntheticCnn(seed = 1): QuantizedGraph {
  const g = new GraphBuilder(mulberry32(seed));
  const input = g.activation("input", [1, 6, 6, 2]);
  const padded = g.op({ kind: "pad", inputs: [input], outputs: [g.activation("pad", [1, 8, 8, 2], g.tensors[input].quant!.scale[0], g.tensors[input].quant!.zeroPoint[0])], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] });
  const w1 = g.weights("conv1/filter", [4, 3, 3, 2], 0, true);
  const conv1 = g.op({ kind: "conv2d", inputs: [padded, w1, g.bias("conv1/bias", padded, w1)], outputs: [g.activation("conv1", [1, 3, 6, 4], 6 / 255, -128)], stride: [2, 1], padding: "valid", dilation: [1, 1], activation: "relu6" });
  const w2 = g.weights("dw/filter", [1, 3, 3, 8], 3, true);
  const dw = g.op({ kind: "depthwiseConv2d", inputs: [conv1, w2, g.bias("dw/bias", conv1, w2)], outputs: [g.activation("dw", [1, 3, 6, 8], undefined, -128)], stride: [1, 1], padding: "same", dilation: [1, 1], depthMultiplier: 2, activation: "relu" });
  const w3 = g.weights("conv2/filter", [8, 2, 2, 8], 0, true);
  const conv2 = g.op({ kind: "conv2d", inputs: [dw, w3, -1], outputs: [g.activation("conv2", [1, 3, 6, 8])], stride: [1, 1], padding: "same", dilation: [2, 1], activation: "none" });
  const add = g.op({ kind: "add", inputs: [dw, conv2], outputs: [g.activation("add", [1, 3, 6, 8], undefined, -128)], activation: "relu" });
  const addQ = g.tensors[add].quant!;
  const avg = g.op({ kind: "averagePool2d", inputs: [add], outputs: [g.activation("avgpool", [1, 2, 3, 8], addQ.scale[0], addQ.zeroPoint[0])], filter: [2, 2], stride: [1, 2], padding: "valid", activation: "none" });
  const max = g.op({ kind: "maxPool2d", inputs: [avg], outputs: [g.activation("maxpool", [1, 2, 3, 8], addQ.scale[0], addQ.zeroPoint[0])], filter: [2, 1], stride: [1, 1], padding: "same", activation: "none" });
  const mul = g.op({ kind: "mul", inputs: [max, avg], outputs: [g.activation("mul", [1, 2, 3, 8])], activation: "none" });
  const mean = g.op({ kind: "mean", inputs: [mul, g.int32Constant("mean/axes", [1, 2])], outputs: [g.activation("mean", [1, 1, 1, 8])], keepDims: true });
  const meanQ = g.tensors[mean].quant!;
  const flat = g.op({ kind: "reshape", inputs: [mean], outputs: [g.activation("flatten", [1, 8], meanQ.scale[0], meanQ.zeroPoint[0])], newShape: [1, 8] });
  const w4 = g.weights("fc/weights", [3, 8], 0, false);
  const fc = g.op({ kind: "fullyConnected", inputs: [flat, w4, g.bias("fc/bias", flat, w4)], outputs: [g.activation("fc", [1, 3], undefined, -128)], activation: "relu" });
  const softmax = g.op({ kind: "softmax", inputs: [fc], outputs: [g.activation("softmax", [1, 3], 1 / 256, -128)], beta: 1 });
  return { format: 1, name: "synthetic-cnn", tensors: g.tensors, operators: g.operators, inputs: [input], outputs: [softmax] };
}

/**
 * The element-wise and joining ops: logistic, tanh, hard-swish, each requantized (QUANTIZE) → concatenation →
 * reshape with −1 → fully connected (per-channel, no bias) → mul by itself (rescale ≥ 1, so MUL v3); two
 * graph outputs and a provenance record.
 */
export function syntheticActivations(seed = 2): QuantizedGraph {
  const g = new GraphBuilder(mulberry32(seed));
  const input = g.activation("input", [1, 4, 4, 3], 0.05, 3);
  const logistic = g.op({ kind: "logistic", inputs: [input], outputs: [g.activation("logistic", [1, 4, 4, 3], 1 / 256, -128)] });
  const tanh = g.op({ kind: "tanh", inputs: [input], outputs: [g.activation("tanh", [1, 4, 4, 3], 1 / 128, 0)] });
  const hardSwish = g.op({ kind: "hardSwish", inputs: [input], outputs: [g.activation("hard_swish", [1, 4, 4, 3], 0.03, -110)] });
  // TFLM's CONCATENATION wants equal parameters on every input and the output: requantize all three.
  const common = (x: number, name: string): number => g.op({ kind: "quantize", inputs: [x], outputs: [g.activation(name, [1, 4, 4, 3], 0.02, -78)] });
  const parts = [common(logistic, "logistic/requantized"), common(tanh, "tanh/requantized"), common(hardSwish, "hard_swish/requantized")];
  const concat = g.op({ kind: "concatenation", inputs: parts, outputs: [g.activation("concat", [1, 4, 4, 9], 0.02, -78)], axis: 3, activation: "none" });
  const flat = g.op({ kind: "reshape", inputs: [concat], outputs: [g.activation("flatten", [1, 144], 0.02, -78)], newShape: [-1, 144] });
  const w = g.weights("fc/weights", [2, 144], 0, true);
  const fc = g.op({ kind: "fullyConnected", inputs: [flat, w, -1], outputs: [g.activation("fc", [1, 2], 0.5, 0)], activation: "none" });
  const square = g.op({ kind: "mul", inputs: [fc, fc], outputs: [g.activation("square", [1, 2], 0.125, -128)], activation: "relu6" });
  return {
    format: 1, name: "synthetic-activations", tensors: g.tensors, operators: g.operators, inputs: [input], outputs: [square, flat],
    provenance: { weights: "per-channel", calibration: "minmax", bits: 8 },
  };
}
