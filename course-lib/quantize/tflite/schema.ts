// The part of the TensorFlow Lite flatbuffer format (.tflite, schema version 3) that the course reads and
// writes, written by hand from the format's documented facts (../shared/notes/int8-quantization.md §4):
// table field slots (a field's slot is its declaration index in the schema; a union field takes two
// slots, its type byte then its value), the enum codes, and the BuiltinOptions union indices. It is not
// generated from TensorFlow's schema.fbs and holds only what the course's int8 graphs use.
//
// `TableView` is a bounds-checked reader over the npm `flatbuffers` ByteBuffer: the runtime's own
// accessors read past the end of a truncated file as zeros, and a reader must say "corrupt" instead.
import { ByteBuffer } from "flatbuffers";

/** Bytes 4..7 of every .tflite file. */
export const FILE_IDENTIFIER = "TFL3";
/** Model.version that TFLM checks (TFLITE_SCHEMA_VERSION). */
export const SCHEMA_VERSION = 3;

// ---- Table field slots, in declaration order.

export const ModelField = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadataBuffer: 5, metadata: 6, signatureDefs: 7 } as const;
export const MODEL_FIELDS = 8;

export const SubGraphField = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;
export const SUBGRAPH_FIELDS = 5;

export const TensorField = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8 } as const;
export const TENSOR_FIELDS = 9;

/** `details` is a union (QuantizationDetails): slot 4 is its type, slot 5 its value. */
export const QuantizationField = { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 } as const;
export const QUANTIZATION_FIELDS = 7;

/** `builtin_options` is a union: slot 3 is its type (a BuiltinOptions index), slot 4 the options table. */
export const OperatorField = { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5 } as const;
export const OPERATOR_FIELDS = 6;

/** `version` defaults to 1; `deprecated_builtin_code` is an int8, so codes > 127 live in `builtin_code` only. */
export const OperatorCodeField = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 } as const;
export const OPERATOR_CODE_FIELDS = 4;
/** deprecated_builtin_code's value for every operator whose code does not fit an int8. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** Buffer.data is a [ubyte] with force_align 16 (its first byte sits at a multiple of 16 in the file). */
export const BufferField = { data: 0, offset: 1, size: 2 } as const;
export const BUFFER_FIELDS = 3;
export const BUFFER_ALIGNMENT = 16;

export const MetadataField = { name: 0, buffer: 1 } as const;
export const METADATA_FIELDS = 2;

// ---- Options tables (fields with their schema defaults in comments).

export const Conv2DOptionsField = { padding: 0, strideW: 1, strideH: 2, fusedActivation: 3, dilationW: 4 /* = 1 */, dilationH: 5 /* = 1 */ } as const;
export const CONV2D_OPTIONS_FIELDS = 6;
export const DepthwiseConv2DOptionsField = { padding: 0, strideW: 1, strideH: 2, depthMultiplier: 3, fusedActivation: 4, dilationW: 5 /* = 1 */, dilationH: 6 /* = 1 */ } as const;
export const DEPTHWISE_OPTIONS_FIELDS = 7;
export const Pool2DOptionsField = { padding: 0, strideW: 1, strideH: 2, filterWidth: 3, filterHeight: 4, fusedActivation: 5 } as const;
export const POOL2D_OPTIONS_FIELDS = 6;
export const FullyConnectedOptionsField = { fusedActivation: 0, weightsFormat: 1, keepNumDims: 2, asymmetricQuantizeInputs: 3 } as const;
export const FULLY_CONNECTED_OPTIONS_FIELDS = 4;
export const SoftmaxOptionsField = { beta: 0 } as const;
export const ConcatenationOptionsField = { axis: 0, fusedActivation: 1 } as const;
/** pot_scale_int16 defaults to true and only matters for int16. */
export const AddOptionsField = { fusedActivation: 0, potScaleInt16: 1 } as const;
export const MulOptionsField = { fusedActivation: 0 } as const;
export const ReshapeOptionsField = { newShape: 0 } as const;
export const ReducerOptionsField = { keepDims: 0 } as const;

/** Index of each options table in the BuiltinOptions union (NONE = 0). */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
  QuantizeOptions: 89,
  HardSwishOptions: 91,
} as const;

// ---- Enums.

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7, COMPLEX64: 8, INT8: 9, FLOAT64: 10 } as const;
const TENSOR_TYPE_NAMES = ["FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4"];
export const tensorTypeName = (type: number): string => TENSOR_TYPE_NAMES[type] ?? `TensorType ${type}`;

export const Padding = { SAME: 0, VALID: 1 } as const;
export const ActivationFunctionType = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;
const ACTIVATION_NAMES = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"];
export const activationName = (code: number): string => ACTIVATION_NAMES[code] ?? `ActivationFunctionType ${code}`;

