// exportTflite(graph): a QuantizedGraph as a .tflite flatbuffer that TFLite, TFLM and Arm NN load.
// What it writes, following the format's conventions (notes §4):
// - file identifier TFL3, Model.version 3, one subgraph, a description string;
// - buffers[0] empty (tensors without data point at it); one buffer per constant tensor, its data
//   16-byte aligned in the file (Buffer.data is force_align 16), little-endian;
// - one operator code per (operator, version), with both deprecated_builtin_code (the code itself when it
//   fits an int8, else 127) and builtin_code, and the converter's version for int8 (ops.ts);
// - scales as float32 (the graph already holds float32 values: anything else is an error rather than a
//   silent rounding), zero points as int64, quantized_dimension for per-channel tensors;
// - PAD's paddings and RESHAPE's shape as constant int32 input tensors appended after the graph's own
//   tensors (so the graph's tensor ids are the file's), RESHAPE's new_shape also as an option; MEAN's
//   axes are already a graph tensor.
// - the graph's provenance as JSON in a metadata entry, so readTflite gives back the same graph.
// The graph's layouts are TFLite's (OHWI, [1,H,W,C·M], [out,in]), so nothing is transposed here.
import { Builder } from "flatbuffers";
import type { FusedActivation, GraphOp, GraphTensor, Padding, QuantizedGraph } from "../graph";
import { OP_ENCODING, opVersion } from "./ops";
import {
  ActivationFunctionType, AddOptionsField, BUFFER_ALIGNMENT, BUFFER_FIELDS, BufferField, CONV2D_OPTIONS_FIELDS,
  ConcatenationOptionsField, Conv2DOptionsField, DEPTHWISE_OPTIONS_FIELDS, DepthwiseConv2DOptionsField,
  FILE_IDENTIFIER, FULLY_CONNECTED_OPTIONS_FIELDS, FullyConnectedOptionsField, METADATA_FIELDS, MODEL_FIELDS,
  MetadataField, ModelField, MulOptionsField, OPERATOR_CODE_FIELDS, OPERATOR_FIELDS, OperatorCodeField,
  OperatorField, PLACEHOLDER_FOR_GREATER_OP_CODES, POOL2D_OPTIONS_FIELDS, Padding as PaddingCode,
  Pool2DOptionsField, QUANTIZATION_FIELDS, QuantizationField, ReducerOptionsField, ReshapeOptionsField,
  SCHEMA_VERSION, SUBGRAPH_FIELDS, SoftmaxOptionsField, SubGraphField, TENSOR_FIELDS, TensorField, TensorType,
} from "./schema";

/** Model.description of every file exportTflite writes. */
export const TFLITE_DESCRIPTION = "tinyml-course exportTflite (int8 QuantizedGraph)";
/** Name of the metadata entry holding the graph's provenance as JSON (`null` when it has none). */
export const PROVENANCE_METADATA = "tinyml_course.provenance";

const ACTIVATION_CODE: Record<FusedActivation, number> = { none: ActivationFunctionType.NONE, relu: ActivationFunctionType.RELU, relu6: ActivationFunctionType.RELU6 };
const PADDING_CODE: Record<Padding, number> = { same: PaddingCode.SAME, valid: PaddingCode.VALID };

/** A tensor as the file stores it. */
interface FileTensor {
  name: string;
  shape: number[];
  type: number;
  quant?: GraphTensor["quant"];
  data?: Uint8Array;
}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const isInt = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;

/** Little-endian bytes of a tensor's data. */
function dataBytes(t: GraphTensor): Uint8Array {
  const values = t.data!;
  if (t.dtype === "int8") return new Uint8Array(Int8Array.from(values).buffer);
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(4 * i, v, true));
  return bytes;
}

function int32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(4 * i, v, true));
  return bytes;
}

