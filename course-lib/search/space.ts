// Search spaces: the dimensions a configuration is made of, and the unit cube every searcher works in.
//
// A space mixes four kinds of dimension (the AutoTinyML talk's table: filters, kernel size, pooling,
// dropout, dense units, activation, optimizer):
//   { name: "dropout", type: "real", low: 0, high: 0.5 }
//   { name: "lr", type: "log-real", low: 1e-4, high: 1e-2 }          uniform in log(lr)
//   { name: "filters", type: "integer", low: 4, high: 32 }           every whole number in [low, high]
//   { name: "activation", type: "categorical", values: ["relu", "relu6"] }
//
// Searchers propose points u in [0, 1]^width (one coordinate per real or integer dimension, one per value of
// a categorical one); fromUnit turns u into a configuration, rounding integers and taking the arg-max of a
// categorical's coordinates. encode(config) is the canonical point of a configuration, so the GP's kernel
// sees encode(fromUnit(u)): rounding inside the kernel (Garrido-Merchán & Hernández-Lobato 2020). The GP then
// models a piecewise-constant function of u, which is what the objective is, and two u that round to the same
// configuration are the same point, so a searcher can refuse to propose a configuration twice.

export type DimensionType = "real" | "log-real" | "integer" | "categorical";
export type ConfigValue = number | string | boolean;

export interface Dimension {
  name: string;
  type: DimensionType;
  /** Lower bound (real, log-real, integer). */
  low?: number;
  /** Upper bound, inclusive (real, log-real, integer). */
  high?: number;
  /** The choices of a categorical dimension. */
  values?: readonly ConfigValue[];
}

export type Space = readonly Dimension[];
export type Config = Record<string, ConfigValue>;

const TYPES: readonly DimensionType[] = ["real", "log-real", "integer", "categorical"];

function describeDim(d: Dimension, i: number): string {
  return `dimension ${i} (${JSON.stringify(d?.name)})`;
}

/** Checks a space and throws a RangeError naming the dimension and what is wrong. Returns the space. */
export function checkSpace(space: Space, what = "space"): Space {
  if (!Array.isArray(space) || space.length === 0) {
    throw new RangeError(`${what} must be a non-empty array of dimensions, got ${JSON.stringify(space)}`);
  }
  const names = new Set<string>();
  space.forEach((d, i) => {
    if (d === null || typeof d !== "object") throw new RangeError(`${what}: dimension ${i} must be an object, got ${JSON.stringify(d)}`);
    const where = `${what}: ${describeDim(d, i)}`;
    if (typeof d.name !== "string" || d.name === "") throw new RangeError(`${what}: dimension ${i} needs a non-empty name, got ${JSON.stringify(d.name)}`);
    if (names.has(d.name)) throw new RangeError(`${where}: the name is used twice`);
    names.add(d.name);
    if (!TYPES.includes(d.type)) throw new RangeError(`${where}: type must be one of ${TYPES.join(", ")}, got ${JSON.stringify(d.type)}`);
    if (d.type === "categorical") {
      if (!Array.isArray(d.values) || d.values.length === 0) {
        throw new RangeError(`${where}: a categorical dimension needs a non-empty values array, got ${JSON.stringify(d.values)}`);
      }
      const seen = new Set((d.values as readonly ConfigValue[]).map((v) => JSON.stringify(v)));
      if (seen.size !== d.values.length) throw new RangeError(`${where}: values ${JSON.stringify(d.values)} repeat a value`);
      for (const v of d.values) {
        if (!["number", "string", "boolean"].includes(typeof v)) throw new RangeError(`${where}: value ${JSON.stringify(v)} must be a number, string or boolean`);
      }
      return;
    }
    const { low, high } = d;
    if (typeof low !== "number" || !Number.isFinite(low) || typeof high !== "number" || !Number.isFinite(high)) {
      throw new RangeError(`${where}: low and high must be finite numbers, got low ${String(low)}, high ${String(high)}`);
    }
    if (low > high) throw new RangeError(`${where}: the range [${low}, ${high}] is inverted (low > high)`);
    if (d.type === "integer") {
      if (!Number.isInteger(low) || !Number.isInteger(high)) throw new RangeError(`${where}: an integer dimension needs whole bounds, got [${low}, ${high}]`);
      return;
    }
    if (low === high) throw new RangeError(`${where}: the range [${low}, ${high}] is empty (low = high); use a categorical with one value for a constant`);
    if (d.type === "log-real" && low <= 0) throw new RangeError(`${where}: a log-real dimension needs low > 0, got ${low}`);
  });
  return space;
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, v));
}

/** Coordinates of the unit cube: one per real or integer dimension, one per value of a categorical. */
export function unitWidth(space: Space): number {
  return space.reduce((n, d) => n + (d.type === "categorical" ? (d.values as ConfigValue[]).length : 1), 0);
}

/** The configuration at u ∈ [0, 1]^width (coordinates outside [0, 1] are clipped). */
export function fromUnit(space: Space, u: readonly number[]): Config {
  if (u.length !== unitWidth(space)) throw new RangeError(`fromUnit: the point has ${u.length} coordinates; the space needs ${unitWidth(space)}`);
  const config: Config = {};
  let k = 0;
  for (const d of space) {
    if (d.type === "categorical") {
      const values = d.values as ConfigValue[];
      let best = 0;
      for (let j = 1; j < values.length; j++) if (u[k + j] > u[k + best]) best = j;
      config[d.name] = values[best];
      k += values.length;
      continue;
    }
    const t = Math.min(1, Math.max(0, u[k++]));
    const low = d.low as number;
    const high = d.high as number;
    // Clamped: low + 1·(high − low) and exp(log high) can round one ulp outside the range.
    if (d.type === "real") config[d.name] = clamp(low + t * (high - low), low, high);
    else if (d.type === "log-real") config[d.name] = clamp(Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))), low, high);
    else config[d.name] = Math.min(high, low + Math.floor(t * (high - low + 1)));
  }
  return config;
}

