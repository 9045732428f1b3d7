// micromind's own counts for the configurations measured in fixtures/reference-counts.json (micromind
// v0.2.1 run under PyTorch; the fixture's provenance says how), so a notebook can show the port's numbers
// next to the reference's. micromind counts parameters with model.parameters(): the trainable ones only.
// Batch norm's moving mean and variance are PyTorch buffers and are not counted, while tfjs's
// countParams() (and so the profiler's and NetCost's `total`) includes them: compare `trainable`.
import * as fs from "fs";
import * as path from "path";

export type NetFamily = "phinet" | "xinet";

/** What micromind reports for one configuration. */
export interface MicromindCounts {
  /** sum(p.numel() for p in model.parameters()): trainable parameters only. */
  params: number;
  /** Conv and linear multiply-accumulates (the course's convention). */
  macs: number;
  /** Output shape without the batch axis, PyTorch layout [C, H, W] (or [numClasses]). */
  outShape: number[];
}

interface FixtureRecord {
  family: NetFamily;
  options: Record<string, unknown>;
  params?: number;
  macs?: number;
  outShape?: number[];
  referenceError?: string;
}

const FIXTURE = path.join(__dirname, "fixtures", "reference-counts.json");

let records: FixtureRecord[] | null = null;
function fixtureRecords(): FixtureRecord[] {
  records ??= (JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as { configs: FixtureRecord[] }).configs;
  return records;
}

/** JSON with object keys sorted, so that option objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * micromind's counts for exactly these options (as measured; e.g. `{ inputShape: [3, 224, 224] }` is
 * micromind's default network). Throws if the fixture has no such configuration, or if micromind itself
 * could not build it.
 */
export function micromindCounts(family: NetFamily, options: Record<string, unknown>): MicromindCounts {
  if (family !== "phinet" && family !== "xinet") {
    throw new RangeError(`micromindCounts: family must be "phinet" or "xinet", got ${JSON.stringify(family)}`);
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`micromindCounts: options must be an options object like { inputShape: [3, 224, 224] }, got ${JSON.stringify(options)}`);
  }
  const key = canonical(options);
  const found = fixtureRecords().find((r) => r.family === family && canonical(r.options) === key);
  if (!found) {
    const measured = fixtureRecords().filter((r) => r.family === family).length;
    throw new RangeError(
      `micromindCounts: ${family} ${key} was not measured on micromind (${measured} ${family} configurations are, ` +
        `listed in course-lib/nets/fixtures/reference-counts.json); e.g. { inputShape: [3, 224, 224] } is micromind's default`,
    );
  }
  if (found.referenceError !== undefined || found.params === undefined || found.macs === undefined || !found.outShape) {
    throw new RangeError(`micromindCounts: micromind itself cannot run ${family} ${key}: ${found.referenceError ?? "no counts recorded"}`);
  }
  return { params: found.params, macs: found.macs, outShape: [...found.outShape] };
}
