// Channel-dependency analysis for structured pruning: which layers must lose the same channel indices when one
// filter of a conv or one unit of a dense layer is removed.
//
// Every layer output (channels-last) is a node; nodes whose channel c is "the same channel" are unioned:
// - a producer (Conv2D, Dense) starts a new node: its filters / units are the channels;
// - channel-wise layers carry channels 1:1 (BatchNormalization's 4 tensors, activations, Dropout,
//   ZeroPadding2D, Cropping2D, UpSampling2D, pooling, global pooling, DepthwiseConv2D with depthMultiplier 1
//   (filter c reads channel c), SE's GAP→Reshape([1, 1, C]), Flatten (channel c becomes the columns p·C + c,
//   p < H·W, channels-last));
// - Add and Multiply join all their inputs (same channel count) and their output into one node.
// Layers reading a node as input channels are its consumers (Conv2D kernel[:, :, c, :], Dense rows c or the
// H·W rows of channel c after a Flatten). A set of joined nodes with at least one producer is a ChannelGroup.
//
// Rules that keep the analysis from ever being silently wrong:
// - a group joined by an Add (a residual) is prunable only with `pruneResiduals: true` (all members together);
// - a group that reaches a model output (the classes, a returned feature map) is never prunable;
// - a group read by a layer the analysis does not follow (Concatenate, Permute, a Reshape that is not SE's,
//   Softmax, PReLU, a depthwise conv with depthMultiplier > 1, channels-first data...) is not prunable, and
//   neither is one joined with the model input or such a layer's output; the reason names the layer.
// - In a Multiply, an input broadcast over space ([1, 1, C] against [H, W, C]) is an SE gate: the conv making
//   it (SE's expand conv) is a member whose output channels are sliced, not a producer whose filters are scored.
//
// Each prunable group also says how removal stays exact (see structured.ts): "bias" when every consumer sees a
// removed channel as one constant everywhere (its constant is folded into the consumer's bias), "zero" when it
// does not (a zero-padded depthwise or k×k 'same' conv, pooling with 'same' padding, or an SE gate in the
// way): the mask then also zeroes the channel's BN and depthwise filter so that it is exactly 0, which needs
// act(0) = 0 for every activation on the way (checked; a group where neither holds is not prunable).
import * as tf from "@tensorflow/tfjs";
import { inboundLayers } from "./rebuild";

/** How a layer of a group is touched when channels go. */
export type ChannelRole =
  /** Conv2D / Dense whose output channels (filters, units) are the group's: sliced, scored, zeroed by the mask. */
  | "producer"
  /** Conv2D / Dense making an SE gate: output channels sliced, not scored, not zeroed. */
  | "gate"
  /** Channel-wise layer (BN, depthwise, activation, pooling, Add, Multiply, ...): its per-channel weights and config sliced. */
  | "member"
  /** Reads the group as input channels: kernel rows / input channels sliced, removed constants folded into its bias. */
  | "consumer";

export interface ChannelRoleEntry {
  layer: string;
  role: ChannelRole;
  /**
   * Spatial multiplicity of the group in this layer's tensor: 1 for [.., C]; H·W for the flattened
   * [H·W·C] that a Flatten makes (channel c at indices p·C + c). For a consumer, of the tensor it reads.
   */
  spread: number;
  /** For a consumer: the layer whose output it reads. */
  reads?: string;
}

export interface ChannelGroup {
  /** The first producer's name (in the model's layer order). */
  id: string;
  /** Conv2D / Dense layers whose filters are these channels (several when joined by an Add or a Multiply). */
  producers: string[];
  channels: number;
  /** Every other layer whose output carries the channels (BN, activations, depthwise, SE gate convs, Add, ...). */
  members: string[];
  /** Layers that read the channels as input channels. */
  consumers: string[];
  prunable: boolean;
  reason?: string;
  /** Joined by an Add (a skip connection). */
  residual: boolean;
  /**
   * Every layer the channels pass through is followed by the analysis (nothing blocks it): the channels can be
   * reordered consistently (structured.ts permuteChannels), even where removing them cannot be made exact.
   */
  permutable: boolean;
  /** How removal is made exact, for prunable groups (see the header). */
  fold?: "bias" | "zero";
  /** Every layer touched, with its role (a layer that consumes one group and produces another is in both). */
  roles: ChannelRoleEntry[];
  /** Layers whose outputs are the group's feature maps for the energy criterion (see criteria.ts). */
  energyAt: string[];
}

export interface ChannelGroupOptions {
  /** Let groups joined by a residual Add be pruned, all their members together (default false). */
  pruneResiduals?: boolean;
}

