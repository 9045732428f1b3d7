// Layer-drop (Fan, Grave and Joulin, ICLR 2020; for CNNs, stochastic depth, Huang et al. 2016): train with
// whole residual blocks skipped at random, so that blocks can be removed afterwards.
//
// Only a block with an IDENTITY skip can vanish: it computes x + f(x), and without f the next block still
// reads x, of the same shape. In a PhiNet that is every stride-1 block with as many channels out as in
// (blockN_add). A skip that has layers of its own (XiNet's skips pass through a 1×1 conv, ResNet's
// projection shortcuts) leaves nothing of the right kind when the branch goes, so such blocks are refused.
//
// Training: LayerDropAdd replaces the block's Add. At each batch, in training only, it drops the branch with
// probability `rate` (output = skip, and the branch gets no gradient); otherwise, and always at inference,
// it outputs skip + branch. Unlike stochastic depth, layer-drop does not rescale the branch at inference by
// its survival probability (Fan et al. train and test on the same unscaled sum). The coin comes from
// Math.random, once per batch per block, so withSeededRandomAsync makes a run reproducible, as it does for
// dropout. dropBlocks then removes blocks (the Add bypassed with its skip input, the branch gone) and turns
// any LayerDropAdd left back into a plain Add, so the result is an ordinary model for the profiler, the
// quantizer and the C generator.
import * as tf from "@tensorflow/tfjs";
import { evaluate } from "../../train/evaluate";
import type { LabelledData } from "../../train/fit";
import { profileModel } from "../../profiler/profile";
import { stepProgress } from "../../quantize/task-progress";
import type { DisplayTarget } from "../../viz/display";
import { consumersOf, inboundLayers, rebuildModel, type LayerEdit } from "./rebuild";

export class LayerDropAdd extends tf.layers.Layer {
  static className = "LayerDropAdd";
  readonly rate: number;
  /** Which of the two inputs is the identity skip (the other is the branch). */
  readonly skipIndex: number;

  constructor(args: { rate: number; skipIndex: number; name?: string; trainable?: boolean }) {
    super(args);
    checkRate(args.rate, "LayerDropAdd");
    if (args.skipIndex !== 0 && args.skipIndex !== 1) throw new RangeError(`LayerDropAdd: skipIndex must be 0 or 1, got ${String(args.skipIndex)}`);
    this.rate = args.rate;
    this.skipIndex = args.skipIndex;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return (inputShape as tf.Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    const skip = this.skipIndex === 0 ? a : b;
    if (kwargs?.training && this.rate > 0 && Math.random() < this.rate) return tf.clone(skip);
    return tf.add(a, b);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, skipIndex: this.skipIndex };
  }
}
tf.serialization.registerClass(LayerDropAdd);

function checkRate(rate: unknown, fn: string): number {
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) throw new RangeError(`${fn}: rate must be a number in [0, 1), got ${String(rate)}`);
  return rate;
}

export interface ResidualBlock {
  /** "block5" for PhiNet's block5_add (the Add's name without "_add"). */
  name: string;
  /** The Add (or LayerDropAdd) layer. */
  add: string;
  /** Which input of the Add is the identity skip. */
  skipIndex: number;
  /** The branch's layers, in model order. */
  branchLayers: string[];
  params: number;
  macs: number;
}

/** The branch from the Add's input `branchIndex` back to `skip`, or null if it is not a removable branch. */
function branchOf(model: tf.LayersModel, add: tf.layers.Layer, skip: tf.layers.Layer, branchIndex: number): Set<tf.layers.Layer> | null {
  const branch = new Set<tf.layers.Layer>();
  const stack = [inboundLayers(add)[branchIndex]];
  while (stack.length > 0) {
    const layer = stack.pop() as tf.layers.Layer;
    if (layer === skip || branch.has(layer)) continue;
    const inputs = inboundLayers(layer);
    if (inputs.length === 0) return null; // reached the model input without passing the skip
    branch.add(layer);
    stack.push(...inputs);
  }
  // Nothing outside may read the branch's intermediate tensors, or removing it would break them.
  for (const layer of branch) for (const c of consumersOf(model, layer)) if (c !== add && !branch.has(c)) return null;
  return branch.size > 0 ? branch : null;
}

/** Blocks whose Add joins a branch with an identity skip of the same shape: the ones that can vanish. */
export function residualBlocks(model: tf.LayersModel): ResidualBlock[] {
  if (!model || !Array.isArray(model.layers)) throw new TypeError(`residualBlocks: expected a tf.LayersModel, got ${String(model)}`);
  const macsOf = new Map(profileModel(model).layers.map((l) => [l.name, l.macs]));
  const blocks: ResidualBlock[] = [];
  for (const add of model.layers) {
    const cls = add.getClassName();
    if (cls !== "Add" && cls !== "LayerDropAdd") continue;
    const inputs = inboundLayers(add);
    if (inputs.length !== 2) continue;
    const same = JSON.stringify(inputs[0].outputShape) === JSON.stringify(inputs[1].outputShape);
    if (!same) continue;
    const skipIndex = cls === "LayerDropAdd" ? (add as LayerDropAdd).skipIndex : [1, 0].find((i) => branchOf(model, add, inputs[i], 1 - i) !== null);
    if (skipIndex === undefined) continue;
    const branch = branchOf(model, add, inputs[skipIndex], 1 - skipIndex);
    if (!branch) continue;
    const branchLayers = model.layers.filter((l) => branch.has(l));
    blocks.push({
      name: add.name.replace(/_add$/, ""), add: add.name, skipIndex, branchLayers: branchLayers.map((l) => l.name),
      params: branchLayers.reduce((s, l) => s + l.countParams(), 0),
      macs: branchLayers.reduce((s, l) => s + (macsOf.get(l.name) ?? 0), 0),
    });
  }
  return blocks;
}

