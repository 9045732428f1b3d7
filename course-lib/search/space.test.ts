// Search spaces: the checks name the dimension and the problem; fromUnit / encode against the cell geometry
// worked out by hand (integers uniform over their cells, categoricals by arg-max, log-reals geometric);
// grids and exhaustive enumerations against nested loops written here.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../data/random";
import {
  allConfigs,
  canonical,
  checkConfig,
  checkSpace,
  configKey,
  encode,
  fromUnit,
  gridConfigs,
  spaceSize,
  unitWidth,
  type Config,
  type Dimension,
  type Space,
} from "./space";

/** The header's example space: all four types. */
const TALK: Space = [
  { name: "dropout", type: "real", low: 0, high: 0.5 },
  { name: "lr", type: "log-real", low: 1e-4, high: 1e-2 },
  { name: "filters", type: "integer", low: 4, high: 32 },
  { name: "activation", type: "categorical", values: ["relu", "relu6"] },
];

/** A mixed space whose real bounds are dyadic (no round-off at the ends), for the round-trip properties. */
const MIXED: Space = [
  { name: "a", type: "real", low: -1, high: 3 },
  { name: "lr", type: "log-real", low: 0.001, high: 1 },
  { name: "n", type: "integer", low: -3, high: 4 },
  { name: "act", type: "categorical", values: ["relu", "tanh", "gelu"] },
  { name: "k", type: "integer", low: 4, high: 32 },
];

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("checkSpace names the dimension and the problem", () => {
  const cases: [string, unknown, RegExp][] = [
    ["empty space", [], /space must be a non-empty array of dimensions, got \[\]/],
    ["not an array", { name: "x" }, /space must be a non-empty array of dimensions/],
    ["not an object", [null], /space: dimension 0 must be an object, got null/],
    ["missing name", [{ type: "real", low: 0, high: 1 }], /space: dimension 0 needs a non-empty name, got undefined/],
    ["empty name", [{ name: "", type: "real", low: 0, high: 1 }], /dimension 0 needs a non-empty name, got ""/],
    [
      "duplicate name",
      [{ name: "x", type: "real", low: 0, high: 1 }, { name: "y", type: "integer", low: 0, high: 3 }, { name: "x", type: "integer", low: 0, high: 1 }],
      /space: dimension 2 \("x"\): the name is used twice/,
    ],
    ["unknown type", [{ name: "x", type: "float", low: 0, high: 1 }], /dimension 0 \("x"\): type must be one of real, log-real, integer, categorical, got "float"/],
    ["categorical without values", [{ name: "act", type: "categorical" }], /dimension 0 \("act"\): a categorical dimension needs a non-empty values array, got undefined/],
    ["categorical with empty values", [{ name: "act", type: "categorical", values: [] }], /dimension 0 \("act"\): a categorical dimension needs a non-empty values array, got \[\]/],
    ["categorical with repeated values", [{ name: "act", type: "categorical", values: ["relu", "tanh", "relu"] }], /dimension 0 \("act"\): values \["relu","tanh","relu"\] repeat a value/],
    ["categorical with an object value", [{ name: "act", type: "categorical", values: ["relu", { f: 1 }] }], /dimension 0 \("act"\): value \{"f":1\} must be a number, string or boolean/],
    ["inverted range", [{ name: "x", type: "real", low: 0, high: 1 }, { name: "lr", type: "real", low: 2, high: 1 }], /dimension 1 \("lr"\): the range \[2, 1\] is inverted \(low > high\)/],
    ["inverted integer range", [{ name: "k", type: "integer", low: 5, high: 4 }], /dimension 0 \("k"\): the range \[5, 4\] is inverted/],
    ["empty real range", [{ name: "x", type: "real", low: 1, high: 1 }], /dimension 0 \("x"\): the range \[1, 1\] is empty \(low = high\)/],
    ["empty log-real range", [{ name: "lr", type: "log-real", low: 0.1, high: 0.1 }], /dimension 0 \("lr"\): the range \[0.1, 0.1\] is empty/],
    ["log-real with low = 0", [{ name: "lr", type: "log-real", low: 0, high: 1 }], /dimension 0 \("lr"\): a log-real dimension needs low > 0, got 0/],
    ["log-real with low < 0", [{ name: "lr", type: "log-real", low: -2, high: 1 }], /dimension 0 \("lr"\): a log-real dimension needs low > 0, got -2/],
    ["integer with a fractional low", [{ name: "k", type: "integer", low: 0.5, high: 3 }], /dimension 0 \("k"\): an integer dimension needs whole bounds, got \[0.5, 3\]/],
    ["integer with a fractional high", [{ name: "k", type: "integer", low: 0, high: 2.5 }], /dimension 0 \("k"\): an integer dimension needs whole bounds, got \[0, 2.5\]/],
    ["missing bound", [{ name: "x", type: "real", low: 0 }], /dimension 0 \("x"\): low and high must be finite numbers, got low 0, high undefined/],
    ["infinite bound", [{ name: "x", type: "real", low: 0, high: Infinity }], /low and high must be finite numbers, got low 0, high Infinity/],
    ["NaN bound", [{ name: "x", type: "integer", low: Number.NaN, high: 3 }], /low and high must be finite numbers, got low NaN/],
  ];
  for (const [name, space, message] of cases) {
    it(name, () => {
      expect(() => checkSpace(space as Space)).toThrowError(RangeError);
      expect(() => checkSpace(space as Space)).toThrowError(message);
    });
  }

  it("uses the caller's label, accepts constants that are legal, and returns the space itself", () => {
    expect(() => checkSpace([], "study.space")).toThrowError(/^study.space must be a non-empty array/);
    expect(checkSpace(TALK)).toBe(TALK);
    expect(checkSpace(MIXED)).toBe(MIXED);
    const legal: Space = [
      { name: "k", type: "integer", low: 3, high: 3 }, // a constant integer is allowed
      { name: "c", type: "categorical", values: [true] },
      { name: "m", type: "categorical", values: [1, "1", false] }, // 1 and "1" are different values
      { name: "lr", type: "log-real", low: 1e-300, high: 1e300 },
    ];
    expect(checkSpace(legal)).toBe(legal);
  });
});