/** Everything the file format or the graph contract needs, checked up front with the bad value named. */
export function checkGraphForExport(graph: QuantizedGraph): void {
  const fail = (msg: string): never => {
    throw new RangeError(`exportTflite: graph "${graph.name}": ${msg}`);
  };
  if (graph.format !== 1) fail(`format is ${JSON.stringify(graph.format)}; expected 1`);
  graph.tensors.forEach((t, i) => {
    const where = `tensor ${i} "${t.name}"`;
    if (t.id !== i) fail(`${where} has id ${t.id}; tensors must be listed by id (expected ${i})`);
    if (t.dtype !== "int8" && t.dtype !== "int32") fail(`${where} has dtype ${JSON.stringify(t.dtype)}; expected "int8" or "int32"`);
    if (!t.shape.every((d) => isInt(d, 0, 2 ** 31 - 1))) fail(`${where} has shape ${JSON.stringify(t.shape)}; expected non-negative integer dimensions`);
    if (t.dtype === "int8" && !t.quant) fail(`${where} is int8 without quantization parameters`);
    if (t.quant) {
      const { scale, zeroPoint, axis } = t.quant;
      if (scale.length === 0 || scale.length !== zeroPoint.length) fail(`${where} has ${scale.length} scales and ${zeroPoint.length} zero points; expected the same number, at least 1`);
      scale.forEach((s, c) => {
        if (!(s > 0) || !Number.isFinite(s)) fail(`${where} scale[${c}] = ${s}; expected a positive finite number`);
        if (Math.fround(s) !== s) fail(`${where} scale[${c}] = ${s} is not a float32 value; store Math.fround(scale) (a .tflite holds float32 and TFLM derives its multipliers from those)`);
      });
      const [lo, hi] = t.dtype === "int8" ? [-128, 127] : [-(2 ** 31), 2 ** 31 - 1];
      zeroPoint.forEach((z, c) => {
        if (!isInt(z, lo, hi)) fail(`${where} zeroPoint[${c}] = ${z}; expected an integer in [${lo}, ${hi}]`);
      });
      if (!isInt(axis, 0, Math.max(0, t.shape.length - 1))) fail(`${where} has quantized axis ${axis}; expected 0..${Math.max(0, t.shape.length - 1)}`);
      if (scale.length > 1 && scale.length !== t.shape[axis]) fail(`${where} has ${scale.length} per-channel scales on axis ${axis} of shape ${JSON.stringify(t.shape)}; expected ${t.shape[axis]}`);
    }
    if (t.data) {
      if (t.data.length !== product(t.shape)) fail(`${where} has ${t.data.length} values for shape ${JSON.stringify(t.shape)}; expected ${product(t.shape)}`);
      const [lo, hi] = t.dtype === "int8" ? [-128, 127] : [-(2 ** 31), 2 ** 31 - 1];
      const bad = t.data.findIndex((v) => !isInt(v, lo, hi));
      if (bad >= 0) fail(`${where} data[${bad}] = ${t.data[bad]}; expected an ${t.dtype} integer in [${lo}, ${hi}]`);
    }
  });
  const tensorId = (id: number, where: string): void => {
    if (!isInt(id, 0, graph.tensors.length - 1)) fail(`${where} refers to tensor ${id}; the graph has ${graph.tensors.length} tensors`);
  };
  for (const [list, what] of [[graph.inputs, "input"], [graph.outputs, "output"]] as const) {
    list.forEach((id, k) => {
      tensorId(id, `graph ${what} ${k}`);
      const t = graph.tensors[id];
      if (t.dtype !== "int8") fail(`graph ${what} ${k} (tensor ${id} "${t.name}") is ${t.dtype}; expected int8`);
      if (t.data) fail(`graph ${what} ${k} (tensor ${id} "${t.name}") is a constant; expected an activation`);
    });
  }
  graph.operators.forEach((op, i) => {
    const where = `operator ${i} (${op.kind})`;
    if (!(op.kind in OP_ENCODING)) fail(`${where}: unknown operator kind`);
    op.inputs.forEach((id, k) => {
      const optionalBias = k === 2 && (op.kind === "conv2d" || op.kind === "depthwiseConv2d" || op.kind === "fullyConnected");
      if (id === -1 && optionalBias) return;
      tensorId(id, `${where} input ${k}`);
    });
    op.outputs.forEach((id, k) => tensorId(id, `${where} output ${k}`));
    if (op.kind === "pad") {
      const rank = graph.tensors[op.inputs[0]].shape.length;
      if (op.paddings.length !== rank || !op.paddings.every((p) => p.length === 2 && p.every((v) => isInt(v, 0, 2 ** 31 - 1)))) {
        fail(`${where}: paddings ${JSON.stringify(op.paddings)}; expected ${rank} pairs of non-negative integers [before, after]`);
      }
    }
    if (op.kind === "reshape" && !op.newShape.every((d) => isInt(d, -1, 2 ** 31 - 1))) fail(`${where}: newShape ${JSON.stringify(op.newShape)}; expected integers ≥ -1`);
    if (op.kind === "softmax" && Math.fround(op.beta) !== op.beta) fail(`${where}: beta ${op.beta} is not a float32 value (SoftmaxOptions.beta is a float)`);
  });
}

