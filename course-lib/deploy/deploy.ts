// deployGraph(): lesson 08's QuantizedGraph onto a Cortex-M board, end to end, with nothing estimated that
// can be measured. Plan the arena (planner.ts), generate the C (codegen.ts), build the firmware with
// arm-none-eabi-gcc (build.ts), run it on the board's QEMU machine with the instruction-counting plugin
// (qemu.ts), and compare every output byte with the integer interpreter (runQuantized). Flash and RAM come
// from the ELF's sections, the stack from the painted stack, the work from the emulator's instruction count.
// QEMU counts instructions, not cycles, so the latency at the board's clock is labelled an estimate.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mulberry32 } from "../data/random";
import type { QuantizedGraph } from "../quantize/graph";
import { prepareQuantized, runQuantized, runQuantizedTrace } from "../quantize/interpreter";
import { buildFirmware } from "./build";
import { REPO_ROOT, checkKernelSet, type KernelSet } from "./c/sources";
import { generateModelSources } from "./codegen";
import { checkLinkMemory, deployTarget, withMachineMemory, type DeployTarget, type LinkMemory } from "./machines";
import { checkPlan, planMemory } from "./planner";
import { outputLine, parseAppOutput } from "./protocol";
import { runOnQemu } from "./qemu";
import { renodeSupported, writeRenodeScripts } from "./renode";

export { FirmwareDoesNotFit, ToolchainMissing } from "./errors";

export type { KernelSet };

export interface DeployOptions {
  /** A catalogue board id (its flash/RAM, run on its QEMU machine) or a QEMU machine id (its own memory). */
  board: string;
  /** Default: "optimized" on cores with the DSP extension, "reference" otherwise. */
  kernels?: KernelSet;
  /** Quantized test inputs; default `count` seeded uniform int8 inputs. */
  inputs?: Int8Array[];
  count?: number;
  seed?: number;
  /** Build with NN_DEBUG_DUMP: every operator's output is printed and compared, locating a mismatch. */
  debug?: boolean;
  /** Default build/deploy/<model>-<board>-<kernels>. */
  outDir?: string;
  onProgress?: (stage: DeployStage, detail?: string) => void;
  /** "board" (default) links against the board's flash and RAM; "machine" against its QEMU machine's whole memory (withMachineMemory), to measure a firmware that may not fit. */
  memory?: LinkMemory;
}

export type DeployStage = "plan" | "generate" | "build" | "run" | "compare";

export interface OperatorWork {
  index: number;
  kind: string;
  name: string;
  macs: number;
  instructions: number;
  /** instructions / macs, null for operators without MACs. */
  perMac: number | null;
}

export interface DeployReport {
  model: string;
  target: { id: string; name: string; machine: string; core: string; clockMHz: number; flashBytes: number; ramBytes: number; fromCatalogue: boolean };
  kernels: KernelSet;
  dir: string;
  inputs: number;
  bitExact: boolean;
  firstMismatch: null | { input: number; index: number; expected: number; got: number; op?: { index: number; kind: string; name: string } };
  memory: {
    /** text + data, from the ELF. */
    flash: number;
    /** data + bss. */
    ram: number;
    sections: { text: number; data: number; bss: number };
    arena: number;
    scratch: number;
    stackPeak: number;
    /**
     * Arena of the course plan and of TFLM's greedy plan, next to the bounds: `sum` (no reuse), `liveSet` (the
     * most bytes live at once with one buffer per tensor: no such plan does better) and `liveSetShared` (the
     * same once reshapes alias and element-wise ops run in place: the course plan's floor).
     */
    plan: { course: number; tflmGreedy: number; sum: number; liveSet: number; liveSetShared: number };
  };
  instructions: { perInference: number; macs: number; perMac: number; perOp: OperatorWork[] };
  latency: { estimateMs: number; clockMHz: number; note: string };
  outputs: number[][];
  expected: number[][];
  files: { elf: string; map: string; report: string; uart: string; renode?: { resc: string; robot: string } };
}


/** A file-system-friendly name: "lesson03 PhiNet α 0.25 (MNIST)" → "lesson03-phinet-a-0.25-mnist". */
export function slug(name: string): string {
  const s = name.normalize("NFKD").replace(/α/g, "a").toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "");
  return s || "model";
}

function resolveKernels(target: DeployTarget, kernels: KernelSet | undefined): KernelSet {
  if (kernels === undefined) return target.hasDsp ? "optimized" : "reference";
  checkKernelSet(kernels);
  if (kernels === "optimized" && !target.hasDsp) {
    throw new RangeError(`deploy: ${target.id} (${target.core}) has no DSP extension, so the optimized kernels cannot run there; use kernels "reference"`);
  }
  return kernels;
}

