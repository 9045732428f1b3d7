// PhiNet's options, their checking and its layer schedule ("plan"), as in micromind v0.2.1
// (micromind/networks/phinet.py, commit 8d60ec97), re-derived in TypeScript. The plan is plain numbers:
// the tfjs builder (phinet.ts) and the closed-form cost (phinet-cost.ts) both walk it, so they describe
// the same network by construction, while their arithmetic (tfjs layers vs course-lib/primitives/cost.ts)
// is independent. The fixture fixtures/reference-counts.json pins the plan to the reference itself.
//
// The schedule (reference order of PhiNet._layers, which `returnLayers` indexes):
//   [0] zero padding (micromind's correct_pad, from the parity of max(H, W))
//   [1] stem: 3x3 depthwise (stride firstConvStride, no padding) -> 1x1 conv to make_div(int(48a)) -> BN -> act
//   [2] block 1: 3x3 depthwise -> BN -> act -> 1x1 conv to make_div(int(24a)) -> BN (no expansion, no SE)
//   block 2 (stride 2, or a 2x2 max-pool after it with pool=true), block 3, block 4 (stride 2 / pool),
//   blocks 5..numLayers: filters double at each id in downsamplingLayers (stride 2 there).
//   Each block b >= 2: 1x1 expand to make_div(int(t_b * cIn)) -> BN -> act -> spatial dropout(0.05) ->
//   kxk depthwise (k = 5 in the last conv5Percent of the blocks) -> BN -> act -> [SE: avg pool -> 1x1 conv
//   to make_div(max(1, int(wide/6))) -> act -> 1x1 conv back -> sigmoid -> multiply] -> 1x1 conv -> BN,
//   plus the input when residuals and stride 1 and cIn == filters. t_b = t0*beta*b/N + t0*(N-b)/N.
//   With conv2dInput the first three entries are instead [0] 3x3 conv (no padding) to int(24a), [1] act, [2] BN.
//   Head (includeTop): global average pool -> dense(numClasses) with bias, logits (no softmax).
// act is hard-swish (hSwish, default) or ReLU6; compatibility=true turns off hard-swish and SE.
//
// Reference quirks kept on purpose so that counts match micromind (documented, not fixed):
// - Stride-2 depthwise convs are padded by 1 pixel on each side whatever the kernel size (micromind calls
//   correct_pad with the boolean `res` flag and kernel 3), so a 5x5 stride-2 depthwise shrinks its output
//   (224 -> 6x6 instead of 7x7 at the end with conv5Percent 0.3).
// - Batch-norm: micromind passes Keras's momentum=0.999 to PyTorch, where momentum weighs the NEW batch;
//   PyTorch's 0.999 is tfjs's momentum 0.001 (moving stats ~ the last batch's), and that is what we use.
// - conv2dInput's stem conv uses int(24a) channels with default batch-norm settings and no make_divisible.
import { makeDivisible, NetOptionError, pyInt, rejectUnknownOptions, requireBoolean, requireInteger, requireNumber, inputShapeHWC, type InputLayout, type Pad4 } from "./common";

export interface PhiNetOptions {
  /** [C, H, W] like micromind (default inputLayout "chw"), or [H, W, C] with inputLayout "hwc". */
  inputShape: number[];
  inputLayout?: InputLayout;
  numLayers?: number;
  alpha?: number;
  beta?: number;
  t0?: number;
  includeTop?: boolean;
  numClasses?: number;
  compatibility?: boolean;
  downsamplingLayers?: number[];
  conv5Percent?: number;
  firstConvStride?: number;
  residuals?: boolean;
  conv2dInput?: boolean;
  pool?: boolean;
  hSwish?: boolean;
  squeezeExcite?: boolean;
  divisor?: number;
  /** Indices into the reference's layer list whose outputs are returned as extra model outputs. */
  returnLayers?: number[] | null;
}

export const PHINET_DEFAULTS = {
  inputLayout: "chw" as InputLayout,
  numLayers: 7, alpha: 0.2, beta: 1.0, t0: 6, includeTop: false, numClasses: 10, compatibility: false,
  downsamplingLayers: [5, 7], conv5Percent: 0, firstConvStride: 2, residuals: true, conv2dInput: false,
  pool: false, hSwish: true, squeezeExcite: true, divisor: 1, returnLayers: null as number[] | null,
};

