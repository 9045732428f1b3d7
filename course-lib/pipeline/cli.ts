// npm run pipeline -- --dataset keywords --board <board id> [--budget-ms N] [--seed S] [--preset full|quick|test]
//   [--features mfcc|logmel] [--family phinet|xinet] [--prune-ratio R | --no-prune] [--no-distill] [--force-qat]
//   [--firmware-clips N] [--no-stream] [--run NAME] [--out DIR] [--json]
// Runs course-lib/pipeline's runPipeline (the notebook's function) and prints the stage table, or the report
// as JSON. Stages are cached under <out>/cache: a re-run with one option changed redoes only what changed.
import { createConsoleTarget } from "../viz/display";
import { pipelineBoards, type PipelineOptions } from "./options";
import { stageTableText } from "./report";
import { runPipeline } from "./run";

export const USAGE = `usage: npm run pipeline -- --dataset keywords --board <board> [options]

  --dataset NAME       the dataset (keywords)
  --board ID           a catalogue board with a QEMU machine: ${pipelineBoards().join(", ")}
  --budget-ms N        latency budget of one inference at the board's clock (default: none)
  --seed S             seed of the data subset, the weights and the shuffles (default 1)
  --preset P           full (default), quick (the notebook's) or test (npm test's smallest)
  --features F         mfcc (49x10, default) or logmel (49x40)
  --family F           phinet (default) or xinet
  --prune-ratio R      fraction of filters removed by structured pruning (default 0.25)
  --no-prune           skip pruning
  --no-distill         skip the teacher and distillation
  --force-qat          run QAT even when PTQ loses less than 1 point
  --firmware-clips N   test clips run on the board's QEMU machine
  --no-stream          skip the streaming firmware
  --run NAME           the report's folder under --out (default <dataset>-<board>-<features>-s<seed>)
  --out DIR            default build/pipeline
  --json               print report.json instead of the table`;

export class UsageError extends Error {}

export interface CliOptions {
  pipeline: PipelineOptions;
  json: boolean;
}

function number(flag: string, v: string, integer: boolean): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new UsageError(`${flag} expects ${integer ? "a whole number" : "a number"}, got ${JSON.stringify(v)}`);
  return x;
}

/** Parses the arguments after `npm run pipeline --`; "help" for --help. The pipeline checks the values' ranges. */
export function parseArgs(argv: string[]): CliOptions | "help" {
  const p: Partial<PipelineOptions> & { prune?: PipelineOptions["prune"] } = {};
  let json = false;
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
      case "--dataset": p.dataset = value() as PipelineOptions["dataset"]; break;
      case "--board": p.board = value(); break;
      case "--budget-ms": p.budgetMs = number(flag, value(), false); break;
      case "--seed": p.seed = number(flag, value(), true); break;
      case "--preset": p.preset = value() as PipelineOptions["preset"]; break;
      case "--features": p.features = value() as PipelineOptions["features"]; break;
      case "--family": p.family = value() as PipelineOptions["family"]; break;
      case "--prune-ratio":
        if (seen.has("--no-prune")) throw new UsageError("--prune-ratio and --no-prune contradict each other");
        p.prune = { ratio: number(flag, value(), false) };
        break;
      case "--no-prune":
        if (seen.has("--prune-ratio")) throw new UsageError("--prune-ratio and --no-prune contradict each other");
        p.prune = false;
        break;
      case "--no-distill": p.distill = false; break;
      case "--force-qat": p.quantize = { forceQat: true }; break;
      case "--firmware-clips": p.firmware = { clips: number(flag, value(), true) }; break;
      case "--no-stream": p.stream = false; break;
      case "--run": p.run = value(); break;
      case "--out": p.outDir = value(); break;
      case "--json": json = true; break;
      default: throw new UsageError(`unknown option ${JSON.stringify(flag)} (see --help)`);
    }
  }
  if (p.dataset === undefined) throw new UsageError("--dataset is required (keywords)");
  if (p.board === undefined) throw new UsageError(`--board is required (${pipelineBoards().join(", ")})`);
  return { pipeline: p as PipelineOptions, json };
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n"), err: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseArgs(argv);
  } catch (e) {
    err(`pipeline: ${(e as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (options === "help") {
    out(USAGE);
    return 0;
  }
  try {
    const { initBackend } = await import("../runtime/backend");
    err(`backend: ${(await initBackend()).detail}`);
    const report = await runPipeline({ ...options.pipeline, display: createConsoleTarget((line) => err(line)) });
    out(options.json ? JSON.stringify(report, null, 2) : `${stageTableText(report)}\n\nreport: ${report.files.html}`);
    return 0;
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
