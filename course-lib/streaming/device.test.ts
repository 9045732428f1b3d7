// The streaming keyword spotter on emulated boards: a small int8 CNN (test-support.ts: seeded, six epochs,
// quantized on train features) listens to 3 shipped test clips on the STM32L476RG and on the 64 KB / 16 KB
// STM32F303K8. What is checked does not come from the C: features against features.ts, outputs against
// runQuantized on the device's own inputs, detections against detect.ts; the whole app built for the host
// by the project's Makefile prints the same lines as the board; the audio lies beyond the board's flash.
// Like the deploy tests, these need arm-none-eabi-gcc, qemu-system-arm and gcc (a missing tool fails with
// the apt-get line that installs it).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FirmwareDoesNotFit } from "../deploy/errors";
import { elfSymbols } from "../deploy/elf";
import { checkExtraRegions, linkerScript, memoryBeyondFlash } from "../deploy/linker-script";
import { deployTarget } from "../deploy/machines";
import { findTool } from "../deploy/toolchain";
import { prepareQuantized } from "../quantize/interpreter";
import { initBackend } from "../runtime/backend";
import { FEATURE_TOLERANCE, runStreamingOnBoard, streamingInstructions, type StreamingOptions, type StreamingReport } from "./device";
import { buildFrontEndHost } from "./host";
import { parseStreamOutput } from "./protocol";
import { streamingTestClips, streamingTestModel, type StreamingTestModel } from "./test-support";

let model: StreamingTestModel;
let options: Omit<StreamingOptions, "board">;

beforeAll(async () => {
  await initBackend();
  model = await streamingTestModel("logmel");
  const { clips, labels } = await streamingTestClips(["yes", "silence", "stop"]);
  options = {
    clips, labels, features: "logmel", normalization: model.normalization,
    detection: { window: 3, threshold: 0.5, suppression: 5, ignore: [0, 1] }, // never report silence or unknown
  };
}, 120_000);

function expectChecks(r: StreamingReport): void {
  expect(r.stream).toEqual({ clips: 3, samples: 48000, seconds: 3, frames: 149, inferences: 11, windowFrames: 49, strideFrames: 10 });
  // features: float32 on the board against float64 in TypeScript
  expect(r.features.withinTolerance).toBe(true);
  expect(r.features.maxAbsLogMelDelta).toBeLessThan(FEATURE_TOLERANCE.maxAbsLogMelDelta);
  expect(r.features.maxAbsLogMelDelta).toBeGreaterThan(0); // float32 really differs from float64
  expect(r.features.uint8Total).toBe(149 * 40);
  expect(r.features.uint8DifferingFraction).toBeLessThanOrEqual(FEATURE_TOLERANCE.uint8DifferingFraction);
  expect(r.features.maxUint8Step).toBeLessThanOrEqual(1);
  expect(r.features.roundingOfOwnLogMel).toBe(true);
  expect(r.features.maxInputStep).toBeLessThanOrEqual(1);
  // outputs: runQuantized on the device's own inputs, bit for bit
  expect(r.outputs).toEqual({ inferences: 11, bitExact: true, firstMismatch: null });
  // detections: detect.ts on the device's outputs, exactly; and not vacuously
  expect(r.detections.equal).toBe(true);
  expect(r.detections.device.length).toBeGreaterThan(0);
  expect(r.detections.device.map((d) => [d.inference, d.class, d.sum, d.count])).toEqual(r.detections.reference.map((d) => [d.inference, d.class, d.sum, d.count]));
  expect(r.detections.perClip.map((c) => c.label)).toEqual(["yes", "silence", "stop"]);
  expect(r.passed).toBe(true);
  // work: the per-second figure is 50 frames + 5 inferences
  const w = r.work;
  expect([w.framesPerSecond, w.inferencesPerSecond]).toEqual([50, 5]);
  expect(w.frontEndPerFrame.mean).toBeGreaterThan(20_000);
  expect(w.frontEndPerFrame.max - w.frontEndPerFrame.min).toBeLessThan(0.01 * w.frontEndPerFrame.mean); // nearly data-independent
  expect(w.modelPerInference.mean).toBeGreaterThan(prepareQuantized(model.graph).macs * 0.5);
  expect(w.perSecondOfAudio).toBeCloseTo(50 * w.frontEndPerFrame.mean + 5 * (w.modelPerInference.mean + w.streamingPerInference.mean), 3);
  expect(w.realTime.coreFraction).toBeCloseTo(w.perSecondOfAudio / (r.target.clockMHz * 1e6), 12);
  expect(w.realTime.keepsUp).toBe(w.realTime.coreFraction <= 1);
  // memory: the audio is not part of the firmware
  expect(r.memory.audioBytes).toBe(96000);
  expect(r.memory.flash).toBe(r.memory.sections.text + r.memory.sections.data - r.memory.audioBytes);
  expect(r.memory.flash).toBeLessThanOrEqual(r.target.flashBytes);
  expect(r.memory.flash).toBeGreaterThan(r.memory.frontEndTables);
  expect(r.memory.ram).toBe(r.memory.sections.data + r.memory.sections.bss);
  expect(r.memory.ram).toBeLessThanOrEqual(r.target.ramBytes);
  expect(r.memory.ram).toBeGreaterThan(r.memory.arena + r.memory.ringBytes);
  expect(r.memory.stackPeak).toBeGreaterThan(0);
}