// Layers that are the identity at inference time.
const INFERENCE_IDENTITY = new Set(["Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout"]);
const ACTIVATIONS = new Set(["Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "HardSwish", "HardSigmoid"]);
const POOLING = new Set(["MaxPooling2D", "AveragePooling2D"]);
// Spatial-only layers that map a constant map to a constant map and zeros to zeros.
const SPATIAL = new Set(["Cropping2D", "UpSampling2D"]);
const GLOBAL_POOLING = new Set(["GlobalAveragePooling2D", "GlobalMaxPooling2D"]);

type Config = Record<string, unknown>;
const configOf = (layer: tf.layers.Layer): Config => layer.getConfig() as Config;

/** Output shape of a layer without the batch axis. */
export function outputShapeOf(layer: tf.layers.Layer): number[] {
  const out = layer.output;
  if (Array.isArray(out)) throw new Error(`channelGroups: layer "${layer.name}" has ${out.length} outputs; layers with one output only`);
  return (out as tf.SymbolicTensor).shape.slice(1) as number[];
}

const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
/** Elements per channel of a channels-last shape (without batch): the product of all but the last axis. */
const spatialOf = (shape: number[]): number => product(shape.slice(0, -1));
const isPair1 = (v: unknown): boolean => (Array.isArray(v) ? v.every((k) => k === 1) : v === 1);

/** The value act(0) of an element-wise activation layer, or of a conv/dense layer's fused activation. */
function activationAtZero(layer: tf.layers.Layer): number {
  return tf.tidy(() => {
    const cls = layer.getClassName();
    const zeros = tf.zeros([1, 1]);
    const y = ACTIVATIONS.has(cls)
      ? (layer.call(zeros, {}) as tf.Tensor)
      : (tf.layers.activation({ activation: (configOf(layer).activation ?? "linear") as "linear" }).apply(zeros) as tf.Tensor);
    return y.dataSync()[0];
  });
}

function fusedActivation(layer: tf.layers.Layer): string {
  return String(configOf(layer).activation ?? "linear");
}

/** Union-find over layer names (each layer's output), with per-set facts. */
class Sets {
  private parent = new Map<string, string>();
  readonly blocked = new Map<string, string>();
  readonly residual = new Map<string, string>();

  add(name: string): void {
    this.parent.set(name, name);
  }
  has(name: string): boolean {
    return this.parent.has(name);
  }
  find(name: string): string {
    let root = name;
    while (this.parent.get(root) !== root) root = this.parent.get(root) as string;
    let cur = name;
    while (cur !== root) {
      const next = this.parent.get(cur) as string;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra === rb) return;
    this.parent.set(rb, ra);
    for (const facts of [this.blocked, this.residual]) {
      if (!facts.has(ra) && facts.has(rb)) facts.set(ra, facts.get(rb) as string);
      facts.delete(rb);
    }
  }
  block(name: string, reason: string): void {
    const r = this.find(name);
    if (!this.blocked.has(r)) this.blocked.set(r, reason);
  }
  markResidual(name: string, add: string): void {
    const r = this.find(name);
    if (!this.residual.has(r)) this.residual.set(r, add);
  }
}

interface Reader {
  consumer: string;
  source: string;
  spread: number;
}

/**
 * The channel groups of a functional (or sequential) channels-last model: one per set of channels that must
 * be removed together, in the order of their first producer. See the header for the rules.
 */
export function channelGroups(model: tf.LayersModel, options: ChannelGroupOptions = {}): ChannelGroup[] {
  const fn = "channelGroups";
  if (!model || !Array.isArray((model as tf.LayersModel).layers)) throw new TypeError(`${fn}: expected a tf.LayersModel, got ${String(model)}`);
  const pruneResiduals = options.pruneResiduals ?? false;
  if (typeof pruneResiduals !== "boolean") throw new TypeError(`${fn}: pruneResiduals must be true or false, got ${JSON.stringify(pruneResiduals)}`);

  const sets = new Sets();
  const spread = new Map<string, number>(); // layer name → multiplicity of its output's channels
  const kind = new Map<string, "producer" | "member">();
  const readers: Reader[] = [];
  const gateInputs: string[] = []; // layers whose output enters a Multiply broadcast over space
  // A Sequential model's `layers` omit its InputLayer: take the graph's input layers from model.inputs too.
  const inputLayers = model.inputs.map((t) => t.sourceLayer as tf.layers.Layer).filter((l) => !model.layers.includes(l));
  const allLayers = [...inputLayers, ...model.layers];
  const layerByName = new Map(allLayers.map((l) => [l.name, l]));

  const channelsOf = (name: string): number => {
    const shape = outputShapeOf(layerByName.get(name) as tf.layers.Layer);
    return shape[shape.length - 1];
  };
  /** A node that no producer owns; joining it to a group blocks the group. */
  const source = (name: string, reason: string): void => {
    sets.add(name);
    spread.set(name, 1);
    sets.block(name, reason);
  };
  const blockInputs = (layer: tf.layers.Layer, reason: string): void => {
    for (const input of inboundLayers(layer)) sets.block(input.name, reason);
  };
  const passThrough = (layer: tf.layers.Layer, input: tf.layers.Layer, mult = spread.get(input.name) as number): void => {
    sets.add(layer.name);
    spread.set(layer.name, mult);
    kind.set(layer.name, "member");
    sets.union(input.name, layer.name);
  };

  for (const layer of allLayers) {
    const cls = layer.getClassName();
    const inputs = inboundLayers(layer);
    if (inputs.some((l) => !layerByName.has(l.name))) throw new Error(`${fn}: layer "${layer.name}" reads a layer that is not in model "${model.name}"`);
    const config = configOf(layer);
    const name = layer.name;
    const unknown = (why: string): void => {
      const reason = `layer "${name}" (${cls}) ${why}`;
      blockInputs(layer, reason);
      source(name, reason);
    };
    if (cls === "InputLayer") {
      source(name, `joined with the model input "${name}"`);
      continue;
    }
    if (inputs.length === 0) {
      unknown("has no inputs");
      continue;
    }
    const shapeIn = outputShapeOf(inputs[0]);
    const shapeOut = outputShapeOf(layer);
    const channelsLast = config.dataFormat === undefined || config.dataFormat === "channelsLast";

    if (cls === "Conv2D" || cls === "Dense") {
      if (!channelsLast) {
        unknown("is channels-first");
        continue;
      }
      const readSpread = spread.get(inputs[0].name);
      if (readSpread === undefined) throw new Error(`${fn}: internal error: layer "${inputs[0].name}" was not analysed before "${name}"`);
      if (cls === "Conv2D" && readSpread !== 1) {
        unknown("reads a flattened tensor");
        continue;
      }
      readers.push({ consumer: name, source: inputs[0].name, spread: readSpread });
      sets.add(name);
      spread.set(name, 1);
      kind.set(name, "producer");
      continue;
    }
    if (inputs.length === 1 && (ACTIVATIONS.has(cls) || INFERENCE_IDENTITY.has(cls))) {
      if (cls === "Activation" && config.activation === "softmax") unknown("normalises over the channels (softmax)");
      else passThrough(layer, inputs[0]);
      continue;
    }
    if (cls === "BatchNormalization") {
      const axis = Array.isArray(config.axis) ? config.axis : [config.axis];
      if (axis.length !== 1 || !(axis[0] === -1 || axis[0] === shapeIn.length)) unknown(`normalises axis ${JSON.stringify(config.axis)}, not the channels`);
      else passThrough(layer, inputs[0]);
      continue;
    }
    if (cls === "DepthwiseConv2D") {
      if (!channelsLast) unknown("is channels-first");
      else if (Number(config.depthMultiplier ?? 1) !== 1) unknown(`has depthMultiplier ${String(config.depthMultiplier)}, which mixes channel indices`);
      else passThrough(layer, inputs[0]);
      continue;
    }
    if (cls === "ZeroPadding2D" || POOLING.has(cls) || GLOBAL_POOLING.has(cls) || SPATIAL.has(cls)) {
      if (!channelsLast) unknown("is channels-first");
      else passThrough(layer, inputs[0]);
      continue;
    }
    if (cls === "Flatten") {
      // Channels-last flattening: channel c of [H, W, C] lands at columns p·C + c.
      passThrough(layer, inputs[0], (spread.get(inputs[0].name) as number) * spatialOf(shapeIn));
      continue;
    }
    if (cls === "Reshape") {
      // Only the SE kind is followed: [.., C] → [1, 1, C] (or back), every other axis of size 1.
      const keepsChannels = shapeIn[shapeIn.length - 1] === shapeOut[shapeOut.length - 1] && spatialOf(shapeIn) === 1 && spatialOf(shapeOut) === 1;
      if (keepsChannels && spread.get(inputs[0].name) === 1) passThrough(layer, inputs[0]);
      else unknown(`reshapes [${shapeIn}] to [${shapeOut}], which moves channels`);
      continue;
    }
    if (cls === "Add" || cls === "Multiply") {
      const cs = inputs.map((l) => channelsOf(l.name));
      const spreads = inputs.map((l) => spread.get(l.name));
      if (cs.some((c) => c !== cs[0]) || spreads.some((s) => s !== spreads[0])) {
        unknown(`combines inputs of ${cs.join(", ")} channels (broadcast over channels)`);
        continue;
      }
      sets.add(name);
      spread.set(name, spreads[0] as number);
      kind.set(name, "member");
      for (const input of inputs) sets.union(input.name, name);
      if (cls === "Add") sets.markResidual(name, name);
      else {
        const outSpatial = spatialOf(shapeOut);
        for (const input of inputs) if (spatialOf(outputShapeOf(input)) === 1 && outSpatial > 1) gateInputs.push(input.name);
      }
      continue;
    }
    unknown(
      cls === "Concatenate" ? "concatenates channels (indices shift)" : cls === "Permute" ? "permutes axes" : "is not a layer the channel analysis follows",
    );
  }
  for (const out of model.outputs) sets.block(out.sourceLayer.name, `carries the model's output (layer "${out.sourceLayer.name}")`);

  // SE gates: walk back from a broadcast Multiply input through single-input channel-wise layers to its conv.
  const gates = new Set<string>();
  for (const start of gateInputs) {
    let cur = layerByName.get(start) as tf.layers.Layer;
    while (kind.get(cur.name) === "member" && inboundLayers(cur).length === 1 && !GLOBAL_POOLING.has(cur.getClassName())) cur = inboundLayers(cur)[0];
    if (kind.get(cur.name) === "producer" && sets.find(cur.name) === sets.find(start)) gates.add(cur.name);
  }

  const groups: ChannelGroup[] = [];
  const byRoot = new Map<string, string[]>();
  for (const layer of model.layers) {
    if (!sets.has(layer.name)) continue;
    const root = sets.find(layer.name);
    byRoot.set(root, [...(byRoot.get(root) ?? []), layer.name]);
  }
  for (const [root, names] of byRoot) {
    const allProducers = names.filter((n) => kind.get(n) === "producer");
    if (allProducers.length === 0) continue;
    let producers = allProducers.filter((n) => !gates.has(n));
    if (producers.length === 0) producers = allProducers; // only gates: score them rather than nothing
    const inGroup = new Set(names);
    const members = names.filter((n) => !producers.includes(n));
    const groupReaders = readers.filter((r) => inGroup.has(r.source));
    const roles: ChannelRoleEntry[] = [
      ...producers.map((n) => ({ layer: n, role: "producer" as const, spread: 1 })),
      ...members.map((n) => ({ layer: n, role: (gates.has(n) && !producers.includes(n) ? "gate" : "member") as ChannelRole, spread: spread.get(n) as number })),
      ...groupReaders.map((r) => ({ layer: r.consumer, role: "consumer" as const, spread: r.spread, reads: r.source })),
    ];
    const residualAdd = sets.residual.get(root);
    const group: ChannelGroup = {
      id: producers[0],
      producers,
      channels: channelsOf(producers[0]),
      members,
      consumers: groupReaders.map((r) => r.consumer),
      prunable: true,
      residual: residualAdd !== undefined,
      permutable: !sets.blocked.has(root),
      roles,
      energyAt: energyTensors(groupReaders, layerByName),
    };
    const blocked = sets.blocked.get(root);
    if (blocked) {
      group.prunable = false;
      group.reason = blocked;
    } else if (residualAdd !== undefined && !pruneResiduals) {
      group.prunable = false;
      group.reason = `joined by a residual add ("${residualAdd}"); pass pruneResiduals: true to prune its ${producers.length} producers together`;
    } else if (groupReaders.length === 0) {
      group.prunable = false;
      group.reason = "no layer reads its channels";
    } else {
      const mode = exactness(model, names, producers, gates, groupReaders, layerByName);
      if (typeof mode === "string") group.fold = mode;
      else {
        group.prunable = false;
        group.reason = mode.reason;
      }
    }
    groups.push(group);
  }
  // Order by first producer in the model's layer order.
  const order = new Map(model.layers.map((l, i) => [l.name, i]));
  return groups.sort((a, b) => (order.get(a.id) as number) - (order.get(b.id) as number));
}

/**
 * The feature maps the energy criterion reads: what the consumers read, traced back through Flatten,
 * Reshape and inference-identity layers to a map with its spatial layout; of those, the ones with the most
 * elements per channel (the SE branch's pooled vector is not the group's feature map, the block's is).
 */
function energyTensors(readers: Reader[], layerByName: Map<string, tf.layers.Layer>): string[] {
  const traced = new Set<string>();
  for (const r of readers) {
    let cur = layerByName.get(r.source) as tf.layers.Layer;
    while (["Flatten", "Reshape", ...INFERENCE_IDENTITY].includes(cur.getClassName()) && inboundLayers(cur).length === 1) cur = inboundLayers(cur)[0];
    traced.add(cur.name);
  }
  const sizes = [...traced].map((n) => spatialOf(outputShapeOf(layerByName.get(n) as tf.layers.Layer)));
  const max = Math.max(...sizes);
  return [...traced].filter((_, i) => sizes[i] === max);
}

/**
 * Which masking makes removal exact: "bias" if every consumer reads each removed channel as an input-independent
 * constant that it sees everywhere (so folding it into the consumer's bias is exact), else "zero" if the mask
 * can make every channel read by a consumer exactly zero; else the reason neither works.
 */
function exactness(
  model: tf.LayersModel, names: string[], producers: string[], gates: Set<string>, readers: Reader[], layerByName: Map<string, tf.layers.Layer>,
): "bias" | "zero" | { reason: string } {
  const constant = new Map<string, boolean>();
  const zero = new Map<string, boolean>();
  const why = new Map<string, string>(); // first layer that makes a channel non-zero
  const inGroup = new Set(names);
  for (const layer of model.layers) {
    const n = layer.name;
    if (!inGroup.has(n)) continue;
    const cls = layer.getClassName();
    const config = configOf(layer);
    const ins = inboundLayers(layer).map((l) => l.name);
    const c0 = constant.get(ins[0]) ?? false;
    const z0 = zero.get(ins[0]) ?? false;
    const w0 = why.get(ins[0]);
    let c = c0, z = z0, w = w0;
    if (producers.includes(n)) {
      // Zeroed kernel slice and bias: the channel is act(0) everywhere.
      const a0 = activationAtZero(layer);
      c = true;
      z = a0 === 0;
      w = z ? undefined : `the activation of "${n}" gives ${a0} at 0`;
    } else if (gates.has(n)) {
      c = false;
      z = false;
      w = `the SE gate "${n}" is not zeroed`;
    } else if (ACTIVATIONS.has(cls)) {
      const a0 = activationAtZero(layer);
      if (z0 && a0 !== 0) {
        z = false;
        w = `"${n}" (${cls}) gives ${a0} at 0`;
      }
    } else if (cls === "BatchNormalization") {
      // The zero mask sets γ, β and the moving mean of the channel to 0.
      if (config.scale !== false) {
        z = true;
        w = undefined;
      }
    } else if (cls === "DepthwiseConv2D") {
      const a0 = activationAtZero(layer);
      z = a0 === 0;
      w = z ? undefined : `the activation of "${n}" gives ${a0} at 0`;
      if (!(config.padding === "valid" || isPair1(config.kernelSize))) c = false;
    } else if (cls === "ZeroPadding2D") {
      const pads = JSON.stringify(config.padding).match(/\d+/g) ?? [];
      if (pads.some((p) => p !== "0")) c = false;
    } else if (POOLING.has(cls)) {
      if (config.padding !== "valid") c = false;
    } else if (cls === "Add") {
      c = ins.every((i) => constant.get(i));
      z = ins.every((i) => zero.get(i));
      w = ins.map((i) => why.get(i)).find((x) => x !== undefined);
    } else if (cls === "Multiply") {
      c = ins.every((i) => constant.get(i));
      z = ins.some((i) => zero.get(i));
      w = z ? undefined : ins.map((i) => why.get(i)).find((x) => x !== undefined);
    }
    constant.set(n, c);
    zero.set(n, z);
    if (w !== undefined) why.set(n, w);
    else why.delete(n);
  }
  let foldBlocker = "";
  for (const r of readers) {
    const consumer = layerByName.get(r.consumer) as tf.layers.Layer;
    const config = configOf(consumer);
    const seesConstant = consumer.getClassName() === "Dense" || config.padding === "valid" || isPair1(config.kernelSize);
    if (!constant.get(r.source)) foldBlocker ||= `the removed channels are not constant where "${r.consumer}" reads them`;
    else if (!seesConstant) foldBlocker ||= `"${r.consumer}" pads with zeros around the removed channels' constant`;
  }
  if (!foldBlocker) return "bias";
  const notZero = readers.find((r) => !zero.get(r.source));
  if (!notZero) return "zero";
  return {
    reason: `removal cannot be exact: ${foldBlocker}, and zeroing them fails because ${why.get(notZero.source) ?? `"${notZero.source}" is not zero`}`,
  };
}
