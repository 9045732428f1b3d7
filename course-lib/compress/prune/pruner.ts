// Pruning during training: a Pruner owns the masks and is called after every optimizer step (the
// course loop's onBatchEnd, course-lib/train/fit.ts).
// - Hard pruning (default; Han et al., TF-MOT): masks are computed at the first step and at each pruning step
//   of the schedule, from the current weights, and re-applied after EVERY step. An optimizer with momentum
//   (Adam) keeps pushing a pruned weight after it was zeroed; re-applying the mask after each update is what
//   keeps it at zero, and a pruned weight never comes back.
// - Soft pruning (after He et al.'s soft filter pruning, IJCAI 2018, here per weight): the mask is recomputed
//   from the current weights after every step. A zeroed weight still gets its gradient update, and if that
//   makes it larger than others it regrows and someone else is pruned. More capacity while training; the
//   final mask is the last one.
// The target is one sparsity, a per-layer record, or a PolynomialSchedule (Zhu & Gupta's gradual pruning).
import * as tf from "@tensorflow/tfjs";
import { fitWithProgress, type FitOptions, type FitResult, type LabelledData } from "../../train/fit";
import { applyMasks, magnitudeMasks, sparsityReport, type MaskOptions, type Masks, type SparsityReport } from "./magnitude";
import { checkSchedule, isPruningStep, isSchedule, polynomialSparsity, type PolynomialSchedule } from "./schedule";

export type PruningMode = "hard" | "soft";

export interface PrunerOptions extends MaskOptions {
  /** One sparsity, { layerName: sparsity }, or a gradual schedule (steps counted by the Pruner). */
  sparsity: number | Record<string, number> | PolynomialSchedule;
  mode?: PruningMode;
}

export class Pruner {
  readonly mode: PruningMode;
  /** Optimizer steps seen so far. */
  steps = 0;
  /** The current masks (null until the first step). */
  masks: Masks | null = null;
  private readonly schedule: PolynomialSchedule | null;

  constructor(readonly model: tf.LayersModel, readonly options: PrunerOptions) {
    if (!options || options.sparsity === undefined) throw new TypeError("Pruner: options.sparsity is required (a number, a per-layer record or a PolynomialSchedule)");
    this.mode = options.mode ?? "hard";
    if (this.mode !== "hard" && this.mode !== "soft") throw new RangeError(`Pruner: mode must be "hard" or "soft", got ${JSON.stringify(this.mode)}`);
    this.schedule = isSchedule(options.sparsity) ? checkSchedule(options.sparsity) : null;
    // Validates the sparsity, scope and layer names now rather than at the first step.
    magnitudeMasks(model, this.targetAt(0), options);
  }

  /** The target sparsity at a step (the schedule's, or the constant one). */
  targetAt(step: number): number | Record<string, number> {
    return this.schedule ? polynomialSparsity(step, this.schedule) : (this.options.sparsity as number | Record<string, number>);
  }

  /** The target at the last mask computation. */
  get currentSparsity(): number | Record<string, number> {
    return this.targetAt(Math.max(0, this.steps - 1));
  }

  /** Call after each optimizer step: recompute the masks when due, then apply them. */
  step(): void {
    const step = this.steps;
    const due = this.masks === null || this.mode === "soft" || (this.schedule !== null && isPruningStep(step, this.schedule));
    if (due) this.masks = magnitudeMasks(this.model, this.targetAt(step), this.options);
    applyMasks(this.model, this.masks as Masks);
    this.steps++;
  }

  /** Computes the masks for the current step now and applies them (e.g. one-shot before fine-tuning). */
  applyNow(): void {
    this.masks = magnitudeMasks(this.model, this.targetAt(this.steps), this.options);
    applyMasks(this.model, this.masks);
  }
}

export interface PruneDuringTrainingResult {
  fit: FitResult;
  pruner: Pruner;
  report: SparsityReport;
}

/**
 * Trains a compiled model with fitWithProgress while a Pruner keeps its masks (after any onBatchEnd of
 * `fit`), and reports the sparsity reached.
 */
export async function pruneDuringTraining(model: tf.LayersModel, train: LabelledData, options: { pruning: PrunerOptions; fit: FitOptions }): Promise<PruneDuringTrainingResult> {
  const pruner = new Pruner(model, options.pruning);
  const userHook = options.fit.onBatchEnd;
  const fit = await fitWithProgress(model, train, {
    ...options.fit,
    onBatchEnd: async (batch) => {
      if (userHook) await userHook(batch);
      pruner.step();
    },
  });
  const layers = pruner.masks ? [...pruner.masks.keys()] : undefined;
  return { fit, pruner, report: sparsityReport(model, layers ? { layers } : options.pruning) };
}