function requireBlocks(model: tf.LayersModel, fn: string): ResidualBlock[] {
  const blocks = residualBlocks(model);
  if (blocks.length === 0) {
    throw new RangeError(`${fn}: model "${model.name}" has no residual block with an identity skip, so no block can be dropped: ` +
      "every Add in it (if any) joins inputs of different shapes or a skip with layers of its own (a 1×1 projection, as in XiNet)");
  }
  return blocks;
}

function pickBlocks(all: ResidualBlock[], names: readonly string[], fn: string): ResidualBlock[] {
  if (!Array.isArray(names)) throw new TypeError(`${fn}: blocks must be an array of block names, got ${JSON.stringify(names)}`);
  return names.map((n) => {
    const b = all.find((x) => x.name === n || x.add === n);
    if (!b) throw new RangeError(`${fn}: no droppable block named "${n}"; the droppable blocks are ${all.map((x) => `"${x.name}"`).join(", ")}`);
    return b;
  });
}

/** A copy of `model` whose identity-skip blocks (all, or `blocks`) train with layer-drop at `rate`. */
export function withLayerDrop(model: tf.LayersModel, options: { rate?: number; blocks?: string[] } = {}): tf.LayersModel {
  const fn = "withLayerDrop";
  const rate = checkRate(options.rate ?? 0.2, fn);
  const all = requireBlocks(model, fn);
  const chosen = options.blocks ? pickBlocks(all, options.blocks, fn) : all;
  const edits = new Map<string, LayerEdit>(chosen.map((b) => [b.add, { className: "LayerDropAdd", config: { rate, skipIndex: b.skipIndex } }]));
  return rebuildModel(model, { edits });
}

/**
 * A copy of `model` without the named blocks (each Add bypassed with its skip, the branch gone); every
 * LayerDropAdd left becomes a plain Add. `dropBlocks(model, [])` is the plain inference model.
 */
export function dropBlocks(model: tf.LayersModel, blocks: readonly string[]): tf.LayersModel {
  const fn = "dropBlocks";
  const all = residualBlocks(model);
  const chosen = blocks.length > 0 ? pickBlocks(all.length ? all : requireBlocks(model, fn), blocks, fn) : [];
  const bypass = new Map(chosen.map((b) => [b.add, b.skipIndex]));
  const edits = new Map<string, LayerEdit>();
  for (const layer of model.layers) {
    if (layer.getClassName() === "LayerDropAdd" && !bypass.has(layer.name)) edits.set(layer.name, { className: "Add", config: { rate: undefined, skipIndex: undefined } });
  }
  return rebuildModel(model, { edits, bypass });
}

/**
 * Which blocks to drop for "every other one": with ⌊1/rate⌋ = k, the blocks at depth d ≡ 0 (mod k), depth
 * counted from 1 in model order (Fan et al.'s rule). rate 0.5 (the default) drops the 2nd, 4th, ...: of
 * ["block3", "block5", "block7", "block9", "block10"] it drops block5 and block9 and keeps the others evenly
 * spaced, as fairseq recommends.
 */
export function everyOtherBlock(blocks: readonly string[], rate = 0.5): string[] {
  if (!Array.isArray(blocks)) throw new TypeError(`everyOtherBlock: blocks must be an array of names, got ${JSON.stringify(blocks)}`);
  if (typeof rate !== "number" || !(rate > 0 && rate < 1)) throw new RangeError(`everyOtherBlock: rate must be a number in (0, 1), got ${String(rate)}`);
  const k = Math.floor(1 / rate);
  return blocks.filter((_, i) => (i + 1) % k === 0);
}

export interface BlockDropScan {
  baseline: number;
  blocks: { name: string; accuracy: number; params: number; macs: number }[];
}

/** Accuracy on `validation` with each block dropped alone (no fine-tuning). */
export async function blockDropScan(model: tf.LayersModel, validation: LabelledData, options: { show?: boolean | DisplayTarget } = {}): Promise<BlockDropScan> {
  const all = requireBlocks(model, "blockDropScan");
  const plain = dropBlocks(model, []);
  const baseline = evaluate(plain, validation).accuracy;
  plain.dispose();
  const progress = stepProgress("dropping each block alone", all.length, options.show);
  const blocks = all.map((b, i) => {
    const m = dropBlocks(model, [b.name]);
    const accuracy = evaluate(m, validation).accuracy;
    m.dispose();
    progress.step(i + 1);
    return { name: b.name, accuracy, params: b.params, macs: b.macs };
  });
  progress.finish();
  return { baseline, blocks };
}

/** The `count` blocks whose removal costs least on the scan, in model order. */
export function leastImportantBlocks(scan: BlockDropScan, count: number): string[] {
  if (!Number.isInteger(count) || count < 0 || count > scan.blocks.length) throw new RangeError(`leastImportantBlocks: count must be an integer in [0, ${scan.blocks.length}], got ${String(count)}`);
  const ranked = scan.blocks.map((b, i) => ({ ...b, i })).sort((a, b) => b.accuracy - a.accuracy || a.i - b.i).slice(0, count);
  return ranked.sort((a, b) => a.i - b.i).map((b) => b.name);
}
