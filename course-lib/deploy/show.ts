// Lesson 10's display helpers: what the notebook shows about a deployment, kept here so its cells stay
// short. Nothing here builds, runs or measures anything: each function reads DeployReports (deploy.ts:
// what the linker, the painted stack and QEMU's instruction counter reported, next to the integer
// interpreter's outputs) and lesson 02's / lesson 08's figures (profiler/profile.ts, profiler/quantized.ts),
// and returns table options for viz/html-table.ts's table() or a plotly figure for viz/plot.ts's plot().
// The exceptions are the progress line a deployment reports its stages to, and deployMany, which runs the
// deploy function it is given once per board and kernel set behind one progress line.
import { RUNTIME_RESERVE } from "../boards/budget";
import { formatBytes, formatCount } from "../boards/units";
import { stepProgress } from "../primitives/timing";
import type { ModelProfile } from "../profiler/profile";
import type { QuantizedFootprint } from "../profiler/quantized";
import type { QuantizedGraph } from "../quantize/graph";
import { argmax } from "../train/metrics";
import { logBarFigure } from "../quantize/show";
import type { DisplayTarget } from "../viz/display";
import type { TableCell, TableOptions } from "../viz/html-table";
import type { Figure } from "../viz/plot";
import type { DeployOptions, DeployReport, DeployStage, OperatorWork } from "./deploy";

const GOOD = "#e3f4e0";
const BAD = "#fbe0e0";

// ---------------------------------------------------------------------------------------------------------
// Progress

/** deployGraph's stages, in the order it reports them. */
export const DEPLOY_STAGES: readonly DeployStage[] = ["plan", "generate", "build", "run", "compare"];

function stageIndex(stage: DeployStage): number {
  const i = DEPLOY_STAGES.indexOf(stage);
  if (i < 0) throw new RangeError(`deploy progress: unknown stage ${JSON.stringify(stage)}; expected one of ${DEPLOY_STAGES.join(", ")}`);
  return i;
}

/**
 * An onProgress callback for deployGraph that keeps one progress line up to date in the notebook (lines
 * in a console): "title: 3/5 build: arm-none-eabi-gcc for … (0.4 s)", the stage running and its number.
 */
export function deployProgress(title: string, target?: DisplayTarget): (stage: DeployStage, detail?: string) => void {
  const line = stepProgress(title, DEPLOY_STAGES.length, target);
  return (stage, detail) => line.step(stageIndex(stage) + 1, detail ? `${stage}: ${detail}` : stage);
}

/** One deployment of deployMany: a label for the progress line and deployGraph's options. */
export interface DeployRun extends Omit<DeployOptions, "onProgress"> {
  label?: string;
}

/**
 * Deploys one graph several times in a row (boards, kernel sets) with one progress line over all of them:
 * "title: 3/8 stm32h743zi optimized: run …". `deploy` is deployGraph (passed in so the caller imports it).
 */
export async function deployMany(
  graph: QuantizedGraph,
  runs: DeployRun[],
  deploy: (graph: QuantizedGraph, options: DeployOptions) => Promise<DeployReport>,
  title: string,
  target?: DisplayTarget,
): Promise<DeployReport[]> {
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError("deployMany: runs must be a non-empty array of deploy options ({ board, kernels? })");
  const line = stepProgress(title, runs.length, target);
  const reports: DeployReport[] = [];
  for (const [k, run] of runs.entries()) {
    const { label, ...options } = run;
    const name = label ?? `${run.board}${run.kernels ? ` ${run.kernels}` : ""}`;
    reports.push(await deploy(graph, { ...options, onProgress: (stage) => line.working(k, `${name}: ${stage}`) }));
    const r = reports[k];
    line.step(k + 1, `${name}: ${r.bitExact ? "bit-exact" : "outputs differ"}`);
  }
  return reports;
}

// ---------------------------------------------------------------------------------------------------------
// Outputs: firmware vs interpreter

/** Inputs whose firmware output equals the interpreter's byte for byte. */
export function identicalInputs(report: DeployReport): number {
  return report.expected.filter((e, k) => sameValues(e, report.outputs[k])).length;
}

