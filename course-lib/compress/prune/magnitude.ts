// Unstructured magnitude pruning (Han et al. 2015): keep the weights of largest |w|, zero the rest.
//
// Masks hit an exact count. At sparsity s a tensor of N weights loses round(s·N) of them (at least one
// weight always survives), and ties are broken by position: among equal |w| the LOWER flat index is pruned
// first. Ties are common (after int8 quantization a layer holds at most 256 values), and libraries differ:
// - "keep-ties", TF-MOT's rule: keep k = max(round(N(1 − s)), 1), threshold = the k-th largest |w|, keep
//   every |w| ≥ threshold, so ties keep extra weights (the sparsity comes out below s);
// - "prune-ties", MIT 6.5940 lab 1's rule: threshold = the round(s·N)-th smallest |w|, keep |w| > threshold,
//   so ties prune extra weights (the sparsity comes out above s);
// - "exact" (the course's default): exactly round(s·N), whatever the ties.
//
// What is pruned: conv, depthwise and dense kernels. Never biases or batch norm: they are few, and each shifts
// a whole channel. By default not the first weighted layer (few weights, reading the raw input) nor the last
// (the classifier): the TF-MOT guide and Han et al. give those the smallest sparsity or none. `layers` names
// the layers explicitly instead. Sparsity is reported over the pruned kernels only, never diluted by the
// biases and batch-norm parameters that were not candidates.
import * as tf from "@tensorflow/tfjs";
import { checkSparsity } from "./schedule";

export type TieRule = "exact" | "keep-ties" | "prune-ties";
export const TIE_RULES: readonly TieRule[] = ["exact", "keep-ties", "prune-ties"];

function checkTies(ties: unknown): TieRule {
  if (!TIE_RULES.includes(ties as TieRule)) throw new RangeError(`ties must be one of ${TIE_RULES.map((t) => `"${t}"`).join(", ")}, got ${JSON.stringify(ties)}`);
  return ties as TieRule;
}

/** Indices sorted by (|w|, index) ascending: the pruning order of the "exact" rule. */
function pruningOrder(magnitudes: Float64Array): Uint32Array {
  const order = Uint32Array.from(magnitudes, (_, i) => i);
  order.sort((a, b) => magnitudes[a] - magnitudes[b] || a - b);
  return order;
}

/** Mask (1 = keep) over magnitudes, by the tie rule. */
function maskOfMagnitudes(magnitudes: Float64Array, sparsity: number, ties: TieRule): Uint8Array {
  const n = magnitudes.length;
  const mask = new Uint8Array(n).fill(1);
  if (n === 0) return mask;
  const order = pruningOrder(magnitudes);
  if (ties === "exact") {
    const pruned = Math.min(Math.round(sparsity * n), n - 1);
    for (let i = 0; i < pruned; i++) mask[order[i]] = 0;
  } else if (ties === "keep-ties") {
    const keep = Math.max(Math.round(n * (1 - sparsity)), 1);
    const threshold = magnitudes[order[n - keep]];
    for (let i = 0; i < n; i++) if (magnitudes[i] < threshold) mask[i] = 0;
  } else {
    const zeros = Math.round(sparsity * n);
    if (zeros > 0) {
      const threshold = magnitudes[order[zeros - 1]];
      for (let i = 0; i < n; i++) if (magnitudes[i] <= threshold) mask[i] = 0;
    }
  }
  return mask;
}

/**
 * The magnitude mask of `values` at `sparsity` (1 = keep, 0 = prune), by the tie rule (default "exact":
 * exactly round(sparsity·N) pruned, at least one kept, the lower index first among equal |w|).
 */
export function magnitudeMask(values: ArrayLike<number>, sparsity: number, ties: TieRule = "exact"): Uint8Array {
  if (!values || typeof values.length !== "number" || values.length === 0) throw new RangeError(`magnitudeMask: values must be a non-empty array of numbers, got ${String(values)}`);
  checkSparsity(sparsity, "magnitudeMask: sparsity");
  return maskOfMagnitudes(Float64Array.from(values as ArrayLike<number>, Math.abs), sparsity, checkTies(ties));
}