describe("fromUnit and encode", () => {
  it("unitWidth counts one coordinate per real or integer and one per categorical value", () => {
    expect(unitWidth(TALK)).toBe(5);
    expect(unitWidth(MIXED)).toBe(7);
    expect(() => fromUnit(MIXED, [0.5, 0.5])).toThrowError(/fromUnit: the point has 2 coordinates; the space needs 7/);
  });

  it("encode(fromUnit(u)) is a fixed point: canonical twice = canonical once, same configuration", () => {
    const rand = mulberry32(4242);
    const width = unitWidth(MIXED);
    for (let trial = 0; trial < 500; trial++) {
      const u = Array.from({ length: width }, () => rand());
      const config = fromUnit(MIXED, u);
      expect(checkConfig(MIXED, config)).toBe(config);
      const once = canonical(MIXED, u);
      expect(once).toEqual(encode(MIXED, config));
      const twice = canonical(MIXED, once);
      const again = fromUnit(MIXED, once);
      // integer and categorical coordinates: exactly; real and log-real: to round-off
      expect(again.n).toBe(config.n);
      expect(again.k).toBe(config.k);
      expect(again.act).toBe(config.act);
      expect(configKey(MIXED, fromUnit(MIXED, twice))).toBe(configKey(MIXED, again));
      for (const j of [2, 3, 4, 5, 6]) expect(twice[j]).toBe(once[j]);
      for (const j of [0, 1]) expect(Math.abs(twice[j] - once[j])).toBeLessThan(1e-14);
      expect(rel(again.a as number, config.a as number) < 1e-14 || Math.abs((again.a as number) - (config.a as number)) < 1e-15).toBe(true);
      expect(rel(again.lr as number, config.lr as number)).toBeLessThan(1e-13);
      // the canonical point of an integer is the centre of its cell, of a categorical a one-hot vector
      expect(once[2]).toBe(((config.n as number) + 3 + 0.5) / 8);
      expect([once[3], once[4], once[5]].sort()).toEqual([0, 0, 1]);
    }
  });

  it("puts an integer uniformly over its cells: u in [k/n, (k+1)/n) gives low + k, u = 1 gives high", () => {
    // n = 8 cells: the boundaries k/8 are exact in binary
    const eight: Space = [{ name: "n", type: "integer", low: -3, high: 4 }];
    for (let k = 0; k < 8; k++) {
      for (const u of [k / 8, (k + 0.5) / 8, (k + 1) / 8 - 2 ** -40]) expect(fromUnit(eight, [u]).n, `u ${u}`).toBe(-3 + k);
    }
    expect(fromUnit(eight, [1]).n).toBe(4);
    // n = 29 cells (not a power of 2): points inside each cell
    const odd: Space = [{ name: "k", type: "integer", low: 4, high: 32 }];
    for (let k = 0; k < 29; k++) {
      for (const f of [1e-9, 0.25, 0.5, 1 - 1e-9]) expect(fromUnit(odd, [(k + f) / 29]).k, `cell ${k}, f ${f}`).toBe(4 + k);
    }
    expect(fromUnit(odd, [1]).k).toBe(32);
    // equal cell widths: a fine uniform grid of u hits every value the same number of times (±1)
    const hits = new Map<number, number>();
    for (let i = 0; i < 29 * 1000; i++) {
      const v = fromUnit(odd, [(i + 0.5) / (29 * 1000)]).k as number;
      hits.set(v, (hits.get(v) ?? 0) + 1);
    }
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, i) => 4 + i));
    for (const c of hits.values()) expect(Math.abs(c - 1000)).toBeLessThanOrEqual(1);
    // a constant integer, and clipping outside [0, 1]
    expect(fromUnit([{ name: "c", type: "integer", low: 3, high: 3 }], [0.99]).c).toBe(3);
    expect(fromUnit(odd, [-0.5]).k).toBe(4);
    expect(fromUnit(odd, [7]).k).toBe(32);
  });

  it("takes the arg-max of a categorical's coordinates, ties going to the first value", () => {
    const cat: Space = [{ name: "c", type: "categorical", values: ["a", "b", "c"] }];
    const table: [number[], string][] = [
      [[0.9, 0.1, 0.2], "a"],
      [[0.1, 0.9, 0.2], "b"],
      [[0.1, 0.2, 0.3], "c"],
      [[0.5, 0.5, 0.5], "a"],
      [[0.2, 0.7, 0.7], "b"],
      [[0.7, 0.2, 0.7], "a"],
      [[0, 0, 0], "a"],
      [[0, 0, 1], "c"],
    ];
    for (const [u, v] of table) expect(fromUnit(cat, u).c, JSON.stringify(u)).toBe(v);
    expect(encode(cat, { c: "b" })).toEqual([0, 1, 0]);
  });

  it("maps a log-real geometrically: u = 0.5 gives √(low·high), u = ¼ gives low^¾·high^¼", () => {
    for (const [low, high] of [
      [1e-4, 1e-2],
      [0.001, 1],
      [2, 7],
      [1e-8, 10],
    ]) {
      const lr: Space = [{ name: "lr", type: "log-real", low, high }];
      expect(rel(fromUnit(lr, [0.5]).lr as number, Math.sqrt(low * high))).toBeLessThan(1e-14);
      expect(rel(fromUnit(lr, [0.25]).lr as number, low ** 0.75 * high ** 0.25)).toBeLessThan(1e-14);
      // equal steps in u are equal ratios
      const q = [0.1, 0.2, 0.3].map((u) => fromUnit(lr, [u]).lr as number);
      expect(rel(q[1] / q[0], q[2] / q[1])).toBeLessThan(1e-13);
      expect(encode(lr, { lr: Math.sqrt(low * high) })[0]).toBeCloseTo(0.5, 13);
    }
    // a real is affine
    expect(fromUnit([{ name: "x", type: "real", low: -1, high: 3 }], [0.25]).x).toBe(0);
  });

  it("maps u = 0 and u = 1 to configurations encode accepts (low and high, up to round-off inside the range)", () => {
    // The header's own example space: lr in [1e-4, 1e-2] and, e.g., a real in [0.3, 0.9] and a log-real in
    // [0.1, 10]. fromUnit computes exp(log low + t(log high − log low)) and low + t(high − low) without
    // clamping, which can land an ulp outside [low, high]; encode/checkConfig then reject the configuration.
    const spaces: Space[] = [
      TALK,
      [{ name: "x", type: "real", low: 0.3, high: 0.9 }],
      [{ name: "lr", type: "log-real", low: 0.1, high: 10 }],
      [{ name: "lr", type: "log-real", low: 1e-5, high: 0.1 }],
    ];
    for (const space of spaces) {
      const width = unitWidth(space);
      for (const t of [0, 1]) {
        const config = fromUnit(space, new Array<number>(width).fill(t));
        expect(() => encode(space, config), `${JSON.stringify(space)} at u = ${t}: ${JSON.stringify(config)}`).not.toThrow();
        for (const d of space) {
          if (d.type === "categorical") continue;
          const v = config[d.name] as number;
          expect(v >= (d.low as number) && v <= (d.high as number), `${d.name} = ${v} at u = ${t}`).toBe(true);
          const end = t === 0 ? (d.low as number) : (d.high as number);
          expect(Math.abs(v - end), `${d.name} = ${v} at u = ${t}`).toBeLessThanOrEqual(1e-14 * Math.abs(end));
        }
      }
    }
  });

  it("encode puts reals and log-reals on [0, 1] and integers at their cell centres", () => {
    expect(encode(MIXED, { a: -1, lr: 1, n: -3, act: "gelu", k: 32 })).toEqual([0, 1, 0.5 / 8, 0, 0, 1, 28.5 / 29]);
    expect(encode(MIXED, { a: 3, lr: 0.001, n: 4, act: "relu", k: 4 })).toEqual([1, 0, 7.5 / 8, 1, 0, 0, 0.5 / 29]);
    expect(encode(MIXED, { a: 1, lr: 0.001, n: 0, act: "tanh", k: 18 })).toEqual([0.5, 0, 3.5 / 8, 0, 1, 0, 14.5 / 29]);
  });
});