function sameValues(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const valuesText = (v: ArrayLike<number> | undefined) => (v ? Array.from(v).join(" ") : "(none)");

/** A table of the first `first` inputs: the interpreter's int8 output, the firmware's, and whether they are equal. */
export function outputComparison(report: DeployReport, first = 4): TableOptions {
  if (!Number.isInteger(first) || first < 1) throw new RangeError(`outputComparison: first must be a positive integer, got ${first}`);
  const rows: TableCell[][] = report.expected.slice(0, first).map((expected, k) => {
    const got = report.outputs[k];
    const same = sameValues(expected, got);
    return [k, valuesText(expected), valuesText(got), got && got.length ? argmax(got) : "–",
      { text: same ? "identical" : "differs", background: same ? GOOD : BAD }];
  });
  return {
    title: `int8 outputs: interpreter (runQuantized) vs firmware on ${report.target.id} (${report.kernels} kernels)`,
    columns: ["input", "interpreter", "firmware (UART)", "class", "equal"],
    rows,
    caption: `${identicalInputs(report)} of ${report.inputs} inputs identical byte for byte; the first ${rows.length} shown.`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Memory: the linker next to the profilers' figures

/**
 * Lesson 02's estimates (profileModel: int8 weights plus biases and scales; peak activations with in-place
 * element-wise layers), lesson 08's exact int8 graph (quantizedFootprint) and the firmware's linker figures,
 * row by row.
 */
export function memoryComparison(report: DeployReport, profile: ModelProfile, footprint: QuantizedFootprint): TableOptions {
  const m = report.memory;
  const none = "–";
  return {
    title: `Flash and RAM of ${report.model} on ${report.target.id}: estimated, exact, linked`,
    columns: ["bytes", "lesson 02 profiler (estimate)", "int8 graph (lesson 08)", "firmware (ELF, measured)"],
    rows: [
      ["weights, biases, quantization parameters", profile.totals.flash.int8, footprint.flash.total, none],
      ["flash in all (text + data: code, constants, startup)", none, none, m.flash],
      ["activations (peak live / planned arena)", profile.totals.peakRam.int8, footprint.activations.peak, m.arena],
      ["scratch buffers (im2col)", none, none, m.scratch],
      ["stack (measured peak, painted)", none, none, m.stackPeak],
      ["RAM in all (data + bss, with the stack region)", none, none, m.ram],
    ],
    alignRight: [1, 2, 3],
    caption: "Lesson 02 estimates from the tfjs layers (int8 weights, int32 biases, one scale per channel, live " +
      "activations); lesson 08 counts the int8 graph's tensors (and every tensor's scales and zero points); the " +
      "firmware's figures are the ELF's sections.",
  };
}

/** A symbol of the ELF as elf.ts's elfSymbols reads it (nm --print-size). */
export interface SizedSymbol {
  name: string;
  address: number;
  size: number;
  /** nm's type letter: T/t code, R/r read-only data, D/d data, B/b bss, A absolute. */
  type: string;
}

/** The names a generated C file defines at file scope as constants (`const T name[...] ... = {`). */
export function definedConstants(source: string): string[] {
  return source.split("\n").filter((line) => /^(static\s+)?const\s/.test(line))
    .map((line) => line.split(/\[|=|__attribute__/)[0].trim().split(/[\s*]+/).pop() ?? "")
    .filter((name) => /^[A-Za-z_]\w*$/.test(name));
}

/** Where a firmware's flash and RAM go, from its ELF's symbols and the generated sources. */
export interface FirmwareParts {
  flash: {
    /** model.c's constants: weights, biases, multipliers, shifts, tables, parameter structs. */
    model: number;
    /** inputs.c's test inputs (a real application reads a sensor instead). */
    testInputs: number;
    /** Everything else: the kernels' code, the application, startup, UART, libc. */
    runtime: number;
    total: number;
  };
  ram: {
    arena: number;
    scratch: number;
    /** The stack region the linker script reserves (the build's choice). */
    stackRegion: number;
    /** The firmware's other static data. */
    other: number;
    total: number;
  };
  /** Of the stack region, what the run used (painted at reset, scanned at the end). */
  stackPeak: number;
}

function sizeOf(symbols: Map<string, SizedSymbol>, names: string[], what: string): number {
  return names.reduce((sum, name) => {
    const symbol = symbols.get(name);
    if (!symbol) throw new RangeError(`firmwareParts: the ELF has no symbol ${JSON.stringify(name)} (${what})`);
    return sum + symbol.size;
  }, 0);
}

/** Splits a report's flash and RAM into the model, the test inputs, the arena, the stack and the rest. */
export function firmwareParts(report: DeployReport, symbols: Map<string, SizedSymbol>, sources: { model: string; inputs: string }): FirmwareParts {
  const m = report.memory;
  const model = sizeOf(symbols, definedConstants(sources.model), "a constant of model.c");
  const testInputs = sizeOf(symbols, definedConstants(sources.inputs), "a constant of inputs.c");
  const [bottom, top] = ["__stack_bottom", "__stack_top"].map((n) => symbols.get(n));
  if (!bottom || !top) throw new RangeError("firmwareParts: the ELF has no __stack_bottom / __stack_top (the course's linker script defines them)");
  const stackRegion = top.address - bottom.address;
  return {
    flash: { model, testInputs, runtime: m.flash - model - testInputs, total: m.flash },
    ram: { arena: m.arena, scratch: m.scratch, stackRegion, other: m.ram - m.arena - m.scratch - stackRegion, total: m.ram },
    stackPeak: m.stackPeak,
  };
}

/** What the firmware needs besides the model, measured, next to the reserve lessons 01-04 kept back (boards/budget.ts). */
export function reserveComparison(rows: { label: string; parts: FirmwareParts }[]): TableOptions {
  if (!Array.isArray(rows) || rows.length === 0) throw new RangeError("reserveComparison: expected at least one { label, parts }");
  const cell = (used: number, reserve: number): TableCell =>
    ({ text: formatBytes(used), background: used <= reserve ? GOOD : BAD, title: `${used} B of the ${reserve} B reserve` });
  return {
    title: "The firmware beyond the model, measured, vs lesson 01's RUNTIME_RESERVE",
    columns: ["firmware", "flash: runtime code", "RAM: stack used + other static data", "RAM: kernels' scratch",
      "RAM: stack region reserved", "flash: test inputs"],
    rows: [
      ...rows.map(({ label, parts: p }) => [label, cell(p.flash.runtime, RUNTIME_RESERVE.flashBytes),
        cell(p.stackPeak + p.ram.other, RUNTIME_RESERVE.ramBytes), formatBytes(p.ram.scratch), formatBytes(p.ram.stackRegion),
        formatBytes(p.flash.testInputs)]),
      ["RUNTIME_RESERVE (rule of thumb)", formatBytes(RUNTIME_RESERVE.flashBytes), formatBytes(RUNTIME_RESERVE.ramBytes), "–", "–", "–"],
    ],
    caption: "Green: within the reserve. Runtime code = ELF text + data − model.c's constants − inputs.c's test inputs. " +
      "The scratch buffer (im2col columns) and the stack region are RAM the build sets aside besides the arena.",
  };
}

// ---------------------------------------------------------------------------------------------------------
// The memory plan

/** The arena sizes planMemory (planner.ts) reports, as far as this table needs them. */
export interface PlanSizes {
  course: { arena: number };
  tflmGreedy: { arena: number };
  bounds: { sum: number; liveSet: number; liveSetShared: number };
}

/**
 * The two planners' arenas between the bounds: no reuse (every tensor its own buffer) above, the largest set
 * of tensors live at once below: one buffer per tensor (TFLM's floor), or with the course's sharing (aliased
 * reshapes, in-place element-wise ops: the course planner's floor).
 */
export function planComparison(plans: PlanSizes, model: string): TableOptions {
  const { sum, liveSet, liveSetShared } = plans.bounds;
  const share = (n: number) => `${((100 * n) / sum).toFixed(0)}%`;
  const row = (what: string, n: number) => [what, n, share(n)];
  return {
    title: `Activation arena of ${model}`,
    columns: ["plan", "bytes", "of no reuse"],
    rows: [
      row("no reuse: every tensor its own buffer (upper bound)", sum),
      row("TensorFlow Lite Micro's greedy planner", plans.tflmGreedy.arena),
      row("the course's planner", plans.course.arena),
      row("largest live set, one buffer per tensor (TFLM's lower bound)", liveSet),
      row("largest live set with the course's sharing (its lower bound)", liveSetShared),
    ],
    alignRight: [1, 2],
  };
}

/** One row per model: the bounds and both planners' arenas, and what the course's sharing saves over TFLM. */
export function plansComparison(entries: { model: string; plans: PlanSizes }[]): TableOptions {
  if (!Array.isArray(entries) || entries.length === 0) throw new RangeError("plansComparison: expected at least one { model, plans }");
  return {
    title: "Activation arenas (bytes): TensorFlow Lite Micro's greedy planner and the course's",
    columns: ["model", "no reuse", "TFLM greedy", "course", "live set", "live set, shared", "course saves"],
    rows: entries.map(({ model, plans: p }) => [model, p.bounds.sum, p.tflmGreedy.arena, p.course.arena, p.bounds.liveSet,
      p.bounds.liveSetShared, `${((100 * (p.tflmGreedy.arena - p.course.arena)) / p.tflmGreedy.arena).toFixed(0)}%`]),
    alignRight: [1, 2, 3, 4, 5, 6],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Instructions: per layer, per MAC, reference vs optimized kernels

function checkSameModel(reference: DeployReport, optimized: DeployReport, fn: string): void {
  const a = reference.instructions.perOp, b = optimized.instructions.perOp;
  if (reference.model !== optimized.model || a.length !== b.length || a.some((op, i) => op.kind !== b[i].kind)) {
    throw new RangeError(`${fn}: the two reports must be of the same model, got ${JSON.stringify(reference.model)} ` +
      `(${a.length} ops) and ${JSON.stringify(optimized.model)} (${b.length} ops)`);
  }
  if (reference.kernels !== "reference" || optimized.kernels !== "optimized") {
    throw new RangeError(`${fn}: expected a reference-kernel report and an optimized-kernel report, got ${reference.kernels} and ${optimized.kernels}`);
  }
}

const opLabel = (op: OperatorWork) => `${op.index} ${op.kind}`;

/** Instructions per operator (log axis), reference kernels next to optimized ones, as QEMU counted them. */
export function instructionsPerLayerFigure(reference: DeployReport, optimized: DeployReport): Figure {
  checkSameModel(reference, optimized, "instructionsPerLayerFigure");
  const ops = reference.instructions.perOp;
  return logBarFigure({
    title: `Instructions per operator, ${reference.model} on ${reference.target.core} (QEMU count)`,
    labels: ops.map(opLabel),
    values: { reference: ops.map((o) => o.instructions), optimized: optimized.instructions.perOp.map((o) => o.instructions) },
    xLabel: "operator", yLabel: "instructions per inference (log scale)", height: 340,
  });
}

const perMacText = (v: number | null) => (v === null ? "–" : v.toFixed(2));

/** Per operator with MACs: MACs, instructions and instructions per MAC with each kernel set, and the ratio. */
export function perMacComparison(reference: DeployReport, optimized: DeployReport): TableOptions {
  checkSameModel(reference, optimized, "perMacComparison");
  const rows: TableCell[][] = reference.instructions.perOp.flatMap((op, i) => {
    const opt = optimized.instructions.perOp[i];
    if (op.macs === 0) return [];
    return [[opLabel(op), op.macs, Math.round(op.instructions), perMacText(op.perMac), Math.round(opt.instructions),
      perMacText(opt.perMac), `${(op.instructions / opt.instructions).toFixed(1)}×`]];
  });
  const r = reference.instructions, o = optimized.instructions;
  rows.push([{ text: "whole inference", bold: true }, r.macs, Math.round(r.perInference), r.perMac.toFixed(2),
    Math.round(o.perInference), o.perMac.toFixed(2), `${(r.perInference / o.perInference).toFixed(1)}×`]);
  return {
    title: `Instructions per MAC on ${reference.target.core} (${reference.target.machine}), reference vs optimized kernels`,
    columns: ["operator", "MACs", "instructions (reference)", "per MAC", "instructions (optimized)", "per MAC", "fewer"],
    rows,
    alignRight: [1, 2, 3, 4, 5, 6],
    caption: "Instructions counted by a QEMU plugin between the operator marks, averaged over the test inputs; " +
      "the whole inference also counts the operators without MACs.",
  };
}

/** Instructions per MAC of a report's operators that do MACs, taken together. */
export function macOperatorsPerMac(report: DeployReport): { macs: number; instructions: number; perMac: number } {
  const ops = report.instructions.perOp.filter((o) => o.macs > 0);
  if (ops.length === 0) throw new RangeError(`macOperatorsPerMac: ${report.model} has no operator with MACs`);
  const macs = ops.reduce((s, o) => s + o.macs, 0), instructions = ops.reduce((s, o) => s + o.instructions, 0);
  return { macs, instructions, perMac: instructions / macs };
}

/** One of lesson 02's operators, deployed alone with both kernel sets. */
export interface OperatorCaseReports {
  name: string;
  reference: DeployReport;
  optimized: DeployReport;
}

/**
 * Lesson 02's "is a MAC a MAC?" on a Cortex-M: instructions per MAC of single-operator models with both
 * kernel sets, and η, the first case's instructions per MAC over each case's (lesson 02's efficiency, with
 * instructions in place of time: 1 for the baseline, below 1 for an operator that costs more per MAC).
 */
export function operatorCostComparison(cases: OperatorCaseReports[]): TableOptions {
  if (!Array.isArray(cases) || cases.length === 0) throw new RangeError("operatorCostComparison: expected at least one { name, reference, optimized }");
  for (const c of cases) checkSameModel(c.reference, c.optimized, `operatorCostComparison (${c.name})`);
  const costs = cases.map((c) => ({ name: c.name, ref: macOperatorsPerMac(c.reference), opt: macOperatorsPerMac(c.optimized) }));
  const [base] = costs;
  return {
    title: `Instructions per MAC of lesson 02's operators on ${cases[0].reference.target.core} (QEMU count)`,
    columns: ["operator", "MACs", "reference: per MAC", "optimized: per MAC", `η vs ${base.name} (reference)`, `η vs ${base.name} (optimized)`],
    rows: costs.map((c) => [c.name, c.ref.macs, c.ref.perMac.toFixed(2), c.opt.perMac.toFixed(2),
      (base.ref.perMac / c.ref.perMac).toFixed(2), (base.opt.perMac / c.opt.perMac).toFixed(2)]),
    alignRight: [1, 2, 3, 4, 5],
    caption: "η as in lesson 02, MACs per unit of work relative to the first operator, with instructions as the " +
      "unit: QEMU counts instructions, not cycles, so loads, stalls and wait states are not weighed.",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Boards

/** One row per deployment: the target, the kernels, bit-exactness, memory and work, and the latency estimate. */
export function boardsComparison(reports: DeployReport[], title = `${reports?.[0]?.model} on every board`): TableOptions {
  if (!Array.isArray(reports) || reports.length === 0 || reports.some((r) => !r?.target)) {
    throw new RangeError("boardsComparison: expected a non-empty array of DeployReports");
  }
  return {
    title,
    columns: ["target", "core", "QEMU machine", "kernels", "identical", "flash", "RAM", "stack", "instructions",
      "per MAC", "clock", "latency (estimate)"],
    rows: reports.map((r) => {
      const same = identicalInputs(r);
      return [r.target.fromCatalogue ? r.target.id : `${r.target.id} (machine)`, r.target.core, r.target.machine, r.kernels,
        { text: `${same}/${r.inputs}`, background: same === r.inputs && r.bitExact ? GOOD : BAD },
        formatBytes(r.memory.flash), formatBytes(r.memory.ram), formatBytes(r.memory.stackPeak),
        formatCount(r.instructions.perInference), r.instructions.perMac.toFixed(2), `${r.target.clockMHz} MHz`,
        `${r.latency.estimateMs.toFixed(2)} ms`];
    }),
    caption: "Latency = instructions ÷ clock at one instruction per cycle: an estimate, since QEMU counts " +
      "instructions, not cycles.",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Source excerpts

/**
 * `count` lines of a source file starting at the first line that matches `from` (a string it contains or
 * a RegExp), with the lines longer than `width` cut: a few lines of the generated C to print.
 */
export function sourceExcerpt(text: string, from: string | RegExp, count = 8, width = 110): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => (typeof from === "string" ? l.includes(from) : from.test(l)));
  if (start < 0) throw new RangeError(`sourceExcerpt: no line matches ${String(from)} in the ${lines.length} lines given`);
  return lines.slice(start, start + count).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join("\n");
}