/** The builtin operators the course's graphs use. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  MEAN: 40,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

/** Names of builtin operator codes 0..161, so an error can name an operator the course does not support. */
const BUILTIN_OPERATOR_NAMES = (
  "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR " +
  "FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION " +
  "LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH " +
  "CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER " +
  "BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE " +
  "BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM " +
  "ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE " +
  "TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK " +
  "LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD " +
  "RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N " +
  "GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE " +
  "NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL " +
  "PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE " +
  "HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE " +
  "ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU " +
  "DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 " +
  "UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT"
).split(" ");
export const builtinOperatorName = (code: number): string => BUILTIN_OPERATOR_NAMES[code] ?? `builtin operator ${code}`;

// ---- Reading.

/** A table in a flatbuffer, with bounds-checked field access. `where` names it in error messages. */
export class TableView {
  constructor(readonly bb: ByteBuffer, readonly pos: number, readonly where: string) {
    const size = bb.capacity();
    if (pos < 0 || pos + 4 > size) throw new RangeError(`readTflite: ${where} lies outside the ${size}-byte file (corrupt or truncated)`);
    const vtable = pos - bb.readInt32(pos);
    if (vtable < 0 || vtable + 4 > size) throw new RangeError(`readTflite: ${where} has its vtable outside the file (corrupt)`);
    const vtableBytes = bb.readUint16(vtable);
    if (vtable + vtableBytes > size || vtableBytes < 4) throw new RangeError(`readTflite: ${where} has a vtable of ${vtableBytes} bytes past the end of the file (corrupt)`);
  }

  /** Absolute byte position of a field, or 0 when the field is absent (it then reads as its default). */
  private field(slot: number): number {
    const rel = this.bb.__offset(this.pos, 4 + 2 * slot);
    if (rel === 0) return 0;
    const at = this.pos + rel;
    if (at + 1 > this.bb.capacity()) throw new RangeError(`readTflite: ${this.where} field ${slot} lies outside the file (corrupt)`);
    return at;
  }

  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }

  int8(slot: number, defaultValue = 0): number {
    const at = this.field(slot);
    return at ? this.bb.readInt8(at) : defaultValue;
  }

  uint8(slot: number, defaultValue = 0): number {
    const at = this.field(slot);
    return at ? this.bb.readUint8(at) : defaultValue;
  }

  bool(slot: number, defaultValue = false): boolean {
    const at = this.field(slot);
    return at ? this.bb.readUint8(at) !== 0 : defaultValue;
  }

  int32(slot: number, defaultValue = 0): number {
    const at = this.field(slot);
    return at ? this.bb.readInt32(at) : defaultValue;
  }

  uint32(slot: number, defaultValue = 0): number {
    const at = this.field(slot);
    return at ? this.bb.readUint32(at) : defaultValue;
  }

  float32(slot: number, defaultValue = 0): number {
    const at = this.field(slot);
    return at ? this.bb.readFloat32(at) : defaultValue;
  }

  /** The sub-table a field points to, or null. */
  table(slot: number, where: string): TableView | null {
    const at = this.field(slot);
    return at ? new TableView(this.bb, this.bb.__indirect(at), `${this.where} → ${where}`) : null;
  }

  string(slot: number): string | null {
    const at = this.field(slot);
    if (!at) return null;
    const { start, length } = this.vectorAt(at, 1, "string");
    return new TextDecoder().decode(this.bb.bytes().subarray(start, start + length));
  }

  private vectorAt(at: number, elementBytes: number, what: string): { start: number; length: number } {
    const header = this.bb.__indirect(at);
    if (header < 0 || header + 4 > this.bb.capacity()) throw new RangeError(`readTflite: ${this.where} ${what} vector lies outside the file (corrupt)`);
    const length = this.bb.readInt32(header);
    const start = header + 4;
    if (length < 0 || start + length * elementBytes > this.bb.capacity()) {
      throw new RangeError(`readTflite: ${this.where} ${what} vector of ${length} elements runs past the end of the file (corrupt or truncated)`);
    }
    return { start, length };
  }

  /** Start byte and element count of a vector field; null when absent. */
  vector(slot: number, elementBytes: number): { start: number; length: number } | null {
    const at = this.field(slot);
    return at ? this.vectorAt(at, elementBytes, `field ${slot}`) : null;
  }

  int32Vector(slot: number): number[] | null {
    const v = this.vector(slot, 4);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  float32Vector(slot: number): number[] | null {
    const v = this.vector(slot, 4);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** int64 values as numbers; an error if one is not a safe integer (zero points always are). */
  int64Vector(slot: number): number[] | null {
    const v = this.vector(slot, 8);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) {
      const value = this.bb.readInt64(v.start + 8 * i);
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RangeError(`readTflite: ${this.where} int64 value ${value} at index ${i} is not a safe integer`);
      }
      out[i] = Number(value);
    }
    return out;
  }

  /** A [ubyte] field as a view into the file (no copy), or null. */
  bytes(slot: number): Uint8Array | null {
    const v = this.vector(slot, 1);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : null;
  }

  /** A vector of tables. */
  tables(slot: number, what: string): TableView[] {
    const v = this.vector(slot, 4);
    if (!v) return [];
    const out: TableView[] = [];
    for (let i = 0; i < v.length; i++) out.push(new TableView(this.bb, this.bb.__indirect(v.start + 4 * i), `${what}[${i}]`));
    return out;
  }
}
