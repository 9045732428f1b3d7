// Shared helpers for the PhiNet and XiNet ports (course-lib/nets/): Python-exact integer arithmetic for
// channel counts, option checking (unknown names, ranges) that runs before any layer is built, the
// input-shape convention, and the translation of PyTorch's explicit padding into tfjs "same"/"valid" or a
// ZeroPadding2D layer. The channel arithmetic must reproduce micromind's Python float expressions
// bit for bit (int() truncation of IEEE doubles), otherwise a width of 47.99999 becomes 47 here and 48 there.

/** Python's int() on a float: truncation toward zero. */
export function pyInt(x: number): number {
  return Math.trunc(x);
}

/**
 * micromind's (and TF slim's) _make_divisible: rounds v to a multiple of `divisor`, at least `divisor`,
 * never more than 10% below v. With divisor 1 it is max(1, v) for the integer v micromind passes.
 */
export function makeDivisible(v: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let newV = Math.max(min, Math.floor(pyInt(v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** Thrown for a bad network option; the message names the option, the value and what was expected. */
export class NetOptionError extends RangeError {
  constructor(public readonly family: string, public readonly option: string, message: string) {
    super(`${family}: option ${option} ${message}`);
    this.name = "NetOptionError";
  }
}

/** Rejects option names the family does not know (a typo such as `t_zero` or `alfa` must not be ignored). */
export function rejectUnknownOptions(family: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(`${family}: options must be an object such as { inputShape: [3, 96, 96] }, got ${JSON.stringify(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new NetOptionError(family, key, `is not a ${family} option; expected one of: ${known.join(", ")}`);
    }
  }
}

export function requireNumber(family: string, option: string, value: unknown, check: (v: number) => boolean, expected: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !check(value)) {
    throw new NetOptionError(family, option, `must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function requireInteger(family: string, option: string, value: unknown, min: number, max = Infinity): number {
  const expected = max === Infinity ? `an integer >= ${min}` : `an integer in ${min}..${max}`;
  return requireNumber(family, option, value, (v) => Number.isInteger(v) && v >= min && v <= max, expected);
}

export function requireBoolean(family: string, option: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new NetOptionError(family, option, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** How `inputShape` is read: "chw" (micromind's [C, H, W], the default) or "hwc" (tfjs's [H, W, C]). */
export type InputLayout = "chw" | "hwc";

/** Reads inputShape in the given layout and returns it channels-last, [H, W, C]. */
export function inputShapeHWC(family: string, inputShape: unknown, layout: unknown): [number, number, number] {
  if (layout !== "chw" && layout !== "hwc") {
    throw new NetOptionError(family, "inputLayout", `must be "chw" (micromind's [C, H, W]) or "hwc" ([H, W, C]), got ${JSON.stringify(layout)}`);
  }
  const order = layout === "chw" ? "[C, H, W]" : "[H, W, C]";
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 1)) {
    throw new NetOptionError(family, "inputShape", `must be three positive integers ${order} (inputLayout "${layout}"), got ${JSON.stringify(inputShape)}`);
  }
  const [a, b, c] = inputShape as number[];
  return layout === "chw" ? [b, c, a] : [a, b, c];
}

/** Explicit zero padding of a conv input, in pixels: top, bottom, left, right. */
export type Pad4 = [number, number, number, number];

/** How an explicitly padded PyTorch conv becomes tfjs layers. */
export type ResolvedPadding = { mode: "same" } | { mode: "valid" } | { mode: "zeroPad"; pad: Pad4 };

function samePadTop(size: number, k: number, stride: number): number {
  const out = Math.ceil(size / stride);
  return Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
}

/**
 * PyTorch pads explicitly (possibly asymmetrically); tfjs convs only know "same" and "valid". "same" is
 * used when it puts the windows at exactly the same positions as the explicit padding (same output size
 * and same top/left padding: the extra bottom/right zeros TF may add are then never read by a window
 * micromind computes), "valid" when there is no padding, and otherwise a ZeroPadding2D layer before a
 * "valid" conv. That keeps the numerics identical to the reference and avoids a padding buffer (which the
 * profiler counts as activation RAM) whenever it is not needed.
 */
export function resolvePadding(h: number, w: number, k: number, stride: number, pad: Pad4): ResolvedPadding {
  const [t, b, l, r] = pad;
  if (t === 0 && b === 0 && l === 0 && r === 0) return { mode: "valid" };
  const outTorch = (size: number, p0: number, p1: number): number => Math.floor((size + p0 + p1 - k) / stride) + 1;
  const sameH = outTorch(h, t, b) === Math.ceil(h / stride) && samePadTop(h, k, stride) === t;
  const sameW = outTorch(w, l, r) === Math.ceil(w / stride) && samePadTop(w, k, stride) === l;
  if (sameH && sameW) return { mode: "same" };
  return { mode: "zeroPad", pad };
}

/**
 * The windows of PyTorch's AdaptiveAvgPool along one axis (start = floor(i*in/out), end =
 * ceil((i+1)*in/out)). When all windows have the same size and a constant stride they are exactly an
 * AveragePooling2D(pool, stride, "valid"); returns null otherwise.
 */
export function uniformAdaptiveWindow(inSize: number, outSize: number): { pool: number; stride: number } | null {
  const starts: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    starts.push(start);
    sizes.push(end - start);
  }
  const pool = sizes[0];
  const stride = outSize > 1 ? starts[1] - starts[0] : 1;
  const uniform = sizes.every((s) => s === pool) && starts.every((s, i) => s === i * stride) && stride >= 1;
  return uniform ? { pool, stride } : null;
}
