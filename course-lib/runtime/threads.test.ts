// The threaded wasm build (COURSE_THREADS ≥ 2): it starts, reports its threads, lets the process exit, and
// trains exactly as the single-threaded build does (which kernels.test.ts and training-step.test.ts check
// against the cpu backend). Each thread count needs its own process: the build is fixed at first start.
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { requestedThreads } from "./wasm-threads";

const REPO = path.resolve(__dirname, "..", "..");

function threadCheck(threads: string, extra: string[] = []): { threads: number; detail: string; losses: Record<string, number[]> } {
  const env: NodeJS.ProcessEnv = { ...process.env, COURSE_THREADS: threads };
  delete env.COURSE_BACKEND;
  const res = spawnSync(process.execPath, [require.resolve("tsx/cli", { paths: [REPO] }), path.join(__dirname, "thread-check.ts"), "3", ...extra], {
    cwd: REPO,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = (res.stdout ?? "").split("\n").find((l) => l.startsWith("THREAD_CHECK "));
  if (res.status !== 0 || !line) throw new Error(`thread-check with COURSE_THREADS=${threads} failed (status ${res.status}, signal ${res.signal}):\n${res.stderr}`);
  return JSON.parse(line.slice("THREAD_CHECK ".length));
}

describe("COURSE_THREADS", () => {
  const saved = process.env.COURSE_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.COURSE_THREADS;
    else process.env.COURSE_THREADS = saved;
  });

  it("is 1 by default, a positive integer or 'all' when set, and names a bad value", () => {
    delete process.env.COURSE_THREADS;
    expect(requestedThreads()).toEqual({ threads: 1, source: "the default; COURSE_THREADS=all uses every core" });
    process.env.COURSE_THREADS = "1";
    expect(requestedThreads()).toEqual({ threads: 1, source: "COURSE_THREADS=1" });
    process.env.COURSE_THREADS = "3";
    expect(requestedThreads()).toEqual({ threads: 3, source: "COURSE_THREADS=3" });
    process.env.COURSE_THREADS = "ALL";
    expect(requestedThreads().threads).toBe(os.availableParallelism());
    for (const bad of ["0", "-2", "1.5", "two", "65"]) {
      process.env.COURSE_THREADS = bad;
      expect(() => requestedThreads(), bad).toThrow(new RegExp(`COURSE_THREADS="${bad.replace(".", "\\.")}".*integer from 1 to 64 or "all"`));
    }
  });

  it("two threads: the threaded build starts, exits, and gives the single-threaded losses bit for bit, run after run", () => {
    const one = threadCheck("1");
    const twoA = threadCheck("2");
    const twoB = threadCheck("2");
    // Built for two, then dropped to one (what lesson 02's operator timings do).
    const dropped = threadCheck("2", ["--one-thread"]);
    expect(one.threads).toBe(1);
    expect(twoA.threads).toBe(2);
    expect(twoA.detail).toMatch(/2 threads: COURSE_THREADS=2/);
    expect(dropped.threads).toBe(1);
    expect(dropped.detail).toMatch(/1 thread: thread-check --one-thread \(built for 2: COURSE_THREADS=2\)/);
    for (const name of ["bench", "lenet", "phinet-like"]) {
      expect(twoA.losses[name]).toHaveLength(3);
      expect(twoA.losses[name].every(Number.isFinite)).toBe(true);
      // Training moves the loss: a frozen or broken step would repeat the first value.
      expect(twoA.losses[name][2]).not.toBe(twoA.losses[name][0]);
      expect(twoB.losses[name], name).toEqual(twoA.losses[name]);
      expect(twoA.losses[name], name).toEqual(one.losses[name]);
      expect(dropped.losses[name], name).toEqual(one.losses[name]);
    }
  }, 300_000);
});
