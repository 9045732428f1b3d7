// The longer run of lesson 06's experiment, outside the notebook:
//   npm run distill:study -- [--seeds 5] [--teacher-epochs 6] [--epochs 30,12,6] [--sweep] [--out build/distill-study.json]
// Same teacher, student, arms and data sizes as the notebook (lesson.ts), more seeds; --epochs sets the
// student's epochs at 10 %, 30 % and 100 % of the data (the notebook's by default), --sweep adds the
// temperature and α sweep at 10 %. Prints the summary tables and writes every run as JSON.
import * as fs from "fs";
import * as path from "path";
import { loadKeywords } from "../../data/keywords";
import { initBackend } from "../../runtime/backend";
import { evaluate } from "../../train/evaluate";
import type { DisplayTarget, MimeBundle } from "../../viz/display";
import { tableText } from "../../viz/html-table";
import {
  buildStudent, buildTeacher, LESSON_ALPHA, LESSON_ARMS, LESSON_BATCH_SIZE, LESSON_EPOCHS, LESSON_FRACTIONS,
  LESSON_LEARNING_RATE, LESSON_TEMPERATURE, TEACHER_EPOCHS, trainTeacher,
} from "./lesson";
import { distillationTableOptions } from "./show";
import { distillationStudy, summarizeDistillation, type DistillationArm } from "./study";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return v;
}

const pct = (x: number) => (100 * x).toFixed(1);

/** The study's progress bar on a terminal: its plain-text line, at most every 5 s and when it finishes. */
function everyFewSeconds(): DisplayTarget {
  let last = 0;
  const print = (bundle: MimeBundle) => {
    const text = String(bundle["text/plain"] ?? "");
    if (performance.now() - last < 5000 && !text.includes("done")) return;
    last = performance.now();
    console.log(text);
  };
  return { kind: "console", show: print, update: print };
}

async function main(args: string[]): Promise<void> {
  const known = ["--seeds", "--teacher-epochs", "--epochs", "--sweep", "--out"];
  for (const a of args) if (a.startsWith("--") && !known.includes(a)) throw new Error(`unknown option ${a}; expected ${known.join(", ")}`);
  const seedCount = positiveInteger("--seeds", option(args, "--seeds"), 5);
  if (seedCount < 3) throw new Error(`--seeds must be at least 3 (a mean ± sd needs a spread), got ${seedCount}`);
  const teacherEpochs = positiveInteger("--teacher-epochs", option(args, "--teacher-epochs"), TEACHER_EPOCHS);
  const epochsText = option(args, "--epochs");
  const epochs = epochsText === undefined ? LESSON_EPOCHS : epochsText.split(",").map((e) => positiveInteger("--epochs", e, 0));
  if (epochs.length !== LESSON_FRACTIONS.length) {
    throw new Error(`--epochs needs ${LESSON_FRACTIONS.length} comma-separated counts (for ${LESSON_FRACTIONS.join(", ")} of the data), got ${JSON.stringify(epochsText)}`);
  }
  const out = path.resolve(option(args, "--out") ?? "build/distill-study.json");
  const buildDir = path.resolve("build");
  if (path.relative(buildDir, out).startsWith("..") || path.isAbsolute(path.relative(buildDir, out))) {
    throw new Error(`--out must be a file inside build/ (so no file of yours is overwritten), got ${out}`);
  }
  console.log(`backend: ${(await initBackend()).detail}`);

  const trainSplit = await loadKeywords({ split: "train", seed: 1, features: "mfcc" });
  const testSplit = await loadKeywords({ split: "test", features: "mfcc" });
  const train = { images: trainSplit.inputs, labels: trainSplit.labels };
  const test = { images: testSplit.inputs, labels: testSplit.labels };
  const teacher = buildTeacher();
  const fit = await trainTeacher(teacher, train, { epochs: teacherEpochs });
  const teacherAccuracy = evaluate(teacher, test).accuracy;
  console.log(`teacher: ${pct(teacherAccuracy)} % test accuracy after ${teacherEpochs} epochs, ${fit.seconds.toFixed(1)} s`);

  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const common = { teacher, buildStudent, train, test, seeds, batchSize: LESSON_BATCH_SIZE, learningRate: LESSON_LEARNING_RATE, display: everyFewSeconds() };
  const started = performance.now();
  const runs = await distillationStudy({ ...common, arms: LESSON_ARMS, fractions: LESSON_FRACTIONS, epochs });
  console.log(tableText(distillationTableOptions(summarizeDistillation(runs), `${seedCount} seeds, ${((performance.now() - started) / 1000).toFixed(0)} s`)));

  let sweep: Awaited<ReturnType<typeof distillationStudy>> = [];
  if (args.includes("--sweep")) {
    const arms: DistillationArm[] = [{ name: "scratch", loss: { temperature: 1, alpha: 0 } }];
    for (const T of [1, 2, 4, 8, 16]) arms.push({ name: `T ${T}, α ${LESSON_ALPHA}`, loss: { temperature: T, alpha: LESSON_ALPHA } });
    for (const a of [0.5, 1]) arms.push({ name: `T ${LESSON_TEMPERATURE}, α ${a}`, loss: { temperature: LESSON_TEMPERATURE, alpha: a } });
    sweep = await distillationStudy({ ...common, arms, fractions: [LESSON_FRACTIONS[0]], epochs: [epochs[0]] });
    console.log(tableText(distillationTableOptions(summarizeDistillation(sweep), "temperature and α at 10 % of the data")));
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ teacherAccuracy, teacherEpochs, epochs, runs, sweep }, null, 1));
  console.log(`runs written to ${path.relative(process.cwd(), out)}`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`distill:study: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
