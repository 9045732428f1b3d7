// XiNet's options, their checking and its layer schedule ("plan"), as in micromind v0.2.1
// (micromind/networks/xinet.py, commit 8d60ec97), re-derived in TypeScript. The tfjs builder (xinet.ts)
// and the closed-form cost (xinet-cost.ts) both walk this plan; fixtures/reference-counts.json pins it
// to numbers measured on micromind. XiNet has no beta or t0: its knobs are alpha (width), gamma
// (compression of each block's input) and numLayers/baseFilters (depth and base width).
//
// Schedule: stem 7x7 conv stride 2 (padding 3) to int(baseFilters*a) -> BN -> SiLU; then with
// nf[i] = int(2^(sqrt(baseFilters) + i)), i < numLayers, and ch(i) = int(nf[i]*a):
//   for i in 0..numLayers-3: XiConv ch(i) -> ch(i+1) with a 2x2 max-pool, then XiConv ch(i+1) -> ch(i+1);
//   then two XiConvs ch(L-2) -> ch(L-1) -> ch(L-1) without attention.
// XiConv(cIn -> cOut, compression g = int(gamma)): [1x1 conv to cOut//g if g > 1] (+ skip: the output of
// the first XiConv, adaptive-average-pooled to this block's input size, through a 1x1 conv to cOut//g)
// -> [2x2 max-pool] -> 3x3 conv to cOut -> BN -> SiLU -> [attention: 1x1 conv to cOut//g//2 -> 3x3 conv
// to cOut -> sigmoid -> multiply]. Every block but the first takes the skip. Convs have no bias.
// Head (includeTop): global average pool -> dense(numClasses) with bias, logits.
//
// Reference quirks kept on purpose so counts match micromind:
// - The last two XiConvs are built without passing gamma, so they always compress by 4 whatever gamma is.
// - Batch-norm has PyTorch's defaults (eps 1e-5, momentum 0.1 = tfjs momentum 0.9).
// Configurations micromind cannot run (it fails at the first forward pass) are rejected up front:
// a baseFilters for which int(2^sqrt(b)) != b or the skip width does not match (e.g. 9), a gamma that
// leaves a conv with 0 channels or a compressed width the skip cannot be added to, an input whose
// halvings do not line up with the skip sizes (e.g. 31x31), and numLayers < 3 (micromind's 2-layer XiNet
// carries a skip conv that is never used).
// Our own limitation: PyTorch's adaptive average pooling of the skip is expressed as AveragePooling2D,
// which is exact when its windows are uniform (all of 32, 64, 96, 128, 160, 224, 100 are); other inputs
// are rejected with a message.
import {
  inputShapeHWC, NetOptionError, pyInt, rejectUnknownOptions, requireBoolean, requireInteger, requireNumber,
  uniformAdaptiveWindow, type InputLayout,
} from "./common";

export interface XiNetOptions {
  /** [C, H, W] like micromind (default inputLayout "chw"), or [H, W, C] with inputLayout "hwc". */
  inputShape: number[];
  inputLayout?: InputLayout;
  alpha?: number;
  gamma?: number;
  numLayers?: number;
  numClasses?: number;
  includeTop?: boolean;
  baseFilters?: number;
  /** Indices of XiConv blocks whose outputs are returned as extra model outputs. */
  returnLayers?: number[] | null;
}

export const XINET_DEFAULTS = {
  inputLayout: "chw" as InputLayout,
  alpha: 1.0, gamma: 4.0, numLayers: 5, numClasses: 1000, includeTop: false, baseFilters: 16,
  returnLayers: null as number[] | null,
};

export const XINET_OPTION_NAMES = ["inputShape", ...Object.keys(XINET_DEFAULTS)] as const;

export interface XiConvPlan {
  cIn: number;
  cOut: number;
  /** int(gamma) (4 for the last two blocks, a reference quirk). */
  compression: number;
  /** Channels after the compression conv (= cIn when compression is 1 and there is no such conv). */
  compressed: number;
  pool: boolean;
  /** Skip input: pooled from the first block's output to `size` (window null = already that size). */
  skip: { channels: number; size: [number, number]; window: { pool: [number, number]; stride: [number, number] } | null } | null;
  /** Channels of the attention's 1x1 conv, or 0 without attention. */
  attention: number;
  /** Spatial size of the block's output. */
  outSize: [number, number];
}