function summary(r: StreamingReport): string {
  const w = r.work;
  return `${r.target.id} (${r.kernels}): log-mel max |Δ| ${r.features.maxAbsLogMelDelta.toExponential(2)}, uint8 differing ${r.features.uint8Differing}/${r.features.uint8Total}; ` +
    `front end ${Math.round(w.frontEndPerFrame.mean)} instr/frame, model ${Math.round(w.modelPerInference.mean)} + streaming ${Math.round(w.streamingPerInference.mean)} instr/inference, ` +
    `${(w.perSecondOfAudio / 1e6).toFixed(2)} M instr per s of audio = ${(100 * w.realTime.coreFraction).toFixed(2)} % of ${r.target.clockMHz} MHz; ` +
    `flash ${r.memory.flash} B, RAM ${r.memory.ram} B (stack peak ${r.memory.stackPeak}), audio ${r.memory.audioBytes} B; detections ${r.detections.device.map((d) => `${d.label}@${d.atSeconds}s`).join(", ")}`;
}

describe("runStreamingOnBoard", () => {
  it("stm32l476rg: features, outputs and detections check out; the host build prints the same; the audio is beyond the flash", async () => {
    const r = await runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg" });
    console.log(summary(r));
    expect(r.kernels).toBe("optimized");
    expectChecks(r);
    expect(r.work.realTime.keepsUp).toBe(true);
    // The audio sits in the AUDIO region at 1 MB, where the board's flash ends.
    const symbols = await elfSymbols(r.files.elf);
    expect(symbols.get("stream_audio")).toMatchObject({ address: 0x100000, size: 96000 });
    expect(readFileSync(`${r.dir}/link.ld`, "utf8")).toMatch(/AUDIO \(r\) {3}: ORIGIN = 0x00100000, LENGTH = 3145728/);
    // The host front end with the same tables computes the board's float32 bits exactly.
    const host = await buildFrontEndHost(`${r.dir}/host-frontend`, {
      features: "logmel", normalization: model.normalization,
      input: { scale: model.graph.tensors[model.graph.inputs[0]].quant!.scale[0], zeroPoint: model.graph.tensors[model.graph.inputs[0]].quant!.zeroPoint[0] },
    });
    const uart = parseStreamOutput(readFileSync(r.files.uart, "utf8"));
    const all = new Int16Array(48000);
    options.clips.forEach((c, i) => all.set(c as Int16Array, i * 16000));
    expect((await host.frames(all)).map((f) => [Array.from(f.logMel), Array.from(f.row)])).toEqual(uart.frames.map((f) => [Array.from(f.logMel), Array.from(f.row)]));
    // The whole app, built for this computer by the project's Makefile, prints what the board printed.
    const hostLines = execFileSync(findTool("make"), ["-s", "host"], { cwd: r.dir, encoding: "utf8", maxBuffer: 1 << 26 });
    expect(hostLines).toBe(readFileSync(r.files.uart, "utf8").replace(/^stack \d+\n/m, ""));
  }, 120_000);

  it("stm32f303k8 (64 KB flash, 16 KB RAM): fits with the reference kernels and keeps up at 72 MHz", async () => {
    const r = await runStreamingOnBoard(model.graph, { ...options, board: "stm32f303k8", kernels: "reference" });
    console.log(summary(r));
    expectChecks(r);
    expect(r.memory.flash).toBeLessThanOrEqual(64 * 1024);
    expect(r.memory.ram).toBeLessThanOrEqual(16 * 1024);
    expect(r.work.realTime.keepsUp).toBe(true);
    // the optimized kernels' 4 KB im2col scratch does not fit next to the front end: a clear error
    const failure = await runStreamingOnBoard(model.graph, { ...options, board: "stm32f303k8" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FirmwareDoesNotFit);
    expect((failure as FirmwareDoesNotFit).message).toMatch(/region RAM overflowed by \d+ bytes \(RAM is 16384 bytes on stm32f303k8/);
  }, 120_000);

  it("refuses what it cannot run, naming the value", async () => {
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "mps2-an386" })).rejects.toThrow(/mps2-an386's flash \(4194304 bytes\) fills its QEMU machine's code memory/);
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg", features: "mfcc" })).rejects.toThrow(/the graph's input \[1,49,40,1\] is not frames × 10 mfcc values/);
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg", strideFrames: 0 })).rejects.toThrow(/strideFrames must be an integer >= 1, got 0/);
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg", detection: { window: 3, threshold: 0.5, suppression: 5, ignore: [12] } })).rejects.toThrow(/ignore lists class 12, but the model has 12 outputs/);
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg", clips: [new Float32Array([0, 2])] })).rejects.toThrow(/clip 0 sample 1 is 2, expected a float in \[-1, 1\)/);
    await expect(runStreamingOnBoard(model.graph, { ...options, board: "stm32l476rg", labels: [2] })).rejects.toThrow(/labels must hold one class index .* per clip \(3\)/);
  });
});

