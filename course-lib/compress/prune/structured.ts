// Structured (filter / channel) pruning that ends in a physically smaller tfjs model.
//
//   const { model: small, plan } = channelPrune(model, 0.5, { criterion: "l1" });   // every prunable group
//   channelPrune(model, { conv1: 0.25, conv2: 0.5 }, { criterion: "energy", calibration: batch });
//
// 1. planChannelPruning scores the channels of each channel group (channels.ts: a producer's filters and
//    every layer that carries them) by L1, L2 or energy (criteria.ts) and keeps max(1, round(C·(1 − r))).
// 2. maskChannels: the same shapes, removed channels masked. The removed channel's producer filter is zeroed
//    (its kernel slice and bias), as torch.nn.utils.prune.ln_structured does. The channel still emits a
//    constant, act(BN(0)) = act(β − γμ/√(σ²+ε)) (through whatever channel-wise layers follow), which the next
//    layer reads as a bias. Two cases, chosen per group by channels.ts and shown in the plan as `fold`:
//    - fold "bias": every consumer sees that constant everywhere (a 1×1 or 'valid' conv, a Dense, GAP→Dense,
//      Flatten→Dense), so removeChannels folds constant × (the consumer's kernel summed over its window) into
//      the consumer's bias. A consumer without a bias: when its only reader is a BatchNormalization (and it has
//      no fused activation) the fold goes into that BN's moving mean (μ ← μ − δ, parameter count unchanged);
//      otherwise the rebuilt consumer gets useBias: true with the folded bias (C_out more parameters).
//    - fold "zero": somewhere the constant would not stay one constant (a depthwise conv with zero padding,
//      'same' or ZeroPadding2D, where the borders differ; a k×k 'same' consumer; pooling with 'same' padding; an
//      SE gate multiplying it by an input-dependent value). The mask then ALSO zeroes the channel's
//      depthwise filter and bias and its BatchNormalizations' γ, β and moving mean, so the channel is exactly 0
//      wherever a consumer reads it, which needs act(0) = 0 for each activation on the way (ReLU, ReLU6,
//      hard-swish, SiLU; checked, the group is refused otherwise). Removal then needs no fold.
//    Either way the rebuilt model computes what the masked model computes (to float rounding).
// 3. removeChannels rebuilds the model (rebuild.ts) with sliced weights: producer filters and units, the
//    BN's four vectors, depthwise filters, SE's gate conv and Reshape, Dropout's noise shape, and the
//    consumers' input channels (after a Flatten, the H·W block of Dense rows of each channel). The folded
//    constants are read from the masked model itself on two random inputs, and checked to be constant there
//    (an error, never a silently wrong model, if the analysis were ever wrong).
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../../data/random";
import { channelGroups, type ChannelGroup } from "./channels";
import { channelsToKeep, energyScores, filterScores, FILTER_CRITERIA, type FilterCriterion } from "./criteria";
import { consumersOf, rebuildModel, type LayerEdit } from "./rebuild";

export interface ChannelPruneOptions {
  /** Filter ranking (default "l1"). */
  criterion?: FilterCriterion;
  /** Input batch for the "energy" criterion. */
  calibration?: tf.Tensor;
  /** Prune groups joined by residual adds, all their members together (default false). */
  pruneResiduals?: boolean;
}

export interface PlannedGroup {
  id: string;
  producers: string[];
  channels: number;
  ratio: number;
  /** Channels kept, ascending (the rebuilt group's channel j is the old channel keep[j]). */
  keep: number[];
  scores: Float64Array;
  fold: "bias" | "zero";
}

export interface ChannelPlan {
  criterion: FilterCriterion;
  pruneResiduals: boolean;
  groups: PlannedGroup[];
}

const quoteList = (xs: string[]): string => (xs.length ? xs.map((x) => `"${x}"`).join(", ") : "(none)");