describe("checkConfig", () => {
  const good: Config = { a: 0.5, lr: 0.01, n: 2, act: "tanh", k: 10 };
  it("accepts a valid configuration and returns it", () => {
    expect(checkConfig(MIXED, good)).toBe(good);
    expect(checkConfig(MIXED, { a: -1, lr: 1, n: 4, act: "relu", k: 4 })).toBeDefined(); // bounds are inclusive
  });
  const cases: [string, unknown, RegExp][] = [
    ["not an object", null, /configuration must be an object, got null/],
    ["an unknown key", { ...good, extra: 1 }, /configuration: "extra" is not a dimension of the space \(a, lr, n, act, k\)/],
    ["a missing dimension", { a: 0.5, lr: 0.01, n: 2, act: "tanh" }, /configuration: k = undefined is not a whole number in \[4, 32\]/],
    ["a value not in the categorical", { ...good, act: "sigmoid" }, /configuration: act = "sigmoid" is not one of \["relu","tanh","gelu"\]/],
    ["a categorical value of the wrong type", { ...good, act: 1 }, /act = 1 is not one of/],
    ["a real below its range", { ...good, a: -1.5 }, /configuration: a = -1.5 is not a number in \[-1, 3\]/],
    ["a log-real above its range", { ...good, lr: 2 }, /configuration: lr = 2 is not a number in \[0.001, 1\]/],
    ["a string for a number", { ...good, a: "0.5" }, /a = "0.5" is not a number in \[-1, 3\]/],
    ["NaN", { ...good, a: Number.NaN }, /a = null is not a number/],
    ["a fractional integer", { ...good, n: 1.5 }, /configuration: n = 1.5 is not a whole number in \[-3, 4\]/],
    ["an integer out of range", { ...good, k: 33 }, /k = 33 is not a whole number in \[4, 32\]/],
  ];
  for (const [name, config, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => checkConfig(MIXED, config as Config)).toThrowError(RangeError);
      expect(() => checkConfig(MIXED, config as Config)).toThrowError(message);
      expect(() => encode(MIXED, config as Config)).toThrowError(message);
    });
  }
  it("uses the caller's label", () => {
    expect(() => checkConfig(MIXED, { ...good, k: 0 }, "trial 3")).toThrowError(/^trial 3: k = 0/);
  });
});