describe("the streaming pieces", () => {
  it("an extra linker region sits beyond the flash, inside the machine, and is validated", () => {
    const target = deployTarget("stm32f303k8");
    expect(memoryBeyondFlash(target)).toEqual({ origin: 0x10000, bytes: 4 * 1024 * 1024 - 0x10000 });
    expect(memoryBeyondFlash(deployTarget("netduinoplus2"))).toBeNull();
    const region = { name: "AUDIO", origin: 0x10000, bytes: 0x1000, sections: [".audio"], what: "test audio" };
    const script = linkerScript(target, 2048, [region]);
    expect(script).toContain("AUDIO (r)   : ORIGIN = 0x00010000, LENGTH = 4096\n}");
    expect(script).toContain("  .audio :\n  {\n    . = ALIGN(4);\n    KEEP(*(.audio .audio.*))\n    . = ALIGN(4);\n  } > AUDIO\n");
    expect(linkerScript(target, 2048, [])).toBe(linkerScript(target, 2048)); // without regions: the script as before
    expect(() => checkExtraRegions(target, [{ ...region, origin: 0x8000 }])).toThrow(/overlaps stm32f303k8's FLASH \(0x00000000, 65536 bytes\)/);
    expect(() => checkExtraRegions(target, [{ ...region, origin: 0x3ff000, bytes: 0x2000 }])).toThrow(/is not inside mps2-an386's code memory/);
    expect(() => checkExtraRegions(target, [{ ...region, name: "RAM" }])).toThrow(/name must be a new upper-case identifier other than FLASH and RAM, got "RAM"/);
    expect(() => checkExtraRegions(target, [{ ...region, sections: ["audio"] }])).toThrow(/sections must be input section names like ".audio", got \["audio"\]/);
  });

  it("the UART parser reads the protocol and names what does not fit it", () => {
    const header = "stream samples=800 clips=1 frame_step=320 mel_bins=2 width=2 window_frames=2 stride=1 classes=3 smooth=1 suppression=0 ops=1";
    const f = (k: number) => `f ${k} 3f80000040000000 0a0b fe01`;
    const ok = parseStreamOutput([header, f(0), f(1), "i 0 1 80ff00", "d 0 1 255 1", "stack 128", "end", ""].join("\n"));
    expect(ok.frames[1]).toMatchObject({ index: 1, logMel: Float32Array.from([1, 2]), quantised: Uint8Array.from([10, 11]), row: Int8Array.from([-2, 1]) });
    expect(ok.inferences).toEqual([{ index: 0, frame: 1, output: Int8Array.from([-128, -1, 0]) }]);
    expect(ok.detections).toEqual([{ inference: 0, class: 1, sum: 255, count: 1 }]);
    expect([ok.stackPeak, ok.ended, ok.order]).toEqual([128, true, ["f", "f", "i"]]);
    // the fault handler starts a new line: the line it cut short is dropped, the frames before it are kept
    const faulted = parseStreamOutput([header, f(0), "f 1 3f80", "hardfault", "fault HardFault pc=0x00000100"].join("\n"));
    expect([faulted.hardfault, faulted.frames.length]).toEqual([true, 1]);
    expect(() => parseStreamOutput([header, f(1)].join("\n"))).toThrow(/line 2: frame 1, expected frame 0/);
    expect(() => parseStreamOutput([header, "f 0 3f800000 0a0b fe01"].join("\n"))).toThrow(/expected 2 float32 values as 16 hex digits/);
    expect(() => parseStreamOutput([header, f(0), "i 0 0 80ff"].join("\n"))).toThrow(/expected 3 bytes as 6 lowercase hex digits/);
    expect(() => parseStreamOutput([header, f(0), "i 0 0 80ff00", "d 0 3 255 1"].join("\n"))).toThrow(/class 3, but there are 3 classes/);
    expect(() => parseStreamOutput("begin inputs=1")).toThrow(/line 1: expected "stream samples=<n>/);
    expect(() => parseStreamOutput([header, "x"].join("\n"))).toThrow(/unexpected "x"/);
    // marks: 2 per frame, ops + 3 per inference, in the order of the lines
    expect(streamingInstructions([0, 10, 12, 30, 35, 45, 50, 70, 75], ["f", "f", "i"], 2)).toEqual({ frontEnd: [10, 18], model: [25], streaming: [15] }) // model 70 − 45; inference 75 − 35 = 40;
    expect(() => streamingInstructions([0, 10, 12], ["f", "f"], 2)).toThrow(/recorded 3 marks, but 2 frames and 0 inferences of a 2-op model account for 2/);
  });
});