/** Scores and kept channels for each group named in `ratios` (a number: every prunable group). */
export function planChannelPruning(model: tf.LayersModel, ratios: number | Record<string, number>, options: ChannelPruneOptions = {}): ChannelPlan {
  const fn = "planChannelPruning";
  const criterion = options.criterion ?? "l1";
  if (!FILTER_CRITERIA.includes(criterion)) throw new RangeError(`${fn}: criterion must be one of ${quoteList([...FILTER_CRITERIA])}, got ${JSON.stringify(criterion)}`);
  const pruneResiduals = options.pruneResiduals ?? false;
  const groups = channelGroups(model, { pruneResiduals });
  const prunable = groups.filter((g) => g.prunable);
  const prunableIds = prunable.map((g) => g.id);
  let chosen: [ChannelGroup, number][];
  if (typeof ratios === "number") {
    chosen = prunable.map((g) => [g, ratios]);
  } else if (ratios && typeof ratios === "object" && !Array.isArray(ratios)) {
    chosen = Object.entries(ratios).map(([id, ratio]) => {
      const g = groups.find((x) => x.id === id);
      if (!g) throw new Error(`${fn}: no channel group "${id}" in model "${model.name}"; the prunable groups are ${quoteList(prunableIds)}`);
      if (!g.prunable) throw new Error(`${fn}: group "${id}" cannot be pruned: ${g.reason}; the prunable groups are ${quoteList(prunableIds)}`);
      return [g, ratio];
    });
    const order = new Map(groups.map((g, i) => [g.id, i]));
    chosen.sort((a, b) => (order.get(a[0].id) as number) - (order.get(b[0].id) as number));
  } else {
    throw new TypeError(`${fn}: ratios must be a number or an object { groupId: ratio }, got ${JSON.stringify(ratios)}`);
  }
  // Check every ratio before any (possibly slow) scoring.
  for (const [g, ratio] of chosen) channelsToKeep(new Float64Array(g.channels), ratio, `group "${g.id}"`);
  const scores =
    criterion === "energy"
      ? energyScores(model, chosen.map(([g]) => g), options.calibration as tf.Tensor)
      : chosen.map(([g]) => filterScores(model, g, criterion));
  return {
    criterion,
    pruneResiduals,
    groups: chosen.map(([g, ratio], i) => ({
      id: g.id,
      producers: g.producers,
      channels: g.channels,
      ratio,
      keep: channelsToKeep(scores[i], ratio, `group "${g.id}"`),
      scores: scores[i],
      fold: g.fold as "bias" | "zero",
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Weight surgery on plain arrays

interface Weight {
  data: Float32Array;
  shape: number[];
}

/** The elements of `w` at `indices` along `axis`, in that order. */
function gatherAxis(w: Weight, axis: number, indices: number[]): Weight {
  const outer = w.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = w.shape[axis];
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * indices.length * inner);
  for (let o = 0; o < outer; o++) {
    indices.forEach((idx, j) => {
      const from = (o * n + idx) * inner;
      out.set(w.data.subarray(from, from + inner), (o * indices.length + j) * inner);
    });
  }
  const shape = w.shape.slice();
  shape[axis] = indices.length;
  return { data: out, shape };
}

function zeroAxis(w: Weight, axis: number, indices: number[]): void {
  const outer = w.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = w.shape[axis];
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) for (const idx of indices) w.data.fill(0, (o * n + idx) * inner, (o * n + idx + 1) * inner);
}

/** Indices of channels `channels` (of `total`) in a tensor where they are spread as p·total + c, p < spread. */
function spreadIndices(channels: number[], total: number, spread: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < spread; p++) for (const c of channels) out.push(p * total + c);
  return out;
}

/** A layer's weights by short name ("kernel", "bias", "gamma", "moving_mean", ...), in getWeights() order. */
class LayerWork {
  readonly names: string[];
  readonly weights = new Map<string, Weight>();
  readonly gathers: { name: string; axis: number; indices: number[] }[] = [];
  readonly config: Record<string, unknown> = {};
  biasDelta: Float64Array | null = null;

  constructor(readonly layer: tf.layers.Layer) {
    this.names = layer.weights.map((w) => w.originalName.split("/").pop() as string);
    layer.getWeights().forEach((t, i) => this.weights.set(this.names[i], { data: Float32Array.from(t.dataSync()), shape: t.shape.slice() }));
  }
  has(name: string): boolean {
    return this.weights.has(name);
  }
  get(name: string): Weight {
    const w = this.weights.get(name);
    if (!w) throw new Error(`structured pruning: layer "${this.layer.name}" has no weight "${name}" (it has ${quoteList(this.names)})`);
    return w;
  }
  /** The final weights: gathers applied (after any fold), as tensors in getWeights() order. */
  tensors(): tf.Tensor[] {
    const out = new Map(this.weights);
    for (const g of this.gathers) {
      const w = out.get(g.name);
      if (w) out.set(g.name, gatherAxis(w, g.axis, g.indices));
    }
    return this.names.map((n) => {
      const w = out.get(n) as Weight;
      return tf.tensor(w.data, w.shape);
    });
  }
}

const BN_VECTORS = ["gamma", "beta", "moving_mean", "moving_variance"];

/** Per-channel weights of a group member or producer: [weight name, axis] pairs touched with the channel. */
function outputAxes(layer: tf.layers.Layer, work: LayerWork): [string, number][] {
  const cls = layer.getClassName();
  if (cls === "Conv2D" || cls === "Dense") return [["kernel", work.get("kernel").shape.length - 1], ["bias", 0]];
  if (cls === "DepthwiseConv2D") return [["depthwise_kernel", 2], ["bias", 0]];
  if (cls === "BatchNormalization") return BN_VECTORS.map((n) => [n, 0] as [string, number]);
  if (work.names.length > 0) throw new Error(`structured pruning: no rule to slice the weights of layer "${layer.name}" (${cls})`);
  return [];
}

interface GroupIndices {
  group: ChannelGroup;
  /** Index list applied to the group's channels (kept channels, or a permutation). */
  indices: number[];
  /** Count the edited layers are configured for. */
  count: number;
}

/** Edits that apply index lists to the groups (gathers, config), plus bias folds already accumulated in `works`. */
function sliceEdits(model: tf.LayersModel, items: GroupIndices[], works: Map<string, LayerWork>): Map<string, LayerEdit> {
  const workOf = (name: string): LayerWork => {
    let w = works.get(name);
    if (!w) works.set(name, (w = new LayerWork(model.getLayer(name))));
    return w;
  };
  for (const { group, indices, count } of items) {
    for (const role of group.roles) {
      const layer = model.getLayer(role.layer);
      const work = workOf(role.layer);
      const cls = layer.getClassName();
      const idx = spreadIndices(indices, group.channels, role.spread);
      if (role.role === "consumer") {
        work.gathers.push({ name: "kernel", axis: cls === "Conv2D" ? 2 : 0, indices: idx });
        continue;
      }
      for (const [name, axis] of outputAxes(layer, work)) work.gathers.push({ name, axis, indices: idx });
      if (role.role === "producer" || role.role === "gate") work.config[cls === "Dense" ? "units" : "filters"] = count;
      const config = layer.getConfig() as Record<string, unknown>;
      const size = group.channels * role.spread;
      if (cls === "Reshape") {
        const target = (config.targetShape as number[]).slice();
        target[target.length - 1] = count * role.spread;
        work.config.targetShape = target;
      }
      const noise = config.noiseShape as (number | null)[] | null | undefined;
      if (Array.isArray(noise) && noise[noise.length - 1] === size) work.config.noiseShape = [...noise.slice(0, -1), count * role.spread];
    }
  }
  const edits = new Map<string, LayerEdit>();
  for (const [name, work] of works) edits.set(name, { config: work.config, weights: work.tensors() });
  return edits;
}

function resolvePlan(model: tf.LayersModel, plan: ChannelPlan, fn: string): { group: ChannelGroup; planned: PlannedGroup; removed: number[] }[] {
  if (!plan || !Array.isArray(plan.groups)) throw new TypeError(`${fn}: expected a plan from planChannelPruning, got ${JSON.stringify(plan)}`);
  const groups = channelGroups(model, { pruneResiduals: plan.pruneResiduals ?? false });
  const seen = new Set<string>();
  return plan.groups.map((planned) => {
    const group = groups.find((g) => g.id === planned.id);
    const prunableIds = groups.filter((g) => g.prunable).map((g) => g.id);
    if (!group) throw new Error(`${fn}: the plan names group "${planned.id}", which model "${model.name}" does not have; its prunable groups are ${quoteList(prunableIds)}`);
    if (!group.prunable) throw new Error(`${fn}: group "${planned.id}" cannot be pruned: ${group.reason}`);
    if (seen.has(group.id)) throw new Error(`${fn}: the plan names group "${planned.id}" twice`);
    seen.add(group.id);
    if (group.channels !== planned.channels) throw new Error(`${fn}: the plan has ${planned.channels} channels for group "${planned.id}", the model ${group.channels}: a plan made for another model?`);
    const keep = planned.keep;
    const ok = Array.isArray(keep) && keep.length >= 1 && keep.every((k, i) => Number.isInteger(k) && k >= 0 && k < group.channels && (i === 0 || k > keep[i - 1]));
    if (!ok) throw new RangeError(`${fn}: keep of group "${planned.id}" must be 1 to ${group.channels} ascending distinct channel indices, got ${JSON.stringify(keep)}`);
    const kept = new Set(keep);
    return { group, planned, removed: Array.from({ length: group.channels }, (_, c) => c).filter((c) => !kept.has(c)) };
  });
}

/**
 * A copy of `model` with the same shapes in which the plan's removed channels are masked: producer filters
 * (kernel slice and bias) zeroed, and for groups with fold "zero" also the depthwise filters and the BN γ, β
 * and moving mean of the channel (see the header).
 */
export function maskChannels(model: tf.LayersModel, plan: ChannelPlan): tf.LayersModel {
  const fn = "maskChannels";
  const edits = new Map<string, LayerEdit>();
  for (const { group, removed } of resolvePlan(model, plan, fn)) {
    if (removed.length === 0) continue;
    for (const role of group.roles) {
      if (role.role === "consumer" || role.role === "gate") continue;
      const layer = model.getLayer(role.layer);
      const cls = layer.getClassName();
      if (role.role === "member" && (group.fold !== "zero" || (cls !== "BatchNormalization" && cls !== "DepthwiseConv2D"))) continue;
      const work = new LayerWork(layer);
      const idx = spreadIndices(removed, group.channels, role.spread);
      for (const [name, axis] of outputAxes(layer, work)) {
        if (name === "moving_variance" || !work.has(name)) continue;
        zeroAxis(work.get(name), axis, idx);
      }
      edits.set(role.layer, { weights: work.tensors() });
    }
  }
  const masked = rebuildModel(model, { edits });
  for (const e of edits.values()) tf.dispose(e.weights ?? []);
  return masked;
}

export interface RemoveOptions {
  /**
   * Fold the removed channels' constants into the consumers' biases (default true). false exists only to show
   * the BN-shift pitfall: without the fold, the rebuilt model no longer computes what the masked one does.
   */
  fold?: boolean;
}

/** Deterministic inputs in [-1, 1) of the model's input shape. */
function probeInputs(model: tf.LayersModel, batch: number): tf.Tensor {
  const shape = [batch, ...(model.inputs[0].shape.slice(1) as number[])];
  const random = mulberry32(7919);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => 2 * random() - 1), shape);
}