export const PHINET_OPTION_NAMES = ["inputShape", ...Object.keys(PHINET_DEFAULTS)] as const;

export type Activation = "hard-swish" | "relu6";

export type PhiNetStage =
  | { kind: "zeroPad"; pad: Pad4 }
  | { kind: "separableStem"; cIn: number; out: number; stride: number }
  | { kind: "convStem"; cIn: number; out: number }
  | { kind: "activation" }
  | { kind: "batchNorm"; c: number }
  | { kind: "maxPool" }
  | {
      kind: "block";
      /** micromind's block_id: null for block 1 (no expansion), else 1.. (block 2 of the net has id 1). */
      blockId: number | null;
      cIn: number;
      /** Channels after the 1x1 expansion, or null when there is none. */
      expanded: number | null;
      kernel: number;
      stride: number;
      /** Symmetric zero padding of the depthwise conv. */
      padding: number;
      /** Squeeze-and-excite bottleneck channels, 0 without SE. */
      seUnits: number;
      out: number;
      skip: boolean;
    };

export interface PhiNetPlan {
  /** Channels-last input shape [H, W, C]. */
  input: [number, number, number];
  activation: Activation;
  stages: PhiNetStage[];
  /** Spatial size [H, W] after each stage (same indexing as stages). */
  sizes: [number, number][];
  head: { inUnits: number; classes: number } | null;
  returnLayers: number[];
  /** Resolved options (defaults filled in). */
  options: Required<Omit<PhiNetOptions, "returnLayers">> & { returnLayers: number[] | null };
}

const F = "phinet";

/** micromind's get_xpansion_factor, same operation order (float results must match Python's). */
export function expansionFactor(t0: number, beta: number, blockId: number, numBlocks: number): number {
  return ((t0 * beta) * blockId) / numBlocks + (t0 * (numBlocks - blockId)) / numBlocks;
}

/** Checks every option (before any layer is built) and returns the resolved options. */
export function resolvePhiNetOptions(options: PhiNetOptions): PhiNetPlan["options"] {
  rejectUnknownOptions(F, options, PHINET_OPTION_NAMES);
  const o = { ...PHINET_DEFAULTS, ...options } as PhiNetPlan["options"];
  for (const key of Object.keys(options) as (keyof PhiNetOptions)[]) {
    if (options[key] === undefined) (o as Record<string, unknown>)[key] = (PHINET_DEFAULTS as Record<string, unknown>)[key];
  }
  if (options.inputShape === undefined) throw new NetOptionError(F, "inputShape", "is required, e.g. [3, 96, 96] ([C, H, W])");
  inputShapeHWC(F, o.inputShape, o.inputLayout);
  requireInteger(F, "numLayers", o.numLayers, 3);
  requireNumber(F, "alpha", o.alpha, (v) => v > 0, "a width multiplier > 0");
  requireNumber(F, "beta", o.beta, (v) => v > 0, "a shape factor > 0");
  requireNumber(F, "t0", o.t0, (v) => v >= 1, "a base expansion factor >= 1");
  for (const key of ["includeTop", "compatibility", "residuals", "conv2dInput", "pool", "hSwish", "squeezeExcite"] as const) {
    requireBoolean(F, key, o[key]);
  }
  requireInteger(F, "numClasses", o.numClasses, 1);
  requireNumber(F, "conv5Percent", o.conv5Percent, (v) => v >= 0 && v <= 1, "a fraction in [0, 1]");
  requireInteger(F, "firstConvStride", o.firstConvStride, 1);
  requireInteger(F, "divisor", o.divisor, 1);
  // micromind builds blocks 1-3 itself and looks ids up only for blocks 4..numLayers: other ids select nothing.
  if (!Array.isArray(o.downsamplingLayers) || o.downsamplingLayers.some((v) => typeof v !== "number" || !Number.isInteger(v))) {
    throw new NetOptionError(
      F, "downsamplingLayers",
      `must be a list of integer block ids (blocks 4..numLayers listed downsample; blocks 1-3 are fixed and other ids are ignored, as in micromind), got ${JSON.stringify(o.downsamplingLayers)}`,
    );
  }
  if (o.returnLayers !== null && (!Array.isArray(o.returnLayers) || o.returnLayers.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < 0))) {
    throw new NetOptionError(F, "returnLayers", `must be null or a list of layer indices >= 0, got ${JSON.stringify(o.returnLayers)}`);
  }
  if (o.conv2dInput) {
    const c1 = pyInt(24 * o.alpha);
    if (c1 < 1 || c1 !== makeDivisible(c1, o.divisor)) {
      throw new NetOptionError(
        F, "alpha",
        `${o.alpha} with conv2dInput and divisor ${o.divisor} gives a ${c1}-channel input conv but block 2 expects ` +
          `make_divisible(${c1}) = ${makeDivisible(c1, o.divisor)} channels (micromind cannot run this either); pick alpha so that int(24*alpha) >= 1 is a multiple of divisor`,
      );
    }
  }
  return o;
}