/** `count` seeded uniform int8 inputs of the graph's input size. */
export function seededInputs(graph: QuantizedGraph, count: number, seed: number): Int8Array[] {
  if (!(Number.isInteger(count) && count >= 1 && count <= 1000)) throw new RangeError(`deploy: count must be an integer 1..1000, got ${count}`);
  const size = prepareQuantized(graph).inputSize;
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const x = new Int8Array(size);
    for (let i = 0; i < size; i++) x[i] = Math.floor(random() * 256) - 128;
    return x;
  });
}

function checkInputs(graph: QuantizedGraph, inputs: Int8Array[]): Int8Array[] {
  const size = prepareQuantized(graph).inputSize;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new RangeError("deploy: inputs must be a non-empty array of Int8Array");
  inputs.forEach((x, k) => {
    if (!(x instanceof Int8Array) || x.length !== size) {
      throw new RangeError(`deploy: input ${k} must be an Int8Array of ${size} values (the graph's input size), got ${x instanceof Int8Array ? x.length + " values" : typeof x}`);
    }
  });
  return inputs;
}

/** Index of the first value where `got` differs from `expected` (a missing or shorter `got` counts), or −1. */
function firstDifferentIndex(expected: Int8Array, got: Int8Array | undefined): number {
  if (!got) return 0;
  const n = Math.min(expected.length, got.length);
  for (let i = 0; i < n; i++) if (expected[i] !== got[i]) return i;
  return expected.length === got.length ? -1 : n;
}

export interface InterpreterComparison {
  /** runQuantized's output per input. */
  expected: Int8Array[];
  /** The first differing output byte, or null when every output matches. */
  mismatch: null | { input: number; index: number; expected: number; got: number };
  /** With per-layer dumps (debug builds): the first operator, by input then op, whose output differs. */
  firstDifferingOp: null | { input: number; op: number; kind: string; name: string; index: number; expected: number; got: number };
}

/**
 * Compiled code's outputs (and, from a debug build, its per-layer dumps keyed "input:op") against the
 * integer interpreter: the one comparison the firmware and the host builds share.
 */
export function compareWithInterpreter(graph: QuantizedGraph, inputs: Int8Array[], outputs: Int8Array[], dumps?: Map<string, Int8Array>): InterpreterComparison {
  const expected = inputs.map((x) => runQuantized(graph, x));
  let mismatch: InterpreterComparison["mismatch"] = null;
  for (let k = 0; k < expected.length && !mismatch; k++) {
    const i = firstDifferentIndex(expected[k], outputs[k]);
    if (i >= 0) mismatch = { input: k, index: i, expected: expected[k][i], got: outputs[k]?.[i] ?? NaN };
  }
  let firstDifferingOp: InterpreterComparison["firstDifferingOp"] = null;
  for (let k = 0; dumps && dumps.size > 0 && k < inputs.length && !firstDifferingOp; k++) {
    for (const step of runQuantizedTrace(graph, inputs[k]).steps) {
      const got = dumps.get(`${k}:${step.index}`);
      const i = firstDifferentIndex(step.values, got);
      if (i >= 0) {
        firstDifferingOp = { input: k, op: step.index, kind: step.kind, name: step.name, index: i, expected: step.values[i], got: got?.[i] ?? NaN };
        break;
      }
    }
  }
  return { expected, mismatch, firstDifferingOp };
}

/** Per-operator instruction counts from the plugin's running counts: OPS + 1 marks per input, averaged. */
export function operatorInstructions(marks: number[], ops: number, inputs: number): { perOp: number[]; perInference: number } {
  const per = ops + 1;
  if (marks.length !== per * inputs) {
    throw new Error(`deploy: the instruction counter recorded ${marks.length} marks, expected ${per} per input × ${inputs} inputs`);
  }
  const perOp = new Array<number>(ops).fill(0);
  let total = 0;
  for (let k = 0; k < inputs; k++) {
    const m = marks.slice(k * per, (k + 1) * per);
    for (let i = 0; i < ops; i++) perOp[i] += m[i + 1] - m[i];
    total += m[ops] - m[0];
  }
  return { perOp: perOp.map((v) => v / inputs), perInference: total / inputs };
}

