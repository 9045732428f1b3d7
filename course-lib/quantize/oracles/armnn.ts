// Arm NN (Debian's python3-pyarmnn 20.08 with the CpuRef backend) as an oracle for int8 .tflite files we
// wrote or read: it has its own flatbuffer parser and its own kernels, which dequantize, compute in float
// and requantize once. So it checks structure (shapes, layouts, quantization parameters, op options) and
// values to within rounding, not TFLM bit-exactness (see /work/shared/notes/int8-quantization.md §9).
// The Python side is armnn_run.py next to this file; it needs Debian's /usr/bin/python3.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const RUNNER = path.join(__dirname, "armnn_run.py");
/** Debian's interpreter: pyarmnn is a Debian package, not visible to a pyenv/venv python on PATH. */
const DEBIAN_PYTHON = process.env.ARMNN_PYTHON ?? "/usr/bin/python3";

export interface ArmnnJob {
  tflite: Uint8Array;
  /** Raw int8 values of the model's single input, one array per inference. */
  inputs: Int8Array[];
}

export interface ArmnnRun {
  /** Per inference: every output's int8 bytes, concatenated in the subgraph's output order. */
  outputs: Int8Array[];
  inputShape: number[];
  outputShapes: number[][];
  /** Arm NN's version string (pyarmnn.ARMNN_VERSION). */
  version: string;
}

/** Arm NN's answer for one model of a batch: its run, or the error it raised (parser or runtime). */
export type ArmnnResult = ArmnnRun | { error: string };

/** Why Arm NN cannot run here (for a test's skip reason), or null when pyarmnn imports. */
export function armnnUnavailable(): string | null {
  if (!fs.existsSync(DEBIAN_PYTHON)) return `${DEBIAN_PYTHON} not found (Arm NN needs Debian's python3)`;
  const probe = spawnSync(DEBIAN_PYTHON, ["-c", "import pyarmnn"], { encoding: "utf8" });
  if (probe.status !== 0) return `pyarmnn does not import with ${DEBIAN_PYTHON}: apt-get install python3-pyarmnn libarmnn-cpuref-backend22`;
  return null;
}

/**
 * Runs several models in Arm NN CpuRef in one Python process (importing pyarmnn dominates a small run).
 * A model Arm NN rejects gives { error } with Arm NN's message; the others still run.
 */
export function runArmnnBatch(jobs: ArmnnJob[]): ArmnnResult[] {
  if (jobs.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-armnn-"));
  try {
    const args: string[] = [];
    jobs.forEach((job, m) => {
      const size = job.inputs[0]?.length ?? 0;
      if (size === 0) throw new RangeError(`runArmnn: model ${m} has no inputs to run`);
      const all = new Int8Array(size * job.inputs.length);
      job.inputs.forEach((x, i) => {
        if (x.length !== size) throw new RangeError(`runArmnn: model ${m} input ${i} has ${x.length} values; input 0 has ${size} (all must have the model's input size)`);
        all.set(x, i * size);
      });
      const files = ["model.tflite", "inputs.bin", "outputs.bin"].map((f) => path.join(dir, `${m}-${f}`));
      fs.writeFileSync(files[0], job.tflite);
      fs.writeFileSync(files[1], new Uint8Array(all.buffer));
      args.push(...files);
    });
    const run = spawnSync(DEBIAN_PYTHON, [RUNNER, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (run.error) throw new Error(`runArmnn: cannot start ${DEBIAN_PYTHON}: ${run.error.message}`);
    if (run.status === 3) throw new Error(`runArmnn: pyarmnn is not installed for ${DEBIAN_PYTHON} (apt-get install python3-pyarmnn libarmnn-cpuref-backend22)\n${run.stderr}`);
    if (run.status !== 0) throw new Error(`runArmnn: armnn_run.py failed (exit ${run.status}):\n${run.stderr.trim().slice(-3000)}`);
    // pyarmnn prints notices about parsers it lacks on stdout; our lines are the JSON ones.
    const lines = run.stdout.split("\n").filter((l) => l.startsWith('{"model"')).map((l) => JSON.parse(l) as { model: number; error?: string } & Omit<ArmnnRun, "outputs"> & { inferences: number });
    return jobs.map((job, m) => {
      const line = lines.find((l) => l.model === m);
      if (!line) throw new Error(`runArmnn: no result line for model ${m}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
      if (line.error !== undefined) return { error: line.error };
      const size = job.inputs[0].length;
      const inputElements = line.inputShape.reduce((a, b) => a * b, 1);
      if (inputElements !== size) throw new RangeError(`runArmnn: model ${m}: inputs have ${size} values; Arm NN's input is [${line.inputShape}] = ${inputElements}`);
      if (line.inferences !== job.inputs.length) throw new Error(`runArmnn: model ${m}: Arm NN ran ${line.inferences} inferences; expected ${job.inputs.length}`);
      const out = new Int8Array(new Uint8Array(fs.readFileSync(path.join(dir, `${m}-outputs.bin`))).buffer);
      const per = line.outputShapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
      if (out.length !== per * job.inputs.length) throw new Error(`runArmnn: model ${m}: ${out.length} output bytes; expected ${job.inputs.length} × ${per}`);
      return { outputs: job.inputs.map((_, i) => out.slice(i * per, (i + 1) * per)), inputShape: line.inputShape, outputShapes: line.outputShapes, version: line.version };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the .tflite model in Arm NN CpuRef on each input (raw int8, the model's single input) and returns
 * each inference's output bytes. A model Arm NN rejects is an Error with Arm NN's message.
 */
export function runArmnn(tfliteBytes: Uint8Array, inputs: Int8Array[]): Int8Array[] {
  if (inputs.length === 0) return [];
  const result = runArmnnBatch([{ tflite: tfliteBytes, inputs }])[0];
  if ("error" in result) throw new Error(`runArmnn: Arm NN rejected or failed on the model: ${result.error}`);
  return result.outputs;
}
