// Generates the "motion" human-activity dataset (datasets/motion/): windows of a waist-worn IMU
// (tri-axial accelerometer in g, tri-axial gyroscope in rad/s) at 50 Hz, 128 samples = 2.56 s, like UCI-HAR,
// for six activities: walking, running, upstairs, downstairs, sitting, standing.
//
//   npx tsx course-lib/data/generate-motion.ts [--out DIR] [--seed N]     (npm run datasets:motion)
//
// The physical model (all angles in radians, accelerations in g; body axes x = up, y = left, z = forward):
// - Gait (walking, running, stairs): the step phase phi(t) advances at the cadence f (steps/s) with a slow
//   random drift of ~2%. Linear acceleration is a harmonic series in phi: vertical sum_h aV_h cos(h phi + p_h),
//   forward sum_h aAP_h cos(h phi + q_h), and lateral at the stride frequency (f/2, one left + one right step):
//   aML cos(phi/2 + r) + 0.3 aML cos(3 phi/2 + r'). Cadence and harmonic amplitudes are per activity (table
//   ACTIVITY_MODELS: running has strong higher harmonics = heel-strike impacts; downstairs has stronger
//   vertical impacts than upstairs; upstairs pushes forward harder and is slower). Each harmonic amplitude
//   wobbles step to step by ~8% (smooth random modulation).
// - Orientation: trunk pitch (forward lean; per activity, e.g. sitting ~14 deg back-tilt of a belt-worn
//   sensor, upstairs ~8 deg forward) plus gait oscillations - pelvic tilt at f, obliquity (roll) and rotation
//   (yaw) at f/2 - or, for static activities, slow postural sway and breathing. The gyroscope reads the
//   time derivative of these angles; the accelerometer reads the linear acceleration plus gravity projected
//   into the tilted body frame: up_body = (cos(pitch) cos(roll), cos(pitch) sin(roll), -sin(pitch)).
// - Per subject (30 subjects; 21 train / 9 test, split by subject like UCI-HAR): cadence factor, amplitude
//   factor, harmonic phases, posture offsets, a fixed sensor-mounting rotation (~6 deg per axis), and sensor
//   biases (accelerometer 0.02 g, gyroscope 0.01 rad/s per axis).
// - Per sample: white sensor noise (accelerometer 0.01 g, gyroscope 0.01 rad/s). Values are written with 3
//   decimals (the file is the dataset).
// Windows are independent draws (random start phase), 5 per subject and activity.
import * as fs from "fs";
import * as path from "path";
import { countByClass, DatasetManifest, datasetDir, describeFile, writeManifest } from "./manifest";
import { deriveSeed, SeededRandom } from "./seeded";
import type { Split } from "./dataset";

export const MOTION_SEED = 20240501;
export const MOTION_ACTIVITIES: readonly string[] = ["walking", "running", "upstairs", "downstairs", "sitting", "standing"];
export const MOTION_CHANNELS: readonly string[] = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"];
export const MOTION_SAMPLE_RATE = 50;
export const MOTION_WINDOW = 128;
export const MOTION_SUBJECTS = 30;
export const MOTION_TEST_SUBJECTS = 9;
export const MOTION_WINDOWS_PER_SUBJECT_ACTIVITY = 5;
export const MOTION_CSV_COLUMNS: readonly string[] = ["window", "subject", "activity", "sample", ...MOTION_CHANNELS];

interface GaitModel {
  kind: "gait";
  cadence: [number, number]; // mean, between-subject std (steps/s)
  vertical: number[]; // harmonic amplitudes (g) of the step frequency
  forward: number[];
  lateral: number; // stride-frequency amplitude (g)
  lean: [number, number]; // trunk pitch mean, std (rad)
  tilt: number; // pelvic tilt amplitude at f (rad)
  obliquity: number; // pelvic roll amplitude at f/2 (rad)
  rotation: number; // pelvic yaw amplitude at f/2 (rad)
}

