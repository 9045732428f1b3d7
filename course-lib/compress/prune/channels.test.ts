// The channel-dependency analysis against the architectures worked out by hand: which layers lose a channel
// together (producer, BN, depthwise, SE, residual adds, Flatten's H·W blocks), which groups may be pruned and
// how (fold "bias" or "zero"), and the refusals, each naming the layer that causes it.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dsCnn } from "../../nets/ds-cnn";
import { phinet } from "../../nets/phinet";
import { initBackend } from "../../runtime/backend";
import { channelGroups, type ChannelGroup } from "./channels";
import { smallCnn } from "./structured-test-helpers";

type Sym = tf.SymbolicTensor;

beforeAll(async () => {
  await initBackend();
});

const byId = (groups: ChannelGroup[], id: string): ChannelGroup => {
  const g = groups.find((x) => x.id === id);
  if (!g) throw new Error(`no group "${id}" among ${groups.map((x) => x.id).join(", ")}`);
  return g;
};

describe("the small CNN (conv-BN-ReLU-pool, Flatten → Dense)", () => {
  const groups = channelGroups(smallCnn());

  it("has one group per conv / dense layer, with BN, ReLU and pooling as members and the next layer as consumer", () => {
    expect(groups.map((g) => [g.id, g.channels, g.prunable, g.fold])).toEqual([
      ["conv1", 8, true, "bias"],
      ["conv2", 8, true, "bias"],
      ["fc1", 16, true, "bias"],
      ["logits", 4, false, undefined],
    ]);
    expect(byId(groups, "conv1")).toMatchObject({ producers: ["conv1"], members: ["conv1_bn", "conv1_relu", "conv1_pool"], consumers: ["conv2"] });
    expect(byId(groups, "conv2")).toMatchObject({ producers: ["conv2"], members: ["conv2_bn", "conv2_relu", "flatten"], consumers: ["fc1"] });
    expect(byId(groups, "fc1")).toMatchObject({ members: [], consumers: ["logits"] });
  });

  it("after Flatten each channel is a block of H·W = 3·3 dense rows", () => {
    const conv2 = byId(groups, "conv2");
    expect(conv2.roles.find((r) => r.layer === "fc1")).toEqual({ layer: "fc1", role: "consumer", spread: 9, reads: "flatten" });
    expect(conv2.roles.find((r) => r.layer === "conv2_bn")?.spread).toBe(1);
    expect(conv2.energyAt).toEqual(["conv2_relu"]); // the map before Flatten
  });

  it("never prunes the classes, even with pruneResiduals", () => {
    for (const opts of [{}, { pruneResiduals: true }]) {
      const logits = byId(channelGroups(smallCnn(), opts), "logits");
      expect(logits.prunable).toBe(false);
      expect(logits.reason).toMatch(/model's output.*logits/);
    }
  });
});

describe("PhiNet (depthwise, squeeze-excite, residual adds)", () => {
  const model = phinet({ inputShape: [1, 28, 28], alpha: 0.5, numLayers: 5, includeTop: true, numClasses: 10 });
  const groups = channelGroups(model);

  it("an expansion group carries the depthwise conv, its BN, the SE branch and the gate; the projection and SE reduce read it", () => {
    const g = byId(groups, "block2_expand");
    expect(g.producers).toEqual(["block2_expand"]);
    expect(g.members).toEqual([
      "block2_expand_bn", "block2_expand_act", "block2_dropout", "block2_pad", "block2_dw", "block2_dw_bn", "block2_dw_act",
      "block2_se_pool", "block2_se_reshape", "block2_se_expand", "block2_se_gate", "block2_se_scale",
    ]);
    expect(g.roles.find((r) => r.layer === "block2_se_expand")?.role).toBe("gate");
    expect(g.consumers.sort()).toEqual(["block2_project", "block2_se_reduce"]);
    // Zero padding before the depthwise conv and the SE gate: the constant cannot be folded, the mask zeroes.
    expect(g.fold).toBe("zero");
    expect(g.energyAt).toEqual(["block2_se_scale"]);
  });

  it("channels joined by a residual add are one group of all the add's inputs, not prunable by default", () => {
    for (const [id, producers, add] of [["block2_project", ["block2_project", "block3_project"], "block3_add"], ["block4_project", ["block4_project", "block5_project"], "block5_add"]] as const) {
      const g = byId(groups, id);
      expect(g.producers).toEqual(producers);
      expect(g.members).toContain(add);
      expect(g.residual).toBe(true);
      expect(g.prunable).toBe(false);
      expect(g.reason).toMatch(/joined by a residual add/);
      const together = byId(channelGroups(model, { pruneResiduals: true }), id);
      expect(together.prunable).toBe(true);
      expect(together.fold).toBe("bias"); // read by 1×1 expansions only
    }
    expect(byId(groups, "block4_project").consumers.sort()).toEqual(["block5_expand", "block6_expand"]);
  });

  it("prunable by default: every group not joined by an add and not the classes", () => {
    const expected = [
      "stem_pw", "block1_project",
      ...[2, 3, 4, 5, 6].flatMap((b) => [`block${b}_expand`, `block${b}_se_reduce`]),
      "block6_project",
    ];
    expect(groups.filter((g) => g.prunable).map((g) => g.id).sort()).toEqual(expected.sort());
    expect(groups.filter((g) => !g.prunable).map((g) => g.id).sort()).toEqual(["block2_project", "block4_project", "head_logits"]);
    // The stem's channels pass through block 1's depthwise conv ('same' padding): zeroed, not folded.
    expect(byId(groups, "stem_pw")).toMatchObject({ fold: "zero", consumers: ["block1_project"] });
    expect(byId(groups, "block6_project")).toMatchObject({ fold: "bias", consumers: ["head_logits"] });
  });
});

it("DS-CNN: the depthwise conv after a conv carries its channels to the next pointwise conv", () => {
  const groups = channelGroups(dsCnn({ inputShape: [20, 10, 1], numClasses: 4, stemFilters: 8, blockFilters: [8, 8] }));
  expect(byId(groups, "stem")).toMatchObject({
    members: ["stem_bn", "stem_relu", "block1_dw", "block1_dw_bn", "block1_dw_relu"], consumers: ["block1_pw"], fold: "zero", prunable: true,
  });
  expect(byId(groups, "block2_pw")).toMatchObject({ members: ["block2_pw_bn", "block2_pw_relu", "embedding"], consumers: ["head_logits"], fold: "bias" });
});

describe("refusals name the layer that makes removal unsafe", () => {
  const conv = (x: Sym, filters: number, name: string, kernelSize = 1, padding: "same" | "valid" = "valid") =>
    tf.layers.conv2d({ filters, kernelSize, padding, name }).apply(x) as Sym;
  const head = (x: Sym): Sym => tf.layers.dense({ units: 2, name: "out" }).apply(tf.layers.flatten({ name: "flat" }).apply(x) as Sym) as Sym;
  const build = (body: (x: Sym) => Sym, shape = [4, 4, 3]) => {
    const input = tf.input({ shape, name: "input" });
    return tf.model({ inputs: input, outputs: head(body(input)) });
  };
  const reasonOf = (model: tf.LayersModel, id: string) => {
    const g = byId(channelGroups(model, { pruneResiduals: true }), id);
    expect(g.prunable, `group ${id}`).toBe(false);
    return g.reason as string;
  };

  it("Concatenate", () => {
    const m = build((x) => conv(tf.layers.concatenate({ name: "cat" }).apply([conv(x, 2, "a"), conv(x, 3, "b")]) as Sym, 2, "c"));
    expect(reasonOf(m, "a")).toMatch(/"cat" \(Concatenate\)/);
    expect(reasonOf(m, "b")).toMatch(/"cat"/);
    expect(byId(channelGroups(m), "c").prunable).toBe(true);
  });

  it("an Add with the model input (its channels cannot go)", () => {
    const m = build((x) => conv(tf.layers.add({ name: "skip" }).apply([x, conv(x, 3, "a")]) as Sym, 2, "c"));
    expect(reasonOf(m, "a")).toMatch(/model input "input"/);
  });

  it("a depthwise conv with depthMultiplier 2", () => {
    const m = build((x) => conv(tf.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 2, name: "dw2" }).apply(conv(x, 3, "a")) as Sym, 2, "c"));
    expect(reasonOf(m, "a")).toMatch(/"dw2".*depthMultiplier 2/);
  });

  it("a Reshape that moves channels, a Permute, a softmax over channels", () => {
    const reshape = build((x) => tf.layers.reshape({ targetShape: [8, 6], name: "rs" }).apply(conv(x, 3, "a")) as Sym);
    expect(reasonOf(reshape, "a")).toMatch(/"rs" \(Reshape\)/);
    const permute = build((x) => tf.layers.permute({ dims: [3, 1, 2], name: "perm" }).apply(conv(x, 4, "a")) as Sym);
    expect(reasonOf(permute, "a")).toMatch(/"perm" \(Permute\)/);
    const softmax = build((x) => conv(tf.layers.activation({ activation: "softmax", name: "sm" }).apply(conv(x, 3, "a")) as Sym, 2, "c"));
    expect(reasonOf(softmax, "a")).toMatch(/"sm".*softmax/);
  });

  it("a Multiply that broadcasts one channel over all of them (spatial attention)", () => {
    const m = build((x) => {
      const y = conv(x, 3, "a");
      return conv(tf.layers.multiply({ name: "att" }).apply([y, conv(x, 1, "s")]) as Sym, 2, "c");
    });
    expect(reasonOf(m, "a")).toMatch(/"att" \(Multiply\).*broadcast/);
  });

  it("neither fold nor zero is exact: a sigmoid (σ(0) = ½) after a zero-padded depthwise conv", () => {
    const dwThen = (act: (y: Sym) => Sym) => build((x) => {
      const y = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", name: "dw" }).apply(conv(x, 3, "a")) as Sym;
      return conv(act(y), 2, "c");
    });
    const sigmoid = dwThen((y) => tf.layers.activation({ activation: "sigmoid", name: "sig" }).apply(y) as Sym);
    expect(reasonOf(sigmoid, "a")).toMatch(/cannot be exact.*"sig".*0\.5 at 0/);
    // With ReLU (or hard-swish, SiLU) instead, zeroing is exact.
    const relu = dwThen((y) => tf.layers.reLU({ name: "r" }).apply(y) as Sym);
    expect(byId(channelGroups(relu), "a")).toMatchObject({ prunable: true, fold: "zero" });
    // Before the depthwise conv a sigmoid is harmless: the zeroed depthwise filter outputs 0 whatever it reads.
    const before = build((x) => {
      const y = tf.layers.activation({ activation: "sigmoid", name: "sig" }).apply(conv(x, 3, "a")) as Sym;
      return conv(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", name: "dw" }).apply(y) as Sym, 2, "c");
    });
    expect(byId(channelGroups(before), "a")).toMatchObject({ prunable: true, fold: "zero" });
  });

  it("a k×k 'same' consumer after a constant-making BN gets zero, a 'valid' one bias", () => {
    const bnRelu = (x: Sym) => tf.layers.reLU({ name: "r" }).apply(tf.layers.batchNormalization({ name: "bn" }).apply(x) as Sym) as Sym;
    const same = build((x) => conv(bnRelu(conv(x, 3, "a")), 2, "c", 3, "same"));
    expect(byId(channelGroups(same), "a").fold).toBe("zero");
    const valid = build((x) => conv(bnRelu(conv(x, 3, "a")), 2, "c", 3, "valid"));
    expect(byId(channelGroups(valid), "a").fold).toBe("bias");
  });
});