/** The physically smaller model: `plan`'s removed channels gone, their constants folded (see the header). */
export function removeChannels(model: tf.LayersModel, plan: ChannelPlan, options: RemoveOptions = {}): tf.LayersModel {
  const fn = "removeChannels";
  const fold = options.fold ?? true;
  const resolved = resolvePlan(model, plan, fn).filter((r) => r.removed.length > 0);
  const works = new Map<string, LayerWork>();
  const workOf = (name: string): LayerWork => {
    let w = works.get(name);
    if (!w) works.set(name, (w = new LayerWork(model.getLayer(name))));
    return w;
  };

  if (fold && resolved.length > 0) {
    // What each consumer reads in the removed channels of the masked model: constants (fold "bias") or 0.
    const masked = maskChannels(model, plan);
    const sources = [...new Set(resolved.flatMap((r) => r.group.roles.filter((x) => x.role === "consumer").map((x) => x.reads as string)))];
    const probe = tf.model({ inputs: masked.inputs, outputs: sources.map((s) => masked.getLayer(s).output as tf.SymbolicTensor) });
    const input = probeInputs(model, 2);
    const outs = probe.predict(input) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outs) ? outs : [outs];
    const values = new Map(sources.map((s, i) => [s, list[i].dataSync() as Float32Array]));
    tf.dispose([input, ...list]);
    masked.dispose();

    for (const { group, removed } of resolved) {
      for (const role of group.roles) {
        if (role.role !== "consumer") continue;
        const source = role.reads as string;
        const data = values.get(source) as Float32Array;
        const width = group.channels * role.spread; // last axis of the tensor read
        const positions = data.length / width; // samples × spatial positions
        const idx = spreadIndices(removed, group.channels, role.spread);
        const constant = idx.map((j) => {
          const v = data[j];
          for (let q = 1; q < positions; q++) {
            const u = data[q * width + j];
            if (!(Math.abs(u - v) <= 1e-4 * (1 + Math.abs(v)))) {
              throw new Error(`${fn}: internal check failed: removed channel ${j % group.channels} of group "${group.id}" is not constant where "${role.layer}" reads it (${v} vs ${u}); the fold would not be exact`);
            }
          }
          return v;
        });
        if (constant.every((v) => v === 0)) continue;
        const consumer = workOf(role.layer);
        const kernel = consumer.get("kernel");
        const cout = kernel.shape[kernel.shape.length - 1];
        const cin = kernel.shape[kernel.shape.length - 2];
        const window = kernel.data.length / (cin * cout); // kh·kw for a conv, 1 for a dense layer
        const delta = consumer.biasDelta ?? (consumer.biasDelta = new Float64Array(cout));
        idx.forEach((j, t) => {
          const v = constant[t];
          if (v === 0) return;
          for (let w = 0; w < window; w++) {
            const base = (w * cin + j) * cout;
            for (let o = 0; o < cout; o++) delta[o] += v * kernel.data[base + o];
          }
        });
      }
    }
    // Where each fold goes: the consumer's bias, else the moving mean of the BN it feeds, else a new bias.
    for (const work of [...works.values()]) {
      const delta = work.biasDelta;
      if (!delta) continue;
      const layer = work.layer;
      if (work.has("bias")) {
        const bias = work.get("bias").data;
        for (let o = 0; o < delta.length; o++) bias[o] += delta[o];
        continue;
      }
      const readers = consumersOf(model, layer);
      const activation = String((layer.getConfig() as Record<string, unknown>).activation ?? "linear");
      const bnAxis = readers.length === 1 ? (readers[0].getConfig() as Record<string, unknown>).axis : undefined;
      const lastAxis = (layer.output as tf.SymbolicTensor).shape.length - 1;
      const channelBn = readers.length === 1 && readers[0].getClassName() === "BatchNormalization" && (bnAxis === -1 || bnAxis === lastAxis);
      if (channelBn && activation === "linear") {
        const mean = workOf(readers[0].name).get("moving_mean").data;
        for (let o = 0; o < delta.length; o++) mean[o] -= delta[o];
        continue;
      }
      work.config.useBias = true;
      const kernelAt = work.names.indexOf("kernel");
      work.names.splice(kernelAt + 1, 0, "bias");
      work.weights.set("bias", { data: Float32Array.from(delta), shape: [delta.length] });
    }
  }
  const edits = sliceEdits(model, resolved.map(({ group, planned }) => ({ group, indices: planned.keep, count: planned.keep.length })), works);
  const small = rebuildModel(model, { edits });
  for (const e of edits.values()) tf.dispose(e.weights ?? []);
  return small;
}

