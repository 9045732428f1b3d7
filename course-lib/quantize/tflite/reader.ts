// readTflite(bytes): a full-integer int8 .tflite (from TensorFlow's converter or from exportTflite) as a
// QuantizedGraph, for the operators the course's graphs use (ops.ts). The operator of an operator code is
// max(builtin_code, deprecated_builtin_code), as TFLite's own reader takes it: older converters set only
// deprecated_builtin_code, so builtin_code reads as 0 (= ADD) there.
//
// Anything the graph cannot represent is an error naming it: a missing TFL3 identifier, a float model, an
// operator outside the supported set (by name and code), a tensor type other than int8 where int8 is needed,
// a fused activation other than NONE/RELU/RELU6, a non-constant PAD/RESHAPE shape input.
//
// Tensors: the file's, in the file's order, except PAD's paddings and RESHAPE's shape inputs, which become
// the op's `paddings` / `newShape` fields and leave the tensor list (ids are renumbered over the rest).
// min/max, sparsity and signature defs are ignored. Provenance: from exportTflite's metadata entry when
// present, else { source: "tflite", description: <Model.description> }.
import { ByteBuffer } from "flatbuffers";
import type { DType, FusedActivation, GraphOp, GraphTensor, Padding, QuantParams, QuantizedGraph } from "../graph";
import { KIND_OF_CODE, OP_ENCODING } from "./ops";
import { PROVENANCE_METADATA } from "./writer";
import {
  ActivationFunctionType, AddOptionsField, BufferField, BuiltinOperator, BuiltinOptionsType, ConcatenationOptionsField,
  Conv2DOptionsField, DepthwiseConv2DOptionsField, FILE_IDENTIFIER, FullyConnectedOptionsField, MetadataField,
  ModelField, MulOptionsField, OperatorCodeField, OperatorField, Padding as PaddingCode, Pool2DOptionsField,
  QuantizationField, ReducerOptionsField, ReshapeOptionsField, SCHEMA_VERSION, SoftmaxOptionsField, SubGraphField,
  TableView, TensorField, TensorType, activationName, builtinOperatorName, tensorTypeName,
} from "./schema";

export interface ReadTfliteOptions {
  /** Graph name; default: the subgraph's name, else the model description. */
  name?: string;
}

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** A file tensor before renumbering. */
interface RawTensor {
  name: string;
  shape: number[];
  type: number;
  quant?: QuantParams;
  /** Buffer bytes, when the tensor is a constant. */
  bytes?: Uint8Array;
}