interface StaticModel {
  kind: "static";
  pitch: [number, number]; // mean, std of the sensor's pitch (rad)
  sway: number; // postural sway angle amplitude (rad)
  swayAccel: number; // sway linear acceleration (g)
  breathing: number; // breathing acceleration (g)
}

const deg = Math.PI / 180;

/** Per-activity parameters of the physical model (see the header comment). */
export const ACTIVITY_MODELS: Readonly<Record<string, GaitModel | StaticModel>> = {
  walking: {
    kind: "gait", cadence: [1.85, 0.1], vertical: [0.25, 0.1, 0.05], forward: [0.15, 0.06], lateral: 0.08,
    lean: [2 * deg, 2 * deg], tilt: 3 * deg, obliquity: 4 * deg, rotation: 5 * deg,
  },
  running: {
    kind: "gait", cadence: [2.75, 0.15], vertical: [0.9, 0.4, 0.2, 0.1], forward: [0.35, 0.15, 0.05], lateral: 0.15,
    lean: [8 * deg, 3 * deg], tilt: 5 * deg, obliquity: 6 * deg, rotation: 8 * deg,
  },
  upstairs: {
    kind: "gait", cadence: [1.55, 0.1], vertical: [0.18, 0.12, 0.04], forward: [0.2, 0.05], lateral: 0.1,
    lean: [8 * deg, 3 * deg], tilt: 5 * deg, obliquity: 4 * deg, rotation: 4 * deg,
  },
  downstairs: {
    kind: "gait", cadence: [1.95, 0.12], vertical: [0.3, 0.22, 0.12], forward: [0.12, 0.08], lateral: 0.12,
    lean: [-2 * deg, 3 * deg], tilt: 4 * deg, obliquity: 5 * deg, rotation: 4 * deg,
  },
  sitting: { kind: "static", pitch: [-14 * deg, 7 * deg], sway: 0.4 * deg, swayAccel: 0.003, breathing: 0.003 },
  standing: { kind: "static", pitch: [2 * deg, 5 * deg], sway: 1 * deg, swayAccel: 0.006, breathing: 0.002 },
};

export interface Subject {
  id: number;
  split: Split;
  cadenceFactor: number;
  amplitudeFactor: number;
  mount: number[][]; // 3x3 rotation, body -> sensor
  accBias: number[];
  gyroBias: number[];
  /** per activity: posture angle and harmonic phases */
  posture: Record<string, number>;
  phases: Record<string, number[]>;
}

function rotation(rx: number, ry: number, rz: number): number[][] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
  // R = Rz * Ry * Rx
  return [
    [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx],
    [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx],
    [-sy, cy * sx, cy * cx],
  ];
}

function apply(r: number[][], v: number[]): number[] {
  return [0, 1, 2].map((i) => r[i][0] * v[0] + r[i][1] * v[1] + r[i][2] * v[2]);
}

/** Which subjects are in the test split (a seeded draw of 9 of 30). */
export function testSubjects(seed: number): Set<number> {
  const ids = Array.from({ length: MOTION_SUBJECTS }, (_, i) => i + 1);
  new SeededRandom(deriveSeed(seed, "motion", "subject-split")).shuffle(ids);
  return new Set(ids.slice(0, MOTION_TEST_SUBJECTS));
}

export function makeSubject(seed: number, id: number, split: Split): Subject {
  const rng = new SeededRandom(deriveSeed(seed, "motion", "subject", id));
  const mount = rotation(rng.normal(0, 6 * deg), rng.normal(0, 6 * deg), rng.normal(0, 6 * deg));
  const posture: Record<string, number> = {};
  const phases: Record<string, number[]> = {};
  for (const a of MOTION_ACTIVITIES) {
    const m = ACTIVITY_MODELS[a];
    posture[a] = m.kind === "gait" ? rng.normal(m.lean[0], m.lean[1]) : rng.normal(m.pitch[0], m.pitch[1]);
    phases[a] = Array.from({ length: 12 }, () => rng.uniform(0, 2 * Math.PI));
  }
  return {
    id, split,
    cadenceFactor: Math.exp(rng.normal(0, 0.05)),
    amplitudeFactor: Math.exp(rng.normal(0, 0.15)),
    mount,
    accBias: [rng.normal(0, 0.02), rng.normal(0, 0.02), rng.normal(0, 0.02)],
    gyroBias: [rng.normal(0, 0.01), rng.normal(0, 0.01), rng.normal(0, 0.01)],
    posture, phases,
  };
}

