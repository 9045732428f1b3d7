// AutoTinyML's experiment on the course's data: search a 1-D CNN for the motion (human activity) dataset
// whose int8 model deploys on a given board, minimising validation error.
//
// The search space is the talk's kind of table (conv blocks, filters, kernel size, pooling, dense units,
// dropout, activation, optimizer, learning rate); its ranges are the course's proposal, not the paper's,
// which could not be checked. Deployability is decided from the course's own measurements, never guessed:
// the model is quantized (lesson 08's quantizeModel), and its flash (weights, biases, quantization
// parameters: profiler/quantized.ts quantizedFlash) and its peak arena RAM (activationMemory) must fit the
// board's flash and SRAM minus the course's RUNTIME_RESERVE (the firmware and runtime's share). The talk's
// "ROM ≤ 1990 KB" cannot be right for the STM32L476RG's 1 MB of flash, so the board catalogue's datasheet
// figures are used instead. Sizes do not depend on the trained weights, so an infeasible model is reported
// without training (what a searcher pays for is the evaluation of feasible ones); the searcher still only
// sees "feasible or not", a black box.
//
// Training is short and seeded (wasm backend, the same seed for every configuration, so two searches that
// try the same configuration get the same result). `harProblem` caches results by configuration, shared by
// the two boards' problems, so a notebook that searches both boards trains each configuration once.
import * as tf from "@tensorflow/tfjs";
import { getBoard } from "../boards/catalogue";
import { RUNTIME_RESERVE } from "../boards/budget";
import { loadMotion, MotionDataset } from "../data/motion";
import { withSeededRandomAsync } from "../nets/seeded";
import { activationMemory, quantizedFlash } from "../profiler/quantized";
import { profileModel } from "../profiler/profile";
import { quantizeModel } from "../quantize/quantize-model";
import { evaluate } from "../train/evaluate";
import { fitWithProgress } from "../train/fit";
import type { EvaluationResult, Problem } from "./problem";
import { checkConfig, Config, configKey, Space } from "./space";

export const HAR_SPACE: Space = [
  { name: "blocks", type: "integer", low: 1, high: 3 },
  { name: "filters", type: "categorical", values: [4, 8, 16, 32, 64] },
  { name: "kernelSize", type: "categorical", values: [3, 5, 7, 9] },
  { name: "pooling", type: "categorical", values: ["none", "max2"] },
  { name: "denseUnits", type: "categorical", values: [0, 16, 32, 64, 128] },
  { name: "dropout", type: "real", low: 0, high: 0.5 },
  { name: "activation", type: "categorical", values: ["relu", "relu6"] },
  { name: "optimizer", type: "categorical", values: ["adam", "rmsprop"] },
  { name: "learningRate", type: "log-real", low: 1e-4, high: 1e-2 },
];

/** A hand-designed CNN of the kind a search starts from (the table's baseline row). */
export const HAR_BASELINE: Config = {
  blocks: 2, filters: 16, kernelSize: 5, pooling: "max2", denseUnits: 64, dropout: 0.25, activation: "relu", optimizer: "adam", learningRate: 1e-3,
};

export const HAR_BOARDS = ["stm32l476rg", "stm32f303k8"] as const;

export interface HarSettings {
  /** Training epochs per trial (default 6). */
  epochs: number;
  batchSize: number;
  /** Seed of the weights, shuffles and dropout, the same for every configuration (default 0). */
  seed: number;
  /** Train subjects held out for the validation error the search minimises (default 0.25). */
  validationFraction: number;
}

export const HAR_DEFAULTS: HarSettings = Object.freeze({ epochs: 6, batchSize: 32, seed: 0, validationFraction: 0.25 });

/**
 * The HAR CNN of a configuration: `blocks` × [Conv1D(filters·2^b, kernelSize, same) + activation + optional
 * max-pool 2], flatten, dropout, an optional dense layer, softmax over the six activities.
 */