export interface XiNetPlan {
  input: [number, number, number];
  stem: { out: number; size: [number, number] };
  layers: XiConvPlan[];
  head: { inUnits: number; classes: number } | null;
  returnLayers: number[];
  options: Required<Omit<XiNetOptions, "returnLayers">> & { returnLayers: number[] | null };
}

const F = "xinet";

export function resolveXiNetOptions(options: XiNetOptions): XiNetPlan["options"] {
  rejectUnknownOptions(F, options, XINET_OPTION_NAMES);
  if (options.inputShape === undefined) throw new NetOptionError(F, "inputShape", "is required, e.g. [3, 96, 96] ([C, H, W])");
  const o = { ...XINET_DEFAULTS } as XiNetPlan["options"];
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  inputShapeHWC(F, o.inputShape, o.inputLayout);
  requireNumber(F, "alpha", o.alpha, (v) => v > 0, "a width multiplier > 0");
  requireNumber(F, "gamma", o.gamma, (v) => v >= 1, "a compression factor >= 1 (micromind uses int(gamma))");
  requireInteger(F, "numLayers", o.numLayers, 3);
  requireInteger(F, "baseFilters", o.baseFilters, 1);
  requireInteger(F, "numClasses", o.numClasses, 1);
  requireBoolean(F, "includeTop", o.includeTop);
  if (o.returnLayers !== null && (!Array.isArray(o.returnLayers) || o.returnLayers.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < 0))) {
    throw new NetOptionError(F, "returnLayers", `must be null or a list of block indices >= 0, got ${JSON.stringify(o.returnLayers)}`);
  }
  return o;
}

