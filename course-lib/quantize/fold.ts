// Batch-norm folding of a whole tfjs model, for quantization-aware training:
//
//   const folded = foldBatchNormLayers(model);   // same function in inference mode, no BatchNormalization
//   const qat = await quantizationAwareTraining(folded, train, { weightBits: 8, fit: { epochs: 1 } });
//
// QAT must fake-quantize the kernels the int8 graph will hold, and those are the folded ones
// (quantizeModel folds every BN before computing weight scales), so the model is folded first. Each
// BatchNormalization that directly follows a Conv1D / Conv2D / DepthwiseConv2D / SeparableConv2D / Dense
// layer with a linear activation, and is that layer's only consumer, is merged into it with
// primitives/batch-norm.ts's foldBatchNorm (a bias is created if the layer had none). Any other BN throws,
// naming it: a BN after an activation or after a shared tensor is not an affine map of a kernel.
//
// Names: the folded layer keeps its own name (a conv stays "block1_project"); the BN disappears. quantizeModel
// on the ORIGINAL model names the same tensor after the BN ("block1_project_bn"; after a fused ReLU, the
// ReLU's name in both). So activation ranges learned on the folded model (QAT) are keyed for quantizing the
// folded model (or QAT's copy of it); to reuse them on the original, rename keys with batchNormFolds().
// The folded model is a new model (new variables); the original is not changed.
import * as tf from "@tensorflow/tfjs";
import { batchNormParamsOf, foldBatchNorm, type KernelLayout } from "../primitives/batch-norm";

/** One fold: BN layer `batchNorm` merged into layer `into` (both names of the original model). */
export interface BatchNormFold {
  batchNorm: string;
  into: string;
}

interface NodeView {
  inboundLayers: tf.layers.Layer[];
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

const nodesOf = (layer: tf.layers.Layer): NodeView[] => (layer as unknown as { inboundNodes: NodeView[] }).inboundNodes;

/** Where each target class keeps its output channels, and which weight index is the foldable kernel. */
const TARGETS: Record<string, { layout: KernelLayout; kernelIndex: number }> = {
  Conv1D: { layout: "conv", kernelIndex: 0 },
  Conv2D: { layout: "conv", kernelIndex: 0 },
  Dense: { layout: "conv", kernelIndex: 0 },
  DepthwiseConv2D: { layout: "depthwise", kernelIndex: 0 },
  // The BN follows the pointwise conv, so it folds into the pointwise kernel (index 1).
  SeparableConv2D: { layout: "conv", kernelIndex: 1 },
};

/**
 * The folds foldBatchNormLayers(model) makes, in model order; throws (naming the layer) for a BN that
 * cannot be folded. Use it to map names: the tensor quantizeModel calls `batchNorm` on the original model
 * is the output of `into` in the folded one (unless a ReLU/ReLU6 follows, which names it in both).
 */
export function batchNormFolds(model: tf.LayersModel): BatchNormFold[] {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`foldBatchNormLayers: expected a tf.LayersModel, got ${typeof model}`);
  const outputs = new Set(model.outputs.map((t) => t.id));
  // Consumers of each symbolic tensor inside this model (a layer applied twice is refused below).
  const consumers = new Map<number, tf.layers.Layer[]>();
  for (const layer of model.layers) {
    for (const node of nodesOf(layer)) {
      for (const t of node.inputTensors) consumers.set(t.id, [...(consumers.get(t.id) ?? []), layer]);
    }
  }
  const folds: BatchNormFold[] = [];
  for (const bn of model.layers) {
    if (bn instanceof tf.LayersModel) throw new Error(`foldBatchNormLayers: layer "${bn.name}" is a nested model; build the network as one flat functional or Sequential model`);
    if (bn.getClassName() !== "BatchNormalization") continue;
    const fail = (why: string): never => {
      throw new Error(`foldBatchNormLayers: BatchNormalization layer "${bn.name}" cannot be folded: ${why}`);
    };
    const bnNodes = nodesOf(bn);
    if (bnNodes.length !== 1) fail(`it is applied ${bnNodes.length} times (expected once)`);
    const target = bnNodes[0].inboundLayers[0];
    const cls = target?.getClassName();
    if (bnNodes[0].inboundLayers.length !== 1 || !TARGETS[cls]) {
      fail(`its input comes from ${target ? `layer "${target.name}" (${cls})` : "no layer"}; expected a ${Object.keys(TARGETS).join(", ")} layer`);
    }
    const activation = (target.getConfig() as { activation?: string }).activation ?? "linear";
    if (activation !== "linear") fail(`the layer before it ("${target.name}") applies activation "${activation}" first; only a linear output folds`);
    const targetNodes = nodesOf(target);
    if (targetNodes.length !== 1) fail(`the layer before it ("${target.name}") is applied ${targetNodes.length} times (expected once)`);
    const out = targetNodes[0].outputTensors[0];
    const users = consumers.get(out.id) ?? [];
    if (users.length !== 1 || outputs.has(out.id)) {
      const others = users.filter((l) => l !== bn).map((l) => `"${l.name}"`);
      fail(`the output of "${target.name}" is also used by ${[...others, ...(outputs.has(out.id) ? ["the model output"] : [])].join(", ")}; folding would change that use`);
    }
    try {
      batchNormParamsOf(bn); // checks the normalised axis is the channel axis
    } catch (e) {
      fail((e as Error).message);
    }
    folds.push({ batchNorm: bn.name, into: target.name });
  }
  return folds;
}

