// `npm run deploy`: a model onto an emulated Cortex-M board in one command. Loads and quantizes the model
// (model-source.ts), then deployGraph (deploy.ts) plans, generates, builds, runs on QEMU and compares with
// the integer interpreter; the report says whether the firmware is bit-exact, what it costs in flash, RAM,
// arena and stack (from the ELF and the painted stack), and how many instructions it runs per inference, per
// MAC and per operator, with the latency that implies at the board's clock (an estimate: QEMU counts
// instructions, not cycles). Everything also lands in build/deploy/<model>-<board>-<kernels>/report.json.
//
// Errors (a bad flag or value, a board that does not exist, a model that does not fit, a missing toolchain)
// are one line on stderr and exit status 1; progress goes to stderr, the report (or --json) to stdout.
import * as fs from "node:fs";
import { deployTarget } from "./machines";
import { deployGraph, FirmwareDoesNotFit, ToolchainMissing, type DeployReport, type KernelSet } from "./deploy";
import { CALIBRATION_DATASETS, loadDeployModel, type DeployModel } from "./model-source";
import { formatBytes, formatCount } from "../profiler/format";
import { initBackend } from "../runtime/backend";

export const USAGE = `usage: npm run deploy -- --model <model.json | builtin:<name> | file.tflite> --board <id> [options]
  --model SPEC          a tfjs layers model.json (model.save), builtin:<name> (--model builtin lists them),
                        or an int8 .tflite (already quantized)
  --board ID            a catalogue board (stm32f303k8, stm32l476rg, stm32f405rg, stm32h743zi, nrf52840,
                        stm32l496zg: its flash/RAM, run on its QEMU machine) or a QEMU machine
                        (mps2-an385, mps2-an386, mps2-an500, netduinoplus2, mps3-an547)
  --calibration C       a dataset (${Object.keys(CALIBRATION_DATASETS).join(", ")}): 200 train examples calibrate,
                        test inputs come from its test split; or random:<N>[:<lo>,<hi>]: N seeded uniform
                        inputs in [lo, hi] (default [-1, 1]). Needed for a model.json; a builtin defaults
                        to its lesson's calibration batch
  --inputs N            test inputs compiled into the firmware (default 8)
  --inputs-file FILE    test inputs as raw int8 bytes, one input after another (instead of --inputs)
  --kernels K           reference or optimized (default: optimized on cores with DSP, else reference)
  --debug               dump every operator's output, to locate a mismatch layer by layer
  --json                print the report as JSON
  --help                this text`;

/** A bad command line: printed as one line with the hint to run --help. */
export class UsageError extends Error {}

export interface CliOptions {
  model: string;
  board: string;
  calibration?: string;
  /** Number of test inputs (default 8); exclusive with inputsFile. */
  inputs?: number;
  inputsFile?: string;
  kernels?: KernelSet;
  debug: boolean;
  json: boolean;
}

