// The .tflite reader and writer against files TensorFlow's converter wrote (../shared/fixtures/tflite) and
// against Debian's flatc, which decodes the writer's bytes with a schema subset written here by hand (a
// second transcription of the format facts, independent of schema.ts): structure of both fixtures,
// round trips graph → file → graph and file → graph → file → graph, 16-byte buffer alignment, operator
// codes, and the errors for files the course cannot read.
import { execFileSync } from "child_process";
import { readTfliteFixture } from "./fixtures";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ByteBuffer } from "flatbuffers";
import { describe, expect, it } from "vitest";
import type { GraphOp, QuantizedGraph } from "../graph";
import { runQuantizedTrace } from "../interpreter";
import { readTflite } from "./reader";
import { ModelField, SubGraphField, TableView, TensorField, OperatorCodeField, BufferField } from "./schema";
import { syntheticActivations, syntheticCnn } from "./synthetic-graphs";
import { exportTflite } from "./writer";

const fixture = readTfliteFixture;

/** The float32 bit patterns of a list of scales, so scale comparisons are bitwise. */
const bits = (scales: number[]): number[] => Array.from(new Uint32Array(new Float32Array(scales).buffer));

function modelView(bytes: Uint8Array): TableView {
  const bb = new ByteBuffer(bytes);
  return new TableView(bb, bb.readUint32(0), "Model");
}

describe("readTflite on the converter's files", () => {
  it("hello_world_int8: three FULLY_CONNECTED layers, per-tensor weights, the documented input/output parameters", () => {
    const g = readTflite(fixture("hello_world_int8.tflite"));
    expect(g.operators.map((o) => o.kind)).toEqual(["fullyConnected", "fullyConnected", "fullyConnected"]);
    expect(g.operators.map((o) => (o as Extract<GraphOp, { kind: "fullyConnected" }>).activation)).toEqual(["relu", "relu", "none"]);
    expect(g.tensors).toHaveLength(10);
    const [input] = g.inputs.map((id) => g.tensors[id]);
    const [output] = g.outputs.map((id) => g.tensors[id]);
    expect(input.shape).toEqual([1, 1]);
    expect(input.quant!.zeroPoint).toEqual([-128]);
    expect(input.quant!.scale[0]).toBeCloseTo(0.0244801, 6); // notes §1: input (0.0244801, −128)
    expect(Math.fround(input.quant!.scale[0])).toBe(input.quant!.scale[0]); // a float32 value
    expect(output.shape).toEqual([1, 1]);
    expect(output.quant!.zeroPoint).toEqual([5]);
    // The fused-ReLU outputs have zero point −128 (notes §1).
    for (const op of g.operators.slice(0, 2)) expect(g.tensors[op.outputs[0]].quant!.zeroPoint).toEqual([-128]);
    const [w1, w2, w3] = g.operators.map((op) => g.tensors[(op.inputs as number[])[1]]);
    expect([w1.shape, w2.shape, w3.shape]).toEqual([[16, 1], [16, 16], [1, 16]]);
    for (const w of [w1, w2, w3]) {
      expect(w.quant!.scale).toHaveLength(1);
      expect(w.data!.every((v) => v >= -127 && v <= 127)).toBe(true);
    }
    expect(g.tensors[(g.operators[1].inputs as number[])[2]]).toMatchObject({ dtype: "int32", shape: [16] });
    expect(g.provenance).toEqual({ source: "tflite", description: "MLIR Converted." });
  });

  it("micro_speech: deprecated-only operator codes read as RESHAPE, DEPTHWISE_CONV_2D, FULLY_CONNECTED, SOFTMAX", () => {
    const bytes = fixture("micro_speech_quantized.tflite");
    // The file really sets only deprecated_builtin_code: builtin_code is absent and reads as 0 (ADD).
    const codes = modelView(bytes).tables(ModelField.operatorCodes, "operator_codes");
    expect(codes.map((c) => c.has(OperatorCodeField.builtinCode))).toEqual([false, false, false, false]);
    expect(codes.map((c) => c.int8(OperatorCodeField.deprecatedBuiltinCode))).toEqual([4, 9, 22, 25]);

    const g = readTflite(bytes, { name: "micro_speech" });
    expect(g.name).toBe("micro_speech");
    expect(g.operators.map((o) => o.kind)).toEqual(["reshape", "depthwiseConv2d", "fullyConnected", "softmax"]);
    const [reshape, dw, fc, softmax] = g.operators as [
      Extract<GraphOp, { kind: "reshape" }>, Extract<GraphOp, { kind: "depthwiseConv2d" }>,
      Extract<GraphOp, { kind: "fullyConnected" }>, Extract<GraphOp, { kind: "softmax" }>,
    ];
    expect(reshape.newShape).toEqual([-1, 49, 40, 1]);
    expect(g.tensors[g.inputs[0]].shape).toEqual([1, 1960]);
    expect(dw).toMatchObject({ stride: [2, 2], padding: "same", dilation: [1, 1], depthMultiplier: 8, activation: "relu" });
    const filter = g.tensors[dw.inputs[1]];
    expect(filter.shape).toEqual([1, 10, 8, 8]);
    expect(filter.quant!.axis).toBe(3);
    expect(filter.quant!.scale).toHaveLength(8);
    expect(new Set(filter.quant!.scale).size).toBe(8); // genuinely per-channel
    const bias = g.tensors[dw.inputs[2]];
    expect(bias).toMatchObject({ dtype: "int32", shape: [8] });
    expect(bias.quant!.axis).toBe(0); // the converter writes the per-channel bias with qdim 0 (notes §1)
    expect(g.tensors[dw.outputs[0]].shape).toEqual([1, 25, 20, 8]);
    expect(g.tensors[fc.inputs[1]].shape).toEqual([4, 4000]);
    expect(g.tensors[fc.inputs[1]].quant!.scale).toHaveLength(1);
    expect(softmax.beta).toBe(1);
    expect(g.tensors[softmax.outputs[0]].quant).toEqual({ scale: [0.00390625], zeroPoint: [-128], axis: 0 });
    // The RESHAPE's int32 shape tensor became newShape and left the tensor list.
    expect(g.tensors).toHaveLength(9);
    expect(g.tensors.some((t) => t.name === "Reshape_2/shape")).toBe(false);
    expect(g.tensors.every((t, i) => t.id === i)).toBe(true);
  });
});

