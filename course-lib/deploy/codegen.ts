// The C code generator of lesson 10: a QuantizedGraph and a memory plan become one self-contained C99 model
// (model.h, model.c, inputs.c) that calls the kernels of c/nn_kernels.h in execution order.
//
// Every integer the C needs (multipliers, shifts, clamps, offsets, LUT and softmax tables) is read from the
// integer interpreter's prepared plans (prepareQuantized, TFLM's double rounding), never recomputed here, so
// the firmware and runQuantized start from the same numbers and any difference is the C's. What the plans do
// not hold as such (rank-4 broadcast strides, right-aligned dims, concatenation blocks) is derived from the
// graph's shapes with the TS kernels' semantics and, where the plan has an equivalent, checked against it.
//
// Memory: weights, biases and parameters are `const` (they land in flash); activations live in one static
// arena at the planner's offsets; one static scratch buffer serves whichever kernel runs (scratch.ts sizes
// it). No malloc. nn_model_invoke() calls nn_op_mark(i) before op i and nn_op_mark(NN_MODEL_OPS) at the
// end (the instruction counter's marks), and under NN_DEBUG_DUMP nn_debug_tensor(i, out, size) after op i.
import type { GraphOp, GraphTensor, QuantizedGraph } from "../quantize/graph";
import { prepareQuantized, type PreparedOp } from "../quantize/interpreter";
import { broadcastIndexMap, product } from "../quantize/kernels/common";
import type { AddPlan } from "../quantize/kernels/add";
import type { ConcatenationPlan } from "../quantize/kernels/concatenation";
import type { Conv2dPlan } from "../quantize/kernels/conv2d";
import type { DepthwiseConv2dPlan } from "../quantize/kernels/depthwise-conv2d";
import type { FullyConnectedPlan } from "../quantize/kernels/fully-connected";
import type { MeanPlan } from "../quantize/kernels/mean";
import type { MulPlan } from "../quantize/kernels/mul";
import type { PadPlan } from "../quantize/kernels/pad";
import type { Pool2dPlan } from "../quantize/kernels/pooling";
import type { RequantizePlan } from "../quantize/kernels/quantize";
import type { SoftmaxPlan } from "../quantize/kernels/softmax";
import { checkKernelSet, type KernelSet } from "./c/sources";
import { IN_PLACE_KINDS, type MemoryPlan } from "./planner";
import { scratchBytes as opScratchBytes } from "./scratch";

/** Where each activation tensor sits in the arena: planner.ts's plans (planCourse, planTflmGreedy, planLinear). */
export type { MemoryPlan };

export interface GenerateOptions {
  /** Test inputs compiled into inputs.c (quantized, the graph's input size each). */
  inputs: Int8Array[];
  kernels: KernelSet;
}

export interface GeneratedModel {
  /** model.h, model.c, inputs.c. */
  files: Record<string, string>;
  arenaBytes: number;
  scratchBytes: number;
}

// ---------------------------------------------------------------------------------------------------------
// C initialisers

export interface CArrayOptions {
  type: "int8_t" | "int32_t";
  /** Byte alignment (a power of two); default 4. */
  alignment?: number;
  /** Linker section, e.g. ".rodata.nn_weights"; no section attribute when omitted. */
  section?: string;
  /** Dimensions of a multi-dimensional array (row-major); default [values.length]. */
  shape?: number[];
}

const LINE_LIMIT = 100;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** C99's keywords: not usable as array names. */
const C_KEYWORDS = new Set(
  ("auto break case char const continue default do double else enum extern float for goto if inline int long " +
    "register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while " +
    "_Bool _Complex _Imaginary").split(" "),
);

/** A C integer literal; INT32_MIN is written as an expression (2147483648 alone is not an int). */
function cInt(v: number): string {
  return v === -2147483648 ? "(-2147483647 - 1)" : String(v);
}

/** Values as comma-separated lines of at most LINE_LIMIT characters, each starting with `indent`. */
function wrapValues(values: string[], indent: string, trailingComma: boolean): string[] {
  const lines: string[] = [];
  let line = indent;
  values.forEach((v, i) => {
    const item = v + (i < values.length - 1 || trailingComma ? "," : "");
    if (line.length > indent.length && line.length + 1 + item.length > LINE_LIMIT) {
      lines.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? " " : "") + item;
  });
  if (line.length > indent.length) lines.push(line);
  return lines;
}