/** The layer schedule of a PhiNet; throws a NetOptionError for options the architecture cannot build. */
export function phinetPlan(options: PhiNetOptions): PhiNetPlan {
  const o = resolvePhiNetOptions(options);
  const input = inputShapeHWC(F, o.inputShape, o.inputLayout);
  const hSwish = o.compatibility ? false : o.hSwish;
  const squeezeExcite = o.compatibility ? false : o.squeezeExcite;
  const div = (v: number): number => makeDivisible(v, o.divisor);
  const a = o.alpha;
  const n = o.numLayers;
  const stages: PhiNetStage[] = [];
  const sizes: [number, number][] = [];
  let [h, w] = [input[0], input[1]];
  const shapeText = JSON.stringify(o.inputShape);

  const tooSmall = (what: string, need: string): never => {
    throw new NetOptionError(
      F, "inputShape",
      `${shapeText} is too small for this network: ${what} gets a ${h}x${w} input but needs ${need}; use a larger input or fewer ` +
        `downsamplings (firstConvStride, pool, downsamplingLayers, conv5Percent)`,
    );
  };
  // PyTorch's rule, nothing stricter: the padded size must hold the kernel; the output is then >= 1
  // whatever the stride (a stride-2 conv maps 1 or 2 pixels to 1, as micromind does on 49x10 MFCCs).
  const convOut = (size: number, k: number, stride: number, p0: number, p1: number, what: string): number => {
    if (size + p0 + p1 < k) tooSmall(what, `at least ${k - p0 - p1} pixels per side for its ${k}x${k} kernel`);
    return Math.floor((size + p0 + p1 - k) / stride) + 1;
  };
  const push = (stage: PhiNetStage): void => {
    stages.push(stage);
    sizes.push([h, w]);
  };

  const b1 = div(pyInt(24 * a));
  if (!o.conv2dInput) {
    const res = Math.max(input[0], input[1]);
    const adjust = 1 - (res % 2);
    const pad: Pad4 = [1 - adjust, 1, 1 - adjust, 1];
    push({ kind: "zeroPad", pad });
    h += pad[0] + pad[1];
    w += pad[2] + pad[3];
    const stemOut = div(pyInt(48 * a));
    [h, w] = [convOut(h, 3, o.firstConvStride, 0, 0, "the stem's 3x3 depthwise conv"), convOut(w, 3, o.firstConvStride, 0, 0, "the stem's 3x3 depthwise conv")];
    push({ kind: "separableStem", cIn: input[2], out: stemOut, stride: o.firstConvStride });
    push({ kind: "block", blockId: null, cIn: stemOut, expanded: null, kernel: 3, stride: 1, padding: 1, seUnits: 0, out: b1, skip: o.residuals && stemOut === b1 });
  } else {
    const c1 = pyInt(24 * a);
    [h, w] = [convOut(h, 3, 1, 0, 0, "the 3x3 input conv (conv2dInput)"), convOut(w, 3, 1, 0, 0, "the 3x3 input conv (conv2dInput)")];
    push({ kind: "convStem", cIn: input[2], out: c1 });
    push({ kind: "activation" });
    push({ kind: "batchNorm", c: c1 });
  }

  const block = (blockId: number, cIn: number, out: number, stride: number, kernel: number): void => {
    const t = expansionFactor(o.t0, o.beta, blockId, n);
    const expanded = div(pyInt(t * cIn));
    // micromind pads stride-2 depthwise convs by 1 whatever the kernel (reference quirk, see header).
    const padding = stride === 1 ? Math.floor(kernel / 2) : 1;
    const what = `block ${blockId + 1} (micromind block_id ${blockId}, ${kernel}x${kernel} depthwise, stride ${stride})`;
    [h, w] = [convOut(h, kernel, stride, padding, padding, what), convOut(w, kernel, stride, padding, padding, what)];
    const seUnits = squeezeExcite ? div(Math.max(1, pyInt(expanded / 6))) : 0;
    push({ kind: "block", blockId, cIn, expanded, kernel, stride, padding, seUnits, out, skip: o.residuals && cIn === out && stride === 1 });
  };
  const maxPool = (where: string): void => {
    // PyTorch's MaxPool2d(2) (stride 2, no padding, floor) gives floor(n/2): 0 pixels, an error, below 2.
    if (h < 2 || w < 2) tooSmall(`the 2x2 max-pool ${where}`, "at least 2x2");
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    push({ kind: "maxPool" });
  };

  const s2 = o.pool ? 1 : 2;
  block(1, b1, b1, s2, 3);
  if (o.pool) maxPool("after block 2");
  block(2, b1, b1, 1, 3);
  const b2 = div(pyInt(48 * a));
  block(3, b1, b2, s2, 3);
  if (o.pool) maxPool("after block 4");

  let blockFilters = 48;
  let cIn = b2;
  for (let id = 4; id <= n; id++) {
    const down = o.downsamplingLayers.includes(id);
    if (down) {
      blockFilters *= 2;
      if (o.pool) maxPool(`before block ${id + 1}`);
    }
    const out = div(pyInt(blockFilters * a));
    const kernel = id / n > 1 - o.conv5Percent ? 5 : 3;
    block(id, cIn, out, down && !o.pool ? 2 : 1, kernel);
    cIn = out;
  }
  const head = o.includeTop ? { inUnits: div(pyInt(blockFilters * a)), classes: o.numClasses } : null;
  const returnLayers = o.returnLayers ?? [];
  for (const i of returnLayers) {
    if (i >= stages.length) {
      throw new NetOptionError(F, "returnLayers", `index ${i} is out of range: this PhiNet has ${stages.length} layers (0..${stages.length - 1})`);
    }
  }
  return { input, activation: hSwish ? "hard-swish" : "relu6", stages, sizes, head, returnLayers, options: o };
}

