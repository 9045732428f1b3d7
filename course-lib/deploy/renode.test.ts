// The Renode scripts name the right ELF, platform and UART, and the robot waits for every output line. They
// are never run (Renode is not installable here): these tests read the text as Renode and Robot Framework
// would (monitor commands one per line; Robot cells split at two or more spaces) and check it against facts
// from Renode's own platforms/cpus/stm32f4.repl (usart1 at 0x40011000, flash at 0x08000000), not against
// renode.ts's table alone. deploy.test.ts / cli.test.ts check the scripts of a real QEMU run.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { getMachine } from "./machines";
import { linesToWaitFor, RENODE_PLATFORMS, renodeScripts, renodeSupported, renodeTargetIds, writeRenodeScripts } from "./renode";

// From renode/renode platforms/cpus/stm32f4.repl: "usart1: UART.STM32_UART @ sysbus <0x40011000, +0x100>",
// "flash: Memory.MappedMemory @ sysbus 0x08000000"; and ST's RM0090 memory map for the STM32F405.
const RENODE_STM32F4 = { repl: "platforms/cpus/stm32f4.repl", usart1: 0x40011000, flash: 0x08000000 };

const UART = [
  "begin inputs=3 input_size=4 output_size=2 ops=2",
  "out 0 7f80",
  "out 1 0001",
  "out 2 ff00",
  "stack 412",
  "end",
];
const netduino = { id: "netduinoplus2", machine: "netduinoplus2", clockMHz: 168 };

/** Robot Framework's reading of a test-case body: steps of cells separated by two or more spaces. */
function robotSteps(robot: string, testName: string): string[][] {
  const lines = robot.split("\n");
  const start = lines.indexOf(testName);
  expect(start, `test case "${testName}" in\n${robot}`).toBeGreaterThan(lines.indexOf("*** Test Cases ***"));
  const steps: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === "" || !line.startsWith(" ")) break;
    steps.push(line.trim().split(/ {2,}/));
  }
  return steps;
}