/** The layer schedule of a XiNet; throws a NetOptionError for options the architecture cannot build. */
export function xinetPlan(options: XiNetOptions): XiNetPlan {
  const o = resolveXiNetOptions(options);
  const input = inputShapeHWC(F, o.inputShape, o.inputLayout);
  const [H, W] = input;
  const a = o.alpha;
  const L = o.numLayers;
  const nf = Array.from({ length: L }, (_, i) => pyInt(Math.pow(2, Math.sqrt(o.baseFilters) + i)));
  const ch = nf.map((f) => pyInt(f * a));
  const stemOut = pyInt(o.baseFilters * a);
  const skipChannels = pyInt(o.baseFilters * 2 * a);
  const shapeText = JSON.stringify(o.inputShape);
  if (stemOut < 1 || ch.some((c) => c < 1)) {
    throw new NetOptionError(F, "alpha", `${a} is too small: with baseFilters ${o.baseFilters} it gives block widths ${JSON.stringify([stemOut, ...ch])}; every width must be >= 1`);
  }
  if (stemOut !== ch[0]) {
    throw new NetOptionError(
      F, "baseFilters",
      `${o.baseFilters} cannot be built: the stem has int(${o.baseFilters}*alpha) = ${stemOut} channels but the first block expects ` +
        `int(int(2^sqrt(${o.baseFilters}))*alpha) = ${ch[0]} (micromind fails the same way); use a base width with int(2^sqrt(b)) = b, such as 4 or 16`,
    );
  }
  if (ch[1] !== skipChannels) {
    throw new NetOptionError(
      F, "baseFilters",
      `${o.baseFilters} cannot be built with alpha ${a}: the skip tensor has ${ch[1]} channels but the skip convs expect int(2*${o.baseFilters}*alpha) = ${skipChannels}`,
    );
  }
  let h = Math.floor((H + 6 - 7) / 2) + 1;
  let w = Math.floor((W + 6 - 7) / 2) + 1;
  if (H + 6 < 7 || W + 6 < 7) throw new NetOptionError(F, "inputShape", `${shapeText} is too small for the 7x7 stem`);
  const stem = { out: stemOut, size: [h, w] as [number, number] };
  let countDownsample = 1;
  const layers: XiConvPlan[] = [];
  let skipSource: [number, number] | null = null;

  const xiconv = (index: number, cIn: number, cOut: number, pool: boolean, gammaArg: number, attention: boolean, gammaOption: string): void => {
    const compression = pyInt(gammaArg);
    const compressed = compression > 1 ? Math.floor(cOut / compression) : cIn;
    const att = attention ? Math.floor(Math.floor(cOut / compression) / 2) : 0;
    if (compressed < 1 || (attention && att < 1)) {
      throw new NetOptionError(
        F, gammaOption,
        `${gammaOption === "gamma" ? o.gamma : a} leaves XiConv block ${index} (${cOut} channels, compression ${compression}${gammaOption === "gamma" ? "" : ", fixed to 4 in micromind's last two blocks"}) with ` +
          `${compressed < 1 ? `a ${compressed}-channel compression` : `a ${att}-channel attention branch`}; use ${gammaOption === "gamma" ? "a smaller gamma or " : ""}a larger alpha`,
      );
    }
    let skip: XiConvPlan["skip"] = null;
    if (index > 0) {
      const target: [number, number] = [pyInt(H / 2 ** countDownsample), pyInt(W / 2 ** countDownsample)];
      const skipOut = Math.floor(cOut / compression);
      if (skipOut !== compressed) {
        throw new NetOptionError(
          F, gammaOption,
          `${o.gamma} (compression ${compression}) cannot be built: XiConv block ${index} has ${compressed} input channels after compression but its skip conv gives ${skipOut} (micromind fails the same way); use gamma >= 2`,
        );
      }
      // micromind adds the skip with PyTorch broadcasting: a 1-pixel skip side is repeated (x keeps its
      // size, e.g. 2 when int(7/4) = 1), any other mismatch (or a 0-pixel skip) fails there too.
      const fits = (size: number, t: number): boolean => t === size || (t === 1 && size > 1);
      if (!fits(h, target[0]) || !fits(w, target[1])) {
        throw new NetOptionError(
          F, "inputShape",
          `${shapeText} cannot be built: XiConv block ${index} gets a ${h}x${w} input but micromind sizes its skip to ${target[0]}x${target[1]} ` +
            `(input / 2^${countDownsample}); use H and W that halve evenly, e.g. multiples of ${2 ** (L - 1)}`,
        );
      }
      const src = skipSource as [number, number];
      let window: { pool: [number, number]; stride: [number, number] } | null = null;
      if (src[0] !== target[0] || src[1] !== target[1]) {
        const wh = uniformAdaptiveWindow(src[0], target[0]);
        const ww = uniformAdaptiveWindow(src[1], target[1]);
        if (!wh || !ww) {
          throw new NetOptionError(
            F, "inputShape",
            `${shapeText} is not supported: the skip of XiConv block ${index} pools ${src[0]}x${src[1]} to ${target[0]}x${target[1]} with uneven ` +
              `adaptive-pooling windows, which tfjs's AveragePooling2D cannot express; use H and W that are multiples of ${2 ** (L - 1)}`,
          );
        }
        window = { pool: [wh.pool, ww.pool], stride: [wh.stride, ww.stride] };
      }
      skip = { channels: skipChannels, size: target, window };
    }
    if (pool) {
      if (h < 2 || w < 2) throw new NetOptionError(F, "inputShape", `${shapeText} is too small: XiConv block ${index}'s 2x2 max-pool gets ${h}x${w}; use a larger input or fewer layers`);
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    layers.push({ cIn, cOut, compression, compressed, pool, skip, attention: att, outSize: [h, w] });
    if (index === 0) skipSource = [h, w];
  };

  for (let i = 0; i < L - 2; i++) {
    xiconv(layers.length, ch[i], ch[i + 1], true, o.gamma, true, "gamma");
    countDownsample += 1;
    xiconv(layers.length, ch[i + 1], ch[i + 1], false, o.gamma, true, "gamma");
  }
  // micromind builds the last two blocks without passing gamma: they use XiConv's default of 4.
  xiconv(layers.length, ch[L - 2], ch[L - 1], false, 4, false, "alpha");
  xiconv(layers.length, ch[L - 1], ch[L - 1], false, 4, false, "alpha");
  const returnLayers = o.returnLayers ?? [];
  for (const i of returnLayers) {
    if (i >= layers.length) throw new NetOptionError(F, "returnLayers", `index ${i} is out of range: this XiNet has ${layers.length} blocks (0..${layers.length - 1})`);
  }
  const head = o.includeTop ? { inUnits: ch[L - 1], classes: o.numClasses } : null;
  return { input, stem, layers, head, returnLayers, options: o };
}
