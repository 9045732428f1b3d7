// Filter importance for structured pruning, one score per channel of a ChannelGroup, and the channels kept.
//
// - "l1" / "l2" (Li et al., ICLR 2017): the L1 / L2 norm of each producer filter (the kernel slice that makes
//   output channel c: kernel[..., c] of a Conv2D [kh, kw, cin, cout] or of a Dense [in, units]; biases are not
//   part of a filter, as in torch.nn.utils.prune.ln_structured). A group with several producers (joined by an
//   Add or a Multiply) scores each channel by the sum over its producers. A depthwise conv in the group is not
//   scored: the channel is the producing conv's filter. An SE gate conv is not a producer (channels.ts).
// - "energy" (Yeom, Shim, Hwang, "Toward compact deep neural networks via energy-aware pruning", tinyML
//   Research Symposium 2022, arXiv 2103.10858): run the model on a calibration batch of N samples, take the
//   group's feature maps where the next layer reads them (after BN and activation; channels.ts `energyAt`),
//   and for channel c the N×(H·W) matrix whose row n is sample n's map of that channel, flattened; the score is
//   its nuclear norm, the sum of its singular values. Several such maps (a group joined by adds) add up.
//
// channelsToKeep keeps max(1, round(C·(1 − ratio))) channels with the highest scores (Math.round: halves go
// up), ties broken towards the LOWER channel index (a stable sort by descending score), returned in
// ascending channel order, the order the rebuilt layer stores them in.
import * as tf from "@tensorflow/tfjs";
import { channelGroups, outputShapeOf, type ChannelGroup } from "./channels";

export type FilterCriterion = "l1" | "l2" | "energy";
export const FILTER_CRITERIA: readonly FilterCriterion[] = ["l1", "l2", "energy"];

export interface FilterScoreOptions {
  /** A batch [N, ...input shape] the energy criterion runs the model on (required for "energy"). */
  calibration?: tf.Tensor;
}

function findGroup(model: tf.LayersModel, group: ChannelGroup | string, fn: string): ChannelGroup {
  if (typeof group !== "string") return group;
  const groups = channelGroups(model, { pruneResiduals: true });
  const found = groups.find((g) => g.id === group);
  if (!found) throw new Error(`${fn}: no channel group "${group}" in model "${model.name}"; its groups are ${groups.map((g) => `"${g.id}"`).join(", ")}`);
  return found;
}

/** Per output channel (the last axis of a row-major tensor), the sum of |w| (p = 1) or the sqrt of the sum of w² (p = 2). */
export function lastAxisNorms(data: ArrayLike<number>, channels: number, p: 1 | 2): Float64Array {
  const acc = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    acc[i % channels] += p === 1 ? Math.abs(v) : v * v;
  }
  if (p === 2) for (let c = 0; c < channels; c++) acc[c] = Math.sqrt(acc[c]);
  return acc;
}

function checkCalibration(model: tf.LayersModel, calibration: unknown, fn: string): tf.Tensor {
  if (!(calibration instanceof tf.Tensor)) throw new TypeError(`${fn}: the "energy" criterion needs options.calibration, a tf.Tensor batch of inputs; got ${calibration === undefined ? "none" : typeof calibration}`);
  const want = model.inputs[0].shape.slice(1);
  const got: number[] = calibration.shape.slice(1);
  if (calibration.shape.length !== want.length + 1 || got.some((d: number, i: number) => d !== want[i]) || calibration.shape[0] < 1) {
    throw new RangeError(`${fn}: calibration must have shape [N ≥ 1, ${want.join(", ")}] (the model's input), got [${calibration.shape.join(", ")}]`);
  }
  return calibration;
}

/**
 * Energy scores of several groups from one forward pass over the calibration batch (see the header).
 * Returned in the order of `groups`.
 */
export function energyScores(model: tf.LayersModel, groups: ChannelGroup[], calibration: tf.Tensor): Float64Array[] {
  const fn = "energyScores";
  checkCalibration(model, calibration, fn);
  const names = [...new Set(groups.flatMap((g) => g.energyAt))];
  if (names.length === 0) return groups.map((g) => new Float64Array(g.channels));
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
  const outs = probe.predict(calibration) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(outs) ? outs : [outs];
  const data = new Map(names.map((n, i) => [n, list[i].dataSync()]));
  tf.dispose(list);
  const batch = calibration.shape[0];
  return groups.map((g) => {
    const scores = new Float64Array(g.channels);
    for (const at of g.energyAt) {
      const shape = outputShapeOf(model.getLayer(at));
      const channels = shape[shape.length - 1];
      if (channels !== g.channels) throw new Error(`${fn}: layer "${at}" has ${channels} channels, group "${g.id}" ${g.channels}`);
      const spatial = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const values = data.get(at) as Float32Array;
      const matrix = new Float64Array(batch * spatial);
      for (let c = 0; c < channels; c++) {
        for (let n = 0; n < batch; n++) {
          for (let p = 0; p < spatial; p++) matrix[n * spatial + p] = values[(n * spatial + p) * channels + c];
        }
        scores[c] += nuclearNorm(batch, spatial, matrix);
      }
    }
    return scores;
  });
}