/** A smooth random process: a few sinusoids below maxHz, unit-ish amplitude; returns value and derivative. */
function smoothNoise(rng: SeededRandom, maxHz: number, count = 3) {
  const comps = Array.from({ length: count }, () => ({
    f: rng.uniform(0.05, maxHz), p: rng.uniform(0, 2 * Math.PI), a: rng.normal(0, 1 / Math.sqrt(count)),
  }));
  return {
    value: (t: number) => comps.reduce((s, c) => s + c.a * Math.sin(2 * Math.PI * c.f * t + c.p), 0),
    rate: (t: number) => comps.reduce((s, c) => s + c.a * 2 * Math.PI * c.f * Math.cos(2 * Math.PI * c.f * t + c.p), 0),
  };
}

/** One window: MOTION_WINDOW x 6 values (acc xyz in g, gyro xyz in rad/s), sensor frame, with noise. */
export function simulateWindow(seed: number, subject: Subject, activity: string, index: number): Float64Array {
  const model = ACTIVITY_MODELS[activity];
  if (!model) throw new RangeError(`motion: unknown activity ${JSON.stringify(activity)} (expected one of ${MOTION_ACTIVITIES.join(", ")})`);
  const rng = new SeededRandom(deriveSeed(seed, "motion", "window", subject.id, activity, index));
  const out = new Float64Array(MOTION_WINDOW * 6);
  const dt = 1 / MOTION_SAMPLE_RATE;
  const jitterMount = rotation(rng.normal(0, 2 * deg), rng.normal(0, 2 * deg), rng.normal(0, 2 * deg));
  const basePitch = subject.posture[activity];
  const ph = subject.phases[activity];
  if (model.kind === "gait") {
    const f0 = model.cadence[0] * subject.cadenceFactor * Math.exp(rng.normal(0, model.cadence[1] / model.cadence[0] / 2));
    const amp = subject.amplitudeFactor * Math.exp(rng.normal(0, 0.08));
    const drift = smoothNoise(rng, 0.3);
    const wobble = [smoothNoise(rng, 1.0), smoothNoise(rng, 1.0), smoothNoise(rng, 1.0)];
    let phi = rng.uniform(0, 4 * Math.PI); // stride = 2 steps, so the start phase covers 4 pi
    for (let n = 0; n < MOTION_WINDOW; n++) {
      const t = n * dt;
      const f = f0 * (1 + 0.02 * drift.value(t));
      const dphi = 2 * Math.PI * f; // d(phi)/dt
      const w = (k: number) => amp * (1 + 0.08 * wobble[k].value(t));
      let aV = 0;
      model.vertical.forEach((a, h) => (aV += a * Math.cos((h + 1) * phi + ph[h])));
      let aAP = 0;
      model.forward.forEach((a, h) => (aAP += a * Math.cos((h + 1) * phi + ph[4 + h])));
      const aML = model.lateral * (Math.cos(phi / 2 + ph[8]) + 0.3 * Math.cos((3 * phi) / 2 + ph[9]));
      // orientation oscillations and their time derivatives
      const pitch = basePitch + model.tilt * Math.sin(phi + ph[10]);
      const roll = model.obliquity * Math.sin(phi / 2 + ph[11]);
      const pitchRate = model.tilt * Math.cos(phi + ph[10]) * dphi;
      const rollRate = model.obliquity * Math.cos(phi / 2 + ph[11]) * (dphi / 2);
      const yawRate = model.rotation * Math.cos(phi / 2 + ph[8] + Math.PI / 2) * (dphi / 2);
      const up = [Math.cos(pitch) * Math.cos(roll), Math.cos(pitch) * Math.sin(roll), -Math.sin(pitch)];
      const acc = [up[0] + aV * w(0), up[1] + aML * w(1), up[2] + aAP * w(2)];
      // body angular velocity: yaw about x (up), pitch about y (left), roll about z (forward)
      const gyro = [yawRate * amp, pitchRate * amp, rollRate * amp];
      writeSample(out, n, subject, jitterMount, acc, gyro, rng);
      phi += dphi * dt;
    }
  } else {
    const sway = [smoothNoise(rng, 0.5), smoothNoise(rng, 0.5), smoothNoise(rng, 0.5)];
    const breathHz = rng.uniform(0.2, 0.33);
    const breathPhase = rng.uniform(0, 2 * Math.PI);
    for (let n = 0; n < MOTION_WINDOW; n++) {
      const t = n * dt;
      const pitch = basePitch + model.sway * sway[0].value(t);
      const roll = model.sway * sway[1].value(t);
      const up = [Math.cos(pitch) * Math.cos(roll), Math.cos(pitch) * Math.sin(roll), -Math.sin(pitch)];
      const breath = model.breathing * Math.sin(2 * Math.PI * breathHz * t + breathPhase);
      const acc = [
        up[0] + model.swayAccel * sway[2].value(t),
        up[1] + model.swayAccel * sway[1].value(t),
        up[2] + model.swayAccel * sway[0].value(t) + breath,
      ];
      const gyro = [model.sway * 0.5 * sway[2].rate(t), model.sway * sway[0].rate(t), model.sway * sway[1].rate(t)];
      writeSample(out, n, subject, jitterMount, acc, gyro, rng);
    }
  }
  return out;
}

