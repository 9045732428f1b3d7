// Sensitivity scan (Han et al.; Li et al.; MIT 6.5940 lab 1): prune one layer at a time over a grid of
// sparsities, without fine-tuning, and score each point on a VALIDATION split (the MIT lab scans the test
// set, which lets the test data choose the model). The curves say which layers tolerate pruning; the
// largest layers usually go highest and the first conv lowest. The model's dense weights are restored after
// every point and at the end, also when an evaluation throws: a scan that leaked a pruned layer into the next
// experiment would report numbers for a model nobody asked about.
import * as tf from "@tensorflow/tfjs";
import { evaluate } from "../../train/evaluate";
import type { LabelledData } from "../../train/fit";
import { stepProgress } from "../../quantize/task-progress";
import type { DisplayTarget } from "../../viz/display";
import { lineChart, type DisplayOptions } from "../../viz/plot";
import { magnitudeMask, prunableWeights, type LayerSelection, type TieRule } from "./magnitude";
import { checkSparsity } from "./schedule";

export interface SensitivityOptions extends LayerSelection {
  /** Default [0, 0.25, 0.5, 0.75, 0.9, 0.95]. */
  sparsities?: number[];
  ties?: TieRule;
  show?: boolean | DisplayTarget;
}

export interface SensitivityCurve {
  layer: string;
  weights: number;
  points: { sparsity: number; accuracy: number }[];
}

export interface SensitivityScan {
  /** Validation accuracy of the unpruned model. */
  baseline: number;
  curves: SensitivityCurve[];
}

export const DEFAULT_SCAN_SPARSITIES = [0, 0.25, 0.5, 0.75, 0.9, 0.95];

export async function sensitivityScan(model: tf.LayersModel, validation: LabelledData, options: SensitivityOptions = {}): Promise<SensitivityScan> {
  const sparsities = options.sparsities ?? DEFAULT_SCAN_SPARSITIES;
  if (!Array.isArray(sparsities) || sparsities.length === 0) throw new RangeError(`sensitivityScan: sparsities must be a non-empty array, got ${JSON.stringify(sparsities)}`);
  sparsities.forEach((s) => checkSparsity(s, "sensitivityScan: sparsity"));
  const weights = prunableWeights(model, options);
  const baseline = evaluate(model, validation).accuracy;
  const progress = stepProgress("sensitivity scan", weights.length * sparsities.length, options.show);
  const curves: SensitivityCurve[] = [];
  for (const w of weights) {
    const dense = tf.keep(w.variable.read().clone());
    const values = dense.dataSync();
    const points: SensitivityCurve["points"] = [];
    try {
      for (const sparsity of sparsities) {
        const pruned = tf.tidy(() => dense.mul(tf.tensor(magnitudeMask(values, sparsity, options.ties ?? "exact"), dense.shape, "float32")));
        w.variable.write(pruned);
        pruned.dispose();
        points.push({ sparsity, accuracy: evaluate(model, validation).accuracy });
        w.variable.write(dense);
        progress.step(curves.length * sparsities.length + points.length);
      }
    } finally {
      w.variable.write(dense);
      dense.dispose();
    }
    curves.push({ layer: w.layer, weights: w.size, points });
  }
  progress.finish();
  return { baseline, curves };
}

/** Per layer, the largest scanned sparsity whose accuracy is within `maxDrop` (a fraction, 0.01 = 1 point) of the baseline. */
export function suggestSparsities(scan: SensitivityScan, options: { maxDrop: number }): Record<string, number> {
  const maxDrop = options?.maxDrop;
  if (typeof maxDrop !== "number" || !(maxDrop >= 0 && maxDrop < 1)) throw new RangeError(`suggestSparsities: maxDrop must be a fraction in [0, 1) (0.01 = one point), got ${String(maxDrop)}`);
  const out: Record<string, number> = {};
  for (const c of scan.curves) {
    const ok = c.points.filter((p) => scan.baseline - p.accuracy <= maxDrop).map((p) => p.sparsity);
    out[c.layer] = ok.length ? Math.max(...ok) : 0;
  }
  return out;
}

/** Validation accuracy against sparsity, one line per layer (with its weight count), the baseline dotted. */
export function sensitivityChart(scan: SensitivityScan, options: DisplayOptions & { title?: string } = {}): void {
  const xs = scan.curves[0]?.points.map((p) => 100 * p.sparsity) ?? [];
  lineChart({
    ...options,
    title: options.title ?? "Sensitivity: each layer pruned alone, no fine-tuning",
    series: [
      ...scan.curves.map((c) => ({ name: `${c.layer} (${c.weights.toLocaleString("en-US")} weights)`, x: c.points.map((p) => 100 * p.sparsity), y: c.points.map((p) => 100 * p.accuracy) })),
      { name: "unpruned", x: [Math.min(...xs), Math.max(...xs)], y: [100 * scan.baseline, 100 * scan.baseline] },
    ],
    xLabel: "sparsity of that layer, %", yLabel: "validation accuracy, %", markers: true,
  });
}
