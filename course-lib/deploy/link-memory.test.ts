// Linking against the QEMU machine's whole memory (memory: "machine"): the board's core, clock and stack
// size are kept, only flash and RAM grow, so a firmware that does not fit the board can still be measured.
import { describe, expect, it } from "vitest";
import { memoryBeyondFlash } from "./linker-script";
import { checkLinkMemory, deployTarget, withMachineMemory } from "./machines";

describe("withMachineMemory", () => {
  it("keeps the board's core, clock and stack size and takes the machine's flash and RAM", () => {
    const board = deployTarget("stm32f303k8");
    const t = withMachineMemory(board);
    expect([t.core, t.clockMHz, t.stackBytes, t.machine, t.hasDsp]).toEqual([board.core, board.clockMHz, board.stackBytes, board.machine, board.hasDsp]);
    expect(t.flash).toEqual({ origin: board.machineFacts.flash.origin, bytes: board.machineFacts.flash.bytes });
    expect(t.ram).toEqual({ origin: board.machineFacts.ram.origin, bytes: board.machineFacts.ram.bytes });
    expect(t.flashBytes).toBeGreaterThan(board.flashBytes);
    expect(memoryBeyondFlash(t)).toBeNull();
  });

  it("leaves keepBytes at the top of the code memory for an extra region", () => {
    const t = withMachineMemory(deployTarget("stm32l476rg"), 4096);
    const beyond = memoryBeyondFlash(t)!;
    expect(beyond.bytes).toBe(4096);
    expect(beyond.origin).toBe(t.flash.origin + t.flash.bytes);
    expect(() => withMachineMemory(deployTarget("stm32l476rg"), -1)).toThrow(/keepBytes must be an integer/);
  });

  it("accepts board and machine, and names anything else", () => {
    expect(checkLinkMemory(undefined, "x")).toBe("board");
    expect(checkLinkMemory("machine", "x")).toBe("machine");
    expect(() => checkLinkMemory("chip", "deployGraph")).toThrow(/deployGraph: memory must be "board" .* got "chip"/);
  });
});
