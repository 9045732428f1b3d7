// Reproducible initial weights for networks whose builders take no seed (phinet(), xinet(), ...).
// tfjs's initialisers accept a seed, but a builder that does not pass one makes each initialiser draw its
// seed from Math.random (tfjs-core rand_util.ts). Running the builder with Math.random temporarily replaced
// by a seeded generator (course-lib/data/random.ts) therefore fixes every initial weight, so a notebook's
// training run starts from the same network every time. Only the build is seeded: Math.random is restored
// before this returns (and if the builder throws), so training-time randomness such as dropout is not.
import { mulberry32 } from "../data/random";

/** Runs `build` (e.g. `() => phinet(options)`) with Math.random replaced by a generator seeded with `seed`. */
export function withSeededRandom<T>(seed: number, build: () => T): T {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`withSeededRandom: seed must be a non-negative integer, got ${String(seed)}`);
  if (typeof build !== "function") throw new TypeError("withSeededRandom: build must be a function that builds the model");
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return build();
  } finally {
    Math.random = original;
  }
}

/**
 * withSeededRandom for an async `run` (e.g. building and then fitting a model): Math.random stays seeded
 * across its awaits, so training-time draws such as dropout are reproducible too. Nothing else may use
 * Math.random while `run` is pending.
 */
export async function withSeededRandomAsync<T>(seed: number, run: () => Promise<T>): Promise<T> {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`withSeededRandomAsync: seed must be a non-negative integer, got ${String(seed)}`);
  if (typeof run !== "function") throw new TypeError("withSeededRandomAsync: run must be a function returning a promise");
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return await run();
  } finally {
    Math.random = original;
  }
}