/** One score per channel of `group` (a ChannelGroup or its id) by `criterion`; see the header. */
export function filterScores(
  model: tf.LayersModel, group: ChannelGroup | string, criterion: FilterCriterion, options: FilterScoreOptions = {},
): Float64Array {
  const fn = "filterScores";
  if (!FILTER_CRITERIA.includes(criterion)) throw new RangeError(`${fn}: criterion must be one of ${FILTER_CRITERIA.map((c) => `"${c}"`).join(", ")}, got ${JSON.stringify(criterion)}`);
  const g = findGroup(model, group, fn);
  if (criterion === "energy") return energyScores(model, [g], checkCalibration(model, options.calibration, fn))[0];
  const scores = new Float64Array(g.channels);
  for (const name of g.producers) {
    const kernel = model.getLayer(name).getWeights()[0];
    const norms = lastAxisNorms(kernel.dataSync(), g.channels, criterion === "l1" ? 1 : 2);
    for (let c = 0; c < g.channels; c++) scores[c] += norms[c];
  }
  return scores;
}

/**
 * Nuclear norm (sum of singular values) of a rows×cols matrix given row-major: the square roots of the
 * eigenvalues of the smaller Gram matrix (A·Aᵀ or Aᵀ·A), found by cyclic Jacobi rotations in float64.
 */
export function nuclearNorm(rows: number, cols: number, data: ArrayLike<number>): number {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new RangeError(`nuclearNorm: rows and cols must be positive integers, got ${rows}×${cols}`);
  if (data.length !== rows * cols) throw new RangeError(`nuclearNorm: a ${rows}×${cols} matrix needs ${rows * cols} values, got ${data.length}`);
  const k = Math.min(rows, cols);
  const inner = Math.max(rows, cols);
  // at(i, t): element t of "row" i of the side we contract over.
  const at = rows <= cols ? (i: number, t: number) => data[i * cols + t] : (i: number, t: number) => data[t * cols + i];
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let t = 0; t < inner; t++) s += at(i, t) * at(j, t);
      g[i * k + j] = s;
      g[j * k + i] = s;
    }
  }
  return symmetricEigenvalues(g, k).reduce((sum, lambda) => sum + Math.sqrt(Math.max(lambda, 0)), 0);
}

/** Eigenvalues of a symmetric k×k matrix (row-major, overwritten) by cyclic Jacobi. */
export function symmetricEigenvalues(a: Float64Array, k: number): number[] {
  const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (scale === 0) return new Array(k).fill(0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p * k + q] ** 2;
    // Converged once the off-diagonal mass is at rounding level; quadratic convergence gets there in a few sweeps.
    if (off <= (1e-16 * scale) ** 2) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q];
        const app = a[p * k + p], aqq = a[q * k + q];
        if (Math.abs(apq) <= 1e-18 * scale) {
          a[p * k + q] = 0;
          a[q * k + p] = 0;
          continue;
        }
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const tau = (aqq - app) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p], arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r], aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
      }
    }
  }
  return Array.from({ length: k }, (_, i) => a[i * k + i]);
}

/** Channels kept out of `channels` at `ratio`: max(1, round(channels·(1 − ratio))). */
export function keptCount(channels: number, ratio: number, name = "the layer"): number {
  if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new RangeError(`pruning ratio for ${name} must be in [0, 1), got ${String(ratio)}`);
  }
  if (ratio === 1) throw new RangeError(`pruning ratio 1 for ${name} would remove every one of its ${channels} filters; use a ratio in [0, 1)`);
  return Math.max(1, Math.round(channels * (1 - ratio)));
}

/**
 * The channels to keep: the max(1, round(C·(1 − ratio))) highest scores, ties to the lower index, in
 * ascending order. `name` (the layer or group) is quoted in errors.
 */
export function channelsToKeep(scores: ArrayLike<number>, ratio: number, name = "the layer"): number[] {
  const n = scores.length;
  if (n < 1) throw new RangeError(`channelsToKeep: ${name} has no channels to rank`);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new RangeError(`channelsToKeep: score ${i} of ${name} is NaN`);
  const keep = keptCount(n, ratio, name);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/**
 * L1 ranking of one conv kernel's filters (tfjs layout [kh, kw, cin, cout]): each output filter's Σ|w| and
 * the filters channelsToKeep keeps at `ratio` (exercise 07.3 mirrors this).
 */
export function l1FilterRanking(kernel: tf.Tensor4D, ratio: number): { scores: number[]; keep: number[] } {
  if (!(kernel instanceof tf.Tensor) || kernel.rank !== 4) {
    throw new RangeError(`l1FilterRanking: kernel must be a 4-D tensor [kh, kw, cin, cout], got ${kernel instanceof tf.Tensor ? `shape [${kernel.shape}]` : typeof kernel}`);
  }
  const cout = kernel.shape[3];
  const scores = Array.from(lastAxisNorms(kernel.dataSync(), cout, 1));
  return { scores, keep: channelsToKeep(scores, ratio, `a kernel of ${cout} filters`) };
}