/** Reads the .tflite bytes as a QuantizedGraph (see the header). */
export function readTflite(bytes: Uint8Array, options: ReadTfliteOptions = {}): QuantizedGraph {
  if (bytes.length < 8) throw new RangeError(`readTflite: ${bytes.length} bytes is too short for a .tflite file (a flatbuffer starts with an 8-byte header)`);
  const identifier = String.fromCharCode(...bytes.subarray(4, 8));
  if (identifier !== FILE_IDENTIFIER) {
    throw new RangeError(`readTflite: bytes 4..7 are ${JSON.stringify(identifier)}, not the file identifier "${FILE_IDENTIFIER}": not a TensorFlow Lite model`);
  }
  const bb = new ByteBuffer(bytes);
  const model = new TableView(bb, bb.readUint32(0), "Model");
  const version = model.uint32(ModelField.version);
  if (version !== SCHEMA_VERSION) throw new RangeError(`readTflite: schema version ${version}; expected ${SCHEMA_VERSION}`);

  const buffers = model.tables(ModelField.buffers, "buffers");
  const bufferBytes = (index: number, where: string): Uint8Array | undefined => {
    if (index === 0) return undefined;
    if (index >= buffers.length) throw new RangeError(`readTflite: ${where} refers to buffer ${index}; the model has ${buffers.length}`);
    const data = buffers[index].bytes(BufferField.data);
    if (!data && buffers[index].has(BufferField.offset)) throw new RangeError(`readTflite: ${where} keeps its data outside the flatbuffer (a >2 GB model); not supported`);
    return data && data.length > 0 ? data : undefined;
  };

  const subgraphs = model.tables(ModelField.subgraphs, "subgraphs");
  if (subgraphs.length !== 1) throw new RangeError(`readTflite: the model has ${subgraphs.length} subgraphs; expected exactly 1 (no control flow)`);
  const subgraph = subgraphs[0];
  const description = model.string(ModelField.description) ?? "";

  // ---- Tensors as the file has them.
  const raw: RawTensor[] = subgraph.tables(SubGraphField.tensors, "tensors").map((t, i) => {
    const name = t.string(TensorField.name) ?? `tensor${i}`;
    const where = `tensor ${i} "${name}"`;
    const shape = t.int32Vector(TensorField.shape) ?? [];
    const type = t.int8(TensorField.type);
    const q = t.table(TensorField.quantization, "quantization");
    let quant: QuantParams | undefined;
    const scale = q?.float32Vector(QuantizationField.scale) ?? [];
    if (q && scale.length > 0) {
      if (q.uint8(QuantizationField.detailsType) !== 0) throw new RangeError(`readTflite: ${where} uses custom quantization details; only affine scale/zero-point quantization is supported`);
      const zeroPoint = q.int64Vector(QuantizationField.zeroPoint) ?? [];
      const axis = q.int32(QuantizationField.quantizedDimension);
      if (zeroPoint.length !== scale.length) throw new RangeError(`readTflite: ${where} has ${scale.length} scales and ${zeroPoint.length} zero points; expected one zero point per scale`);
      if (scale.length > 1 && shape[axis] !== scale.length) {
        throw new RangeError(`readTflite: ${where} has ${scale.length} per-channel scales on quantized_dimension ${axis} of shape ${JSON.stringify(shape)}; expected ${shape[axis]}`);
      }
      quant = { scale, zeroPoint, axis };
    }
    return { name, shape, type, quant, bytes: bufferBytes(t.uint32(TensorField.buffer), where) };
  });
  const tensorAt = (id: number, where: string): RawTensor => {
    if (!Number.isInteger(id) || id < 0 || id >= raw.length) throw new RangeError(`readTflite: ${where} refers to tensor ${id}; the subgraph has ${raw.length}`);
    return raw[id];
  };
  const describe = (id: number): string => `tensor ${id} "${raw[id].name}"`;

  const inputs = subgraph.int32Vector(SubGraphField.inputs) ?? [];
  const outputs = subgraph.int32Vector(SubGraphField.outputs) ?? [];
  // A float model fails here with a message that says so, before any operator is looked at.
  for (const [list, what] of [[inputs, "input"], [outputs, "output"]] as const) {
    list.forEach((id, k) => {
      const t = tensorAt(id, `subgraph ${what} ${k}`);
      if (t.type === TensorType.FLOAT32) {
        throw new RangeError(`readTflite: a float model: graph ${what} ${k} (${describe(id)}) is FLOAT32; readTflite reads full-integer models with int8 inputs and outputs (convert with a representative dataset and inference_input_type/inference_output_type = int8)`);
      }
      if (t.type !== TensorType.INT8) throw new RangeError(`readTflite: graph ${what} ${k} (${describe(id)}) is ${tensorTypeName(t.type)}; expected INT8`);
    });
  }

  // ---- Operators.
  const opcodes = model.tables(ModelField.operatorCodes, "operator_codes").map((c, i) => {
    const code = Math.max(c.int32(OperatorCodeField.builtinCode), c.int8(OperatorCodeField.deprecatedBuiltinCode));
    if (code === BuiltinOperator.CUSTOM) throw new RangeError(`readTflite: operator code ${i} is the custom operator "${c.string(OperatorCodeField.customCode) ?? ""}"; custom operators are not supported`);
    return code;
  });
  const dropped = new Set<number>(); // PAD paddings / RESHAPE shape tensors, folded into the op
  const ops: GraphOp[] = subgraph.tables(SubGraphField.operators, "operators").map((o, i) => {
    const opcodeIndex = o.uint32(OperatorField.opcodeIndex);
    if (opcodeIndex >= opcodes.length) throw new RangeError(`readTflite: operator ${i} uses operator code ${opcodeIndex}; the model has ${opcodes.length}`);
    const code = opcodes[opcodeIndex];
    const opName = `${builtinOperatorName(code)} (builtin code ${code})`;
    const kind = KIND_OF_CODE.get(code);
    if (!kind) {
      const supported = Object.values(OP_ENCODING).map((e) => builtinOperatorName(e.code)).join(", ");
      throw new RangeError(`readTflite: operator ${i} is ${opName}, which the course's int8 graphs do not support (supported: ${supported})`);
    }
    const where = `operator ${i} (${opName})`;
    const ins = o.int32Vector(OperatorField.inputs) ?? [];
    const outs = o.int32Vector(OperatorField.outputs) ?? [];
    if (outs.length !== 1) throw new RangeError(`readTflite: ${where} has ${outs.length} outputs; expected 1`);
    const optionsType = o.uint8(OperatorField.builtinOptionsType);
    const expectedType = OP_ENCODING[kind].optionsType;
    if (optionsType !== BuiltinOptionsType.NONE && optionsType !== expectedType) {
      throw new RangeError(`readTflite: ${where} carries BuiltinOptions type ${optionsType}; expected ${expectedType}`);
    }
    // An absent options table reads as all defaults, as in TFLite.
    const opt = o.table(OperatorField.builtinOptions, "builtin_options") ?? emptyTable();

    const need = (k: number, type: number, role: string, constant: "constant" | "activation" | "either"): number => {
      if (k >= ins.length || ins[k] < 0) throw new RangeError(`readTflite: ${where} has no input ${k} (${role})`);
      const t = tensorAt(ins[k], `${where} input ${k}`);
      if (t.type !== type) throw new RangeError(`readTflite: ${where} input ${k} (${role}, ${describe(ins[k])}) is ${tensorTypeName(t.type)}; expected ${tensorTypeName(type)}`);
      if (constant === "constant" && !t.bytes) throw new RangeError(`readTflite: ${where} input ${k} (${role}, ${describe(ins[k])}) has no data; expected a constant`);
      if (constant === "activation" && t.bytes) throw new RangeError(`readTflite: ${where} input ${k} (${role}, ${describe(ins[k])}) is a constant; expected an activation`);
      return ins[k];
    };
    const out = (): [number] => {
      const t = tensorAt(outs[0], `${where} output`);
      if (t.type !== TensorType.INT8) throw new RangeError(`readTflite: ${where} output (${describe(outs[0])}) is ${tensorTypeName(t.type)}; expected INT8`);
      return [outs[0]];
    };
    const optionalBias = (): number => {
      if (ins.length < 3 || ins[2] < 0) return -1;
      return need(2, TensorType.INT32, "bias", "constant");
    };
    const activation = (slot: number): FusedActivation => {
      const a = opt.int8(slot);
      if (a === ActivationFunctionType.NONE) return "none";
      if (a === ActivationFunctionType.RELU) return "relu";
      if (a === ActivationFunctionType.RELU6) return "relu6";
      throw new RangeError(`readTflite: ${where} fuses activation ${activationName(a)}; supported: NONE, RELU, RELU6`);
    };
    const padding = (slot: number): Padding => {
      const p = opt.int8(slot);
      if (p === PaddingCode.SAME) return "same";
      if (p === PaddingCode.VALID) return "valid";
      throw new RangeError(`readTflite: ${where} has padding code ${p}; expected SAME (0) or VALID (1)`);
    };
    const positive = (value: number, what: string): number => {
      if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`readTflite: ${where} has ${what} ${value}; expected an integer ≥ 1`);
      return value;
    };
    const int32Data = (id: number): number[] => {
      const t = raw[id];
      const view = new DataView(t.bytes!.buffer, t.bytes!.byteOffset, t.bytes!.byteLength);
      return Array.from({ length: t.bytes!.byteLength / 4 }, (_, j) => view.getInt32(4 * j, true));
    };
    const int8 = TensorType.INT8;

    switch (kind) {
      case "conv2d":
        return {
          kind, inputs: [need(0, int8, "input", "either"), need(1, int8, "filter", "constant"), optionalBias()], outputs: out(),
          stride: [positive(opt.int32(Conv2DOptionsField.strideH), "stride_h"), positive(opt.int32(Conv2DOptionsField.strideW), "stride_w")],
          padding: padding(Conv2DOptionsField.padding),
          dilation: [positive(opt.int32(Conv2DOptionsField.dilationH, 1), "dilation_h_factor"), positive(opt.int32(Conv2DOptionsField.dilationW, 1), "dilation_w_factor")],
          activation: activation(Conv2DOptionsField.fusedActivation),
        };
      case "depthwiseConv2d": {
        const input = need(0, int8, "input", "either");
        const filter = need(1, int8, "filter", "constant");
        const depthMultiplier = positive(opt.int32(DepthwiseConv2DOptionsField.depthMultiplier), "depth_multiplier");
        const inChannels = raw[input].shape[raw[input].shape.length - 1];
        const filterChannels = raw[filter].shape[raw[filter].shape.length - 1];
        if (inChannels * depthMultiplier !== filterChannels) {
          throw new RangeError(`readTflite: ${where}: input channels ${inChannels} × depth_multiplier ${depthMultiplier} ≠ filter channels ${filterChannels}`);
        }
        return {
          kind, inputs: [input, filter, optionalBias()], outputs: out(),
          stride: [positive(opt.int32(DepthwiseConv2DOptionsField.strideH), "stride_h"), positive(opt.int32(DepthwiseConv2DOptionsField.strideW), "stride_w")],
          padding: padding(DepthwiseConv2DOptionsField.padding),
          dilation: [positive(opt.int32(DepthwiseConv2DOptionsField.dilationH, 1), "dilation_h_factor"), positive(opt.int32(DepthwiseConv2DOptionsField.dilationW, 1), "dilation_w_factor")],
          depthMultiplier,
          activation: activation(DepthwiseConv2DOptionsField.fusedActivation),
        };
      }
      case "fullyConnected":
        if (opt.int8(FullyConnectedOptionsField.weightsFormat) !== 0) throw new RangeError(`readTflite: ${where} uses a shuffled weights format; only DEFAULT is supported`);
        if (opt.bool(FullyConnectedOptionsField.keepNumDims)) throw new RangeError(`readTflite: ${where} sets keep_num_dims; only the flattening FULLY_CONNECTED is supported`);
        return {
          kind, inputs: [need(0, int8, "input", "either"), need(1, int8, "weights", "constant"), optionalBias()], outputs: out(),
          activation: activation(FullyConnectedOptionsField.fusedActivation),
        };
      case "add":
        return { kind, inputs: [need(0, int8, "input 1", "either"), need(1, int8, "input 2", "either")], outputs: out(), activation: activation(AddOptionsField.fusedActivation) };
      case "mul":
        return { kind, inputs: [need(0, int8, "input 1", "either"), need(1, int8, "input 2", "either")], outputs: out(), activation: activation(MulOptionsField.fusedActivation) };
      case "mean":
        return { kind, inputs: [need(0, int8, "input", "either"), need(1, TensorType.INT32, "axes", "constant")], outputs: out(), keepDims: opt.bool(ReducerOptionsField.keepDims) };
      case "averagePool2d":
      case "maxPool2d":
        return {
          kind, inputs: [need(0, int8, "input", "either")], outputs: out(),
          filter: [positive(opt.int32(Pool2DOptionsField.filterHeight), "filter_height"), positive(opt.int32(Pool2DOptionsField.filterWidth), "filter_width")],
          stride: [positive(opt.int32(Pool2DOptionsField.strideH), "stride_h"), positive(opt.int32(Pool2DOptionsField.strideW), "stride_w")],
          padding: padding(Pool2DOptionsField.padding),
          activation: activation(Pool2DOptionsField.fusedActivation),
        };
      case "pad": {
        const input = need(0, int8, "input", "either");
        const paddingsId = need(1, TensorType.INT32, "paddings", "constant");
        const rank = raw[input].shape.length;
        const values = int32Data(paddingsId);
        if (values.length !== 2 * rank) throw new RangeError(`readTflite: ${where} paddings ${describe(paddingsId)} hold ${values.length} values; expected [${rank}, 2]`);
        dropped.add(paddingsId);
        return { kind, inputs: [input], outputs: out(), paddings: Array.from({ length: rank }, (_, d): [number, number] => [values[2 * d], values[2 * d + 1]]) };
      }
      case "reshape": {
        const input = need(0, int8, "input", "either");
        let newShape: number[] | null = null;
        if (ins.length >= 2 && ins[1] >= 0) {
          const shapeId = need(1, TensorType.INT32, "shape", "either");
          if (!raw[shapeId].bytes) throw new RangeError(`readTflite: ${where} takes its shape from a computed tensor (${describe(shapeId)}); only a constant shape is supported`);
          newShape = int32Data(shapeId); // TFLite prefers the shape input over the option
          dropped.add(shapeId);
        }
        newShape = newShape ?? opt.int32Vector(ReshapeOptionsField.newShape) ?? raw[outs[0]].shape;
        return { kind, inputs: [input], outputs: out(), newShape };
      }
      case "concatenation":
        return {
          kind, inputs: ins.map((_, k) => need(k, int8, `input ${k}`, "either")), outputs: out(),
          axis: opt.int32(ConcatenationOptionsField.axis), activation: activation(ConcatenationOptionsField.fusedActivation),
        };
      case "softmax":
        return { kind, inputs: [need(0, int8, "input", "either")], outputs: out(), beta: opt.float32(SoftmaxOptionsField.beta) };
      case "logistic":
      case "tanh":
      case "hardSwish":
      case "quantize":
        return { kind, inputs: [need(0, int8, "input", "either")], outputs: out() };
    }
  });

  // ---- Renumber the tensors that stay, convert them, and map every id through.
  for (const id of dropped) {
    if (inputs.includes(id) || outputs.includes(id)) dropped.delete(id);
  }
  const newId = new Map<number, number>();
  const tensors: GraphTensor[] = [];
  raw.forEach((t, i) => {
    if (dropped.has(i)) return;
    newId.set(i, tensors.length);
    tensors.push(toGraphTensor(t, i, tensors.length));
  });
  // A dropped tensor that an op other than its PAD/RESHAPE still reads makes the graph inconsistent.
  const mapId = (id: number, where: string): number => {
    if (id === -1) return -1;
    const mapped = newId.get(id);
    if (mapped === undefined) throw new RangeError(`readTflite: ${where} reads ${describe(id)}, which is also a PAD/RESHAPE shape input; not supported`);
    return mapped;
  };
  const operators = ops.map((op, i) => ({
    ...op,
    inputs: op.inputs.map((id) => mapId(id, `operator ${i}`)),
    outputs: op.outputs.map((id) => mapId(id, `operator ${i}`)),
  })) as GraphOp[];

  const graph: QuantizedGraph = {
    format: 1,
    name: options.name ?? (subgraph.string(SubGraphField.name) || description),
    tensors,
    operators,
    inputs: inputs.map((id) => mapId(id, "graph input")),
    outputs: outputs.map((id) => mapId(id, "graph output")),
  };
  const provenance = readProvenance(model, buffers, description);
  if (provenance) graph.provenance = provenance;
  return graph;
}