describe("exportTflite → readTflite", () => {
  for (const make of [syntheticCnn, syntheticActivations]) {
    it(`${make().name}: the same graph back, scales bitwise as float32`, () => {
      const graph = make();
      const back = readTflite(exportTflite(graph));
      expect(back).toStrictEqual(graph);
      back.tensors.forEach((t, i) => {
        if (t.quant) expect(bits(t.quant.scale)).toEqual(bits(graph.tensors[i].quant!.scale));
      });
    });
  }

  it("the synthetic graphs are consistent enough for the interpreter, and run the same after the round trip", () => {
    for (const graph of [syntheticCnn(), syntheticActivations()]) {
      const size = graph.tensors[graph.inputs[0]].shape.reduce((a, b) => a * b, 1);
      const input = Int8Array.from({ length: size }, (_, i) => ((i * 37) % 256) - 128);
      const before = runQuantizedTrace(graph, input).outputs;
      expect(runQuantizedTrace(readTflite(exportTflite(graph)), input).outputs).toEqual(before);
    }
  });

  it("the synthetic graphs use every GraphOp kind", () => {
    const kinds = new Set([...syntheticCnn().operators, ...syntheticActivations().operators].map((o) => o.kind));
    expect([...kinds].sort()).toEqual([
      "add", "averagePool2d", "concatenation", "conv2d", "depthwiseConv2d", "fullyConnected", "hardSwish", "logistic",
      "maxPool2d", "mean", "mul", "pad", "quantize", "reshape", "softmax", "tanh",
    ]);
  });

  for (const name of ["hello_world_int8.tflite", "micro_speech_quantized.tflite"]) {
    it(`${name}: read → export → read gives the same graph`, () => {
      const graph = readTflite(fixture(name));
      const again = readTflite(exportTflite(graph));
      expect(again).toStrictEqual(graph);
    });
  }

  it("writes TFL3, version 3, an empty buffers[0], 16-byte-aligned constant data and both operator code fields", () => {
    const graph = syntheticActivations();
    const bytes = exportTflite(graph);
    expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe("TFL3");
    const model = modelView(bytes);
    expect(model.uint32(ModelField.version)).toBe(3);
    expect(model.string(ModelField.description)).toMatch(/tinyml-course/);
    const buffers = model.tables(ModelField.buffers, "buffers");
    expect(buffers[0].has(BufferField.data)).toBe(false);
    const withData = buffers.slice(1).map((b) => b.vector(BufferField.data, 1)!);
    expect(withData.length).toBeGreaterThan(0);
    for (const v of withData) expect(v.start % 16).toBe(0);
    const tensors = model.tables(ModelField.subgraphs, "subgraphs")[0].tables(SubGraphField.tensors, "tensors");
    // The graph's constants plus the reshape's int32 shape tensor have data; nothing else does.
    const constants = graph.tensors.filter((t) => t.data).length + graph.operators.filter((o) => o.kind === "reshape" || o.kind === "pad").length;
    expect(tensors.filter((t) => t.uint32(TensorField.buffer) !== 0)).toHaveLength(constants);
    for (const c of model.tables(ModelField.operatorCodes, "operator_codes")) {
      expect(c.has(OperatorCodeField.deprecatedBuiltinCode)).toBe(true);
      expect(c.has(OperatorCodeField.builtinCode)).toBe(true);
      const code = c.int32(OperatorCodeField.builtinCode);
      expect(c.int8(OperatorCodeField.deprecatedBuiltinCode)).toBe(Math.min(code, 127));
    }
  });
});

