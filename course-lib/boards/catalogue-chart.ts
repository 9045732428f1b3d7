// The catalogue as points of a flash-vs-RAM scatter (lesson 01's board chart): both axes in bytes, the
// marker growing with the clock, the colour the order of magnitude of int8 MAC/s, and the labels of the
// boards crowded near 1 MB of flash placed on different sides so that they stay readable.
import type { LabelledPoint } from "../viz/charts";
import type { Board } from "./catalogue";
import { formatBytes } from "./units";

/** Label sides for the boards near 1 MB of flash; every other board's label goes above its marker. */
export const CATALOGUE_LABEL_POSITIONS: Readonly<Record<string, string>> = Object.freeze({
  stm32l476rg: "bottom left", nrf52840: "middle left", stm32l496zg: "top left",
  stm32f405rg: "bottom right", rp2040: "middle right", "esp32-s3": "middle right",
  stm32f303k8: "middle right",
});

/**
 * A board as a labelledScatter point: x = flash bytes, y = RAM bytes, marker diameter 8 + 5·√(clock / 10 MHz)
 * pixels, colour log10 of its MAC/s order, with its name, core, clock and memory on hover.
 */
export function boardScatterPoint(board: Board): LabelledPoint {
  for (const field of ["flashBytes", "ramBytes", "clockMHz", "opsPerSecondOrder"] as const) {
    const value = board?.[field];
    if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      throw new RangeError(`boardScatterPoint: ${field} of board ${JSON.stringify(board?.id)} must be a number > 0, got ${String(value)}`);
    }
  }
  const hover = `${board.name}<br>${board.core} at ${board.clockMHz} MHz<br>` +
    `flash ${formatBytes(board.flashBytes)}, RAM ${formatBytes(board.ramBytes)}`;
  return {
    label: board.id, x: board.flashBytes, y: board.ramBytes, hover,
    size: 8 + 5 * Math.sqrt(board.clockMHz / 10), colour: Math.log10(board.opsPerSecondOrder),
    labelPosition: CATALOGUE_LABEL_POSITIONS[board.id],
  };
}
