// Rebuilding a tfjs functional model layer by layer, with edits: the one graph rewrite that structured
// pruning (fewer channels in some layers) and layer-drop (some residual branches bypassed) both use.
//
// tfjs has no "clone with a different filter count": a layer's weights are created by build() from its
// config and input shape. So we walk the model's layers in topological order, make each layer anew from
// its (possibly edited) config with the class's own constructor (tf.serialization), apply it to the new
// tensors of its inputs, and then set its weights: the old ones, or the edited ones (e.g. sliced kernels).
// Layers no output depends on any more (the branch of a bypassed block) are not rebuilt at all.
import * as tf from "@tensorflow/tfjs";

type Sym = tf.SymbolicTensor;

/** What to change in one layer: config fields merged over its config, and its new weights (in getWeights() order). */
export interface LayerEdit {
  /** Another registered layer class to make instead (e.g. Add → LayerDropAdd), from the merged config. */
  className?: string;
  config?: Record<string, unknown>;
  weights?: tf.Tensor[];
}

export interface RebuildOptions {
  /** Edits by layer name; layers not named are copied as they are (same config, same weights). */
  edits?: ReadonlyMap<string, LayerEdit>;
  /**
   * Layers replaced by one of their inputs (by index into the layer's inputs): the layer's output becomes that
   * input tensor. Bypassing a residual block's Add with its skip input (index 1) removes the whole branch.
   */
  bypass?: ReadonlyMap<string, number>;
  /** Name of the new model (default: the old one's). */
  name?: string;
  /**
   * "copy" (default): every layer keeps its trained weights (or the edited ones). "fresh": new weights from each
   * layer's initializers, the same architecture trained from scratch (Liu et al. 2019's baseline for a pruned
   * net); initializers draw their seeds from Math.random, so wrap the call in withSeededRandom to fix them.
   */
  weights?: "copy" | "fresh";
}

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
}

/** The layers feeding `layer`, in input order (functional models, one inbound node per layer). */
export function inboundLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  if (nodes.length > 1) throw new Error(`rebuildModel: layer "${layer.name}" is used ${nodes.length} times (a shared layer); only models that call each layer once can be rebuilt`);
  return nodes.length === 0 ? [] : nodes[0].inboundLayers;
}

/** Layers of `model` that read `layer`'s output. */
export function consumersOf(model: tf.LayersModel, layer: tf.layers.Layer): tf.layers.Layer[] {
  return model.layers.filter((l) => inboundLayers(l).includes(layer));
}

function checkModel(model: tf.LayersModel, fn: string): void {
  if (!model || !Array.isArray((model as tf.LayersModel).layers)) throw new TypeError(`${fn}: expected a tf.LayersModel, got ${String(model)}`);
  if (model.inputs.length !== 1) throw new Error(`${fn}: models with one input only; "${model.name}" has ${model.inputs.length}`);
  const inputLayer = model.inputs[0].sourceLayer;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === "Sequential" || cls === "Functional" || cls === "Model") throw new Error(`${fn}: layer "${layer.name}" is a nested model (${cls}); flatten it first`);
    for (const t of inboundLayers(layer)) if (t !== inputLayer && !model.layers.includes(t)) throw new Error(`${fn}: layer "${layer.name}" reads layer "${t.name}", which is not in the model`);
  }
}

/**
 * A new model with the same graph as `model` except for `edits` and `bypass`; `model` itself is not changed.
 * The new model is not compiled.
 */
export function rebuildModel(model: tf.LayersModel, options: RebuildOptions = {}): tf.LayersModel {
  const fn = "rebuildModel";
  checkModel(model, fn);
  const edits = options.edits ?? new Map<string, LayerEdit>();
  const bypass = options.bypass ?? new Map<string, number>();
  const weightsMode = options.weights ?? "copy";
  if (weightsMode !== "copy" && weightsMode !== "fresh") throw new RangeError(`${fn}: weights must be "copy" or "fresh", got ${JSON.stringify(weightsMode)}`);
  if (weightsMode === "fresh" && [...edits.values()].some((e) => e.weights)) throw new Error(`${fn}: weights "fresh" cannot be combined with edits that give weights`);
  const names = new Set(model.layers.map((l) => l.name));
  for (const name of [...edits.keys(), ...bypass.keys()]) {
    if (!names.has(name)) throw new Error(`${fn}: no layer named "${name}" in model "${model.name}"; its layers are ${[...names].map((n) => `"${n}"`).join(", ")}`);
  }
  for (const [name, index] of bypass) {
    const inputs = inboundLayers(model.getLayer(name));
    if (!Number.isInteger(index) || index < 0 || index >= inputs.length) {
      throw new RangeError(`${fn}: bypass of layer "${name}" names input ${index}, but it has ${inputs.length} input(s) (0..${inputs.length - 1})`);
    }
  }

  // Which layers the outputs still depend on, following bypassed layers through their chosen input only.
  const needed = new Set<tf.layers.Layer>();
  const visit = (layer: tf.layers.Layer): void => {
    if (needed.has(layer)) return;
    needed.add(layer);
    const inputs = inboundLayers(layer);
    const b = bypass.get(layer.name);
    (b === undefined ? inputs : [inputs[b]]).forEach(visit);
  };
  model.outputs.forEach((o) => visit(o.sourceLayer as tf.layers.Layer));

  const inputLayer = model.inputs[0].sourceLayer as tf.layers.Layer;
  const input = tf.input({ shape: model.inputs[0].shape.slice(1) as number[], name: inputLayer.name });
  const tensorOf = new Map<tf.layers.Layer, Sym>([[inputLayer, input]]);
  const weightsToSet: [tf.layers.Layer, tf.Tensor[]][] = [];
  for (const layer of model.layers) {
    if (layer === inputLayer || !needed.has(layer)) continue;
    const inputs = inboundLayers(layer).map((l) => tensorOf.get(l) as Sym);
    const b = bypass.get(layer.name);
    if (b !== undefined) {
      tensorOf.set(layer, inputs[b]);
      continue;
    }
    const edit = edits.get(layer.name);
    const config = { ...(layer.getConfig() as Record<string, unknown>), ...(edit?.config ?? {}) };
    const className = edit?.className ?? layer.getClassName();
    const cls = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (!cls) throw new Error(`${fn}: layer class "${className}" of "${layer.name}" is not registered with tf.serialization`);
    const [Ctor, fromConfig] = cls as unknown as [unknown, (c: unknown, conf: Record<string, unknown>) => tf.layers.Layer];
    const fresh = fromConfig(Ctor, config);
    tensorOf.set(layer, fresh.apply(inputs.length === 1 ? inputs[0] : inputs) as Sym);
    if (weightsMode === "copy") weightsToSet.push([fresh, edit?.weights ?? layer.getWeights()]);
  }
  const outputs = model.outputs.map((o) => tensorOf.get(o.sourceLayer as tf.layers.Layer) as Sym);
  const rebuilt = tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs, name: options.name ?? model.name });
  for (const [layer, weights] of weightsToSet) {
    const expected = layer.weights.map((w) => w.shape);
    const given = weights.map((w) => w.shape);
    if (JSON.stringify(expected) !== JSON.stringify(given)) {
      throw new Error(`${fn}: layer "${layer.name}" needs weights of shapes ${JSON.stringify(expected)} but the edit gives ${JSON.stringify(given)}`);
    }
    layer.setWeights(weights);
  }
  return rebuilt;
}
