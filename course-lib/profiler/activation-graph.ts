// Peak activation memory from first principles: a model reduced to a list of nodes (name, output bytes,
// consumers) in execution order, and the walk that finds the most bytes live at once. This is the
// reference behind lesson 02's exercise 02.7; profile.ts computes the same peak inside profileModel
// (where it also lets element-wise layers run in place). With `inPlace: false` the two agree, which
// lesson 02 checks on real models.
//
// Liveness rule (the profiler's): node i's output is written while node i runs and stays live until its
// last consumer has run (inclusive). A node without consumers is a model output and stays live until the
// end. While node i runs, every output already written and not yet freed is live, including node i's own.
import * as tf from "@tensorflow/tfjs";

/** One node of the execution order: the tensor it produces and who reads it. */
export interface ActivationNode {
  name: string;
  /** Bytes of the node's output tensor. */
  bytes: number;
  /** Names of the nodes that read this output; none for a model output. */
  consumers: string[];
}

export interface PeakMemory {
  /** The most bytes live at once. */
  peakBytes: number;
  /** The node running at the (first) peak. */
  peakAt: string;
  /** Bytes live while each node runs, in order. */
  liveBytes: number[];
}

/** Validates a node list (unique names, known consumers that come later, sizes >= 0); throws naming the problem. */
export function checkActivationGraph(nodes: ActivationNode[], fn = "peakLiveBytes"): Map<string, number> {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new RangeError(`${fn}: expected a non-empty list of nodes, got ${Array.isArray(nodes) ? "an empty list" : String(nodes)}`);
  const position = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (node === null || typeof node !== "object" || typeof node.name !== "string") {
      throw new RangeError(`${fn}: node ${i} must be { name, bytes, consumers }, got ${JSON.stringify(node)}`);
    }
    if (position.has(node.name)) throw new RangeError(`${fn}: duplicate node name ${JSON.stringify(node.name)} (nodes ${position.get(node.name)} and ${i})`);
    if (typeof node.bytes !== "number" || !Number.isFinite(node.bytes) || node.bytes < 0) {
      throw new RangeError(`${fn}: node ${JSON.stringify(node.name)} has bytes ${String(node.bytes)}; expected a number >= 0`);
    }
    if (!Array.isArray(node.consumers)) throw new RangeError(`${fn}: node ${JSON.stringify(node.name)} has no consumers array`);
    position.set(node.name, i);
  });
  for (const [i, node] of nodes.entries()) {
    for (const c of node.consumers) {
      const j = position.get(c);
      if (j === undefined) throw new RangeError(`${fn}: node ${JSON.stringify(node.name)} lists an unknown consumer ${JSON.stringify(c)}`);
      if (j <= i) {
        throw new RangeError(`${fn}: node ${JSON.stringify(node.name)} (position ${i}) is consumed by ${JSON.stringify(c)} at position ${j}; nodes must be in execution (topological) order`);
      }
    }
  }
  return position;
}

/** The peak of live activation bytes over an execution order (see the header for the rule). */
export function peakLiveBytes(nodes: ActivationNode[]): PeakMemory {
  const position = checkActivationGraph(nodes);
  const last = nodes.length - 1;
  const freedAfter = nodes.map((node, i) => (node.consumers.length === 0 ? last : Math.max(i, ...node.consumers.map((c) => position.get(c) as number))));
  const liveBytes = nodes.map((_, step) => nodes.reduce((sum, node, i) => (i <= step && freedAfter[i] >= step ? sum + node.bytes : sum), 0));
  let peakIndex = 0;
  liveBytes.forEach((b, i) => {
    if (b > liveBytes[peakIndex]) peakIndex = i;
  });
  return { peakBytes: liveBytes[peakIndex], peakAt: nodes[peakIndex].name, liveBytes };
}

interface GraphNode {
  outboundLayer: tf.layers.Layer;
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/**
 * A tfjs model as ActivationNodes in the profiler's execution order (tfjs's order by depth), one node per
 * layer call, with `bytesPerElement` bytes per activation (4 for float32, 1 for int8). Layers with one
 * output only, no nested models: enough for the lesson's blocks, and it says so otherwise.
 */
export function activationGraph(model: tf.LayersModel, bytesPerElement = 4): ActivationNode[] {
  if (!(bytesPerElement > 0)) throw new RangeError(`activationGraph: bytesPerElement must be > 0, got ${String(bytesPerElement)}`);
  const internals = model as unknown as { nodesByDepth: { [depth: string]: GraphNode[] }; built: boolean; build(): void };
  // A Sequential model gets its graph when it is built (as in profile.ts).
  if (model instanceof tf.Sequential && !internals.built) internals.build();
  const byDepth = internals.nodesByDepth;
  if (!byDepth || Object.keys(byDepth).length === 0) throw new RangeError(`activationGraph: model "${model.name}" has no graph; build it with tf.model or a Sequential with an input shape`);
  const order = Object.keys(byDepth).map(Number).sort((a, b) => b - a).flatMap((d) => byDepth[String(d)]);
  const producer = new Map<number, string>();
  const nodes: ActivationNode[] = [];
  for (const node of order) {
    const layer = node.outboundLayer;
    if (layer instanceof tf.LayersModel) throw new RangeError(`activationGraph: nested model "${layer.name}" is not supported; use profileModel for nested models`);
    if (node.outputTensors.length !== 1) throw new RangeError(`activationGraph: layer "${layer.name}" has ${node.outputTensors.length} outputs; only single-output layers are supported`);
    const out = node.outputTensors[0];
    const dims = out.shape.slice(1);
    if (dims.some((d) => d == null)) throw new RangeError(`activationGraph: layer "${layer.name}" has an unknown dimension in ${JSON.stringify(out.shape)}`);
    const elements = (dims as number[]).reduce((a, b) => a * b, 1);
    nodes.push({ name: layer.name, bytes: elements * bytesPerElement, consumers: [] });
    // An InputLayer's node lists its own output as its input: it has no producer.
    const inputs = layer.getClassName() === "InputLayer" ? [] : node.inputTensors;
    for (const t of inputs) {
      const from = producer.get(t.id);
      if (from === undefined) throw new Error(`activationGraph: input of layer "${layer.name}" comes from a layer not seen yet (internal order problem)`);
      const source = nodes.find((n) => n.name === from) as ActivationNode;
      if (!source.consumers.includes(layer.name)) source.consumers.push(layer.name);
    }
    producer.set(out.id, layer.name);
  }
  return nodes;
}
