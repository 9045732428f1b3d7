// Generates the "keywords" speech dataset (datasets/keywords/): 1 s, 16 kHz clips of 10 keywords plus
// "silence" and "unknown", synthesised with Debian's espeak-ng and mixed with generated background noise.
//
//   npx tsx course-lib/data/generate-keywords.ts            # regenerate datasets/keywords (~2-3 min)
//   npx tsx course-lib/data/generate-keywords.ts --check 2  # regenerate 2 clips per class and compare hashes
//   options: --out DIR, --seed N
//
// Recipe for one clip (everything random comes from a per-clip stream seeded by (seed, split, class, index),
// so any clip can be regenerated alone - the reproducibility test does exactly that):
//  1. Speaker: an espeak-ng accent voice + voice variant ("en-gb-scotland+f2"). The speaker pool is split
//     80/20 between train and test, so test clips are spoken by voices never heard in training.
//  2. Word: the keyword itself; "unknown" draws from 25 other Speech-Commands words; "silence" has none.
//  3. espeak-ng -s <120..200 wpm> -p <20..80 pitch> renders 22050 Hz int16; we resample to 16 kHz
//     (windowed sinc, audio/resample.ts), remove DC (one-pole high-pass at ~13 Hz: some espeak voices have
//     a DC offset), trim to the first/last sample above 0.5% of the peak, fade in/out over 10 ms (raised
//     cosine: espeak starts fricatives abruptly, which would show as a broadband click), and scale the word
//     to a peak of -20..-3 dBFS.
//  4. Time shift: the word is placed at a uniformly random offset inside the 1 s clip (centre-cropped if the
//     word is longer than 1 s).
//  5. Background: with probability 0.8, white/pink/brown noise or 50/60 Hz hum at an SNR of 5..30 dB
//     (relative to the word's RMS); otherwise clean. "silence" clips are background only, at -70..-25 dBFS
//     RMS (5% are digital silence). Every clip except digital silence also gets a microphone noise floor:
//     white noise at -80..-60 dBFS RMS (real recordings are never digitally silent).
//  6. Rounded and clipped to int16 (the clip's SHA-256 goes in index.json); log-mel features (49x40,
//     audio/features.ts defaults) are quantised to uint8: value = -14 + 0.1 * q (q = 0..255).
//
// Shipped: log-mel features of every clip (logmel-train.u8, logmel-test.u8), the raw int16 audio of a sample
// (audio-sample.s16le: 8 train + 4 test clips per class), index.json (every clip's recipe and audio hash),
// manifest.json. Raw audio for all clips would be ~115 MB; the features are 7 MB.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { logMelSpectrogram, MICRO_SPEECH_CONFIG } from "./audio/features";
import { makeNoise, NoiseKind, NOISE_KINDS, rms } from "./audio/noise";
import { resample } from "./audio/resample";
import { floatToInt16, parseWav } from "./audio/wav";
import { countByClass, DatasetManifest, datasetDir, describeFile, sha256, writeManifest } from "./manifest";
import { deriveSeed, SeededRandom } from "./seeded";
import type { Split } from "./dataset";

export const KEYWORDS_SEED = 20240501;
export const KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"] as const;
/** Class order follows TensorFlow's speech-commands convention: silence and unknown first. */
export const KEYWORD_CLASSES: readonly string[] = ["silence", "unknown", ...KEYWORDS];
export const UNKNOWN_WORDS: readonly string[] = [
  "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow", "zero", "one", "two",
  "three", "four", "five", "six", "seven", "eight", "nine", "learn", "follow", "forward", "backward", "visual",
];
export const ESPEAK_VOICES: readonly string[] = [
  "en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc",
];
export const ESPEAK_VARIANTS: readonly string[] = [
  "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3",
  "Andy", "Annie", "adam", "aunty", "belinda", "benjamin", "david", "edward", "grandma", "grandpa",
  "linda", "max", "michel", "paul", "quincy", "rob", "steph", "travis", "victor", "whisper",
];
export const CLIPS_PER_CLASS: Readonly<Record<Split, number>> = { train: 240, test: 60 };
export const AUDIO_SAMPLE_PER_CLASS: Readonly<Record<Split, number>> = { train: 8, test: 4 };
export const SAMPLE_RATE = 16000;
export const CLIP_SAMPLES = 16000;
export const LOGMEL_QUANT = { offset: -14, step: 0.1 } as const;
export const FEATURE_FRAMES = 49;
export const FEATURE_BINS = 40;