interface LayerConfigEntry {
  name?: string;
  className: string;
  config: { name: string; useBias?: boolean } & Record<string, unknown>;
  inboundNodes?: [string, number, number, Record<string, unknown>?][][];
}

/**
 * A new model computing the same function as `model` in inference mode (to float rounding), with every
 * BatchNormalization folded into the layer before it (see the header for which BNs fold and for names).
 * A model without BN comes back as a plain copy.
 */
export function foldBatchNormLayers(model: tf.LayersModel): tf.LayersModel {
  const folds = batchNormFolds(model);
  const intoOf = new Map(folds.map((f) => [f.batchNorm, f.into]));
  const folded = new Set(folds.map((f) => f.into));
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: LayerConfigEntry[]; outputLayers?: [string, number, number][] };
  const rename = (name: string) => intoOf.get(name) ?? name;
  config.layers = config.layers.filter((l) => !intoOf.has(l.config.name));
  for (const l of config.layers) {
    if (folded.has(l.config.name)) l.config.useBias = true;
    // tfjs 4.22's SeparableConv getConfig omits depthMultiplier (fromConfig would rebuild it with 1).
    if (l.className === "SeparableConv2D" && l.config.depthMultiplier === undefined) {
      l.config.depthMultiplier = model.getLayer(l.config.name).getWeights()[0].shape[3];
    }
    // Functional configs: whoever read the BN now reads the layer it was folded into (node 0: applied once).
    for (const node of l.inboundNodes ?? []) for (const entry of node) entry[0] = rename(entry[0]);
  }
  for (const entry of config.outputLayers ?? []) entry[0] = rename(entry[0]);
  const cfg = config as unknown as tf.serialization.ConfigDict;
  const copy = model instanceof tf.Sequential
    ? (tf.Sequential.fromConfig(tf.Sequential, cfg) as tf.LayersModel)
    : (tf.LayersModel.fromConfig(tf.LayersModel, cfg) as tf.LayersModel);

  const bnOf = new Map(folds.map((f) => [f.into, model.getLayer(f.batchNorm)]));
  for (const layer of copy.layers) {
    const original = model.getLayer(layer.name);
    const bn = bnOf.get(layer.name);
    if (!bn) {
      layer.setWeights(original.getWeights());
      continue;
    }
    const { layout, kernelIndex } = TARGETS[original.getClassName()];
    const weights = original.getWeights();
    const kernel = weights[kernelIndex];
    // The bias, if any, is the weight after the kernel(s).
    const bias = weights.length > kernelIndex + 1 ? (weights[kernelIndex + 1].dataSync() as Float32Array) : null;
    const f = foldBatchNorm({ values: kernel.dataSync(), shape: kernel.shape }, bias, batchNormParamsOf(bn), layout);
    const values = [...weights.slice(0, kernelIndex), tf.tensor(f.kernel, f.kernelShape), tf.tensor1d(f.bias)];
    layer.setWeights(values);
    tf.dispose(values.slice(kernelIndex));
  }
  return copy;
}
