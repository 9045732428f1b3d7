// Command line profiler: `npm run profile -- <model.json | --builtin NAME> [--board ID] [--json]`.
// Prints the per-layer table (params, MACs, output shape, flash), the totals (params, MACs, flash, peak
// RAM at float32 and int8) and, with --board, the flash/RAM fit report. Models are built or loaded on tf's
// plain cpu backend: profiling only needs shapes and weights, never a fast kernel.
import * as tf from "@tensorflow/tfjs";
import { profileModel, type ModelProfile } from "./profile";
import { loadLayersModelFromFile } from "./model-files";
import { builtinNames, getBuiltin, BUILTINS } from "./builtins";
import { BOARDS, fits, getBoard, type FitReport, type Precision } from "../boards/catalogue";
import { formatBytes, formatCount, formatFit, formatProfile } from "./format";
import { netMain } from "./net-cli";

export const USAGE = `usage: npm run profile -- <model.json | --builtin NAME> [options]
  --builtin NAME        profile a built-in model (${builtinNames().join(", ")})
  --board ID            also report whether it fits board ID (see --list)
  --precision P         int8 or float32 for the fit report (default: both)
  --reserve-flash N     bytes of flash kept for firmware/runtime (suffix K or M allowed, e.g. 64K)
  --reserve-ram N       bytes of RAM kept for stacks/runtime/buffers
  --no-in-place         every layer gets its own output buffer (no fused/in-place element-wise layers)
  --no-fold             do not fold batch-norm into the preceding conv/dense for flash bytes
  --json                print the profile (and fit reports) as JSON instead of tables
  --list                list built-in models and boards`;

export class UsageError extends Error {}

interface CliOptions {
  modelPath?: string;
  builtin?: string;
  board?: string;
  precisions: Precision[];
  reserveFlash?: number;
  reserveRam?: number;
  inPlace: boolean;
  fold: boolean;
  json: boolean;
  list: boolean;
}

function parseBytes(flag: string, value: string | undefined): number {
  const m = value === undefined ? null : /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value);
  if (!m) throw new UsageError(`${flag} expects a byte count such as 4096, 64K or 1M, got ${JSON.stringify(value ?? "")}`);
  const scale = m[2] === "" ? 1 : m[2].toLowerCase() === "k" ? 1024 : 1024 * 1024;
  return Math.round(Number(m[1]) * scale);
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { precisions: ["int8", "float32"], inPlace: true, fold: true, json: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--builtin": o.builtin = value(); break;
      case "--board": o.board = value(); break;
      case "--precision": {
        const p = value();
        if (p !== "int8" && p !== "float32") throw new UsageError(`--precision must be int8 or float32, got ${JSON.stringify(p)}`);
        o.precisions = [p];
        break;
      }
      case "--reserve-flash": o.reserveFlash = parseBytes(a, argv[++i]); break;
      case "--reserve-ram": o.reserveRam = parseBytes(a, argv[++i]); break;
      case "--no-in-place": o.inPlace = false; break;
      case "--no-fold": o.fold = false; break;
      case "--json": o.json = true; break;
      case "--list": o.list = true; break;
      case "--help": case "-h": throw new UsageError("");
      default:
        if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
        if (o.modelPath) throw new UsageError(`only one model path expected, got ${o.modelPath} and ${a}`);
        o.modelPath = a;
    }
  }
  if (!o.list && !o.modelPath === !o.builtin) throw new UsageError("give exactly one of <model.json> or --builtin NAME");
  return o;
}

function listing(): string {
  const models = Object.entries(BUILTINS).map(([name, b]) => `  ${name.padEnd(18)} ${b.description}`);
  const boards = BOARDS.map((b) => `  ${b.id.padEnd(12)} ${b.name}: ${b.core} @ ${b.clockMHz} MHz, ${formatBytes(b.flashBytes)} flash, ${formatBytes(b.ramBytes)} RAM`);
  return ["built-in models:", ...models, "", "boards:", ...boards].join("\n");
}

/** Runs the CLI; returns the exit code. Output goes through `out` / `err` so tests can call it in-process. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n"), err: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<number> {
  if (argv.includes("--net")) return netMain(argv, out, err); // PhiNet / XiNet by hyperparameters
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message ? `error: ${e.message}\n${USAGE}` : USAGE);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  if (options.list) {
    out(listing());
    return 0;
  }
  try {
    if (options.board !== undefined) getBoard(options.board); // fail before building anything
    await tf.setBackend("cpu");
    const builtin = options.builtin !== undefined ? getBuiltin(options.builtin) : undefined;
    const model = builtin ? builtin.build() : await loadLayersModelFromFile(options.modelPath as string);
    const profile: ModelProfile = profileModel(model, { inPlace: options.inPlace, foldBatchNorm: options.fold });
    const reports: FitReport[] = options.board === undefined ? [] : options.precisions.map((precision) =>
      fits(profile, options.board as string, { precision, reserve: { flashBytes: options.reserveFlash, ramBytes: options.reserveRam } }));
    if (options.json) {
      out(JSON.stringify({ profile, closedForm: builtin?.closedForm ?? null, fits: reports }, null, 2));
      return 0;
    }
    out(formatProfile(profile));
    if (builtin?.closedForm) {
      const c = builtin.closedForm;
      const agree = c.params === profile.totals.params.total && c.macs === profile.totals.macs;
      out(`closed form params ${formatCount(c.params)}, MACs ${formatCount(c.macs)}: ${agree ? "agrees with the profiler" : "DISAGREES with the profiler"}`);
      if (!agree) return 1;
    }
    for (const r of reports) out("\n" + formatFit(r));
    return 0;
  } catch (e) {
    err(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  tf.env().set("PROD", true); // silences tfjs's "install tfjs-node" banner on stderr: profiling needs no speed
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