function writeSample(out: Float64Array, n: number, s: Subject, jitter: number[][], acc: number[], gyro: number[], rng: SeededRandom) {
  const a = apply(jitter, apply(s.mount, acc));
  const g = apply(jitter, apply(s.mount, gyro));
  for (let k = 0; k < 3; k++) {
    out[n * 6 + k] = a[k] + s.accBias[k] + rng.normal(0, 0.01);
    out[n * 6 + 3 + k] = g[k] + s.gyroBias[k] + rng.normal(0, 0.01);
  }
}

function fmt(v: number): string {
  const s = v.toFixed(3);
  return s === "-0.000" ? "0.000" : s;
}

export interface MotionWindowRecord {
  window: number;
  subject: number;
  activity: string;
  values: Float64Array;
}

/** All windows of a split in file order: by subject, then activity, then index. */
export function* motionWindows(seed: number, split: Split): Generator<MotionWindowRecord> {
  const test = testSubjects(seed);
  let window = 0;
  for (let id = 1; id <= MOTION_SUBJECTS; id++) {
    const subjectSplit: Split = test.has(id) ? "test" : "train";
    if (subjectSplit !== split) continue;
    const subject = makeSubject(seed, id, subjectSplit);
    for (const activity of MOTION_ACTIVITIES) {
      for (let i = 0; i < MOTION_WINDOWS_PER_SUBJECT_ACTIVITY; i++) {
        yield { window: window++, subject: id, activity, values: simulateWindow(seed, subject, activity, i) };
      }
    }
  }
}

/** The CSV text of one split (header + one row per sample). */
export function motionCsv(seed: number, split: Split): { text: string; labels: number[]; stats: { sum: number[]; sumSq: number[]; n: number } } {
  const lines: string[] = [MOTION_CSV_COLUMNS.join(",")];
  const labels: number[] = [];
  const sum = new Array(6).fill(0);
  const sumSq = new Array(6).fill(0);
  let n = 0;
  for (const w of motionWindows(seed, split)) {
    labels.push(MOTION_ACTIVITIES.indexOf(w.activity));
    for (let s = 0; s < MOTION_WINDOW; s++) {
      const cells = [String(w.window), String(w.subject), w.activity, String(s)];
      for (let c = 0; c < 6; c++) {
        const text = fmt(w.values[s * 6 + c]);
        cells.push(text);
        const v = Number(text); // statistics of the values as written
        sum[c] += v;
        sumSq[c] += v * v;
      }
      n++;
      lines.push(cells.join(","));
    }
  }
  return { text: lines.join("\n") + "\n", labels, stats: { sum, sumSq, n } };
}