/**
 * A constant array definition, e.g. `const int8_t w[3] __attribute__((aligned(4))) = { 1, -2, 3 };`, wrapped to
 * lines of at most 100 characters; `const` so the linker puts it in flash (.rodata, or `section`).
 */
export function cArray(name: string, values: ArrayLike<number>, options: CArrayOptions): string {
  if (typeof name !== "string" || !C_IDENTIFIER.test(name) || C_KEYWORDS.has(name)) {
    throw new RangeError(`cArray: name ${JSON.stringify(name)} is not a C identifier (letters, digits, _, not a keyword)`);
  }
  const type = options?.type;
  if (type !== "int8_t" && type !== "int32_t") throw new RangeError(`cArray: type must be "int8_t" or "int32_t", got ${JSON.stringify(type)}`);
  const alignment = options.alignment ?? 4;
  if (!(Number.isInteger(alignment) && alignment >= 1 && (alignment & (alignment - 1)) === 0)) {
    throw new RangeError(`cArray: alignment must be a power of two, got ${alignment}`);
  }
  if (options.section !== undefined && !/^[A-Za-z0-9_.$]+$/.test(options.section)) {
    throw new RangeError(`cArray: section ${JSON.stringify(options.section)} must be a section name like ".rodata.nn"`);
  }
  const shape = options.shape ?? [values.length];
  if (shape.length === 0 || shape.some((d) => !(Number.isInteger(d) && d >= 1)) || product(shape) !== values.length) {
    throw new RangeError(`cArray: ${name} has ${values.length} values, which do not fill a non-empty array of shape [${shape}]`);
  }
  const [min, max] = type === "int8_t" ? [-128, 127] : [-2147483648, 2147483647];
  const literals: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw new RangeError(`cArray: ${name}[${i}] = ${v} is not an ${type}`);
    literals[i] = cInt(v);
  }
  const attributes = [`__attribute__((aligned(${alignment})))`];
  if (options.section !== undefined) attributes.push(`__attribute__((section("${options.section}")))`);
  const head = `const ${type} ${name}${shape.map((d) => `[${d}]`).join("")} ${attributes.join(" ")} = {`;
  // Nested braces, one level per dimension (brace elision would trip -Wmissing-braces).
  const body = (dim: number, start: number, indent: string, last: boolean): string[] => {
    if (dim === shape.length - 1) return wrapValues(literals.slice(start, start + shape[dim]), indent, !last);
    const inner = product(shape.slice(dim + 1));
    const lines: string[] = [];
    for (let i = 0; i < shape[dim]; i++) {
      lines.push(`${indent}{`, ...body(dim + 1, start + i * inner, indent + "  ", true), `${indent}}${i < shape[dim] - 1 ? "," : ""}`);
    }
    if (!last) lines[lines.length - 1] += ",";
    return lines;
  };
  const lines = [head, ...body(0, 0, "  ", true), "};"];
  const fitsOnOne = `${head} ${literals.join(", ")} };`;
  if (shape.length === 1 && fitsOnOne.length <= LINE_LIMIT) return fitsOnOne + "\n";
  return lines.join("\n") + "\n";
}

/** A `static const <type> name = { .field = value, ... };` initialiser, wrapped to 100 characters. */
function cStruct(type: string, name: string, fields: [string, string | number][]): string {
  const items = fields.map(([f, v]) => `.${f} = ${typeof v === "number" ? cInt(v) : v}`);
  return [`static const ${type} ${name} = {`, ...wrapValues(items, "  ", false), "};"].join("\n") + "\n";
}

/** An int32 list as a C brace initialiser, `{ 1, 2, 3, 4 }`. */
function cList(values: readonly number[]): string {
  return `{ ${values.map(cInt).join(", ")} }`;
}

