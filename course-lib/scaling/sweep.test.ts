// scaleEveryBoard: one entry per board and family, impossible budgets recorded, other errors thrown.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { getBoard, type Board } from "../boards/catalogue";
import type { Family } from "./scale";
import { scaleEveryBoard } from "./sweep";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const smallRequest = (board: Board, family: Family) => ({
  family, board: board.id, inputShape: [1, 32, 32], numClasses: 4, budget: { macs: 2e6 },
});

describe("scaleEveryBoard", () => {
  it("scales every family on every board, boards outer, and disposes the models", () => {
    const boards = [getBoard("nrf52840"), getBoard("stm32l476rg")];
    const before = tf.memory().numTensors;
    const fits = scaleEveryBoard(boards, ["phinet", "xinet"], smallRequest);
    expect(fits.map((f) => `${f.board.id}/${f.family}`)).toEqual([
      "nrf52840/phinet", "nrf52840/xinet", "stm32l476rg/phinet", "stm32l476rg/xinet",
    ]);
    for (const f of fits) {
      expect(f.impossible).toBeUndefined();
      expect(f.result!.measured.macs).toBeLessThanOrEqual(2e6);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("records an impossible budget with its fields instead of throwing", () => {
    const tiny = getBoard("stm32f303k8");
    const fits = scaleEveryBoard([tiny], ["phinet"], (b, family) => ({ family, board: b.id, inputShape: [3, 224, 224] }));
    expect(fits).toHaveLength(1);
    expect(fits[0].result).toBeUndefined();
    expect(fits[0].impossible).toMatchObject({ budget: "ram", limit: tiny.ramBytes, family: "phinet" });
  });

  it("throws any other error, and rejects bad arguments", () => {
    const nano = getBoard("nrf52840");
    expect(() => scaleEveryBoard([nano], ["resnet" as never], smallRequest)).toThrow(/family must be "phinet" or "xinet"/);
    expect(() => scaleEveryBoard([], ["phinet"], smallRequest)).toThrow(/non-empty list of boards/);
    expect(() => scaleEveryBoard([nano], [], smallRequest)).toThrow(/non-empty list of families/);
    expect(() => scaleEveryBoard([nano], ["phinet"], undefined as never)).toThrow(/requestFor must be a function/);
  });
});