/** One row per stem and block of a PhiNet plan, as a notebook tabulates and charts them. */
export interface PhiNetStageRow {
  /** "stem", "first block" (micromind gives it no block id), then "id 1", "id 2", ... */
  name: string;
  /** micromind's block_id, null for the stem and the first block. */
  blockId: number | null;
  /** Spatial size [H, W] after the stage. */
  size: [number, number];
  cIn: number;
  /** Channels after the 1x1 expansion (= cIn for the stem and the first block, which do not expand). */
  expanded: number;
  out: number;
  stride: number;
  skip: boolean;
}

/** The stem and the blocks of a plan, in order (padding, pooling and the conv2dInput extras left out). */
export function phinetStageRows(plan: PhiNetPlan): PhiNetStageRow[] {
  const rows: PhiNetStageRow[] = [];
  plan.stages.forEach((s, i) => {
    const size: [number, number] = [plan.sizes[i][0], plan.sizes[i][1]];
    if (s.kind === "separableStem" || s.kind === "convStem") {
      const stride = s.kind === "separableStem" ? s.stride : 1;
      rows.push({ name: "stem", blockId: null, size, cIn: s.cIn, expanded: s.cIn, out: s.out, stride, skip: false });
    } else if (s.kind === "block") {
      const name = s.blockId === null ? "first block" : `id ${s.blockId}`;
      rows.push({ name, blockId: s.blockId, size, cIn: s.cIn, expanded: s.expanded ?? s.cIn, out: s.out, stride: s.stride, skip: s.skip });
    }
  });
  return rows;
}