export interface ClipSpec {
  split: Split;
  label: number;
  className: string;
  index: number;
  word: string | null;
  speaker: string | null;
  speed: number | null;
  pitch: number | null;
  gainDb: number | null;
  shiftFraction: number;
  noise: NoiseKind | "none";
  /** SNR in dB for words; RMS level in dBFS for silence. */
  noiseDb: number | null;
  noiseSeed: number;
  /** Microphone self-noise (white) in dBFS RMS; null only for digital silence. */
  floorDb: number | null;
  floorSeed: number;
}

export interface ClipRecord {
  split: Split;
  label: number;
  word: string | null;
  speaker: string | null;
  speed: number | null;
  pitch: number | null;
  gainDb: number | null;
  offset: number;
  noise: string;
  noiseDb: number | null;
  floorDb: number | null;
  cropped: boolean;
  clippedSamples: number;
  /** First 32 hex digits (128 bits) of the SHA-256 of the clip's int16 little-endian audio. */
  audioSha256: string;
  /** Position in audio-sample.s16le, or null when only the features ship. */
  audioSample: number | null;
}

/** Speakers (voice+variant) for a split: a seeded 80/20 partition of all combinations. */
export function speakerPool(seed: number, split: Split): string[] {
  const all: string[] = [];
  for (const v of ESPEAK_VOICES) for (const variant of ESPEAK_VARIANTS) all.push(`${v}+${variant}`);
  new SeededRandom(deriveSeed(seed, "speaker-split")).shuffle(all);
  const nTest = Math.round(all.length * 0.2);
  return split === "test" ? all.slice(0, nTest) : all.slice(nTest);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Everything random about one clip, drawn before synthesis from the clip's own stream. */
export function clipSpec(seed: number, split: Split, label: number, index: number): ClipSpec {
  const className = KEYWORD_CLASSES[label];
  if (className === undefined) throw new RangeError(`keywords: label ${label} is outside 0..${KEYWORD_CLASSES.length - 1}`);
  const rng = new SeededRandom(deriveSeed(seed, "clip", split, className, index));
  const noiseSeed = deriveSeed(seed, "noise", split, className, index);
  const floorSeed = deriveSeed(seed, "floor", split, className, index);
  if (className === "silence") {
    const digital = rng.bool(0.05);
    return {
      split, label, className, index, word: null, speaker: null, speed: null, pitch: null, gainDb: null,
      shiftFraction: 0,
      noise: digital ? "none" : rng.choice(NOISE_KINDS),
      noiseDb: digital ? null : round(rng.uniform(-70, -25), 2),
      noiseSeed,
      floorDb: digital ? null : round(rng.uniform(-80, -60), 2),
      floorSeed,
    };
  }
  const word = className === "unknown" ? rng.choice(UNKNOWN_WORDS) : className;
  const speaker = rng.choice(speakerPool(seed, split));
  const speed = rng.int(120, 201);
  const pitch = rng.int(20, 81);
  const gainDb = round(rng.uniform(-20, -3), 2);
  const shiftFraction = rng.next();
  const noisy = rng.bool(0.8);
  const noise = noisy ? rng.choice(NOISE_KINDS) : "none";
  const noiseDb = noisy ? round(rng.uniform(5, 30), 2) : null;
  return {
    split, label, className, index, word, speaker, speed, pitch, gainDb, shiftFraction, noise, noiseDb, noiseSeed,
    floorDb: round(rng.uniform(-80, -60), 2),
    floorSeed,
  };
}

export class EspeakMissingError extends Error {
  constructor(detail: string) {
    super(`espeak-ng is not available (${detail}); install it with: apt-get install -y espeak-ng`);
    this.name = "EspeakMissingError";
  }
}

/** espeak-ng's version line, or null when it is not installed. */
export function espeakVersion(): string | null {
  const r = spawnSync("espeak-ng", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().replace(/\s+Data at:.*$/, "");
}

/** Synthesise a word with espeak-ng; returns 22050 Hz (espeak's native rate) int16 audio. */
export function synthesize(word: string, speaker: string, speed: number, pitch: number): { rate: number; samples: Int16Array } {
  const args = ["-v", speaker, "-s", String(speed), "-p", String(pitch), "-a", "100", "--stdout", word];
  const r = spawnSync("espeak-ng", args, { maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new EspeakMissingError((r.error as NodeJS.ErrnoException).code ?? r.error.message);
  if (r.status !== 0) throw new Error(`espeak-ng ${args.join(" ")} exited with ${r.status}: ${r.stderr.toString().trim()}`);
  const wav = parseWav(r.stdout, `espeak-ng output for "${word}" (${speaker})`);
  if (wav.channels !== 1) throw new Error(`espeak-ng produced ${wav.channels} channels, expected 1`);
  return { rate: wav.sampleRate, samples: wav.samples };
}

/** Remove DC with a one-pole high-pass filter, y[n] = x[n] - x[n-1] + 0.995 y[n-1] (~13 Hz at 16 kHz). */
function removeDc(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  let prevX = 0;
  let prevY = 0;
  for (let i = 0; i < x.length; i++) {
    prevY = x[i] - prevX + 0.995 * prevY;
    prevX = x[i];
    y[i] = prevY;
  }
  return y;
}

/** Trim leading/trailing near-silence: keep [first, last] sample above 0.5% of the peak. */
function trimSilence(x: Float64Array): Float64Array {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
  if (peak === 0) throw new Error("espeak-ng produced silence");
  const threshold = 0.005 * peak;
  let first = 0;
  while (Math.abs(x[first]) < threshold) first++;
  let last = x.length - 1;
  while (Math.abs(x[last]) < threshold) last--;
  return x.slice(first, last + 1);
}

/** Render one clip from its spec (calls espeak-ng unless the class is silence). */
export function renderClip(spec: ClipSpec): { pcm: Int16Array; offset: number; cropped: boolean; clipped: number } {
  const clip = new Float64Array(CLIP_SAMPLES);
  const noiseRng = new SeededRandom(spec.noiseSeed);
  let offset = 0;
  let cropped = false;
  if (spec.word === null) {
    if (spec.noise !== "none" && spec.noiseDb !== null) {
      const noise = makeNoise(spec.noise, CLIP_SAMPLES, SAMPLE_RATE, noiseRng);
      const level = Math.pow(10, spec.noiseDb / 20);
      for (let i = 0; i < CLIP_SAMPLES; i++) clip[i] = noise[i] * level;
    }
  } else {
    const raw = synthesize(spec.word, spec.speaker!, spec.speed!, spec.pitch!);
    const asFloat = Float64Array.from(raw.samples, (v) => v / 32768);
    let speech = trimSilence(removeDc(resample(asFloat, raw.rate, SAMPLE_RATE)));
    if (speech.length > CLIP_SAMPLES) {
      const start = Math.floor((speech.length - CLIP_SAMPLES) / 2);
      speech = speech.slice(start, start + CLIP_SAMPLES);
      cropped = true;
    }
    const fade = Math.min(Math.round(0.01 * SAMPLE_RATE), Math.floor(speech.length / 2));
    for (let i = 0; i < fade; i++) {
      const w = 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
      speech[i] *= w;
      speech[speech.length - 1 - i] *= w;
    }
    let peak = 0;
    for (let i = 0; i < speech.length; i++) peak = Math.max(peak, Math.abs(speech[i]));
    const gain = Math.pow(10, spec.gainDb! / 20) / peak;
    offset = Math.floor(spec.shiftFraction * (CLIP_SAMPLES - speech.length + 1));
    for (let i = 0; i < speech.length; i++) clip[offset + i] = speech[i] * gain;
    if (spec.noise !== "none" && spec.noiseDb !== null) {
      const speechRms = rms(clip, offset, offset + speech.length);
      const noise = makeNoise(spec.noise, CLIP_SAMPLES, SAMPLE_RATE, noiseRng);
      const level = speechRms / Math.pow(10, spec.noiseDb / 20);
      for (let i = 0; i < CLIP_SAMPLES; i++) clip[i] += noise[i] * level;
    }
  }
  if (spec.floorDb !== null) {
    const floor = makeNoise("white", CLIP_SAMPLES, SAMPLE_RATE, new SeededRandom(spec.floorSeed));
    const level = Math.pow(10, spec.floorDb / 20);
    for (let i = 0; i < CLIP_SAMPLES; i++) clip[i] += floor[i] * level;
  }
  const { pcm, clipped } = floatToInt16(clip);
  return { pcm, offset, cropped, clipped };
}

/** Log-mel features of an int16 clip, quantised to uint8 (FEATURE_FRAMES x FEATURE_BINS). */
export function quantisedLogMel(pcm: Int16Array): Uint8Array {
  const x = Float64Array.from(pcm, (v) => v / 32768);
  const lm = logMelSpectrogram(x, MICRO_SPEECH_CONFIG);
  const q = new Uint8Array(lm.data.length);
  for (let i = 0; i < q.length; i++) {
    const v = Math.round((lm.data[i] - LOGMEL_QUANT.offset) / LOGMEL_QUANT.step);
    q[i] = Math.max(0, Math.min(255, v));
  }
  return q;
}

export function int16Bytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(2 * i, pcm[i], true);
  return out;
}

/** Generate one clip and everything that ships about it. */
export function generateClip(seed: number, split: Split, label: number, index: number) {
  const spec = clipSpec(seed, split, label, index);
  const { pcm, offset, cropped, clipped } = renderClip(spec);
  const record: ClipRecord = {
    split, label, word: spec.word, speaker: spec.speaker, speed: spec.speed, pitch: spec.pitch, gainDb: spec.gainDb,
    offset, noise: spec.noise, noiseDb: spec.noiseDb, floorDb: spec.floorDb, cropped, clippedSamples: clipped,
    audioSha256: sha256(int16Bytes(pcm)).slice(0, 32), audioSample: null,
  };
  return { spec, pcm, features: quantisedLogMel(pcm), record };
}

export interface GenerateOptions {
  outDir: string;
  seed?: number;
  perClass?: Record<Split, number>;
  log?: (line: string) => void;
}

export function generateKeywords(opts: GenerateOptions): DatasetManifest {
  const seed = opts.seed ?? KEYWORDS_SEED;
  const perClass = opts.perClass ?? CLIPS_PER_CLASS;
  const log = opts.log ?? (() => undefined);
  const version = espeakVersion();
  if (!version) throw new EspeakMissingError("`espeak-ng --version` failed");
  const t0 = Date.now();
  fs.mkdirSync(opts.outDir, { recursive: true });
  const records: ClipRecord[] = [];
  const audioChunks: Uint8Array[] = [];
  const labelsBySplit: Record<Split, number[]> = { train: [], test: [] };
  const files: Record<Split, string> = { train: "logmel-train.u8", test: "logmel-test.u8" };
  for (const split of ["train", "test"] as Split[]) {
    const featureChunks: Uint8Array[] = [];
    for (let label = 0; label < KEYWORD_CLASSES.length; label++) {
      for (let i = 0; i < perClass[split]; i++) {
        const clip = generateClip(seed, split, label, i);
        if (i < AUDIO_SAMPLE_PER_CLASS[split]) {
          clip.record.audioSample = audioChunks.length;
          audioChunks.push(int16Bytes(clip.pcm));
        }
        featureChunks.push(clip.features);
        records.push(clip.record);
        labelsBySplit[split].push(label);
      }
      log(`${split} ${KEYWORD_CLASSES[label]}: ${perClass[split]} clips (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    fs.writeFileSync(path.join(opts.outDir, files[split]), Buffer.concat(featureChunks));
  }
  fs.writeFileSync(path.join(opts.outDir, "audio-sample.s16le"), Buffer.concat(audioChunks));
  const index = { about: "One record per clip, in file order (train then test; by class, then index).", clips: records };
  fs.writeFileSync(path.join(opts.outDir, "index.json"), JSON.stringify(index) + "\n");
  const seconds = (Date.now() - t0) / 1000;
  const manifest: DatasetManifest = {
    name: "keywords",
    title: "Synthetic keyword spotting (espeak-ng speech + generated noise)",
    description:
      "1 s, 16 kHz clips of 10 keywords (yes no up down left right on off stop go) plus silence and unknown, " +
      "spoken by espeak-ng voices (test voices unseen in training) with random speed, pitch, gain, time shift and " +
      "background noise and a microphone noise floor. Log-mel features (49x40, uint8) for every clip; raw int16 audio for a sample.",
    licence:
      "Generated data, released with the course under the MIT licence. espeak-ng (GPL-3.0+) is used as a tool; " +
      "its output is not covered by its licence.",
    provenance: `Synthesised by course-lib/data/generate-keywords.ts with ${version} (Debian package espeak-ng).`,
    generator: {
      script: "course-lib/data/generate-keywords.ts",
      command: "npm run datasets:keywords",
      seed,
      tools: { "espeak-ng": version, node: process.version },
      seconds: Math.round(seconds),
    },
    classes: [...KEYWORD_CLASSES],
    counts: {
      train: countByClass(KEYWORD_CLASSES, labelsBySplit.train),
      test: countByClass(KEYWORD_CLASSES, labelsBySplit.test),
    },
    files: [
      describeFile(opts.outDir, files.train, "uint8 log-mel features, train split: clips x 49 frames x 40 mel bins"),
      describeFile(opts.outDir, files.test, "uint8 log-mel features, test split: clips x 49 frames x 40 mel bins"),
      describeFile(opts.outDir, "audio-sample.s16le", "raw audio of a sample of clips: int16 little-endian, 16 kHz, 16000 samples each"),
      describeFile(opts.outDir, "index.json", "per-clip recipe (speaker, speed, pitch, gain, shift, noise) and SHA-256 of its int16 audio"),
    ],
    details: {
      sampleRate: SAMPLE_RATE,
      clipSamples: CLIP_SAMPLES,
      features: {
        kind: "log-mel",
        frames: FEATURE_FRAMES,
        bins: FEATURE_BINS,
        config: MICRO_SPEECH_CONFIG,
        quantisation: { dtype: "uint8", offset: LOGMEL_QUANT.offset, step: LOGMEL_QUANT.step, formula: "value = offset + step * q" },
      },
      audioSample: { perClass: AUDIO_SAMPLE_PER_CLASS, clips: audioChunks.length },
      speakers: { train: speakerPool(seed, "train").length, test: speakerPool(seed, "test").length },
    },
  };
  writeManifest(opts.outDir, manifest);
  log(`wrote ${records.length} clips to ${opts.outDir} in ${seconds.toFixed(1)} s`);
  return manifest;
}

function parseArgs(argv: string[]): { out: string; seed: number; check: number | null } {
  const out = { out: datasetDir("keywords"), seed: KEYWORDS_SEED, check: null as number | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--out") out.out = path.resolve(value());
    else if (a === "--seed") out.seed = Number(value());
    else if (a === "--check") out.check = Number(value());
    else throw new Error(`unknown argument ${a} (expected --out DIR, --seed N, --check N)`);
  }
  return out;
}

/** Regenerate the first `perClass` clips of each class in both splits and compare with the shipped files. */
export function checkAgainstShipped(dir: string, perClass: number): { compared: number; mismatches: string[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as DatasetManifest;
  const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { clips: ClipRecord[] };
  const featureBytes = FEATURE_FRAMES * FEATURE_BINS;
  const mismatches: string[] = [];
  let compared = 0;
  for (const split of ["train", "test"] as Split[]) {
    const features = fs.readFileSync(path.join(dir, `logmel-${split}.u8`));
    const splitClips = index.clips.filter((c) => c.split === split);
    const n = manifest.counts[split][KEYWORD_CLASSES[0]];
    for (let label = 0; label < KEYWORD_CLASSES.length; label++) {
      for (let i = 0; i < Math.min(perClass, n); i++) {
        const pos = label * n + i;
        const clip = generateClip(manifest.generator.seed, split, label, i);
        const shipped = splitClips[pos];
        const name = `${split}/${KEYWORD_CLASSES[label]}/${i}`;
        if (shipped.audioSha256 !== clip.record.audioSha256) {
          mismatches.push(`${name}: audio SHA-256 ${clip.record.audioSha256} != shipped ${shipped.audioSha256}`);
        }
        const stored = features.subarray(pos * featureBytes, (pos + 1) * featureBytes);
        if (Buffer.compare(stored, Buffer.from(clip.features)) !== 0) mismatches.push(`${name}: log-mel bytes differ`);
        compared++;
      }
    }
  }
  return { compared, mismatches };
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  if (args.check !== null) {
    const t0 = Date.now();
    const { compared, mismatches } = checkAgainstShipped(args.out, args.check);
    console.log(`compared ${compared} regenerated clips with ${args.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (mismatches.length) {
      console.error(mismatches.join("\n"));
      process.exit(1);
    }
    console.log("all identical");
  } else {
    generateKeywords({ outDir: args.out, seed: args.seed, log: (l) => console.log(l) });
  }
}