/** Text safe inside a C comment (no comment terminator, printable ASCII; the course's Greek letters spelled out). */
function commentText(s: string): string {
  const spelled = s.replace(/α/g, "alpha").replace(/β/g, "beta").replace(/γ/g, "gamma").replace(/×/g, "x");
  return spelled.replace(/\*\//g, "* /").replace(/[^\x20-\x7e]/g, "?");
}

// ---------------------------------------------------------------------------------------------------------
// Graph helpers

/** A shape right-aligned to rank 4 (leading 1s), as TFLM's 4-D kernels see it. */
function rank4(shape: readonly number[], what: string): number[] {
  if (shape.length > 4) throw new RangeError(`${what}: shape [${shape}] has rank ${shape.length}; the C kernels take rank ≤ 4`);
  return [...new Array<number>(4 - shape.length).fill(1), ...shape];
}

/** Element strides of `shape` (right-aligned to the rank-4 output) along each output dimension; 0 where broadcast. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[], what: string): number[] {
  const padded = rank4(shape, what);
  const out = rank4(outShape, what);
  const strides = new Array<number>(4).fill(0);
  let stride = 1;
  for (let d = 3; d >= 0; d--) {
    if (padded[d] !== out[d] && padded[d] !== 1) throw new RangeError(`${what}: [${shape}] does not broadcast to [${outShape}]`);
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

/** The element index each output element reads with these strides (to check them against the TS plan's map). */
function indexMapOf(strides: readonly number[], dims: readonly number[]): Int32Array {
  const map = new Int32Array(product(dims));
  let e = 0;
  for (let i0 = 0; i0 < dims[0]; i0++)
    for (let i1 = 0; i1 < dims[1]; i1++)
      for (let i2 = 0; i2 < dims[2]; i2++)
        for (let i3 = 0; i3 < dims[3]; i3++) map[e++] = i0 * strides[0] + i1 * strides[1] + i2 * strides[2] + i3 * strides[3];
  return map;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const shapeText = (t: GraphTensor): string => `[${t.shape.join(",")}]`;

/** The longest softmax row the C kernel takes (see the softmax case). */
export const SOFTMAX_MAX_DEPTH = 511;

// ---------------------------------------------------------------------------------------------------------
// The generator

interface Emitted {
  /** Constant arrays and parameter structs. */
  definitions: string[];
  /** The statements of nn_model_invoke (comment, mark, call, debug dump). */
  body: string[];
}

/**
 * model.h, model.c and inputs.c for `graph` with activations at `plan`'s offsets; `options.kernels` sizes the
 * scratch buffer for that kernel set (the build must then define NN_KERNELS_OPTIMIZED accordingly).
 */
export function generateModelSources(graph: QuantizedGraph, plan: MemoryPlan, options: GenerateOptions): GeneratedModel {
  if (options === null || typeof options !== "object") throw new RangeError("generateModelSources: options must be { inputs, kernels }");
  const kernels = checkKernelSet(options.kernels, "generateModelSources: kernels");
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new RangeError(
      `generateModelSources: graph "${graph.name}" has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs; the C model takes exactly 1 of each`,
    );
  }
  const prepared = prepareQuantized(graph); // TFLM's double rounding: what fixed_point.h computes
  const inputId = graph.inputs[0];
  const outputId = graph.outputs[0];
  const inputSize = prepared.inputSize;
  const outputSize = product(graph.tensors[outputId].shape);
  checkTestInputs(options.inputs, inputSize);
  checkPlanFits(graph, plan);

  const constNames = new Map<number, string>();
  const emitted: Emitted = { definitions: [], body: [] };
  /** A pointer expression for tensor `id`: into the arena, or its const array (emitted on first use). */
  const pointer = (id: number, role: string, opIndex: number): string => {
    if (plan.offsets[id] >= 0) return `nn_arena + ${plan.offsets[id]}`;
    const t = graph.tensors[id];
    if (t.data === undefined || t.dtype !== "int8") {
      throw new RangeError(`generateModelSources: tensor ${id} "${t.name}" (op ${opIndex} ${role}) has no arena offset and is not an int8 constant`);
    }
    return constantArray(id, role, opIndex, "int8_t");
  };
  const constantArray = (id: number, role: string, opIndex: number, type: "int8_t" | "int32_t"): string => {
    const known = constNames.get(id);
    if (known) return known;
    const t = graph.tensors[id];
    if (t.data === undefined || t.dtype !== (type === "int8_t" ? "int8" : "int32")) {
      throw new RangeError(`generateModelSources: op ${opIndex} ${role} "${t.name}" must be a constant ${type === "int8_t" ? "int8" : "int32"} tensor`);
    }
    const name = `op${opIndex}_${role}`;
    constNames.set(id, name);
    emitted.definitions.push(`/* "${commentText(t.name)}" ${shapeText(t)} */\n` + cArray(name, t.data, { type, alignment: type === "int8_t" ? 16 : 4 }));
    return name;
  };

  let scratch = 0;
  for (const op of prepared.ops) {
    scratch = Math.max(scratch, opScratchBytes(op.op, op.plan, kernels));
    checkOperands(graph, plan, op);
    try {
      emitOp(graph, op, emitted, pointer, constantArray);
    } catch (err) {
      const out = graph.tensors[op.op.outputs[0]];
      throw new Error(`generateModelSources: op ${op.index} (${op.op.kind} → "${out.name}") in graph "${graph.name}": ${(err as Error).message}`);
    }
  }

  const header = modelHeader(graph, plan, kernels, { inputSize, outputSize, scratch, tests: options.inputs.length });
  const model = modelSource(graph, plan, kernels, emitted, scratch, prepared.macs);
  const inputs = [
    `/* inputs.c: the ${options.inputs.length} test inputs of "${commentText(graph.name)}" (int8, quantized), generated by`,
    " * course-lib/deploy/codegen.ts. The application runs the model on each and prints the outputs. */",
    '#include "model.h"',
    "",
    cArray("nn_test_inputs", concatenate(options.inputs), { type: "int8_t", alignment: 4, shape: [options.inputs.length, inputSize] }),
  ].join("\n");
  return { files: { "model.h": header, "model.c": model, "inputs.c": inputs }, arenaBytes: plan.arena, scratchBytes: scratch };
}

function checkTestInputs(inputs: unknown, inputSize: number): void {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new RangeError("generateModelSources: inputs must be a non-empty array of Int8Array");
  inputs.forEach((x, k) => {
    if (!(x instanceof Int8Array) || x.length !== inputSize) {
      const got = x instanceof Int8Array ? `${x.length} values` : typeof x;
      throw new RangeError(`generateModelSources: test input ${k} must be an Int8Array of ${inputSize} values (the graph's input size), got ${got}`);
    }
  });
}

function concatenate(arrays: Int8Array[]): Int8Array {
  const out = new Int8Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Every activation an op touches has an offset inside the arena. */
function checkPlanFits(graph: QuantizedGraph, plan: MemoryPlan): void {
  if (!plan || !Array.isArray(plan.offsets) || plan.offsets.length !== graph.tensors.length) {
    throw new RangeError(`generateModelSources: the memory plan must give one offset per tensor (${graph.tensors.length}), got ${plan?.offsets?.length}`);
  }
  if (!(Number.isInteger(plan.arena) && plan.arena > 0)) throw new RangeError(`generateModelSources: plan arena ${plan.arena} must be a positive integer`);
  const activations = new Set<number>([...graph.inputs, ...graph.outputs]);
  for (const op of graph.operators) {
    for (const id of [...op.inputs, ...op.outputs]) if (id !== -1 && graph.tensors[id].data === undefined) activations.add(id);
  }
  for (const id of activations) {
    const t = graph.tensors[id];
    const offset = plan.offsets[id];
    const bytes = product(t.shape);
    if (!(Number.isInteger(offset) && offset >= 0 && offset + bytes <= plan.arena)) {
      throw new RangeError(`generateModelSources: plan "${plan.planner}" puts tensor ${id} "${t.name}" (${bytes} bytes) at ${offset}, outside the ${plan.arena}-byte arena`);
    }
  }
}

/** An op's output may share bytes with an input only in place (same offset and size) and only for in-place kernels. */
function checkOperands(graph: QuantizedGraph, plan: MemoryPlan, prepared: PreparedOp): void {
  const op = prepared.op;
  const out = op.outputs[0];
  const o0 = plan.offsets[out];
  const o1 = o0 + product(graph.tensors[out].shape);
  for (const id of op.inputs) {
    if (id === -1 || plan.offsets[id] < 0 || graph.tensors[id].data !== undefined) continue;
    const i0 = plan.offsets[id];
    const i1 = i0 + product(graph.tensors[id].shape);
    if (i1 <= o0 || o1 <= i0) continue;
    // In place (planner.ts's IN_PLACE_KINDS) or a reshape aliased to its input: same offset and size.
    if ((IN_PLACE_KINDS.has(op.kind) || op.kind === "reshape") && i0 === o0 && i1 === o1) continue;
    throw new RangeError(
      `generateModelSources: plan "${plan.planner}" overlaps op ${prepared.index} (${op.kind})'s input "${graph.tensors[id].name}" ` +
        `[${i0}, ${i1}) with its output "${graph.tensors[out].name}" [${o0}, ${o1}); only element-wise ops may run in place (same offset and size)`,
    );
  }
}

type PointerOf = (id: number, role: string, opIndex: number) => string;
type ConstantOf = (id: number, role: string, opIndex: number, type: "int8_t" | "int32_t") => string;

function emitOp(graph: QuantizedGraph, prepared: PreparedOp, emitted: Emitted, pointer: PointerOf, constant: ConstantOf): void {
  const { index: i, op } = prepared;
  const tensor = (id: number) => graph.tensors[id];
  const outT = tensor(op.outputs[0]);
  const out = pointer(op.outputs[0], "output", i);
  const outSize = product(outT.shape);
  const inputsText = op.inputs
    .filter((id) => id !== -1 && tensor(id).data === undefined)
    .map((id) => `"${commentText(tensor(id).name)}" ${shapeText(tensor(id))}`)
    .join(" + ");
  const comment = [`op ${i} ${op.kind}: ${inputsText || "constants"} -> "${commentText(outT.name)}" ${shapeText(outT)}`];
  const params = `op${i}_params`;
  const define = (text: string) => emitted.definitions.push(text);
  const perChannel = (p: { multipliers: Int32Array; shifts: Int32Array }) => {
    define(cArray(`op${i}_multipliers`, p.multipliers, { type: "int32_t" }));
    define(cArray(`op${i}_shifts`, p.shifts, { type: "int32_t" }));
  };
  const bias = (id: number) => (id === -1 ? "(const int32_t*)0" : constant(id, "bias", i, "int32_t"));
  let call: string;
  switch (op.kind) {
    case "conv2d": {
      const p = prepared.plan as Conv2dPlan;
      comment.push(`filter ${p.outC}x${p.kH}x${p.kW}x${p.filterC}, stride ${p.strideH}x${p.strideW}, dilation ${p.dilationH}x${p.dilationW}, ` +
        `${op.padding}, ${op.activation}; ${prepared.macs} MACs`);
      perChannel(p);
      define(cStruct("nn_conv2d_params", params, [
        ["in_h", p.inH], ["in_w", p.inW], ["in_c", p.inC], ["out_h", p.outH], ["out_w", p.outW], ["out_c", p.outC],
        ["k_h", p.kH], ["k_w", p.kW], ["filter_c", p.filterC], ["stride_h", p.strideH], ["stride_w", p.strideW],
        ["dilation_h", p.dilationH], ["dilation_w", p.dilationW], ["pad_top", p.padTop], ["pad_left", p.padLeft],
        ["input_offset", p.inputOffset], ["output_offset", p.outputOffset], ["act_min", p.actMin], ["act_max", p.actMax],
        ["multipliers", `op${i}_multipliers`], ["shifts", `op${i}_shifts`],
      ]));
      call = `nn_conv2d_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${constant(op.inputs[1], "filter", i, "int8_t")}, ${bias(op.inputs[2])}, ${out}, NN_SCRATCH);`;
      break;
    }
    case "depthwiseConv2d": {
      const p = prepared.plan as DepthwiseConv2dPlan;
      comment.push(`filter ${p.kH}x${p.kW}x${p.outC} (multiplier ${p.depthMultiplier}), stride ${p.strideH}x${p.strideW}, ` +
        `dilation ${p.dilationH}x${p.dilationW}, ${op.padding}, ${op.activation}; ${prepared.macs} MACs`);
      perChannel(p);
      define(cStruct("nn_depthwise_conv2d_params", params, [
        ["in_h", p.inH], ["in_w", p.inW], ["in_c", p.inC], ["out_h", p.outH], ["out_w", p.outW], ["out_c", p.outC],
        ["depth_multiplier", p.depthMultiplier], ["k_h", p.kH], ["k_w", p.kW], ["stride_h", p.strideH], ["stride_w", p.strideW],
        ["dilation_h", p.dilationH], ["dilation_w", p.dilationW], ["pad_top", p.padTop], ["pad_left", p.padLeft],
        ["input_offset", p.inputOffset], ["output_offset", p.outputOffset], ["act_min", p.actMin], ["act_max", p.actMax],
        ["multipliers", `op${i}_multipliers`], ["shifts", `op${i}_shifts`],
      ]));
      call = `nn_depthwise_conv2d_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${constant(op.inputs[1], "filter", i, "int8_t")}, ${bias(op.inputs[2])}, ${out}, NN_SCRATCH);`;
      break;
    }
    case "fullyConnected": {
      const p = prepared.plan as FullyConnectedPlan;
      comment.push(`weights ${p.outDim}x${p.inDim}, ${p.rows} row(s), ${op.activation}; ${prepared.macs} MACs`);
      perChannel(p);
      define(cStruct("nn_fully_connected_params", params, [
        ["rows", p.rows], ["in_dim", p.inDim], ["out_dim", p.outDim],
        ["input_offset", p.inputOffset], ["filter_offset", p.filterOffset], ["output_offset", p.outputOffset],
        ["act_min", p.actMin], ["act_max", p.actMax], ["multipliers", `op${i}_multipliers`], ["shifts", `op${i}_shifts`],
      ]));
      call = `nn_fully_connected_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${constant(op.inputs[1], "weights", i, "int8_t")}, ${bias(op.inputs[2])}, ${out}, NN_SCRATCH);`;
      break;
    }
    case "add":
    case "mul": {
      const [a, b] = op.inputs;
      const p = prepared.plan as AddPlan | MulPlan;
      const dims = rank4(outT.shape, op.kind);
      const strideA = broadcastStrides(tensor(a).shape, outT.shape, op.kind);
      const strideB = broadcastStrides(tensor(b).shape, outT.shape, op.kind);
      const broadcast = p.mapA !== null || p.mapB !== null;
      for (const [map, strides, which] of [[p.mapA, strideA, "a"], [p.mapB, strideB, "b"]] as const) {
        if (map !== null && !sameValues(map, indexMapOf(strides, dims))) {
          throw new Error(`the rank-4 strides of input ${which} [${strides}] do not reproduce the interpreter's broadcast`);
        }
      }
      comment.push(`${broadcast ? "broadcast" : "same shapes"}, ${op.activation}`);
      const common: [string, string | number][] = [
        ["size", p.size], ["broadcast", broadcast ? 1 : 0], ["dims", cList(dims)], ["stride_a", cList(strideA)], ["stride_b", cList(strideB)],
        ["offset_a", p.offsetA], ["offset_b", p.offsetB], ["output_offset", p.outputOffset],
      ];
      if (op.kind === "add") {
        const q = p as AddPlan;
        define(cStruct("nn_add_params", params, [
          ...common, ["left_shift", 20], ["multiplier_a", q.multiplierA], ["shift_a", q.shiftA], ["multiplier_b", q.multiplierB],
          ["shift_b", q.shiftB], ["multiplier_out", q.multiplierOut], ["shift_out", q.shiftOut], ["act_min", q.actMin], ["act_max", q.actMax],
        ]));
      } else {
        const q = p as MulPlan;
        define(cStruct("nn_mul_params", params, [...common, ["multiplier", q.multiplier], ["shift", q.shift], ["act_min", q.actMin], ["act_max", q.actMax]]));
      }
      call = `nn_${op.kind}_s8(&${params}, ${pointer(a, "input_a", i)}, ${pointer(b, "input_b", i)}, ${out});`;
      break;
    }
    case "mean": {
      const p = prepared.plan as MeanPlan;
      const inShape = tensor(op.inputs[0]).shape;
      const axes = tensor(op.inputs[1]).data ?? [];
      const reduced = inShape.map((_, d) => axes.some((a) => (a < 0 ? a + inShape.length : a) === d));
      const reduce = [...new Array<number>(4 - inShape.length).fill(0), ...reduced.map((r) => (r ? 1 : 0))];
      const count = product(inShape.filter((_, d) => reduced[d]));
      if (count !== p.count) throw new Error(`axes [${axes}] reduce ${count} elements, the interpreter's plan ${p.count}`);
      comment.push(`over axes [${axes}] (${p.count} values each), keepDims ${op.keepDims}`);
      define(cStruct("nn_mean_params", params, [
        ["in_dims", cList(rank4(inShape, "mean"))], ["reduce", cList(reduce)], ["out_size", p.outSize], ["count", p.count],
        ["input_zero_point", p.inputZeroPoint], ["output_zero_point", p.outputZeroPoint], ["multiplier", p.multiplier], ["shift", p.shift],
      ]));
      call = `nn_mean_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${out}, NN_SCRATCH);`;
      break;
    }
    case "averagePool2d":
    case "maxPool2d": {
      const p = prepared.plan as Pool2dPlan;
      comment.push(`window ${p.filterH}x${p.filterW}, stride ${p.strideH}x${p.strideW}, ${op.padding}, ${op.activation}`);
      define(cStruct("nn_pool2d_params", params, [
        ["in_h", p.inH], ["in_w", p.inW], ["channels", p.channels], ["out_h", p.outH], ["out_w", p.outW],
        ["filter_h", p.filterH], ["filter_w", p.filterW], ["stride_h", p.strideH], ["stride_w", p.strideW],
        ["pad_top", p.padTop], ["pad_left", p.padLeft], ["act_min", p.actMin], ["act_max", p.actMax],
      ]));
      call = `nn_${op.kind === "averagePool2d" ? "avg" : "max"}_pool2d_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${out});`;
      break;
    }
    case "pad": {
      const p = prepared.plan as PadPlan;
      const inShape = tensor(op.inputs[0]).shape;
      const lead = new Array<number>(4 - Math.min(4, inShape.length)).fill(0);
      comment.push(`paddings ${JSON.stringify(op.paddings)}, value ${p.padValue}`);
      define(cStruct("nn_pad_params", params, [
        ["in_dims", cList(rank4(inShape, "pad"))], ["before", cList([...lead, ...op.paddings.map((q) => q[0])])],
        ["after", cList([...lead, ...op.paddings.map((q) => q[1])])], ["pad_value", p.padValue],
      ]));
      call = `nn_pad_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${out});`;
      break;
    }
    case "reshape": {
      const input = pointer(op.inputs[0], "input", i);
      comment.push(input === out ? "aliased by the planner: no copy" : `a copy of ${outSize} bytes`);
      call = `nn_reshape_s8(${input}, ${out}, ${outSize});`;
      break;
    }
    case "concatenation": {
      const p = prepared.plan as ConcatenationPlan;
      comment.push(`axis ${op.axis}: ${p.outer} x (${p.blocks.join(" + ")}) values`);
      define(cArray(`op${i}_blocks`, p.blocks, { type: "int32_t" }));
      const inputs = op.inputs.map((id, k) => pointer(id, `input${k}`, i));
      define(`static const int8_t* const op${i}_inputs[${inputs.length}] = {\n${wrapValues(inputs, "  ", false).join("\n")}\n};\n`);
      define(cStruct("nn_concatenation_params", params, [["outer", p.outer], ["inputs", inputs.length], ["blocks", `op${i}_blocks`]]));
      call = `nn_concatenation_s8(&${params}, op${i}_inputs, ${out});`;
      break;
    }
    case "softmax": {
      const p = prepared.plan as SoftmaxPlan;
      const depth = outT.shape[outT.shape.length - 1];
      // The Q12.19 sum of exps is at most depth·2^19; from depth 512 TFLM's reciprocal exponent can leave
      // [0, 31] at run time (the interpreter throws then; the C would shift by 32).
      if (depth > SOFTMAX_MAX_DEPTH) throw new RangeError(`softmax over rows of ${depth} values: the C kernel takes rows of at most ${SOFTMAX_MAX_DEPTH}`);
      comment.push(`${outSize / depth} row(s) of ${depth}, beta ${op.beta}`);
      define(cArray(`op${i}_exp_of_diff`, p.expOfDiff, { type: "int32_t" }));
      define(cArray(`op${i}_exp_of_diff_q12`, p.expOfDiffQ12, { type: "int32_t" }));
      define(cStruct("nn_softmax_params", params, [
        ["rows", outSize / depth], ["depth", depth], ["exp_of_diff", `op${i}_exp_of_diff`], ["exp_of_diff_q12", `op${i}_exp_of_diff_q12`],
      ]));
      call = `nn_softmax_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${out});`;
      break;
    }
    case "logistic":
    case "tanh":
    case "hardSwish": {
      const table = (prepared.plan as { table: Int8Array }).table;
      comment.push(`256-entry lookup table over ${outSize} values`);
      define(cArray(`op${i}_table`, table, { type: "int8_t" }));
      call = `nn_lut_s8(op${i}_table, ${pointer(op.inputs[0], "input", i)}, ${out}, ${outSize});`;
      break;
    }
    case "quantize": {
      const p = prepared.plan as RequantizePlan;
      comment.push(`int8 -> int8 requantization of ${outSize} values`);
      define(cStruct("nn_requantize_params", params, [
        ["size", outSize], ["input_zero_point", p.inputZeroPoint], ["output_zero_point", p.outputZeroPoint],
        ["multiplier", p.multiplier], ["shift", p.shift],
      ]));
      call = `nn_requantize_s8(&${params}, ${pointer(op.inputs[0], "input", i)}, ${out});`;
      break;
    }
    default: {
      const kind = (op as { kind?: unknown }).kind;
      throw new RangeError(`operator kind ${JSON.stringify(kind)} has no C kernel (nn_kernels.h)`);
    }
  }
  emitted.body.push(
    `  /* ${comment.join("\n   * ")} */`,
    `  nn_op_mark(${i});`,
    `  ${call}`,
    `  NN_AFTER_OP(${i}, ${out}, ${outSize});`,
  );
}

function modelHeader(graph: QuantizedGraph, plan: MemoryPlan, kernels: KernelSet, n: { inputSize: number; outputSize: number; scratch: number; tests: number }): string {
  return `/* model.h: "${commentText(graph.name)}" as C, generated by course-lib/deploy/codegen.ts (do not edit).
 * Activations: one ${plan.arena}-byte arena (planner "${commentText(plan.planner)}"); scratch sized for the ${kernels} kernels. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stdint.h>

#define NN_MODEL_INPUT_SIZE ${n.inputSize}
#define NN_MODEL_OUTPUT_SIZE ${n.outputSize}
#define NN_MODEL_OPS ${graph.operators.length}
#define NN_ARENA_BYTES ${plan.arena}
#define NN_SCRATCH_BYTES ${n.scratch}
#define NN_TEST_INPUTS ${n.tests}
/* 1 when generated for the optimized kernels: the build must define NN_KERNELS_OPTIMIZED to match. */
#define NN_MODEL_KERNELS_OPTIMIZED ${kernels === "optimized" ? 1 : 0}

extern int8_t* const nn_model_input;        /* in the arena */
extern const int8_t* const nn_model_output; /* in the arena */
extern const int8_t nn_test_inputs[NN_TEST_INPUTS][NN_MODEL_INPUT_SIZE];

/* Runs the model on nn_model_input; the result is at nn_model_output. */
void nn_model_invoke(void);

/* Provided by the application (c/firmware/app.c): */
/* Called before op i (i = 0..NN_MODEL_OPS-1) and with NN_MODEL_OPS after the last; does nothing. */
void nn_op_mark(int32_t op);
/* Called after op i with its output, only when NN_DEBUG_DUMP is defined. */
void nn_debug_tensor(int32_t op, const int8_t* data, int32_t size);

#endif /* NN_MODEL_H */
`;
}

function modelSource(graph: QuantizedGraph, plan: MemoryPlan, kernels: KernelSet, emitted: Emitted, scratch: number, macs: number): string {
  const inputOffset = plan.offsets[graph.inputs[0]];
  const outputOffset = plan.offsets[graph.outputs[0]];
  const scratchDecl = scratch > 0
    ? "static int8_t nn_scratch[NN_SCRATCH_BYTES] __attribute__((aligned(16)));\n#define NN_SCRATCH ((void*)nn_scratch)"
    : "/* No kernel of this model needs scratch. */\n#define NN_SCRATCH ((void*)0)";
  const mismatch = kernels === "optimized"
    ? "generated for the optimized kernels: build with -DNN_KERNELS_OPTIMIZED=1"
    : "generated for the reference kernels: build without NN_KERNELS_OPTIMIZED";
  return `/* model.c: "${commentText(graph.name)}" as C, generated by course-lib/deploy/codegen.ts (do not edit).
 * ${graph.operators.length} operator${graph.operators.length === 1 ? "" : "s"}, ${macs} MACs per inference, ${kernels} kernels.
 * Constants are const (flash); the activations share one ${plan.arena}-byte arena (planner "${commentText(plan.planner)}"). */
#include <stdint.h>

#include "model.h"
#include "nn_kernels.h"

#if (defined(NN_KERNELS_OPTIMIZED) && NN_KERNELS_OPTIMIZED) != NN_MODEL_KERNELS_OPTIMIZED
#error "model.c was ${mismatch}"
#endif

#ifdef NN_DEBUG_DUMP
#define NN_AFTER_OP(op, data, size) nn_debug_tensor((op), (data), (size))
#else
#define NN_AFTER_OP(op, data, size) ((void)0)
#endif

static int8_t nn_arena[NN_ARENA_BYTES] __attribute__((aligned(16)));
${scratchDecl}

int8_t* const nn_model_input = nn_arena + ${inputOffset};
const int8_t* const nn_model_output = nn_arena + ${outputOffset};

${emitted.definitions.join("\n")}
void nn_model_invoke(void) {
${emitted.body.join("\n")}
  nn_op_mark(NN_MODEL_OPS);
}
`;
}
