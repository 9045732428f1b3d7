// Does a keyword spotter keep up with its microphone? The work per second of audio from instruction counts:
// the front end runs once per hop (one feature frame) and the model once every `strideFrames` frames, so
//   frames/s      = 1000 / hopMs
//   inferences/s  = frames/s / strideFrames
//   instructions/s = frontEndPerFrame · frames/s + modelPerInference · inferences/s
// and the core is busy instructions/s ÷ (clockMHz · 10⁶) of the time at one instruction per cycle. QEMU
// counts instructions, not cycles (wait states, multi-cycle multiplies and divides, pipeline stalls make a
// real core slower), so this is an estimate; `headroom` (≥ 1) asks for that much spare: it keeps up when
// fraction · headroom ≤ 1.

export interface RealTimeInput {
  /** Instructions of the front end for one feature frame. */
  frontEndPerFrame: number;
  /** Instructions of one inference (the model, plus whatever else runs once per inference). */
  modelPerInference: number;
  /** Hop between frames in milliseconds (20 for the course's front end). */
  hopMs: number;
  /** A new inference every this many frames (10 = every 200 ms at a 20 ms hop). */
  strideFrames: number;
  /** The core clock in MHz. */
  clockMHz: number;
  /** Required spare factor ≥ 1 (default 1: just keeping up is enough). */
  headroom?: number;
}

export interface RealTimeLoad {
  framesPerSecond: number;
  inferencesPerSecond: number;
  /** Instructions per second of audio: front end + model. */
  instructionsPerSecond: number;
  frontEndPerSecond: number;
  modelPerSecond: number;
  /** instructionsPerSecond / (clockMHz · 10⁶): the fraction of the core the spotter needs. */
  coreFraction: number;
  /** coreFraction · headroom ≤ 1. */
  keepsUp: boolean;
}

function check(name: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== "number" || !ok(value)) throw new RangeError(`real-time load: ${name} must be ${expected}, got ${String(value)}`);
  return value;
}

/** The load of a streaming keyword spotter on one core; see the header. */
export function realTimeLoad(input: RealTimeInput): RealTimeLoad {
  if (input === null || typeof input !== "object") throw new RangeError(`real-time load: expected an object of counts and rates, got ${String(input)}`);
  const finiteNonNegative = (v: number) => Number.isFinite(v) && v >= 0;
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const frontEnd = check("frontEndPerFrame", input.frontEndPerFrame, finiteNonNegative, "a finite number >= 0");
  const model = check("modelPerInference", input.modelPerInference, finiteNonNegative, "a finite number >= 0");
  const hopMs = check("hopMs", input.hopMs, positive, "a positive number of milliseconds");
  const stride = check("strideFrames", input.strideFrames, (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  const clockMHz = check("clockMHz", input.clockMHz, positive, "a positive number of MHz");
  const headroom = check("headroom", input.headroom ?? 1, (v) => Number.isFinite(v) && v >= 1, "a finite number >= 1");
  const framesPerSecond = 1000 / hopMs;
  const inferencesPerSecond = framesPerSecond / stride;
  const frontEndPerSecond = frontEnd * framesPerSecond;
  const modelPerSecond = model * inferencesPerSecond;
  const instructionsPerSecond = frontEndPerSecond + modelPerSecond;
  const coreFraction = instructionsPerSecond / (clockMHz * 1e6);
  return { framesPerSecond, inferencesPerSecond, instructionsPerSecond, frontEndPerSecond, modelPerSecond, coreFraction, keepsUp: coreFraction * headroom <= 1 };
}