/** Writes the graph as .tflite bytes (see the header). */
export function exportTflite(graph: QuantizedGraph): Uint8Array {
  checkGraphForExport(graph);
  const tensors: FileTensor[] = graph.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.dtype === "int8" ? TensorType.INT8 : TensorType.INT32,
    quant: t.quant,
    data: t.data ? dataBytes(t) : undefined,
  }));
  /** Appends a constant int32 tensor (PAD's paddings, RESHAPE's shape) and returns its id. */
  const addInt32Constant = (name: string, shape: number[], values: number[]): number => {
    tensors.push({ name, shape, type: TensorType.INT32, data: int32Bytes(values) });
    return tensors.length - 1;
  };
  const fileInputs = graph.operators.map((op): number[] => {
    const outputName = graph.tensors[op.outputs[0]].name;
    if (op.kind === "pad") return [op.inputs[0], addInt32Constant(`${outputName}/paddings`, [op.paddings.length, 2], op.paddings.flat())];
    if (op.kind === "reshape") return [op.inputs[0], addInt32Constant(`${outputName}/shape`, [op.newShape.length], op.newShape)];
    return [...op.inputs];
  });

  const b = new Builder(1024);
  const int32Vector = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
    return b.endVector();
  };
  const float32Vector = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
    return b.endVector();
  };
  const int64Vector = (values: number[]): number => {
    b.startVector(8, values.length, 8);
    for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
    return b.endVector();
  };
  const offsetVector = (offsets: number[]): number => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
    return b.endVector();
  };
  /** A [ubyte] whose first byte lands on a multiple of `alignment` in the finished file. */
  const alignedByteVector = (bytes: Uint8Array, alignment: number): number => {
    b.startVector(1, bytes.length, alignment); // reserves room for the bytes
    for (let i = bytes.length - 1; i >= 0; i--) b.writeInt8(bytes[i]);
    return b.endVector();
  };
  const bufferTable = (bytes: Uint8Array | null): number => {
    const data = bytes ? alignedByteVector(bytes, BUFFER_ALIGNMENT) : 0;
    b.startObject(BUFFER_FIELDS);
    if (data) b.addFieldOffset(BufferField.data, data, 0);
    return b.endObject();
  };

  // Buffers: [0] empty, then one per constant tensor, then the provenance metadata.
  const buffers: number[] = [bufferTable(null)];
  const bufferOf = tensors.map((t) => {
    if (!t.data) return 0;
    buffers.push(bufferTable(t.data));
    return buffers.length - 1;
  });
  const provenanceJson = JSON.stringify(graph.provenance ?? null);
  buffers.push(bufferTable(new TextEncoder().encode(provenanceJson)));
  const provenanceBuffer = buffers.length - 1;

  const tensorTables = tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(t.shape);
    let quantization = 0;
    if (t.quant) {
      const scale = float32Vector(t.quant.scale);
      const zeroPoint = int64Vector(t.quant.zeroPoint);
      b.startObject(QUANTIZATION_FIELDS);
      b.addFieldOffset(QuantizationField.scale, scale, 0);
      b.addFieldOffset(QuantizationField.zeroPoint, zeroPoint, 0);
      b.addFieldInt32(QuantizationField.quantizedDimension, t.quant.axis, 0);
      quantization = b.endObject();
    }
    b.startObject(TENSOR_FIELDS);
    b.addFieldOffset(TensorField.shape, shape, 0);
    b.addFieldInt8(TensorField.type, t.type, 0);
    b.addFieldInt32(TensorField.buffer, bufferOf[i], 0);
    b.addFieldOffset(TensorField.name, name, 0);
    if (quantization) b.addFieldOffset(TensorField.quantization, quantization, 0);
    return b.endObject();
  });

  // Operator codes: one per distinct (code, version), in order of first use.
  const codeKeys: string[] = [];
  const codes: { code: number; version: number }[] = [];
  const operatorTables = graph.operators.map((op, i) => {
    const { code, optionsType } = OP_ENCODING[op.kind];
    const version = opVersion(op, graph);
    const key = `${code}/${version}`;
    let opcodeIndex = codeKeys.indexOf(key);
    if (opcodeIndex < 0) {
      codeKeys.push(key);
      codes.push({ code, version });
      opcodeIndex = codes.length - 1;
    }
    const options = optionsTable(b, op, int32Vector);
    const inputs = int32Vector(fileInputs[i]);
    const outputs = int32Vector(op.outputs);
    b.startObject(OPERATOR_FIELDS);
    b.addFieldInt32(OperatorField.opcodeIndex, opcodeIndex, 0);
    b.addFieldOffset(OperatorField.inputs, inputs, 0);
    b.addFieldOffset(OperatorField.outputs, outputs, 0);
    if (options) {
      b.addFieldInt8(OperatorField.builtinOptionsType, optionsType, 0);
      b.addFieldOffset(OperatorField.builtinOptions, options, 0);
    }
    return b.endObject();
  });
  // Both code fields are written even when 0 (ADD), so a reader of either field finds it in the file.
  b.forceDefaults(true);
  const codeTables = codes.map(({ code, version }) => {
    b.startObject(OPERATOR_CODE_FIELDS);
    b.addFieldInt8(OperatorCodeField.deprecatedBuiltinCode, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(OperatorCodeField.version, version, 1);
    b.addFieldInt32(OperatorCodeField.builtinCode, code, 0);
    return b.endObject();
  });
  b.forceDefaults(false);

  const subgraphName = b.createString(graph.name);
  const tensorVector = offsetVector(tensorTables);
  const inputVector = int32Vector(graph.inputs);
  const outputVector = int32Vector(graph.outputs);
  const operatorVector = offsetVector(operatorTables);
  b.startObject(SUBGRAPH_FIELDS);
  b.addFieldOffset(SubGraphField.tensors, tensorVector, 0);
  b.addFieldOffset(SubGraphField.inputs, inputVector, 0);
  b.addFieldOffset(SubGraphField.outputs, outputVector, 0);
  b.addFieldOffset(SubGraphField.operators, operatorVector, 0);
  b.addFieldOffset(SubGraphField.name, subgraphName, 0);
  const subgraph = b.endObject();

  const metadataName = b.createString(PROVENANCE_METADATA);
  b.startObject(METADATA_FIELDS);
  b.addFieldOffset(MetadataField.name, metadataName, 0);
  b.addFieldInt32(MetadataField.buffer, provenanceBuffer, 0);
  const metadata = b.endObject();

  const description = b.createString(TFLITE_DESCRIPTION);
  const codeVector = offsetVector(codeTables);
  const subgraphVector = offsetVector([subgraph]);
  const bufferVector = offsetVector(buffers);
  const metadataVector = offsetVector([metadata]);
  b.startObject(MODEL_FIELDS);
  b.addFieldInt32(ModelField.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(ModelField.operatorCodes, codeVector, 0);
  b.addFieldOffset(ModelField.subgraphs, subgraphVector, 0);
  b.addFieldOffset(ModelField.description, description, 0);
  b.addFieldOffset(ModelField.buffers, bufferVector, 0);
  b.addFieldOffset(ModelField.metadata, metadataVector, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice(); // a copy that owns its buffer, starting at file offset 0
}

/** The op's BuiltinOptions table, or 0 for ops without one. */
function optionsTable(b: Builder, op: GraphOp, int32Vector: (values: number[]) => number): number {
  switch (op.kind) {
    case "conv2d":
      b.startObject(CONV2D_OPTIONS_FIELDS);
      b.addFieldInt8(Conv2DOptionsField.padding, PADDING_CODE[op.padding], 0);
      b.addFieldInt32(Conv2DOptionsField.strideW, op.stride[1], 0);
      b.addFieldInt32(Conv2DOptionsField.strideH, op.stride[0], 0);
      b.addFieldInt8(Conv2DOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      b.addFieldInt32(Conv2DOptionsField.dilationW, op.dilation[1], 1);
      b.addFieldInt32(Conv2DOptionsField.dilationH, op.dilation[0], 1);
      return b.endObject();
    case "depthwiseConv2d":
      b.startObject(DEPTHWISE_OPTIONS_FIELDS);
      b.addFieldInt8(DepthwiseConv2DOptionsField.padding, PADDING_CODE[op.padding], 0);
      b.addFieldInt32(DepthwiseConv2DOptionsField.strideW, op.stride[1], 0);
      b.addFieldInt32(DepthwiseConv2DOptionsField.strideH, op.stride[0], 0);
      b.addFieldInt32(DepthwiseConv2DOptionsField.depthMultiplier, op.depthMultiplier, 0);
      b.addFieldInt8(DepthwiseConv2DOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      b.addFieldInt32(DepthwiseConv2DOptionsField.dilationW, op.dilation[1], 1);
      b.addFieldInt32(DepthwiseConv2DOptionsField.dilationH, op.dilation[0], 1);
      return b.endObject();
    case "fullyConnected":
      b.startObject(FULLY_CONNECTED_OPTIONS_FIELDS);
      b.addFieldInt8(FullyConnectedOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      return b.endObject();
    case "add":
      b.startObject(2);
      b.addFieldInt8(AddOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      return b.endObject();
    case "mul":
      b.startObject(1);
      b.addFieldInt8(MulOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      return b.endObject();
    case "mean":
      b.startObject(1);
      b.addFieldInt8(ReducerOptionsField.keepDims, op.keepDims ? 1 : 0, 0);
      return b.endObject();
    case "averagePool2d":
    case "maxPool2d":
      b.startObject(POOL2D_OPTIONS_FIELDS);
      b.addFieldInt8(Pool2DOptionsField.padding, PADDING_CODE[op.padding], 0);
      b.addFieldInt32(Pool2DOptionsField.strideW, op.stride[1], 0);
      b.addFieldInt32(Pool2DOptionsField.strideH, op.stride[0], 0);
      b.addFieldInt32(Pool2DOptionsField.filterWidth, op.filter[1], 0);
      b.addFieldInt32(Pool2DOptionsField.filterHeight, op.filter[0], 0);
      b.addFieldInt8(Pool2DOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      return b.endObject();
    case "reshape": {
      const newShape = int32Vector(op.newShape);
      b.startObject(1);
      b.addFieldOffset(ReshapeOptionsField.newShape, newShape, 0);
      return b.endObject();
    }
    case "concatenation":
      b.startObject(2);
      b.addFieldInt32(ConcatenationOptionsField.axis, op.axis, 0);
      b.addFieldInt8(ConcatenationOptionsField.fusedActivation, ACTIVATION_CODE[op.activation], 0);
      return b.endObject();
    case "softmax":
      b.startObject(1);
      b.addFieldFloat32(SoftmaxOptionsField.beta, op.beta, 0);
      return b.endObject();
    case "pad":
    case "hardSwish":
    case "quantize":
      // PadOptions, HardSwishOptions and QuantizeOptions are empty tables.
      b.startObject(0);
      return b.endObject();
    case "logistic":
    case "tanh":
      return 0;
  }
}
