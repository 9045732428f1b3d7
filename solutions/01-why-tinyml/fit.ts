// Lesson 01 exercise 01.4: model solution (see exercises/01-why-tinyml/fit.ts for the task).

export interface Footprint {
  params: number;
  bytesPerParam: number;
  peakActivationBytes: number;
  macs: number;
}

export interface BoardBudget {
  flashBytes: number;
  ramBytes: number;
  macsPerSecond: number;
  reserve?: { flashBytes?: number; ramBytes?: number };
}

export interface Budget {
  used: number;
  available: number;
  capacity: number;
  reserved: number;
  slack: number;
  utilisation: number;
  ok: boolean;
}

export interface FitCheck {
  flash: Budget;
  ram: Budget;
  ok: boolean;
  latencySeconds: number;
}

function atLeastZero(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}

function aboveZero(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  return value;
}

function budget(used: number, capacity: number, reserved: number, name: string): Budget {
  if (reserved >= capacity) throw new RangeError(`reserve.${name} (${reserved}) must be smaller than ${name} (${capacity})`);
  const available = capacity - reserved;
  return { used, available, capacity, reserved, slack: available - used, utilisation: used / available, ok: used <= available };
}

/** Exercise 01.4 */
export function checkFit(footprint: Footprint, board: BoardBudget): FitCheck {
  const params = atLeastZero(footprint.params, "params");
  if (!Number.isInteger(params)) throw new RangeError(`params must be a whole number, got ${params}`);
  const bytesPerParam = aboveZero(footprint.bytesPerParam, "bytesPerParam");
  const peak = atLeastZero(footprint.peakActivationBytes, "peakActivationBytes");
  const macs = atLeastZero(footprint.macs, "macs");
  const flashBytes = aboveZero(board.flashBytes, "flashBytes");
  const ramBytes = aboveZero(board.ramBytes, "ramBytes");
  const macsPerSecond = aboveZero(board.macsPerSecond, "macsPerSecond");
  const reserveFlash = atLeastZero(board.reserve?.flashBytes ?? 0, "reserve.flashBytes");
  const reserveRam = atLeastZero(board.reserve?.ramBytes ?? 0, "reserve.ramBytes");
  const flash = budget(params * bytesPerParam, flashBytes, reserveFlash, "flashBytes");
  const ram = budget(peak, ramBytes, reserveRam, "ramBytes");
  return { flash, ram, ok: flash.ok && ram.ok, latencySeconds: macs / macsPerSecond };
}