export function harModel(config: Config): tf.LayersModel {
  checkConfig(HAR_SPACE, config, "harModel");
  const c = config as { blocks: number; filters: number; kernelSize: number; pooling: string; denseUnits: number; dropout: number; activation: string; optimizer: string; learningRate: number };
  const layers: tf.layers.Layer[] = [];
  for (let b = 0; b < c.blocks; b++) {
    layers.push(tf.layers.conv1d({
      ...(b === 0 ? { inputShape: [128, 6] } : {}),
      filters: c.filters * 2 ** b, kernelSize: c.kernelSize, padding: "same", name: `conv${b + 1}`,
    }));
    layers.push(c.activation === "relu6" ? tf.layers.reLU({ maxValue: 6, name: `relu6_${b + 1}` }) : tf.layers.reLU({ name: `relu${b + 1}` }));
    if (c.pooling === "max2") layers.push(tf.layers.maxPooling1d({ poolSize: 2, name: `pool${b + 1}` }));
  }
  layers.push(tf.layers.flatten({ name: "flatten" }));
  if (c.dropout > 0) layers.push(tf.layers.dropout({ rate: c.dropout, name: "dropout" }));
  if (c.denseUnits > 0) layers.push(tf.layers.dense({ units: c.denseUnits, activation: "relu", name: "dense" }));
  layers.push(tf.layers.dense({ units: 6, activation: "softmax", name: "logits" }));
  const model = tf.sequential({ layers, name: "har_cnn" });
  const optimizer = c.optimizer === "adam" ? tf.train.adam(c.learningRate) : tf.train.rmsprop(c.learningRate);
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** What a configuration needs on a board, measured on its int8 graph. */
export interface HarFootprint {
  params: number;
  macs: number;
  flashBytes: number;
  ramBytes: number;
}

export interface HarData {
  train: MotionDataset;
  validation: MotionDataset;
  test: MotionDataset;
  dispose(): void;
}

/** The motion splits the HAR problem uses (validation = whole held-out train subjects). */
export async function loadHarData(settings: Partial<HarSettings> = {}): Promise<HarData> {
  const validationFraction = settings.validationFraction ?? HAR_DEFAULTS.validationFraction;
  const seed = settings.seed ?? HAR_DEFAULTS.seed;
  const train = await loadMotion({ split: "train", validationFraction, seed });
  const validation = await loadMotion({ split: "validation", validationFraction, seed });
  const test = await loadMotion({ split: "test" });
  return { train, validation, test, dispose: () => [train, validation, test].forEach((d) => d.dispose()) };
}

/** The int8 footprint of a model: quantizeModel calibrated on a few training windows, then the graph's sizes. */
export function harFootprint(model: tf.LayersModel, calibration: tf.Tensor): HarFootprint {
  const graph = quantizeModel(model, { calibration, progress: false });
  const profile = profileModel(model);
  return { params: profile.totals.params.total, macs: profile.totals.macs, flashBytes: quantizedFlash(graph).total, ramBytes: activationMemory(graph).peak };
}

/** Whether a footprint fits a board with RUNTIME_RESERVE kept back, and the budgets it was checked against. */
export function harDeployable(footprint: HarFootprint, boardId: string): { ok: boolean; flashBudget: number; ramBudget: number } {
  const board = getBoard(boardId);
  const flashBudget = board.flashBytes - RUNTIME_RESERVE.flashBytes;
  const ramBudget = board.ramBytes - RUNTIME_RESERVE.ramBytes;
  return { ok: footprint.flashBytes <= flashBudget && footprint.ramBytes <= ramBudget, flashBudget, ramBudget };
}

interface TrainedResult {
  validationAccuracy: number;
  testAccuracy: number;
  footprint: HarFootprint;
  seconds: number;
}

/** Builds the HAR search problems for the boards over one shared data set and result cache. */
export class HarSearch {
  private readonly footprints = new Map<string, HarFootprint>();
  private readonly trained = new Map<string, TrainedResult>();
  readonly settings: HarSettings;

  constructor(readonly data: HarData, settings: Partial<HarSettings> = {}) {
    this.settings = { ...HAR_DEFAULTS, ...settings };
    if (!Number.isInteger(this.settings.epochs) || this.settings.epochs < 1) throw new RangeError(`HAR: epochs must be a positive integer, got ${this.settings.epochs}`);
  }

  /** Configurations trained so far (each once, whatever the board). */
  get trainings(): number {
    return this.trained.size;
  }

  footprint(config: Config): HarFootprint {
    const key = configKey(HAR_SPACE, config);
    let f = this.footprints.get(key);
    if (!f) {
      const model = harModel(config);
      const calibration = tf.slice(this.data.train.inputs, 0, 32);
      try {
        f = harFootprint(model, calibration);
      } finally {
        calibration.dispose();
        model.dispose();
      }
      this.footprints.set(key, f);
    }
    return f;
  }

  /** Trains the configuration (seeded, cached) and returns validation and test accuracy. */
  async train(config: Config): Promise<TrainedResult> {
    const key = configKey(HAR_SPACE, config);
    const cached = this.trained.get(key);
    if (cached) return cached;
    const footprint = this.footprint(config);
    const started = performance.now();
    const result = await withSeededRandomAsync(this.settings.seed, async () => {
      const model = harModel(config);
      try {
        await fitWithProgress(model, { images: this.data.train.inputs, labels: this.data.train.labels }, {
          epochs: this.settings.epochs, batchSize: this.settings.batchSize, seed: this.settings.seed, display: false,
        });
        const validationAccuracy = evaluate(model, { images: this.data.validation.inputs, labels: this.data.validation.labels }).accuracy;
        const testAccuracy = evaluate(model, { images: this.data.test.inputs, labels: this.data.test.labels }).accuracy;
        return { validationAccuracy, testAccuracy };
      } finally {
        model.dispose();
      }
    });
    const trained = { ...result, footprint, seconds: (performance.now() - started) / 1000 };
    this.trained.set(key, trained);
    return trained;
  }

  /** The search problem for one board: minimise validation error; infeasible when the int8 model does not fit. */
  problem(boardId: string): Problem {
    const board = getBoard(boardId);
    return {
      name: `har-${board.id}`,
      space: HAR_SPACE,
      description: `a 1-D CNN for the motion dataset whose int8 model fits ${board.name} (flash and RAM minus the runtime reserve), minimising validation error`,
      evaluate: async (config: Config): Promise<EvaluationResult> => {
        const footprint = this.footprint(config);
        const fit = harDeployable(footprint, board.id);
        const info: Record<string, unknown> = { ...footprint, flashBudget: fit.flashBudget, ramBudget: fit.ramBudget };
        if (!fit.ok) return { feasible: false, info: { ...info, reason: footprint.flashBytes > fit.flashBudget ? "flash" : "ram" } };
        const trained = await this.train(config);
        return {
          feasible: true,
          value: 1 - trained.validationAccuracy,
          info: { ...info, validationAccuracy: trained.validationAccuracy, testAccuracy: trained.testAccuracy, trainSeconds: trained.seconds },
        };
      },
    };
  }
}
