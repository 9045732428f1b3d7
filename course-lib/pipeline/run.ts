// runPipeline(): the capstone's whole pipeline as one call (the notebook's) and one command (cli.ts).
// Data → calibrate → scale → teacher → student → distil → prune → quantize → firmware → stream, each stage
// cached by its inputs (cache.ts), each shown as it runs, and the report written to
// <outDir>/<run>/report.json and report.html.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { RUNTIME_RESERVE } from "../boards/budget";
import { getBoard } from "../boards/catalogue";
import { loadKeywords } from "../data/keywords";
import { datasetDir } from "../data/manifest";
import { REPO_ROOT } from "../deploy/c/sources";
import { withSeededRandomAsync } from "../nets/seeded";
import { confusionMatrix } from "../train/metrics";
import { defaultDisplayTarget, newDisplayId, type DisplayTarget } from "../viz/display";
import { escapeHtml } from "../viz/plot";
import { cachedStage, stageKey, type CacheEntry } from "./cache";
import { resolvePipelineOptions, type PipelineOptions, type ResolvedPipelineOptions } from "./options";
import { reportHtml, STAGE_TITLES, type PipelineReport, type StageName, type StageRow } from "./report";
import {
  boardMemory, calibrateStage, firmwareStage, RESERVE_MARGIN, loadGraph, loadModel, macBudget, pruneStage, quantizeStage, scaleStage, studentStage, teacherStage,
  type Footprint, type PipelineData, type TrainedResult,
} from "./stages";
import { streamStage } from "./stream";

export const DEFAULT_PIPELINE_DIR = join(REPO_ROOT, "build", "pipeline");

export interface PipelineEvent {
  stage: StageName;
  status: "running" | "done" | "cached" | "skipped";
  detail?: string;
  seconds?: number;
}

/** The per-stage progress: one block updated in place in a notebook, one line per change elsewhere. */
function stageProgress(title: string, stages: StageName[], display: DisplayTarget | false) {
  const state = new Map<StageName, PipelineEvent>();
  const target = display === false ? null : display;
  const id = newDisplayId();
  let shown = false;
  const render = () => {
    if (!target) return;
    const symbol = (e?: PipelineEvent) => (!e ? "·" : e.status === "running" ? "▶" : e.status === "skipped" ? "–" : "✓");
    const text = (s: StageName) => {
      const e = state.get(s);
      const time = e?.seconds !== undefined ? ` ${e.seconds.toFixed(1)} s` : "";
      return `${symbol(e)} ${STAGE_TITLES[s]}${e ? `: ${e.status}${time}` : ""}${e?.detail ? ` (${e.detail})` : ""}`;
    };
    const plain = `${title}\n${stages.map((s) => `  ${text(s)}`).join("\n")}`;
    const html = `<div style="font:13px/1.5 system-ui,sans-serif"><b>${escapeHtml(title)}</b><br>${stages.map((s) => escapeHtml(text(s))).join("<br>")}</div>`;
    const bundle = { "text/plain": plain, "text/html": html };
    if (target.kind === "console") {
      const last = [...state.values()].pop();
      if (last) target.show({ "text/plain": `${title} · ${text(last.stage)}` });
      return;
    }
    if (!shown) target.show(bundle, id);
    else target.update(bundle, id);
    shown = true;
  };
  return {
    event(e: PipelineEvent) {
      state.set(e.stage, e);
      render();
    },
  };
}

/** The train split (seeded subset, speakers held out for validation) and a fixed shuffled test split. */
export async function loadPipelineData(o: ResolvedPipelineOptions): Promise<PipelineData> {
  const common = { features: o.features, validationFraction: o.data.validationFraction };
  const train = await loadKeywords({ ...common, split: "train", seed: o.seed, limit: o.data.trainLimit ?? undefined });
  const validation = await loadKeywords({ ...common, split: "validation", shuffle: false });
  // One fixed order (seed 0) whatever the run's seed: the firmware's "first N clips" are the same clips in every run.
  const test = await loadKeywords({ ...common, split: "test", seed: 0, limit: o.data.testLimit ?? undefined });
  const shape = train.exampleShape as number[];
  return { train, validation, test, inputShape: [shape[0], shape[1], shape[2]], numClasses: train.numClasses, classNames: train.classNames };
}