// ---------------------------------------------------------------------------------------------------------
// Which weights of a model

/** Classes whose kernel can be pruned, and the kernel's weight name. */
const KERNEL_OF: Record<string, string> = { Conv2D: "kernel", Conv1D: "kernel", DepthwiseConv2D: "depthwise_kernel", Dense: "kernel" };

export interface LayerSelection {
  /** Prune exactly these layers (each must have a conv, depthwise or dense kernel). */
  layers?: string[];
  /** With no `layers`: include the first weighted layer (default false). */
  includeFirst?: boolean;
  /** With no `layers`: include the last weighted layer, the classifier (default false). */
  includeLast?: boolean;
}

export interface PrunableWeight {
  layer: string;
  /** "kernel" or "depthwise_kernel". */
  weight: string;
  className: string;
  size: number;
  shape: number[];
  variable: tf.LayerVariable;
}

const shapeOf = (v: tf.LayerVariable): number[] => v.shape as number[];
const sizeOf = (v: tf.LayerVariable): number => shapeOf(v).reduce((a, b) => a * b, 1);

function kernelOf(layer: tf.layers.Layer): tf.LayerVariable | null {
  const name = KERNEL_OF[layer.getClassName()];
  if (!name) return null;
  return (layer.weights.find((w) => w.originalName.split("/").pop() === name) as tf.LayerVariable | undefined) ?? null;
}

/** The kernels pruning would touch, in the model's layer order. */
export function prunableWeights(model: tf.LayersModel, selection: LayerSelection = {}): PrunableWeight[] {
  if (!model || !Array.isArray(model.layers)) throw new TypeError(`prunableWeights: expected a tf.LayersModel, got ${String(model)}`);
  const all = model.layers.flatMap((layer) => {
    const v = kernelOf(layer);
    return v ? [{ layer: layer.name, weight: v.originalName.split("/").pop() as string, className: layer.getClassName(), size: sizeOf(v), shape: shapeOf(v).slice(), variable: v }] : [];
  });
  if (all.length === 0) throw new RangeError(`prunableWeights: model "${model.name}" has no conv, depthwise or dense kernel to prune`);
  if (selection.layers !== undefined) {
    if (!Array.isArray(selection.layers) || selection.layers.length === 0) throw new RangeError(`prunableWeights: layers must be a non-empty array of layer names, got ${JSON.stringify(selection.layers)}`);
    return selection.layers.map((name) => {
      const found = all.find((w) => w.layer === name);
      if (!found) {
        const why = model.layers.some((l) => l.name === name) ? `layer "${name}" has no conv, depthwise or dense kernel` : `no layer named "${name}"`;
        throw new RangeError(`prunableWeights: ${why}; the model's prunable layers are ${all.map((w) => `"${w.layer}"`).join(", ")}`);
      }
      return found;
    });
  }
  return all.filter((_, i) => (i > 0 || selection.includeFirst) && (i < all.length - 1 || selection.includeLast));
}

export type PruningScope = "layer" | "global";

export interface MaskOptions extends LayerSelection {
  /** "layer" (default): each layer at its own sparsity; "global": one threshold across all selected layers. */
  scope?: PruningScope;
  ties?: TieRule;
}

/** Masks per layer name (1 = keep), in the kernel's own element order. */
export type Masks = Map<string, Uint8Array>;

/**
 * Magnitude masks for a model's kernels. `sparsity` is one number for every selected layer, or a record
 * { layerName: sparsity } that also selects the layers (scope "layer" only). With scope "global" one threshold
 * across the selected layers prunes round(s · total) weights, so small or sensitive layers may end up far
 * less, or far more, sparse than s.
 */