/** Checks that a configuration has a valid value for every dimension (and nothing else). */
export function checkConfig(space: Space, config: Config, what = "configuration"): Config {
  if (config === null || typeof config !== "object") throw new RangeError(`${what} must be an object, got ${JSON.stringify(config)}`);
  for (const key of Object.keys(config)) {
    if (!space.some((d) => d.name === key)) throw new RangeError(`${what}: ${JSON.stringify(key)} is not a dimension of the space (${space.map((d) => d.name).join(", ")})`);
  }
  for (const d of space) {
    const v = config[d.name];
    if (d.type === "categorical") {
      if (!(d.values as ConfigValue[]).some((x) => x === v)) {
        throw new RangeError(`${what}: ${d.name} = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.values)}`);
      }
      continue;
    }
    const low = d.low as number;
    const high = d.high as number;
    const ok = typeof v === "number" && Number.isFinite(v) && v >= low && v <= high && (d.type !== "integer" || Number.isInteger(v));
    if (!ok) throw new RangeError(`${what}: ${d.name} = ${JSON.stringify(v)} is not ${d.type === "integer" ? "a whole number" : "a number"} in [${low}, ${high}]`);
  }
  return config;
}

/**
 * The canonical point of a configuration in [0, 1]^width: reals and log-reals scaled to [0, 1], an integer
 * at the centre of its cell (value − low + ½) / (high − low + 1), a categorical one-hot.
 */
export function encode(space: Space, config: Config): number[] {
  checkConfig(space, config);
  const u: number[] = [];
  for (const d of space) {
    const v = config[d.name];
    if (d.type === "categorical") {
      for (const x of d.values as ConfigValue[]) u.push(x === v ? 1 : 0);
      continue;
    }
    const low = d.low as number;
    const high = d.high as number;
    if (d.type === "real") u.push(((v as number) - low) / (high - low));
    else if (d.type === "log-real") u.push((Math.log(v as number) - Math.log(low)) / (Math.log(high) - Math.log(low)));
    else u.push(((v as number) - low + 0.5) / (high - low + 1));
  }
  return u;
}

/** encode(fromUnit(u)): what the kernel sees of a proposal. */
export function canonical(space: Space, u: readonly number[]): number[] {
  return encode(space, fromUnit(space, u));
}

/** A string that is equal for equal configurations (values in the space's order). */
export function configKey(space: Space, config: Config): string {
  return JSON.stringify(space.map((d) => config[d.name]));
}

/** How many distinct configurations the space has: Infinity when a dimension is real. */
export function spaceSize(space: Space): number {
  let n = 1;
  for (const d of space) {
    if (d.type === "real" || d.type === "log-real") return Infinity;
    n *= d.type === "categorical" ? (d.values as ConfigValue[]).length : (d.high as number) - (d.low as number) + 1;
  }
  return n;
}

/** The values a grid takes along one dimension with `levels` points (fewer when the dimension has fewer values). */
export function gridLevels(d: Dimension, levels: number): ConfigValue[] {
  if (d.type === "categorical") return [...(d.values as ConfigValue[])].slice(0, Math.max(1, levels));
  const low = d.low as number;
  const high = d.high as number;
  if (d.type === "integer") {
    const count = Math.min(levels, high - low + 1);
    if (count === 1) return [Math.round((low + high) / 2)];
    return [...new Set(Array.from({ length: count }, (_, i) => Math.round(low + (i * (high - low)) / (count - 1))))];
  }
  if (levels === 1) return [d.type === "real" ? (low + high) / 2 : Math.sqrt(low * high)];
  return Array.from({ length: levels }, (_, i) => {
    const t = i / (levels - 1);
    return clamp(d.type === "real" ? low + t * (high - low) : Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))), low, high);
  });
}

/**
 * The largest full grid with at most `budget` points: levels are added to the dimensions in turn while the
 * product stays within the budget (a categorical's levels are its values in order, an integer's are spread
 * over its range). Points are listed in row-major order, the last dimension fastest.
 */
export function gridConfigs(space: Space, budget: number): Config[] {
  checkSpace(space);
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`gridConfigs: budget must be a positive integer, got ${budget}`);
  const maxLevels = space.map((d) => (d.type === "categorical" ? (d.values as ConfigValue[]).length : d.type === "integer" ? (d.high as number) - (d.low as number) + 1 : Infinity));
  const levels = space.map(() => 1);
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 0; i < space.length; i++) {
      if (levels[i] >= maxLevels[i]) continue;
      const product = levels.reduce((p, l, j) => p * (j === i ? l + 1 : l), 1);
      if (product <= budget) {
        levels[i]++;
        grew = true;
      }
    }
  }
  const axes = space.map((d, i) => gridLevels(d, levels[i]));
  let configs: Config[] = [{}];
  space.forEach((d, i) => {
    configs = configs.flatMap((c) => axes[i].map((v) => ({ ...c, [d.name]: v })));
  });
  return configs;
}

/** Every configuration of a space without real dimensions (for exhaustive candidates on small spaces). */
export function allConfigs(space: Space): Config[] {
  const size = spaceSize(space);
  if (!Number.isFinite(size)) throw new RangeError("allConfigs: the space has a real dimension, so infinitely many configurations");
  return gridConfigs(space, size);
}
