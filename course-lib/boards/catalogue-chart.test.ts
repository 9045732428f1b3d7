// Tests of catalogue-chart.ts: the catalogue as points of lesson 01's flash-vs-RAM scatter.
import { describe, expect, it } from "vitest";
import { BOARDS, getBoard } from "./catalogue";
import { CATALOGUE_LABEL_POSITIONS, boardScatterPoint } from "./catalogue-chart";

describe("boardScatterPoint", () => {
  it("puts a board at its flash and RAM, sized by clock and coloured by MAC/s", () => {
    const board = getBoard("stm32l476rg");
    const point = boardScatterPoint(board);
    expect(point).toMatchObject({ label: "stm32l476rg", x: board.flashBytes, y: board.ramBytes, labelPosition: "bottom left" });
    expect(point.size).toBeCloseTo(8 + 5 * Math.sqrt(board.clockMHz / 10), 12);
    expect(point.colour).toBeCloseTo(Math.log10(board.opsPerSecondOrder), 12);
    expect(point.hover).toBe(`${board.name}<br>${board.core} at ${board.clockMHz} MHz<br>flash 1 MB, RAM 128 KB`);
  });

  it("places every catalogue board, names catalogue boards only in its label sides, and names a bad figure", () => {
    for (const id of Object.keys(CATALOGUE_LABEL_POSITIONS)) expect(() => getBoard(id)).not.toThrow();
    expect(BOARDS.map(boardScatterPoint).map((p) => p.label)).toEqual(BOARDS.map((b) => b.id));
    expect(() => boardScatterPoint({ ...getBoard("rp2040"), clockMHz: 0 }))
      .toThrow(/boardScatterPoint: clockMHz of board "rp2040" must be a number > 0, got 0/);
  });
});