export function magnitudeMasks(model: tf.LayersModel, sparsity: number | Record<string, number>, options: MaskOptions = {}): Masks {
  const scope = options.scope ?? "layer";
  if (scope !== "layer" && scope !== "global") throw new RangeError(`magnitudeMasks: scope must be "layer" or "global", got ${JSON.stringify(scope)}`);
  const ties = checkTies(options.ties ?? "exact");
  const perLayer = typeof sparsity === "object" && sparsity !== null;
  if (perLayer && scope === "global") throw new RangeError("magnitudeMasks: a per-layer sparsity record needs scope \"layer\"; global pruning takes one number");
  if (perLayer) {
    for (const [name, s] of Object.entries(sparsity)) checkSparsity(s, `magnitudeMasks: sparsity of "${name}"`);
  } else {
    checkSparsity(sparsity, "magnitudeMasks: sparsity");
  }
  const selection: LayerSelection = perLayer ? { layers: Object.keys(sparsity as Record<string, number>) } : options;
  const weights = prunableWeights(model, selection);
  const magnitudesOf = (w: PrunableWeight) => Float64Array.from(w.variable.read().dataSync(), Math.abs);
  const masks: Masks = new Map();
  if (scope === "layer") {
    for (const w of weights) masks.set(w.layer, maskOfMagnitudes(magnitudesOf(w), perLayer ? (sparsity as Record<string, number>)[w.layer] : (sparsity as number), ties));
    return masks;
  }
  // Global: one ranking over the concatenation, in layer order (ties: earlier layer, then lower index, first).
  const parts = weights.map(magnitudesOf);
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { all.set(p, offset); offset += p.length; }
  const mask = maskOfMagnitudes(all, sparsity as number, ties);
  offset = 0;
  weights.forEach((w, i) => { masks.set(w.layer, mask.slice(offset, offset + parts[i].length)); offset += parts[i].length; });
  return masks;
}

/** Multiplies each named layer's kernel by its mask, in place. */
export function applyMasks(model: tf.LayersModel, masks: Masks): void {
  for (const [name, mask] of masks) {
    const layer = model.getLayer(name);
    const v = kernelOf(layer);
    if (!v) throw new RangeError(`applyMasks: layer "${name}" has no conv, depthwise or dense kernel`);
    if (sizeOf(v) !== mask.length) throw new RangeError(`applyMasks: the mask of "${name}" has ${mask.length} entries but its kernel [${v.shape}] has ${sizeOf(v)}`);
    const masked = tf.tidy(() => v.read().mul(tf.tensor(mask, shapeOf(v), "float32")));
    v.write(masked);
    masked.dispose();
  }
}

export interface LayerSparsity {
  layer: string;
  weights: number;
  zeros: number;
  sparsity: number;
}

export interface SparsityReport {
  layers: LayerSparsity[];
  /** Over the reported kernels only (biases and batch norm are not counted). */
  total: { weights: number; zeros: number; sparsity: number };
}

/** Zeros in each selected kernel (default selection: the prunable layers, first and last excluded). */
export function sparsityReport(model: tf.LayersModel, selection: LayerSelection = {}): SparsityReport {
  const layers = prunableWeights(model, selection).map((w) => {
    const data = w.variable.read().dataSync();
    let zeros = 0;
    for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++;
    return { layer: w.layer, weights: data.length, zeros, sparsity: zeros / data.length };
  });
  const weights = layers.reduce((s, l) => s + l.weights, 0);
  const zeros = layers.reduce((s, l) => s + l.zeros, 0);
  return { layers, total: { weights, zeros, sparsity: zeros / weights } };
}

/** One-shot magnitude pruning in place (masks, then applied); returns the sparsity of the pruned layers. */
export function magnitudePrune(model: tf.LayersModel, sparsity: number | Record<string, number>, options: MaskOptions = {}): SparsityReport {
  const masks = magnitudeMasks(model, sparsity, options);
  applyMasks(model, masks);
  return sparsityReport(model, { layers: [...masks.keys()] });
}