/** Parses the arguments after `npm run deploy --`; returns "help" for --help. */
export function parseArgs(argv: string[]): CliOptions | "help" {
  const o: Partial<CliOptions> = { debug: false, json: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      i++;
      return v;
    };
    if (seen.has(flag)) throw new UsageError(`${flag} given twice`);
    seen.add(flag);
    switch (flag) {
      case "--help": case "-h": return "help";
      case "--model": o.model = value(); break;
      case "--board": o.board = value(); break;
      case "--calibration": o.calibration = value(); break;
      case "--inputs": {
        const v = value();
        if (!/^[1-9][0-9]*$/.test(v) || Number(v) > 1000) throw new UsageError(`--inputs expects a whole number 1..1000, got ${JSON.stringify(v)}`);
        o.inputs = Number(v);
        break;
      }
      case "--inputs-file": o.inputsFile = value(); break;
      case "--kernels": {
        const v = value();
        if (v !== "reference" && v !== "optimized") throw new UsageError(`--kernels expects reference or optimized, got ${JSON.stringify(v)}`);
        o.kernels = v;
        break;
      }
      case "--debug": o.debug = true; break;
      case "--json": o.json = true; break;
      default:
        throw new UsageError(flag.startsWith("-") ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(flag)} (options take the form --name value)`);
    }
  }
  if (o.model === undefined) throw new UsageError("--model is required");
  if (o.board === undefined) throw new UsageError("--board is required");
  if (o.inputs !== undefined && o.inputsFile !== undefined) throw new UsageError("give --inputs or --inputs-file, not both");
  return o as CliOptions;
}

/** Test inputs from a raw int8 file: a whole number of `inputSize`-byte inputs. */
export function readInputsFile(file: string, inputSize: number): Int8Array[] {
  if (!fs.existsSync(file)) throw new Error(`--inputs-file ${file} does not exist`);
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0 || bytes.length % inputSize !== 0) {
    throw new RangeError(`--inputs-file ${file} has ${bytes.length} bytes, not a whole number of inputs of ${inputSize} int8 values`);
  }
  const all = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: bytes.length / inputSize }, (_, k) => all.slice(k * inputSize, (k + 1) * inputSize));
}

export interface DeployRun {
  model: DeployModel;
  report: DeployReport;
  /** Where the test inputs came from, e.g. "8 examples of the digits test split (seed 1)". */
  testInputs: string;
}

/** What the CLI does, as a function: load and quantize, choose the test inputs, deployGraph. */
export async function runDeploy(options: CliOptions, progress: (line: string) => void = () => undefined): Promise<DeployRun> {
  const target = deployTarget(options.board); // an unknown board fails before any work
  if (!options.model.toLowerCase().endsWith(".tflite")) {
    const backend = await initBackend();
    progress(`tfjs backend: ${backend.name}`);
  }
  progress(`load: ${options.model}${options.calibration ? ` (calibration ${options.calibration})` : ""}`);
  const model = await loadDeployModel(options.model, { calibration: options.calibration });
  progress(`model: ${model.description}`);
  const inputSize = model.graph.inputs.map((id) => model.graph.tensors[id].shape.reduce((a, b) => a * b, 1))[0];
  const inputs = options.inputsFile !== undefined ? readInputsFile(options.inputsFile, inputSize) : model.sampleInputs(options.inputs ?? 8, 1);
  const testInputs = `${inputs.length} ${options.inputsFile !== undefined ? `from ${options.inputsFile}` : `${model.testInputs} (seed 1)`}`;
  progress(`test inputs: ${testInputs}`);
  const report = await deployGraph(model.graph, {
    board: target.id, kernels: options.kernels, inputs, debug: options.debug,
    onProgress: (stage, detail) => progress(`${stage}${detail ? `: ${detail}` : ""}`),
  });
  return { model, report, testInputs };
}

// ---------------------------------------------------------------------------------------------------------
// The readable report.

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** A tensor name cut to 40 characters (converter names run to 80), keeping both ends. */
function shortName(name: string): string {
  return name.length <= 40 ? name : `${name.slice(0, 18)}…${name.slice(-21)}`;
}

function operatorTable(report: DeployReport): string[] {
  const header = ["#", "op", "output", "MACs", "instructions", "per MAC"];
  const rows = report.instructions.perOp.map((o) => [String(o.index), o.kind, shortName(o.name), formatCount(o.macs), formatCount(o.instructions), o.perMac === null ? "-" : fixed(o.perMac, 2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([0, 3, 4, 5]);
  const line = (cells: string[]) => "  " + cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The report as text (what `npm run deploy` prints without --json). */
export function formatReport(report: DeployReport, run?: Omit<DeployRun, "report">): string {
  const t = report.target;
  const m = report.memory;
  const ins = report.instructions;
  const outputs = report.expected[0]?.length ?? 0;
  const mismatch = report.firstMismatch;
  const exact = report.bitExact
    ? `yes: all ${report.inputs} inputs × ${outputs} outputs equal runQuantized's`
    : `NO: input ${mismatch!.input}, output ${mismatch!.index}: interpreter ${mismatch!.expected}, firmware ${mismatch!.got}` +
      (mismatch!.op ? `; first differing operator #${mismatch!.op.index} ${mismatch!.op.kind} "${mismatch!.op.name}"` : "; rerun with --debug to find the operator");
  const lines = [
    `model      ${report.model}${run ? ` (${run.model.description})` : ""}`,
    ...(run ? [`inputs     ${run.testInputs}`] : []),
    `target     ${t.id}: ${t.name}, ${t.core} @ ${t.clockMHz} MHz, ${formatBytes(t.flashBytes)} flash / ${formatBytes(t.ramBytes)} RAM, on QEMU ${t.machine}`,
    `kernels    ${report.kernels}`,
    `bit-exact  ${exact}`,
    "",
    `flash      ${formatCount(m.flash)} B (text ${formatCount(m.sections.text)} + data ${formatCount(m.sections.data)}), ${pct(m.flash, t.flashBytes)} of the board's`,
    `RAM        ${formatCount(m.ram)} B (data ${formatCount(m.sections.data)} + bss ${formatCount(m.sections.bss)}), ${pct(m.ram, t.ramBytes)} of the board's`,
    `arena      ${formatCount(m.arena)} B (course planner ${formatCount(m.plan.course)}, TFLM greedy ${formatCount(m.plan.tflmGreedy)}; ` +
      `bounds: live set ${formatCount(m.plan.liveSet)}, no reuse ${formatCount(m.plan.sum)}), scratch ${formatCount(m.scratch)} B`,
    `stack      ${formatCount(m.stackPeak)} B measured peak (painted stack)`,
    "",
    `work       ${formatCount(ins.perInference)} instructions per inference, ${formatCount(ins.macs)} MACs: ${fixed(ins.perMac, 2)} instructions per MAC`,
    `latency    ${fixed(report.latency.estimateMs, 3)} ms, estimated at ${report.latency.clockMHz} MHz: ${report.latency.note}`,
    "",
    "per operator (instructions per inference, counted by QEMU):",
    ...operatorTable(report),
    "",
    `files      ${report.dir}: ${Object.entries(report.files).map(([k, v]) => (typeof v === "string" ? `${k} ${v.slice(report.dir.length + 1)}` : `renode ${v.resc.slice(report.dir.length + 1)}, ${v.robot.slice(report.dir.length + 1)} (not run here)`)).join("; ")}`,
  ];
  return lines.join("\n");
}

/** The error as printed: one line for the user's errors, the fit failure and the missing toolchain. */
export function errorLine(e: unknown, board?: string): string {
  if (e instanceof FirmwareDoesNotFit) {
    let memory = "";
    try {
      const t = deployTarget(board ?? e.target);
      memory = ` (${formatBytes(t.flashBytes)} flash / ${formatBytes(t.ramBytes)} RAM)`;
    } catch {
      memory = "";
    }
    return `error: region ${e.region} overflowed by ${e.overflowBytes} bytes on ${e.target}${memory}`;
  }
  if (e instanceof ToolchainMissing) return `error: ${e.message}`; // names the tool and the apt-get line
  if (e instanceof UsageError) return `error: ${e.message} (npm run deploy -- --help)`;
  // Anything else (a compiler error in generated C, a QEMU crash) keeps its whole message: it is a bug to report.
  return `error: ${e instanceof Error ? e.message : String(e)}`;
}

/** Runs the CLI; returns the exit status. Output goes through `out` / `err` so tests can call it in-process. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n"), err: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseArgs(argv);
  } catch (e) {
    err(errorLine(e));
    return 1;
  }
  if (options === "help") {
    out(USAGE);
    return 0;
  }
  try {
    const run = await runDeploy(options, (line) => err(`[deploy] ${line}`));
    out(options.json ? JSON.stringify(run.report, null, 2) : formatReport(run.report, run));
    return 0;
  } catch (e) {
    err(errorLine(e, options.board));
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