describe("readTflite refuses what it cannot represent, saying what and why", () => {
  /** A copy of a file (a fixture's name, or bytes) with the first byte of one field patched. */
  function patched(file: string | Uint8Array, locate: (model: TableView) => { table: TableView; slot: number }, value: number): Uint8Array {
    const bytes = typeof file === "string" ? fixture(file).slice() : file.slice();
    const { table, slot } = locate(modelView(bytes));
    const rel = table.bb.__offset(table.pos, 4 + 2 * slot);
    expect(rel).not.toBe(0);
    bytes[table.pos + rel] = value & 0xff;
    return bytes;
  }
  const tensor = (index: number) => (m: TableView) => ({ table: m.tables(ModelField.subgraphs, "s")[0].tables(SubGraphField.tensors, "t")[index], slot: TensorField.type });

  it("a missing TFL3 identifier", () => {
    const bytes = fixture("hello_world_int8.tflite").slice();
    bytes.set([88, 88, 88, 88], 4);
    expect(() => readTflite(bytes)).toThrow(/bytes 4\.\.7 are "XXXX", not the file identifier "TFL3"/);
  });

  it("a float model", () => {
    const bytes = patched("hello_world_int8.tflite", tensor(0), 0 /* FLOAT32 */);
    expect(() => readTflite(bytes)).toThrow(/a float model: graph input 0 \(tensor 0 "serving_default_dense_input:0"\) is FLOAT32/);
  });

  it("a non-int8 tensor where int8 is needed", () => {
    const bytes = patched("micro_speech_quantized.tflite", tensor(7), 3 /* UINT8 */);
    expect(() => readTflite(bytes)).toThrow(/operator 2 \(FULLY_CONNECTED \(builtin code 9\)\) input 1 \(weights, tensor 7 "final_fc_weights\/read\/transpose"\) is UINT8; expected INT8/);
  });

  it("an unsupported operator, by name and code", () => {
    const bytes = patched("micro_speech_quantized.tflite", (m) => ({ table: m.tables(ModelField.operatorCodes, "c")[3], slot: OperatorCodeField.deprecatedBuiltinCode }), 50);
    expect(() => readTflite(bytes)).toThrow(/operator 3 is LOG_SOFTMAX \(builtin code 50\), which the course's int8 graphs do not support/);
  });

  it("an operator code above 127, read from builtin_code (deprecated_builtin_code holds the placeholder 127)", () => {
    // Patch the exported CNN's first operator code (PAD, both fields written) to GELU = 150, as a converter writes it.
    const code = (m: TableView) => m.tables(ModelField.operatorCodes, "c")[0];
    const gelu = patched(patched(exportTflite(syntheticCnn()), (m) => ({ table: code(m), slot: OperatorCodeField.builtinCode }), 150),
      (m) => ({ table: code(m), slot: OperatorCodeField.deprecatedBuiltinCode }), 127);
    expect(() => readTflite(gelu)).toThrow(/operator 0 is GELU \(builtin code 150\), which the course's int8 graphs do not support/);
  });

  it("a truncated file", () => {
    const bytes = fixture("micro_speech_quantized.tflite").slice(0, 6000);
    expect(() => readTflite(bytes)).toThrow(/outside|past the end/);
  });
});

describe("exportTflite refuses graphs a .tflite cannot hold exactly", () => {
  it("a scale that is not a float32 value", () => {
    const g = syntheticCnn();
    g.tensors[0].quant!.scale = [0.1];
    expect(() => exportTflite(g)).toThrow(/tensor 0 "input" scale\[0\] = 0\.1 is not a float32 value/);
  });
  it("a per-channel scale count that does not match the axis", () => {
    const g = syntheticCnn();
    g.tensors[2].quant!.scale.pop();
    g.tensors[2].quant!.zeroPoint.pop();
    expect(() => exportTflite(g)).toThrow(/has 3 per-channel scales on axis 0 of shape \[4,3,3,2\]; expected 4/);
  });
  it("an int8 value out of range", () => {
    const g = syntheticCnn();
    g.tensors[2].data![5] = 128;
    expect(() => exportTflite(g)).toThrow(/data\[5\] = 128; expected an int8 integer in \[-128, 127\]/);
  });
});

// ---- An independent decoder: Debian's flatc with a schema subset written here, by hand.
const SUBSET_FBS = `
namespace tflite;
file_identifier "TFL3";
enum TensorType : byte { FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, UINT8 = 3, INT64 = 4, STRING = 5, BOOL = 6, INT16 = 7, COMPLEX64 = 8, INT8 = 9 }
table CustomQuantization { custom:[ubyte]; }
union QuantizationDetails { CustomQuantization }
table QuantizationParameters { min:[float]; max:[float]; scale:[float]; zero_point:[long]; details:QuantizationDetails; quantized_dimension:int; }
table Tensor { shape:[int]; type:TensorType; buffer:uint; name:string; quantization:QuantizationParameters; is_variable:bool = false; }
enum Padding : byte { SAME = 0, VALID = 1 }
enum ActivationFunctionType : byte { NONE = 0, RELU = 1, RELU_N1_TO_1 = 2, RELU6 = 3, TANH = 4, SIGN_BIT = 5 }
table Conv2DOptions { padding:Padding; stride_w:int; stride_h:int; fused_activation_function:ActivationFunctionType; dilation_w_factor:int = 1; dilation_h_factor:int = 1; }
table DepthwiseConv2DOptions { padding:Padding; stride_w:int; stride_h:int; depth_multiplier:int; fused_activation_function:ActivationFunctionType; dilation_w_factor:int = 1; dilation_h_factor:int = 1; }
table Pool2DOptions { padding:Padding; stride_w:int; stride_h:int; filter_width:int; filter_height:int; fused_activation_function:ActivationFunctionType; }
table FullyConnectedOptions { fused_activation_function:ActivationFunctionType; weights_format:byte; keep_num_dims:bool; asymmetric_quantize_inputs:bool; }
table SoftmaxOptions { beta:float; }
table ConcatenationOptions { axis:int; fused_activation_function:ActivationFunctionType; }
table AddOptions { fused_activation_function:ActivationFunctionType; pot_scale_int16:bool = true; }
table MulOptions { fused_activation_function:ActivationFunctionType; }
table ReshapeOptions { new_shape:[int]; }
table PadOptions {}
table ReducerOptions { keep_dims:bool; }
table QuantizeOptions {}
table HardSwishOptions {}
union BuiltinOptions { Conv2DOptions = 1, DepthwiseConv2DOptions = 2, Pool2DOptions = 5, FullyConnectedOptions = 8, SoftmaxOptions = 9, ConcatenationOptions = 10, AddOptions = 11, ReshapeOptions = 17, MulOptions = 21, PadOptions = 22, ReducerOptions = 27, QuantizeOptions = 89, HardSwishOptions = 91 }
table OperatorCode { deprecated_builtin_code:byte; custom_code:string; version:int = 1; builtin_code:int; }
table Operator { opcode_index:uint; inputs:[int]; outputs:[int]; builtin_options:BuiltinOptions; }
table SubGraph { tensors:[Tensor]; inputs:[int]; outputs:[int]; operators:[Operator]; name:string; }
table Buffer { data:[ubyte]; offset:ulong; size:ulong; }
table Metadata { name:string; buffer:uint; }
table Model { version:uint; operator_codes:[OperatorCode]; subgraphs:[SubGraph]; description:string; buffers:[Buffer]; metadata_buffer:[int]; metadata:[Metadata]; }
root_type Model;
`;

const flatc = (() => {
  try {
    execFileSync("flatc", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
})();

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** flatc's JSON of a .tflite (every scalar printed, defaults included). */
function flatcJson(bytes: Uint8Array, dir: string, name: string): Json {
  const file = path.join(dir, `${name}.tflite`);
  fs.writeFileSync(file, bytes);
  execFileSync("flatc", ["--json", "--strict-json", "--defaults-json", "--raw-binary", "-o", dir, path.join(dir, "subset.fbs"), "--", file], { stdio: "pipe" });
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), "utf8"));
}

const ACT: Record<string, string> = { none: "NONE", relu: "RELU", relu6: "RELU6" };
const PAD: Record<string, string> = { same: "SAME", valid: "VALID" };
const CODE: Record<string, number> = {
  conv2d: 3, depthwiseConv2d: 4, fullyConnected: 9, add: 0, mul: 18, mean: 40, averagePool2d: 1, maxPool2d: 17, pad: 34,
  reshape: 22, concatenation: 2, softmax: 25, logistic: 14, tanh: 28, hardSwish: 117, quantize: 114,
};

/** What the file must say about an op, written from the graph without the writer's tables. */
function expectedOptions(op: GraphOp): [string, Json] {
  switch (op.kind) {
    case "conv2d": return ["Conv2DOptions", { padding: PAD[op.padding], stride_h: op.stride[0], stride_w: op.stride[1], dilation_h_factor: op.dilation[0], dilation_w_factor: op.dilation[1], fused_activation_function: ACT[op.activation] }];
    case "depthwiseConv2d": return ["DepthwiseConv2DOptions", { padding: PAD[op.padding], stride_h: op.stride[0], stride_w: op.stride[1], dilation_h_factor: op.dilation[0], dilation_w_factor: op.dilation[1], depth_multiplier: op.depthMultiplier, fused_activation_function: ACT[op.activation] }];
    case "fullyConnected": return ["FullyConnectedOptions", { fused_activation_function: ACT[op.activation], keep_num_dims: false }];
    case "add": return ["AddOptions", { fused_activation_function: ACT[op.activation] }];
    case "mul": return ["MulOptions", { fused_activation_function: ACT[op.activation] }];
    case "mean": return ["ReducerOptions", { keep_dims: op.keepDims }];
    case "averagePool2d":
    case "maxPool2d": return ["Pool2DOptions", { padding: PAD[op.padding], filter_height: op.filter[0], filter_width: op.filter[1], stride_h: op.stride[0], stride_w: op.stride[1], fused_activation_function: ACT[op.activation] }];
    case "pad": return ["PadOptions", {}];
    case "reshape": return ["ReshapeOptions", { new_shape: op.newShape }];
    case "concatenation": return ["ConcatenationOptions", { axis: op.axis, fused_activation_function: ACT[op.activation] }];
    case "softmax": return ["SoftmaxOptions", { beta: op.beta }];
    case "hardSwish": return ["HardSwishOptions", {}];
    case "quantize": return ["QuantizeOptions", {}];
    case "logistic":
    case "tanh": return ["NONE", undefined];
  }
}

/** Checks flatc's decoding of exportTflite(graph) against the graph, field by field. */
function checkAgainstGraph(json: Json, graph: QuantizedGraph): void {
  expect(json.version).toBe(3);
  expect(json.buffers[0].data ?? []).toEqual([]);
  const sg = json.subgraphs[0];
  expect(sg.name).toBe(graph.name);
  expect(sg.inputs).toEqual(graph.inputs);
  expect(sg.outputs).toEqual(graph.outputs);
  graph.tensors.forEach((t, i) => {
    const ft = sg.tensors[i];
    expect(ft.name).toBe(t.name);
    expect(ft.shape).toEqual(t.shape);
    expect(ft.type).toBe(t.dtype === "int8" ? "INT8" : "INT32");
    if (t.quant) {
      expect(ft.quantization.zero_point).toEqual(t.quant.zeroPoint);
      expect(ft.quantization.quantized_dimension).toBe(t.quant.axis);
      // flatc prints about 6 digits (0.00390625 as 0.003906): a sanity check only; the round trip is bitwise.
      ft.quantization.scale.forEach((s: number, c: number) => expect(Math.abs(s - t.quant!.scale[c])).toBeLessThanOrEqual(Math.max(1e-5 * t.quant!.scale[c], 1e-6)));
    }
    if (t.data) {
      expect(ft.buffer).toBeGreaterThan(0);
      const data: number[] = json.buffers[ft.buffer].data;
      const view = new DataView(new Uint8Array(data).buffer);
      const values = t.dtype === "int8" ? Array.from(new Int8Array(new Uint8Array(data).buffer)) : Array.from({ length: data.length / 4 }, (_, j) => view.getInt32(4 * j, true));
      expect(values).toEqual(t.data);
    } else expect(ft.buffer).toBe(0);
  });
  graph.operators.forEach((op, i) => {
    const fo = sg.operators[i];
    const code = json.operator_codes[fo.opcode_index];
    expect(code.builtin_code).toBe(CODE[op.kind]);
    expect(code.deprecated_builtin_code).toBe(Math.min(CODE[op.kind], 127));
    expect(fo.outputs).toEqual(op.outputs);
    const [type, options] = expectedOptions(op);
    expect(fo.builtin_options_type).toBe(type);
    if (options) expect(fo.builtin_options).toMatchObject(options);
    if (op.kind === "pad" || op.kind === "reshape") {
      expect(fo.inputs[0]).toBe(op.inputs[0]);
      const shapeTensor = sg.tensors[fo.inputs[1]];
      expect(shapeTensor.type).toBe("INT32");
      const data: number[] = json.buffers[shapeTensor.buffer].data;
      const view = new DataView(new Uint8Array(data).buffer);
      const values = Array.from({ length: data.length / 4 }, (_, j) => view.getInt32(4 * j, true));
      expect(values).toEqual(op.kind === "pad" ? op.paddings.flat() : op.newShape);
      expect(shapeTensor.shape).toEqual(op.kind === "pad" ? [op.paddings.length, 2] : [op.newShape.length]);
    } else expect(fo.inputs).toEqual(op.inputs);
  });
}

describe.skipIf(!flatc)("Debian flatc decodes the writer's bytes" + (flatc ? "" : " (skipped: flatc not on PATH; apt-get install flatbuffers-compiler)"), () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tflite-flatc-"));
  fs.writeFileSync(path.join(dir, "subset.fbs"), SUBSET_FBS);

  for (const make of [syntheticCnn, syntheticActivations]) {
    it(`${make().name}: every tensor, buffer, operator code and option as the graph says`, () => {
      const graph = make();
      checkAgainstGraph(flatcJson(exportTflite(graph), dir, graph.name), graph);
    });
  }

  it("operator versions are the converter's int8 versions", () => {
    const versions = (g: QuantizedGraph): Record<string, number> => {
      const json = flatcJson(exportTflite(g), dir, `versions-${g.name}`);
      const out: Record<string, number> = {};
      g.operators.forEach((op, i) => (out[`${i}:${op.kind}`] = json.operator_codes[json.subgraphs[0].operators[i].opcode_index].version));
      return out;
    };
    expect(versions(syntheticCnn())).toEqual({
      "0:pad": 2, "1:conv2d": 3, "2:depthwiseConv2d": 3, "3:conv2d": 3, "4:add": 2, "5:averagePool2d": 2, "6:maxPool2d": 2,
      "7:mul": 2, "8:mean": 2, "9:reshape": 1, "10:fullyConnected": 4, "11:softmax": 2,
    });
    expect(versions(syntheticActivations())).toEqual({
      "0:logistic": 2, "1:tanh": 2, "2:hardSwish": 1, "3:quantize": 1, "4:quantize": 1, "5:quantize": 1,
      "6:concatenation": 2, "7:reshape": 1, "8:fullyConnected": 4, "9:mul": 3,
    });
  });

  for (const name of ["hello_world_int8", "micro_speech_quantized"]) {
    it(`${name}: the re-exported file says what the converter's file says (tensors by name, ops, options)`, () => {
      const original = flatcJson(fixture(`${name}.tflite`), dir, `${name}-original`);
      const again = flatcJson(exportTflite(readTflite(fixture(`${name}.tflite`))), dir, `${name}-again`);
      const tensorsByName = (json: Json): Map<string, Json> => new Map(json.subgraphs[0].tensors.map((t: Json) => [t.name, t]));
      const [a, b] = [tensorsByName(original), tensorsByName(again)];
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [tname, t] of a) {
        const u = b.get(tname);
        expect(u.shape, tname).toEqual(t.shape);
        expect(u.type, tname).toEqual(t.type);
        expect(u.quantization?.scale ?? [], tname).toEqual(t.quantization?.scale ?? []);
        expect(u.quantization?.zero_point ?? [], tname).toEqual(t.quantization?.zero_point ?? []);
        expect(u.quantization?.quantized_dimension ?? 0, tname).toEqual(t.quantization?.quantized_dimension ?? 0);
        expect(again.buffers[u.buffer].data ?? [], tname).toEqual(original.buffers[t.buffer].data ?? []);
      }
      const nameOf = (json: Json, id: number): string => (id < 0 ? "-" : json.subgraphs[0].tensors[id].name);
      const ops = (json: Json) => json.subgraphs[0].operators.map((o: Json) => {
        const c = json.operator_codes[o.opcode_index];
        return {
          code: Math.max(c.builtin_code, c.deprecated_builtin_code), version: c.version,
          inputs: o.inputs.map((id: number) => nameOf(json, id)), outputs: o.outputs.map((id: number) => nameOf(json, id)),
          type: o.builtin_options_type, options: o.builtin_options,
        };
      });
      expect(ops(again)).toEqual(ops(original));
    });
  }
});