/** planChannelPruning + removeChannels. */
export function channelPrune(model: tf.LayersModel, ratios: number | Record<string, number>, options: ChannelPruneOptions = {}): { model: tf.LayersModel; plan: ChannelPlan } {
  const plan = planChannelPruning(model, ratios, options);
  return { model: removeChannels(model, plan), plan };
}

/**
 * The same function with the channels of group `groupId` reordered: new channel j is old channel order[j], in
 * every producer, member and consumer. Any group the analysis follows end to end can be permuted (residual
 * groups included); not one that reaches a model output or a layer the analysis does not follow.
 */
export function permuteChannels(model: tf.LayersModel, groupId: string, order: number[]): tf.LayersModel {
  const fn = "permuteChannels";
  const groups = channelGroups(model, { pruneResiduals: true });
  const group = groups.find((g) => g.id === groupId);
  if (!group) throw new Error(`${fn}: no channel group "${groupId}"; the groups are ${quoteList(groups.map((g) => g.id))}`);
  if (!group.permutable) throw new Error(`${fn}: group "${groupId}" cannot be permuted: ${group.reason}`);
  const sorted = [...order].sort((a, b) => a - b);
  if (order.length !== group.channels || sorted.some((v, i) => v !== i)) throw new RangeError(`${fn}: order must be a permutation of 0..${group.channels - 1}, got ${JSON.stringify(order)}`);
  const edits = sliceEdits(model, [{ group, indices: order, count: group.channels }], new Map());
  const permuted = rebuildModel(model, { edits });
  for (const e of edits.values()) tf.dispose(e.weights ?? []);
  return permuted;
}

export type { FilterCriterion };