export function generateMotion(opts: { outDir: string; seed?: number; log?: (s: string) => void }): DatasetManifest {
  const seed = opts.seed ?? MOTION_SEED;
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  fs.mkdirSync(opts.outDir, { recursive: true });
  const counts: Record<string, Record<string, number>> = {};
  const files = [];
  let trainStats: { mean: number[]; std: number[] } | null = null;
  for (const split of ["train", "test"] as Split[]) {
    const { text, labels, stats } = motionCsv(seed, split);
    const name = `${split}.csv`;
    fs.writeFileSync(path.join(opts.outDir, name), text);
    counts[split] = countByClass(MOTION_ACTIVITIES, labels);
    files.push(describeFile(opts.outDir, name, `${split} windows: one row per sample (${MOTION_WINDOW} rows per window), columns ${MOTION_CSV_COLUMNS.join(",")}`));
    if (split === "train") {
      const mean = stats.sum.map((s) => s / stats.n);
      const std = stats.sumSq.map((s, c) => Math.sqrt(Math.max(0, s / stats.n - mean[c] * mean[c])));
      trainStats = { mean: mean.map((v) => Number(v.toFixed(6))), std: std.map((v) => Number(v.toFixed(6))) };
    }
    log(`${split}: ${labels.length} windows (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const seconds = (Date.now() - t0) / 1000;
  const test = [...testSubjects(seed)].sort((a, b) => a - b);
  const manifest: DatasetManifest = {
    name: "motion",
    title: "Synthetic human activity recognition (waist IMU, physical gait model)",
    description:
      "Windows of 128 samples (2.56 s at 50 Hz) of a waist-worn accelerometer (g, gravity included) and gyroscope " +
      "(rad/s) for walking, running, upstairs, downstairs, sitting and standing, simulated by a physical model " +
      "(gait harmonics, posture and gravity orientation, per-subject variation, sensor bias and noise). 30 " +
      "subjects; train and test are split by subject. Sensor axes: x up, y left, z forward (before mounting error).",
    licence: "Generated data, released with the course under the MIT licence.",
    provenance: "Simulated by course-lib/data/generate-motion.ts (model documented in its header).",
    generator: {
      script: "course-lib/data/generate-motion.ts",
      command: "npm run datasets:motion",
      seed,
      tools: { node: process.version },
      seconds: Math.round(seconds * 10) / 10,
    },
    classes: [...MOTION_ACTIVITIES],
    counts,
    files,
    details: {
      sampleRate: MOTION_SAMPLE_RATE,
      windowSamples: MOTION_WINDOW,
      channels: MOTION_CHANNELS,
      units: { acc: "g (9.81 m/s^2), gravity included", gyro: "rad/s" },
      columns: MOTION_CSV_COLUMNS,
      subjects: { count: MOTION_SUBJECTS, test, train: Array.from({ length: MOTION_SUBJECTS }, (_, i) => i + 1).filter((i) => !test.includes(i)) },
      trainChannelStats: trainStats,
    },
  };
  writeManifest(opts.outDir, manifest);
  log(`wrote ${opts.outDir} in ${seconds.toFixed(1)} s`);
  return manifest;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  let outDir = datasetDir("motion");
  let seed = MOTION_SEED;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = path.resolve(argv[++i]);
    else if (argv[i] === "--seed") seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (expected --out DIR, --seed N)`);
  }
  generateMotion({ outDir, seed, log: (s) => console.log(s) });
}