function datasetFingerprint(dataset: string): string {
  return createHash("sha256").update(readFileSync(join(datasetDir(dataset), "manifest.json"))).digest("hex").slice(0, 16);
}

const row = (stage: StageName, entry: { seconds: number; hit: boolean; key: string }, fields: Partial<StageRow>): StageRow => ({
  stage, title: STAGE_TITLES[stage], params: null, macs: null, flashBytes: null, ramBytes: null, footprintSource: "",
  accuracy: { float: null, int8: null, firmware: null }, validation: null, instructions: null, latencyMs: null,
  seconds: entry.seconds, cached: entry.hit, withinBudget: null, key: entry.key, note: "", ...fields,
});

const fits = (f: Footprint, budget: { flashBytes: number; ramBytes: number }) => f.flashBytes <= budget.flashBytes && f.ramBytes <= budget.ramBytes;

function footprintFields(f: Footprint, source: string) {
  return { params: f.params, macs: f.macs, flashBytes: f.flashBytes, ramBytes: f.ramBytes, footprintSource: source };
}

/** Runs (or reuses from the cache) every stage and writes the report; see the header. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineReport> {
  const o = resolvePipelineOptions(options, DEFAULT_PIPELINE_DIR);
  const started = performance.now();
  const board = getBoard(o.board);
  const memory = boardMemory(o.board);
  const display = options.display === undefined ? defaultDisplayTarget() : options.display;
  const order: StageName[] = [
    "calibrate", "scale", ...(o.distill ? (["teacher"] as const) : []), "student",
    ...(o.distill ? (["distil"] as const) : []), ...(o.prune ? (["prune"] as const) : []), "quantize",
    ...(o.firmware ? (["firmware"] as const) : []), ...(o.stream ? (["stream"] as const) : []),
  ];
  const progress = stageProgress(`pipeline ${o.run} (${board.name})`, order, display);
  const trainingDisplay = display === false || display.kind === "console" ? false : display;
  const stage = async <T>(name: StageName, inputs: unknown, parents: string[], compute: (dir: string) => Promise<T>): Promise<CacheEntry<T>> => {
    const key = stageKey(name, inputs, parents);
    progress.event({ stage: name, status: "running" });
    // Math.random seeded from the key while the stage runs: dropout (PhiNet's Dropout2d) and every other
    // training-time draw then repeat with the inputs, so a recomputed stage gives what the cache holds.
    const entry = await cachedStage(resolve(o.cacheDir), name, key, inputs, (dir) => withSeededRandomAsync(parseInt(key.slice(0, 8), 16), () => compute(dir)));
    progress.event({ stage: name, status: entry.hit ? "cached" : "done", seconds: entry.seconds });
    return entry;
  };

  const data = await loadPipelineData(o);
  const models: tf.LayersModel[] = [];
  try {
    const dataInputs = { dataset: o.dataset, fingerprint: datasetFingerprint(o.dataset), features: o.features, seed: o.seed, data: o.data };
    const stages: StageRow[] = [];
    // calibrate: the board's instructions per MAC and what its firmware needs beyond the model, measured
    const c = await stage("calibrate", { board: o.board, family: o.family, net: o.net, features: o.features, probe: "largest that fits with RUNTIME_RESERVE", stream: o.stream, data: dataInputs }, [], (dir) => calibrateStage(o, data, dir));
    const perMac = c.result.perMac;
    const macs = o.budgetMs === null ? null : macBudget(o.budgetMs, memory.clockMHz, perMac);
    const reserve = c.result.reserve;
    const deployBudget = { flashBytes: memory.flashBytes - reserve.flashBytes, ramBytes: memory.ramBytes - reserve.ramBytes };
    const graphBudget = { flashBytes: memory.flashBytes - reserve.graphFlashBytes, ramBytes: memory.ramBytes - reserve.graphRamBytes };
    stages.push(row("calibrate", c, {
      ...footprintFields(c.result.probe.estimate, "int8 estimate of the probe"), macs: c.result.probe.macs,
      instructions: c.result.instructionsPerInference, latencyMs: (c.result.instructionsPerInference / (memory.clockMHz * 1e6)) * 1e3,
      note: (macs === null ? "" : `rate probe (${o.family} alpha ${c.result.probe.options.alpha}, the net the budget allows at the memory probe's ${c.result.memoryProbe.perMac.toFixed(2)}): `) +
        `${perMac.toFixed(2)} instructions/MAC on ${o.board}'s core with the ${c.result.kernels} kernels` +
        (macs === null ? "" : ` → ${macs.toLocaleString("en-US")} MACs in ${o.budgetMs} ms`) +
        `; memory probe (alpha ${c.result.memoryProbe.options.alpha}, the largest that fits with RUNTIME_RESERVE): its ${reserve.streaming ? "firmwares need" : "firmware needs"} ${reserve.flashBytes - RESERVE_MARGIN.flashBytes} B flash and ${reserve.ramBytes - RESERVE_MARGIN.ramBytes} B RAM beyond the estimate` +
        `${reserve.streaming ? ` (the larger of the classifying and the streaming one: ${reserve.firmware.flash} / ${reserve.streaming.flash} B flash, ${reserve.firmware.ram} / ${reserve.streaming.ram} B RAM)` : ""}: ` +
        `the scale stage keeps ${reserve.flashBytes} B / ${reserve.ramBytes} B back (with a ${RESERVE_MARGIN.flashBytes} B / ${RESERVE_MARGIN.ramBytes} B margin) instead of RUNTIME_RESERVE's ${RUNTIME_RESERVE.flashBytes} B / ${RUNTIME_RESERVE.ramBytes} B`,
      withinBudget: null,
    }));

    // scale
    const s = await stage("scale", { board: o.board, family: o.family, net: o.net, features: o.features, macs, reserve: { flashBytes: reserve.flashBytes, ramBytes: reserve.ramBytes } }, [],
      async () => scaleStage(o, data, macs, { flashBytes: reserve.flashBytes, ramBytes: reserve.ramBytes, what: "that the probe's firmware measured beyond the model (the calibrate stage)" }));
    stages.push(row("scale", s, {
      ...footprintFields(s.result.footprint, "int8 estimate"), withinBudget: fits(s.result.footprint, deployBudget),
      note: `${Object.entries(s.result.hyperparameters).map(([k, v]) => `${k} ${v}`).join(", ")}; next alpha ${s.result.next.alpha}: ${s.result.next.reason}`,
    }));

    // teacher, student, distil
    const trainedRow = (name: StageName, e: CacheEntry<TrainedResult>, note: string, withinBudget: boolean | null) => row(name, e, {
      ...footprintFields(e.result.footprint, "int8 estimate"), accuracy: { float: e.result.accuracy.test, int8: null, firmware: null },
      validation: e.result.accuracy.validation, withinBudget, note,
    });
    let teacher: CacheEntry<TrainedResult> | null = null;
    let teacherModel: tf.LayersModel | null = null;
    if (o.distill) {
      teacher = await stage("teacher", { teacher: o.teacher, data: dataInputs }, [], (dir) => teacherStage(o, data, dir, trainingDisplay));
      teacherModel = await loadModel(teacher.dir);
      models.push(teacherModel);
      stages.push(trainedRow("teacher", teacher, `PhiNet alpha ${o.teacher.alpha}, ${o.teacher.numLayers} blocks, ${o.teacher.epochs} epochs: not deployed, so not held to the budget`, null));
    }
    const student = await stage("student", { train: o.train, data: dataInputs }, [s.key], (dir) => studentStage(o, s.result, data, dir, trainingDisplay, null));
    stages.push(trainedRow("student", student, `${o.train.epochs} epochs on the labels: the baseline distillation has to beat`, fits(student.result.footprint, deployBudget)));
    let selected: { entry: CacheEntry<TrainedResult>; stage: "student" | "distil"; reason: string } = { entry: student, stage: "student", reason: "no distillation (distill: false)" };
    if (o.distill && teacher && teacherModel) {
      const kd = { teacher: teacherModel, options: o.distill };
      const d = await stage("distil", { train: o.train, distill: o.distill, data: dataInputs }, [s.key, teacher.key], (dir) => studentStage(o, s.result, data, dir, trainingDisplay, kd));
      const helps = d.result.accuracy.validation >= student.result.accuracy.validation;
      const vs = `validation ${(d.result.accuracy.validation * 100).toFixed(1)} % distilled vs ${(student.result.accuracy.validation * 100).toFixed(1)} % from scratch`;
      selected = helps
        ? { entry: d, stage: "distil", reason: `distilled student kept (${vs})` }
        : { entry: student, stage: "student", reason: `distillation did not help here: the student from scratch is kept (${vs})` };
      stages.push(trainedRow("distil", d, `T ${o.distill.temperature}, alpha ${o.distill.alpha}; ${selected.reason}`, fits(d.result.footprint, deployBudget)));
    }

    // prune
    let parentKey = selected.entry.key;
    let parentDir = selected.entry.dir;
    let parentFootprint = selected.entry.result.footprint;
    if (o.prune) {
      const parent = await loadModel(parentDir);
      models.push(parent);
      const kd = o.distill && teacherModel ? { teacher: teacherModel, options: o.distill } : null;
      const p = await stage("prune", { prune: o.prune, train: o.train, distill: o.distill, data: dataInputs }, [parentKey, ...(teacher ? [teacher.key] : [])],
        (dir) => pruneStage(o as typeof o & { prune: NonNullable<typeof o.prune> }, parent, data, dir, trainingDisplay, kd));
      stages.push(row("prune", p, {
        ...footprintFields(p.result.footprint, "int8 estimate"), accuracy: { float: p.result.accuracy.test, int8: null, firmware: null },
        validation: p.result.accuracy.validation, withinBudget: fits(p.result.footprint, deployBudget),
        note: `${(o.prune.ratio * 100).toFixed(0)} % of the filters of ${p.result.groups} channel groups removed (${o.prune.criterion}); test ${(p.result.beforeFineTune.test * 100).toFixed(1)} % before the ` +
          `${o.prune.epochs}-epoch fine-tune${kd ? " (distilled)" : ""}; ${parentFootprint.params.toLocaleString("en-US")} → ${p.result.footprint.params.toLocaleString("en-US")} params`,
      }));
      parentKey = p.key;
      parentDir = p.dir;
      parentFootprint = p.result.footprint;
    }

    // quantize
    const floatModel = await loadModel(parentDir);
    models.push(floatModel);
    const q = await stage("quantize", { quantize: o.quantize, train: o.train, board: o.board, data: dataInputs }, [parentKey], (dir) => quantizeStage(o, floatModel, data, dir, trainingDisplay));
    const graph = loadGraph(q.dir);
    stages.push(row("quantize", q, {
      ...footprintFields(q.result.footprint, "int8 graph"), accuracy: { float: q.result.float.test, int8: q.result.int8.test, firmware: null },
      validation: q.result.int8.validation, withinBudget: fits(q.result.footprint, graphBudget), note: q.result.reason,
    }));

    // firmware
    let firmware: PipelineReport["firmware"] = null;
    let firmwareKey: string | null = null;
    if (o.firmware) {
      const fw = o.firmware;
      const f = await stage("firmware", { board: o.board, firmware: fw, data: dataInputs }, [q.key],
        (dir) => firmwareStage({ board: o.board, seed: o.seed, firmware: fw }, graph, data, dir, (detail) => progress.event({ stage: "firmware", status: "running", detail })));
      firmwareKey = f.key;
      const r = f.result;
      const budgetMet = o.budgetMs === null ? null : r.latencyMs <= o.budgetMs;
      stages.push(row("firmware", f, {
        params: q.result.footprint.params, macs: r.macs, flashBytes: r.flashBytes, ramBytes: r.ramBytes, footprintSource: "firmware ELF (text+data without the test clips, data+bss)",
        accuracy: { float: null, int8: r.interpreterAccuracy, firmware: r.accuracy }, instructions: r.instructionsPerInference, latencyMs: r.latencyMs,
        withinBudget: r.flashWithClipsBytes <= memory.flashBytes && r.ramBytes <= memory.ramBytes,
        note: `${r.clips} test clips${r.builds > 1 ? ` in ${r.builds} builds (the clips are compiled into flash)` : ""}; ${r.bitExact ? "bit-exact with the integer interpreter" : "DIFFERS from the integer interpreter"}; ${r.perMac.toFixed(2)} instructions/MAC (${r.kernels} kernels)` +
          (budgetMet === null ? "" : budgetMet ? `; within the ${o.budgetMs} ms budget` : `; over the ${o.budgetMs} ms budget (the probe's instructions/MAC was ${perMac.toFixed(2)})`) +
          ` — the int8 column is the interpreter on the same clips`,
      }));
      firmware = {
        clips: r.clips, bitExact: r.bitExact, accuracy: r.accuracy, interpreterAccuracyOnClips: r.interpreterAccuracy, interpreterAccuracyTest: q.result.int8.test,
        labels: r.labels, predictions: r.predictions, confusion: confusionMatrix(r.predictions, r.labels, data.numClasses), latencyMs: r.latencyMs, budgetMet,
      };
    }

    // stream
    let stream: PipelineReport["stream"] = null;
    if (o.stream && firmwareKey) {
      const st = o.stream;
      const e = await stage("stream", { board: o.board, stream: st, features: o.features, data: dataInputs }, [q.key], (dir) => streamStage(o, st, graph, data, dir, (detail) => progress.event({ stage: "stream", status: "running", detail })));
      stream = e.result;
      stages.push(row("stream", e, {
        flashBytes: e.result.flashBytes, ramBytes: e.result.ramBytes, footprintSource: "firmware ELF (audio excluded)",
        instructions: e.result.instructionsPerSecondOfAudio, withinBudget: e.result.flashBytes <= memory.flashBytes && e.result.ramBytes <= memory.ramBytes,
        note: `${e.result.clips} raw clips; instructions per second of audio = ${(e.result.coreFraction * 100).toFixed(1)} % of ${memory.clockMHz} MHz: ` +
          `${e.result.keepsUp ? "keeps up" : "does not keep up"}; ${e.result.detections.length} detections`,
      }));
    }

    const outDir = resolve(o.outDir, o.run);
    mkdirSync(outDir, { recursive: true });
    const { outDir: _o, cacheDir: _c, ...kept } = o;
    const report: PipelineReport = {
      run: o.run, dataset: o.dataset,
      board: { id: board.id, name: board.name, flashBytes: memory.flashBytes, ramBytes: memory.ramBytes, clockMHz: memory.clockMHz },
      budget: {
        flashBytes: deployBudget.flashBytes, ramBytes: deployBudget.ramBytes, int8Graph: graphBudget,
        reserve: { flashBytes: reserve.flashBytes, ramBytes: reserve.ramBytes }, macs, budgetMs: o.budgetMs, perMac,
      },
      options: kept, stages, selected: { stage: selected.stage, reason: selected.reason },
      quantization: { method: q.result.method, reason: q.result.reason }, firmware, stream, classNames: [...data.classNames],
      seconds: (performance.now() - started) / 1000,
      files: { json: join(outDir, "report.json"), html: join(outDir, "report.html") },
    };
    writeFileSync(report.files.json, JSON.stringify(report, null, 2) + "\n");
    writeFileSync(report.files.html, reportHtml(report));
    return report;
  } finally {
    for (const m of models) m.dispose();
    data.train.dispose();
    data.validation.dispose();
    data.test.dispose();
  }
}
