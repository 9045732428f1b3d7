// Lesson 03 exercise 03.1: model solution (see exercises/03-phinet-xinet/expansion.ts for the task).

function finiteNumber(value: unknown, name: string, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) throw new RangeError(`${name} must be ${expected}, got ${String(value)}`);
  return value;
}

/** Exercise 03.1a */
export function expansionSchedule(t0: number, beta: number, numLayers: number): number[] {
  finiteNumber(t0, "t0", (v) => v >= 1, "a number >= 1");
  finiteNumber(beta, "beta", (v) => v > 0, "a number > 0");
  finiteNumber(numLayers, "numLayers", (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  const n = numLayers;
  const schedule: number[] = [];
  // Same operation order as micromind's get_xpansion_factor, so int(t * cIn) truncates identically.
  for (let b = 1; b <= n; b++) schedule.push((t0 * beta * b) / n + (t0 * (n - b)) / n);
  return schedule;
}

/** Exercise 03.1b */
export function expandedChannels(expansion: number, cIn: number): number {
  finiteNumber(expansion, "expansion", (v) => v > 0, "a number > 0");
  finiteNumber(cIn, "cIn", (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  return Math.max(1, Math.trunc(expansion * cIn));
}