describe("renodeScripts", () => {
  const elf = "/work/build/deploy/m-netduinoplus2-optimized/firmware.elf";
  const s = renodeScripts({ elf, target: netduino, expectedLines: UART });

  it("the .resc loads the ELF on Renode's STM32F4 platform, shows USART1 and starts", () => {
    const commands = s.resc.split("\n").filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith(":"));
    expect(commands[0]).toMatch(/^mach create "\S+"$/);
    expect(commands).toContain(`machine LoadPlatformDescription @${RENODE_STM32F4.repl}`);
    expect(commands).toContain(`sysbus LoadELF @${elf}`);
    expect(commands).toContain(`cpu VectorTableOffset 0x${RENODE_STM32F4.flash.toString(16).padStart(8, "0")}`);
    expect(commands).toContain("showAnalyzer sysbus.usart1");
    expect(commands.indexOf(`sysbus LoadELF @${elf}`)).toBeGreaterThan(commands.indexOf(`machine LoadPlatformDescription @${RENODE_STM32F4.repl}`));
    expect(commands[commands.length - 1]).toBe("start");
    expect(s.platform.uartAddress).toBe(RENODE_STM32F4.usart1);
    expect(s.resc).toMatch(/NOT RUN/);
  });

  it("the .robot sets up the machine, attaches the tester to USART1 before starting, and waits for begin, every out line and end", () => {
    expect(s.robot).toMatch(/^\*\*\* Settings \*\*\*$/m);
    expect(s.robot).toMatch(/^Suite Setup +Setup$/m);
    expect(s.robot).toMatch(/^Suite Teardown +Teardown$/m);
    expect(s.robot).toMatch(/^Resource +\$\{RENODEKEYWORDS\}$/m);
    expect(s.robot).toMatch(/NOT RUN/);
    const steps = robotSteps(s.robot, s.robot.split("\n")[s.robot.split("\n").indexOf("*** Test Cases ***") + 1]);
    const keywords = steps.map((c) => c[0]);
    const executed = steps.filter((c) => c[0] === "Execute Command").map((c) => c[1]);
    expect(executed).toContain(`machine LoadPlatformDescription @${RENODE_STM32F4.repl}`);
    expect(executed).toContain(`sysbus LoadELF @${elf}`);
    expect(executed).not.toContain("start"); // the robot starts the emulation itself, once the tester listens
    const tester = steps.find((c) => c[0] === "Create Terminal Tester")!;
    expect(tester[1]).toBe("sysbus.usart1");
    expect(tester[2]).toMatch(/^timeout=\d+$/);
    const startAt = keywords.indexOf("Start Emulation");
    expect(startAt).toBeGreaterThan(keywords.indexOf("Create Terminal Tester"));
    expect(startAt).toBeGreaterThan(keywords.lastIndexOf("Execute Command"));
    const waits = steps.filter((c) => c[0] === "Wait For Line On Uart").map((c) => c.slice(1));
    expect(waits.every((w) => w.length === 1)).toBe(true);
    expect(waits.map((w) => w[0])).toEqual(["begin inputs=3 input_size=4 output_size=2 ops=2", "out 0 7f80", "out 1 0001", "out 2 ff00", "end"]);
    expect(keywords.indexOf("Wait For Line On Uart")).toBeGreaterThan(startAt);
  });

  it("supports the STM32F4 targets (netduinoplus2 and the catalogue's STM32F405RG) and names them when refusing others", () => {
    expect(renodeTargetIds()).toEqual(["netduinoplus2", "stm32f405rg"]);
    expect(renodeSupported({ machine: "netduinoplus2" })).toBe(true);
    expect(renodeSupported({ machine: "mps2-an386" })).toBe(false);
    const f405 = renodeScripts({ elf, target: { id: "stm32f405rg", machine: "netduinoplus2", clockMHz: 168 }, expectedLines: UART });
    expect(f405.resc).toContain("cpu PerformanceInMips 168");
    expect(() => renodeScripts({ elf, target: { id: "stm32l476rg", machine: "mps2-an386", clockMHz: 80 }, expectedLines: UART }))
      .toThrow(/target "stm32l476rg" \(QEMU machine mps2-an386\) has no Renode platform here; supported targets .*: netduinoplus2, stm32f405rg/);
  });

  it("refuses what it cannot write faithfully: no begin line, a path with spaces, a line Robot would split", () => {
    expect(() => linesToWaitFor(["stack 12"])).toThrow(/no "begin \.\.\." line/);
    expect(() => renodeScripts({ elf: "/a b/firmware.elf", target: netduino, expectedLines: UART })).toThrow(/contains whitespace/);
    expect(() => renodeScripts({ elf, target: netduino, expectedLines: ["begin inputs=1  x"] })).toThrow(/cannot be a Robot Framework cell/);
    // A faulting firmware's lines: the robot expects the same fault, and no end.
    expect(linesToWaitFor(["begin inputs=2 input_size=1 output_size=1 ops=1", "out 0 05", "hardfault"])).toEqual(["begin inputs=2 input_size=1 output_size=1 ops=1", "out 0 05", "hardfault"]);
  });

  it("each Renode platform matches its QEMU machine's memory map and UART (machines.ts, from QEMU's sources)", () => {
    for (const p of RENODE_PLATFORMS) {
      const qemu = getMachine(p.machine);
      expect(qemu.flash.origin, p.machine).toBe(p.flashOrigin);
      expect(qemu.uart.base, p.machine).toBe(p.uartAddress);
      expect(qemu.uart.kind).toBe("stm32-usart");
    }
    expect(RENODE_PLATFORMS.map((p) => [p.repl, p.uart, p.uartAddress, p.flashOrigin])).toEqual([[RENODE_STM32F4.repl, "sysbus.usart1", RENODE_STM32F4.usart1, RENODE_STM32F4.flash]]);
  });

  it("writeRenodeScripts writes both files with an absolute ELF path", () => {
    const dir = mkdtempSync(join(tmpdir(), "renode-"));
    const paths = writeRenodeScripts(dir, { elf: "build/x/firmware.elf", target: netduino, expectedLines: UART });
    expect(paths).toEqual({ resc: join(dir, "firmware.resc"), robot: join(dir, "firmware.robot") });
    expect(readFileSync(paths.resc, "utf8")).toContain(`sysbus LoadELF @${resolve("build/x/firmware.elf")}`);
    expect(readFileSync(paths.robot, "utf8")).toContain(`sysbus LoadELF @${resolve("build/x/firmware.elf")}`);
  });
});