describe("spaceSize", () => {
  it("multiplies the integer ranges and categorical counts; Infinity with a real or log-real", () => {
    expect(spaceSize([{ name: "n", type: "integer", low: 0, high: 4 }, { name: "c", type: "categorical", values: ["a", "b", "c"] }])).toBe(15);
    expect(spaceSize([{ name: "n", type: "integer", low: -3, high: 4 }])).toBe(8);
    expect(spaceSize([{ name: "n", type: "integer", low: 7, high: 7 }, { name: "c", type: "categorical", values: [true, false] }])).toBe(2);
    expect(spaceSize(MIXED)).toBe(Infinity);
    expect(spaceSize([{ name: "c", type: "categorical", values: [1] }, { name: "lr", type: "log-real", low: 1, high: 2 }])).toBe(Infinity);
  });
});

describe("gridConfigs", () => {
  const keys = (space: Space, configs: Config[]) => configs.map((c) => configKey(space, c));
  const valid = (space: Space, configs: Config[]) => {
    for (const c of configs) expect(() => checkConfig(space, c), JSON.stringify(c)).not.toThrow();
    expect(new Set(keys(space, configs)).size, "no duplicates").toBe(configs.length);
  };

  it("two reals with budget 10: the 3 × 3 grid (ends and middle), last dimension fastest", () => {
    const space: Space = [
      { name: "x", type: "real", low: 0, high: 1 },
      { name: "y", type: "real", low: -2, high: 2 },
    ];
    const grid = gridConfigs(space, 10);
    expect(grid).toHaveLength(9);
    valid(space, grid);
    const expected: Config[] = [];
    for (const x of [0, 0.5, 1]) for (const y of [-2, 0, 2]) expected.push({ x, y });
    expect(grid).toEqual(expected);
    expect(gridConfigs(space, 9)).toHaveLength(9);
    expect(gridConfigs(space, 8)).toHaveLength(8); // 2×1 → 2×2 → 3×2 → (3×3 = 9 too many) → 4×2
    expect(gridConfigs(space, 5)).toHaveLength(4); // 2 × 2
    expect(gridConfigs(space, 16)).toHaveLength(16);
  });

  it("a categorical with 2 values and a real with budget 10: 2 × 5", () => {
    const space: Space = [
      { name: "opt", type: "categorical", values: ["adam", "sgd"] },
      { name: "x", type: "real", low: 0, high: 1 },
    ];
    const grid = gridConfigs(space, 10);
    expect(grid).toHaveLength(10);
    valid(space, grid);
    expect(grid.map((c) => c.opt)).toEqual([...new Array(5).fill("adam"), ...new Array(5).fill("sgd")]);
    expect(grid.slice(0, 5).map((c) => c.x)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it("caps integers and categoricals at their number of values and spends the rest on the others", () => {
    const space: Space = [
      { name: "k", type: "integer", low: 0, high: 2 },
      { name: "c", type: "categorical", values: ["a"] },
      { name: "x", type: "real", low: 0, high: 1 },
    ];
    const grid = gridConfigs(space, 100);
    expect(grid).toHaveLength(99); // 3 × 1 × 33
    valid(space, grid);
    expect([...new Set(grid.map((c) => c.k))]).toEqual([0, 1, 2]);
    // a budget of 1 is the centre
    expect(gridConfigs(space, 1)).toEqual([{ k: 1, c: "a", x: 0.5 }]);
    // an integer with fewer levels than values spreads them over its range
    const wide: Space = [{ name: "k", type: "integer", low: 4, high: 32 }, { name: "x", type: "real", low: 0, high: 1 }];
    const g = gridConfigs(wide, 25);
    expect(g).toHaveLength(25);
    valid(wide, g);
    expect([...new Set(g.map((c) => c.k))]).toEqual([4, 11, 18, 25, 32]);
  });

  it("every grid point of the header's example space is a valid configuration (log-real included)", () => {
    for (const budget of [1, 2, 7, 16, 30, 100]) {
      const grid = gridConfigs(TALK, budget);
      expect(grid.length).toBeLessThanOrEqual(budget);
      valid(TALK, grid);
    }
    // log-real levels are geometric
    const lr = [...new Set(gridConfigs([{ name: "lr", type: "log-real", low: 1e-4, high: 1 }], 5).map((c) => c.lr as number))];
    expect(lr).toHaveLength(5);
    [1e-4, 1e-3, 1e-2, 1e-1, 1].forEach((v, i) => expect(rel(lr[i], v)).toBeLessThan(1e-14));
  });

  it("is the largest balanced grid: adding a level to any dimension would exceed the budget", () => {
    const space: Space = [
      { name: "x", type: "real", low: 0, high: 1 },
      { name: "k", type: "integer", low: 1, high: 4 },
      { name: "y", type: "real", low: 0, high: 1 },
    ];
    for (const budget of [1, 5, 8, 12, 27, 50, 64, 200]) {
      const grid = gridConfigs(space, budget);
      valid(space, grid);
      const levels = space.map((d) => new Set(grid.map((c) => c[d.name])).size);
      expect(levels.reduce((p, l) => p * l, 1)).toBe(grid.length); // a full grid
      expect(grid.length).toBeLessThanOrEqual(budget);
      levels.forEach((l, i) => {
        if (i === 1 && l === 4) return; // the integer has only 4 values
        expect(grid.length / l * (l + 1), `budget ${budget}, dimension ${i}`).toBeGreaterThan(budget);
      });
    }
  });

  it("rejects a bad budget and a bad space", () => {
    for (const b of [0, -1, 2.5, Number.NaN]) expect(() => gridConfigs(MIXED, b)).toThrowError(new RegExp(`gridConfigs: budget must be a positive integer, got ${String(b)}`));
    expect(() => gridConfigs([], 4)).toThrowError(/non-empty array/);
  });
});

describe("allConfigs and configKey", () => {
  it("enumerates every configuration of integer × categorical exactly once", () => {
    const space: Space = [
      { name: "n", type: "integer", low: 0, high: 4 },
      { name: "c", type: "categorical", values: ["a", "b", "c"] },
      { name: "flag", type: "categorical", values: [true, false] },
    ];
    const all = allConfigs(space);
    expect(all).toHaveLength(spaceSize(space));
    const expected: string[] = [];
    for (let n = 0; n <= 4; n++) for (const c of ["a", "b", "c"]) for (const flag of [true, false]) expected.push(configKey(space, { n, c, flag }));
    const got = all.map((c) => configKey(space, c));
    expect(new Set(got).size).toBe(30);
    expect([...got].sort()).toEqual([...expected].sort());
    for (const c of all) expect(checkConfig(space, c)).toBe(c);
    expect(allConfigs([{ name: "k", type: "integer", low: -2, high: 2 }]).map((c) => c.k)).toEqual([-2, -1, 0, 1, 2]);
  });

  it("refuses a space with a real dimension", () => {
    expect(() => allConfigs(MIXED)).toThrowError(/allConfigs: the space has a real dimension/);
  });

  it("configKey is equal for equal configurations (any key order) and differs otherwise", () => {
    const a: Config = { a: 0.5, lr: 0.01, n: 2, act: "tanh", k: 10 };
    const b: Config = { k: 10, act: "tanh", n: 2, lr: 0.01, a: 0.5 };
    expect(configKey(MIXED, a)).toBe(configKey(MIXED, b));
    expect(configKey(MIXED, { ...a })).toBe(configKey(MIXED, a));
    expect(configKey(MIXED, { ...a, n: 3 })).not.toBe(configKey(MIXED, a));
    expect(configKey(MIXED, { ...a, a: 0.5000000000000001 })).not.toBe(configKey(MIXED, a));
    const m: Dimension[] = [{ name: "m", type: "categorical", values: [1, "1"] }];
    expect(configKey(m, { m: 1 })).not.toBe(configKey(m, { m: "1" }));
    // without reals, a configuration and its round trip through the unit cube share a key exactly
    const discrete: Space = [MIXED[2], MIXED[3], MIXED[4]];
    for (const c of allConfigs(discrete)) expect(configKey(discrete, fromUnit(discrete, encode(discrete, c)))).toBe(configKey(discrete, c));
  });
});