function toGraphTensor(t: RawTensor, fileIndex: number, id: number): GraphTensor {
  const where = `tensor ${fileIndex} "${t.name}"`;
  let dtype: DType;
  if (t.type === TensorType.INT8) dtype = "int8";
  else if (t.type === TensorType.INT32) dtype = "int32";
  else if (t.type === TensorType.FLOAT32) throw new RangeError(`readTflite: ${where} is FLOAT32: a float (or hybrid) model; readTflite reads full-integer int8 models`);
  else throw new RangeError(`readTflite: ${where} is ${tensorTypeName(t.type)}; expected INT8 (activations, weights) or INT32 (biases, shapes, axes)`);
  if (dtype === "int8" && !t.quant) throw new RangeError(`readTflite: ${where} is INT8 without a quantization scale`);
  const tensor: GraphTensor = { id, name: t.name, shape: t.shape, dtype };
  if (t.quant) tensor.quant = t.quant;
  if (t.bytes) {
    const n = product(t.shape);
    const elementBytes = dtype === "int8" ? 1 : 4;
    if (t.bytes.length !== n * elementBytes) throw new RangeError(`readTflite: ${where} has ${t.bytes.length} data bytes for shape ${JSON.stringify(t.shape)}; expected ${n * elementBytes}`);
    if (dtype === "int8") tensor.data = Array.from(new Int8Array(t.bytes.buffer, t.bytes.byteOffset, n));
    else {
      const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
      tensor.data = Array.from({ length: n }, (_, j) => view.getInt32(4 * j, true));
    }
  }
  return tensor;
}

/** exportTflite's provenance entry (JSON), or, for another tool's file, where it came from. */
function readProvenance(model: TableView, buffers: TableView[], description: string): Record<string, string | number> | undefined {
  for (const m of model.tables(ModelField.metadata, "metadata")) {
    if (m.string(MetadataField.name) !== PROVENANCE_METADATA) continue;
    const index = m.uint32(MetadataField.buffer);
    const data = index < buffers.length ? buffers[index].bytes(BufferField.data) : null;
    if (!data) throw new RangeError(`readTflite: metadata "${PROVENANCE_METADATA}" points at buffer ${index}, which has no data`);
    const text = new TextDecoder().decode(data);
    try {
      return (JSON.parse(text) as Record<string, string | number> | null) ?? undefined;
    } catch (e) {
      throw new RangeError(`readTflite: metadata "${PROVENANCE_METADATA}" is not JSON (${(e as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
  return { source: "tflite", description };
}

/** Stands in for an absent options table: every field reads as its default. */
function emptyTable(): TableView {
  // The smallest flatbuffer table: root offset, a 4-byte vtable (no fields), the table's soffset.
  const bytes = new Uint8Array([8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0]);
  return new TableView(new ByteBuffer(bytes), 8, "absent options");
}
