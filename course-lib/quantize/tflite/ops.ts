// How each GraphOp kind appears in a .tflite file: its builtin operator code, the BuiltinOptions table it
// carries, and the operator version TensorFlow's converter writes for the int8 case. The versions follow
// the converter's versioning rules for int8 inputs (tensorflow/lite/tools/versioning/op_version.cc, read
// for the facts): TFLM ignores versions, desktop TFLite and Arm NN refuse a version they do not know.
import type { GraphOp, GraphOpKind, QuantizedGraph } from "../graph";
import { BuiltinOperator, BuiltinOptionsType } from "./schema";

export interface OpEncoding {
  code: number;
  /** BuiltinOptions union index; NONE for ops that carry no options table (LOGISTIC, TANH). */
  optionsType: number;
}

export const OP_ENCODING: Record<GraphOpKind, OpEncoding> = {
  conv2d: { code: BuiltinOperator.CONV_2D, optionsType: BuiltinOptionsType.Conv2DOptions },
  depthwiseConv2d: { code: BuiltinOperator.DEPTHWISE_CONV_2D, optionsType: BuiltinOptionsType.DepthwiseConv2DOptions },
  fullyConnected: { code: BuiltinOperator.FULLY_CONNECTED, optionsType: BuiltinOptionsType.FullyConnectedOptions },
  add: { code: BuiltinOperator.ADD, optionsType: BuiltinOptionsType.AddOptions },
  mul: { code: BuiltinOperator.MUL, optionsType: BuiltinOptionsType.MulOptions },
  mean: { code: BuiltinOperator.MEAN, optionsType: BuiltinOptionsType.ReducerOptions },
  averagePool2d: { code: BuiltinOperator.AVERAGE_POOL_2D, optionsType: BuiltinOptionsType.Pool2DOptions },
  maxPool2d: { code: BuiltinOperator.MAX_POOL_2D, optionsType: BuiltinOptionsType.Pool2DOptions },
  pad: { code: BuiltinOperator.PAD, optionsType: BuiltinOptionsType.PadOptions },
  reshape: { code: BuiltinOperator.RESHAPE, optionsType: BuiltinOptionsType.ReshapeOptions },
  concatenation: { code: BuiltinOperator.CONCATENATION, optionsType: BuiltinOptionsType.ConcatenationOptions },
  softmax: { code: BuiltinOperator.SOFTMAX, optionsType: BuiltinOptionsType.SoftmaxOptions },
  logistic: { code: BuiltinOperator.LOGISTIC, optionsType: BuiltinOptionsType.NONE },
  tanh: { code: BuiltinOperator.TANH, optionsType: BuiltinOptionsType.NONE },
  hardSwish: { code: BuiltinOperator.HARD_SWISH, optionsType: BuiltinOptionsType.HardSwishOptions },
  quantize: { code: BuiltinOperator.QUANTIZE, optionsType: BuiltinOptionsType.QuantizeOptions },
};

/** GraphOp kind of a builtin code, for the reader. */
export const KIND_OF_CODE: ReadonlyMap<number, GraphOpKind> = new Map(
  (Object.keys(OP_ENCODING) as GraphOpKind[]).map((kind) => [OP_ENCODING[kind].code, kind]),
);

/**
 * The version the converter gives an all-int8 op: most int8 kernels are version 2; CONV_2D and
 * DEPTHWISE_CONV_2D 3 (CONV_2D 6 when grouped, i.e. the filter has fewer input channels than the input);
 * FULLY_CONNECTED 4; MUL 3 when s1·s2/s_out ≥ 1 (computed in float32, as the converter does); PAD 4 above
 * rank 4; RESHAPE, HARD_SWISH and an int8→int8 QUANTIZE stay at 1.
 */
export function opVersion(op: GraphOp, graph: QuantizedGraph): number {
  const shapeOf = (id: number): number[] => graph.tensors[id].shape;
  const last = (shape: number[]): number => shape[shape.length - 1];
  switch (op.kind) {
    case "conv2d": {
      const inChannels = last(shapeOf(op.inputs[0]));
      const filterChannels = last(shapeOf(op.inputs[1]));
      return inChannels !== filterChannels ? 6 : 3;
    }
    case "depthwiseConv2d":
      return 3;
    case "fullyConnected":
      return 4;
    case "mul": {
      const scale = (id: number): number => graph.tensors[id].quant!.scale[0];
      const rescale = Math.fround(Math.fround(scale(op.inputs[0]) * scale(op.inputs[1])) / scale(op.outputs[0]));
      return rescale >= 1 ? 3 : 2;
    }
    case "pad":
      return shapeOf(op.inputs[0]).length > 4 ? 4 : 2;
    case "add":
    case "mean":
    case "averagePool2d":
    case "maxPool2d":
    case "concatenation":
    case "softmax":
    case "logistic":
    case "tanh":
      return 2;
    case "reshape":
    case "hardSwish":
    case "quantize":
      return 1;
  }
}