/** Plan, generate, build, run on QEMU and compare: see the header. */
export async function deployGraph(graph: QuantizedGraph, options: DeployOptions): Promise<DeployReport> {
  if (options === null || typeof options !== "object") throw new RangeError("deployGraph: options must be an object with a board");
  const boardTarget = deployTarget(options.board);
  const target = checkLinkMemory(options.memory, "deployGraph") === "machine" ? withMachineMemory(boardTarget) : boardTarget;
  const kernels = resolveKernels(target, options.kernels);
  const inputs = checkInputs(graph, options.inputs ?? seededInputs(graph, options.count ?? 8, options.seed ?? 1));
  const progress = options.onProgress ?? (() => undefined);
  const prepared = prepareQuantized(graph);

  progress("plan", `${graph.operators.length} operators`);
  const plans = planMemory(graph);
  checkPlan(graph, plans.course);

  progress("generate", `${kernels} kernels, ${inputs.length} test inputs`);
  const generated = generateModelSources(graph, plans.course, { inputs, kernels });
  const dir = resolve(options.outDir ?? join(REPO_ROOT, "build", "deploy", `${slug(graph.name)}-${target.id}-${kernels}`));
  mkdirSync(dir, { recursive: true });
  const sources = Object.entries(generated.files).map(([file, text]) => {
    const path = join(dir, file);
    writeFileSync(path, text);
    return path;
  });

  progress("build", `arm-none-eabi-gcc for ${target.core} (${target.machine})`);
  const built = await buildFirmware({ dir, sources, target, kernels, debug: options.debug === true });

  progress("run", `qemu-system-arm -M ${target.machine}`);
  const run = await runOnQemu({ elf: built.elf, target, countInstructions: true });
  const uartPath = join(dir, "uart.txt");
  writeFileSync(uartPath, run.uart);
  const app = parseAppOutput(run.uart);

  progress("compare", `${inputs.length} inputs against runQuantized`);
  const { expected, mismatch, firstDifferingOp } = compareWithInterpreter(graph, inputs, app.outputs, app.dumps);
  const firstMismatch: DeployReport["firstMismatch"] = mismatch && firstDifferingOp
    ? { ...mismatch, op: { index: firstDifferingOp.op, kind: firstDifferingOp.kind, name: firstDifferingOp.name } }
    : mismatch;

  const ops = graph.operators.length;
  const counted = operatorInstructions(run.marks ?? [], ops, inputs.length);
  const perOp: OperatorWork[] = prepared.ops.map((p, i) => ({
    index: i, kind: p.op.kind, name: graph.tensors[p.op.outputs[0]].name, macs: p.macs,
    instructions: counted.perOp[i], perMac: p.macs > 0 ? counted.perOp[i] / p.macs : null,
  }));
  const clockMHz = target.clockMHz;
  const report: DeployReport = {
    model: graph.name,
    target: { id: target.id, name: target.name, machine: target.machine, core: target.core, clockMHz, flashBytes: target.flashBytes, ramBytes: target.ramBytes, fromCatalogue: target.fromCatalogue },
    kernels, dir, inputs: inputs.length,
    bitExact: firstMismatch === null, firstMismatch,
    memory: {
      flash: built.flash, ram: built.ram, sections: built.sizes,
      arena: generated.arenaBytes, scratch: generated.scratchBytes, stackPeak: app.stackPeak ?? 0,
      plan: { course: plans.course.arena, tflmGreedy: plans.tflmGreedy.arena, ...plans.bounds },
    },
    instructions: { perInference: counted.perInference, macs: prepared.macs, perMac: prepared.macs > 0 ? counted.perInference / prepared.macs : 0, perOp },
    latency: {
      estimateMs: (counted.perInference / (clockMHz * 1e6)) * 1e3, clockMHz,
      note: `instructions / ${clockMHz} MHz at one instruction per cycle: an estimate (QEMU counts instructions, not cycles; memory wait states and multi-cycle instructions make the real board slower)` +
        (options.debug ? "; a debug build: the counts include printing every layer's output" : ""),
    },
    outputs: app.outputs.map((o) => Array.from(o)),
    expected: expected.map((o) => Array.from(o)),
    files: { elf: built.elf, map: built.map, report: join(dir, "report.json"), uart: uartPath },
  };
  if (renodeSupported(target)) {
    // The Renode test waits for the interpreter's outputs (the truth), not for whatever QEMU printed.
    const begin = app.lines.filter((l) => l.startsWith("begin "));
    const expectedLines = [...begin, ...expected.map((o, k) => outputLine(k, o)), "end"];
    report.files.renode = writeRenodeScripts(dir, { elf: built.elf, target, expectedLines });
  }
  writeFileSync(report.files.report, JSON.stringify(report, null, 2) + "\n");
  return report;
}
