// The firmware path without a generated model: a hand-written stand-in (fixtures/firmware: model.h's
// contract, op 0 and op 1 a fixed two-instruction assembly loop run 10 and 110 times, op 2 out = in + 1)
// is built with the real library, startup, UART driver and linker script, and run on every QEMU machine.
// What is checked does not come from the code under test: the outputs are in + 1, the instruction
// counter must find op 1 exactly 200 instructions longer than op 0, the stack must cover at least main()'s
// own frame as gcc's -fstack-usage reports it, and the link must overflow by exactly the bytes added.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFirmware, type FirmwareBuild } from "./build";
import { FirmwareDoesNotFit, FirmwareHardFault, FirmwareTimeout, ToolchainMissing } from "./errors";
import { elfSizes } from "./elf";
import { linkerScript } from "./linker-script";
import { deployTarget, MACHINES, type DeployTarget } from "./machines";
import { parseAppOutput } from "./protocol";
import { runOnQemu, type QemuRun } from "./qemu";
import { findTool, INSTALL_LINES } from "./toolchain";

const FIXTURE = join(__dirname, "fixtures", "firmware");
const INPUTS = [
  [0, 1, 2, 3],
  [-128, -1, 5, 100],
  [10, 20, -30, 40],
];
const OPS = 3;
const work = mkdtempSync(join(tmpdir(), "tinyml-firmware-test-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the fixture project, optionally edited. */
function project(name: string, edit: { modelC?: (s: string) => string; modelH?: (s: string) => string } = {}) {
  const dir = join(work, name);
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [file, change] of [["model.c", edit.modelC], ["model.h", edit.modelH]] as const) {
    if (change) {
      const path = join(dir, file);
      const before = readFileSync(path, "utf8");
      const after = change(before);
      if (after === before) throw new Error(`the test's edit of ${file} changed nothing`);
      writeFileSync(path, after);
    }
  }
  return { dir, sources: ["model.c", "model.h", "inputs.c"].map((f) => join(dir, f)) };
}

function opCounts(marks: number[]): number[][] {
  expect(marks).toHaveLength(INPUTS.length * (OPS + 1));
  return INPUTS.map((_, k) => {
    const m = marks.slice(k * (OPS + 1), (k + 1) * (OPS + 1));
    return m.slice(1).map((v, i) => v - m[i]);
  });
}

describe("firmware on every QEMU machine (stand-in model)", () => {
  const built = new Map<string, { target: DeployTarget; build: FirmwareBuild; runs: QemuRun[] }>();

  beforeAll(async () => {
    for (const m of MACHINES) {
      const target = deployTarget(m.id);
      const { dir, sources } = project(m.id);
      const build = await buildFirmware({ dir, sources, target, kernels: "reference" });
      const runs = [];
      for (let i = 0; i < 2; i++) runs.push(await runOnQemu({ elf: build.elf, target, countInstructions: true, timeoutMs: 20_000 }));
      built.set(m.id, { target, build, runs });
    }
  });

  describe.each(MACHINES.map((m) => m.id))("%s", (id) => {
    it("prints the protocol: every output is input + 1, then the stack and end; exits 0", () => {
      const { runs } = built.get(id)!;
      for (const run of runs) {
        expect(run.exitCode).toBe(0);
        const app = parseAppOutput(run.uart);
        expect(app.lines[0]).toBe("begin inputs=3 input_size=4 output_size=4 ops=3");
        expect(app.ended).toBe(true);
        expect(app.hardfault).toBe(false);
        expect(app.outputs.map((o) => Array.from(o))).toEqual(INPUTS.map((x) => x.map((v) => v + 1)));
      }
    });

    it("measures a plausible stack peak: at least main()'s own frame, within the stack region", () => {
      const { build, runs } = built.get(id)!;
      const peak = parseAppOutput(runs[0].uart).stackPeak!;
      const mainFrame = build.stackUsage.find((f) => f.function === "main");
      expect(mainFrame).toBeDefined();
      expect(peak).toBeGreaterThanOrEqual(mainFrame!.bytes);
      expect(peak).toBeLessThan(512);
      expect(peak).toBeLessThan(build.stackBytes);
      expect(parseAppOutput(runs[1].uart).stackPeak).toBe(peak);
    });

    it("counts instructions: marks increase, op 1 is exactly 200 longer than op 0, identical in two runs", () => {
      const { runs } = built.get(id)!;
      const [first, second] = runs.map((r) => opCounts(r.marks!));
      for (let i = 1; i < runs[0].marks!.length; i++) expect(runs[0].marks![i]).toBeGreaterThan(runs[0].marks![i - 1]);
      for (const perOp of first) {
        expect(perOp[1] - perOp[0]).toBe(200);
        expect(perOp[2]).toBeGreaterThan(0);
      }
      expect(second).toEqual(first);
      expect(first[1]).toEqual(first[0]); // every input runs the same instructions
      expect(runs[0].instructions).toBeGreaterThan(runs[0].marks![runs[0].marks!.length - 1]);
    });

    it("reads flash and RAM from the ELF (flash = text + data, RAM = data + bss, the stack inside bss)", () => {
      const { build, target } = built.get(id)!;
      expect(build.flash).toBe(build.sizes.text + build.sizes.data);
      expect(build.ram).toBe(build.sizes.data + build.sizes.bss);
      expect(build.sizes.bss).toBeGreaterThanOrEqual(build.stackBytes + 16);
      expect(build.flash).toBeLessThan(target.flashBytes);
      expect(build.warnings).toBe("");
    });
  });

  it("writes a Makefile that rebuilds the same firmware, and builds the same program for the host", async () => {
    const { build, runs } = built.get("mps2-an386")!;
    const elf = readFileSync(build.elf);
    rmSync(join(build.dir, "obj", "model.o"));
    rmSync(build.elf);
    const make = findTool("make");
    const out = execFileSync(make, ["-s"], { cwd: build.dir, encoding: "utf8" });
    expect(out).toMatch(/RAM:\s+\d+ B\s+4 MB/);
    expect(build.memoryUsage).toMatch(/FLASH:\s+\d+ B\s+4 MB/);
    expect(readFileSync(build.elf).equals(elf)).toBe(true);
    const host = parseAppOutput(execFileSync(make, ["-s", "host"], { cwd: build.dir, encoding: "utf8" }));
    expect(host.outputs).toEqual(parseAppOutput(runs[0].uart).outputs);
    expect(host.stackPeak).toBeNull();
  });
});

describe("a catalogue board: its own flash and RAM", () => {
  it("stm32f303k8 (64 KB flash, 16 KB RAM) links the stand-in and runs it on mps2-an386", async () => {
    const target = deployTarget("stm32f303k8");
    const { dir, sources } = project("stm32f303k8");
    const build = await buildFirmware({ dir, sources, target, kernels: "reference" });
    expect(build.stackBytes).toBe(2048);
    expect(build.ram).toBeLessThanOrEqual(16 * 1024);
    const run = await runOnQemu({ elf: build.elf, target, timeoutMs: 20_000 });
    expect(parseAppOutput(run.uart).outputs.map((o) => Array.from(o))).toEqual(INPUTS.map((x) => x.map((v) => v + 1)));

    // The same project with an arena 19984 bytes bigger must overflow RAM by exactly that much less the room left.
    const big = project("stm32f303k8-big", { modelH: (s) => s.replace("#define NN_ARENA_BYTES 16", "#define NN_ARENA_BYTES 20000") });
    const failure = await buildFirmware({ dir: big.dir, sources: big.sources, target, kernels: "reference" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FirmwareDoesNotFit);
    const e = failure as FirmwareDoesNotFit;
    expect([e.region, e.target, e.regionBytes]).toEqual(["RAM", "stm32f303k8", 16 * 1024]);
    expect(e.overflowBytes).toBe(build.ram + 19984 - 16 * 1024);
    expect(e.message).toContain(`region RAM overflowed by ${e.overflowBytes} bytes`);
  });

  it("puts the board's sizes at the machine's addresses in link.ld; a machine id gets the machine's memory", () => {
    const board = linkerScript(deployTarget("stm32f303k8"));
    expect(board).toMatch(/FLASH \(rx\)\s+: ORIGIN = 0x00000000, LENGTH = 65536\n/);
    expect(board).toMatch(/RAM\s+\(rwx\) : ORIGIN = 0x20000000, LENGTH = 16384\n/);
    expect(board).toContain("STACK_BYTES = 2048;");
    const machine = linkerScript(deployTarget("mps2-an386"));
    expect(machine).toMatch(/FLASH \(rx\)\s+: ORIGIN = 0x00000000, LENGTH = 4194304\n/);
    expect(machine).toMatch(/RAM\s+\(rwx\) : ORIGIN = 0x20000000, LENGTH = 4194304\n/);
    expect(machine).toContain("STACK_BYTES = 8192;");
    const f405 = linkerScript(deployTarget("stm32f405rg"), 4096);
    expect(f405).toMatch(/FLASH \(rx\)\s+: ORIGIN = 0x08000000, LENGTH = 1048576\n/);
    expect(f405).toMatch(/RAM\s+\(rwx\) : ORIGIN = 0x20000000, LENGTH = 196608\n/);
    expect(f405).toContain("STACK_BYTES = 4096;");
  });

  it("rejects ids that are not deploy targets, listing the valid ones", () => {
    expect(() => deployTarget("stm32f999")).toThrow(/unknown deploy target "stm32f999"; expected one of: catalogue boards stm32f303k8.* or QEMU machines mps2-an385, mps2-an386/);
    expect(() => deployTarget("esp32-s3")).toThrow(/board "esp32-s3" \(2x Xtensa LX7\) has no QEMU machine.*expected one of/);
  });
});

describe("failures are reported as such", () => {
  it.each(MACHINES.map((m) => m.id))("a HardFault (a store to an unmapped address) on %s is a FirmwareHardFault naming the address", async (id) => {
    const target = deployTarget(id);
    const { dir, sources } = project(`hardfault-${id}`, {
      modelC: (s) => s.replace("  nn_op_mark(3);\n}", "  *(volatile uint32_t*)0xF0000000u = 1u; /* nothing is mapped there */\n  nn_op_mark(3);\n}"),
    });
    const build = await buildFirmware({ dir, sources, target, kernels: "reference" });
    const failure = await runOnQemu({ elf: build.elf, target, timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FirmwareHardFault);
    const e = failure as FirmwareHardFault;
    expect(e.message).toMatch(/^HardFault: /);
    expect(e.detail).toMatch(/^fault HardFault pc=0x[0-9a-f]{8} .* bfar=0xf0000000/);
    expect(e.uartTail).toContain("begin inputs=3");
  });

  it("a firmware that never exits is a FirmwareTimeout", async () => {
    const target = deployTarget("mps2-an385");
    const { dir, sources } = project("hang", { modelC: (s) => s.replace("  nn_op_mark(3);\n}", "  for (;;) {}\n}") });
    const build = await buildFirmware({ dir, sources, target, kernels: "reference" });
    await expect(runOnQemu({ elf: build.elf, target, timeoutMs: 1500 })).rejects.toThrow(FirmwareTimeout);
  });

  it("optimized kernels on a core without the DSP extension are refused, saying why", async () => {
    const { dir, sources } = project("m3-optimized");
    await expect(buildFirmware({ dir, sources, target: deployTarget("mps2-an385"), kernels: "optimized" })).rejects.toThrow(
      /mps2-an385 runs a Cortex-M3, which has no DSP extension .* use kernels "reference"/,
    );
  });

  it("a missing tool is a ToolchainMissing with the apt-get line", () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => findTool("qemu-system-arm")).toThrow(ToolchainMissing);
      expect(() => findTool("qemu-system-arm")).toThrow(`install it with: ${INSTALL_LINES["qemu-system-arm"]}`);
      expect(INSTALL_LINES["qemu-system-arm"]).toBe("apt-get install -y --no-install-recommends qemu-system-arm");
    } finally {
      process.env.PATH = path;
    }
    expect(findTool("qemu-system-arm")).toMatch(/\/qemu-system-arm$/);
  });
});
