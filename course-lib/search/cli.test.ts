// `npm run search`: progress lines, the JSON it writes under build/search/, --repeat's summary, --resume
// continuing a run as if uninterrupted, problem modules, and one-line errors. Most cases call searchCli()
// in-process; one spawned run checks the real command (a TypeScript problem module, exit status 2 on error).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { searchCli, trialLine, UsageError } from "./cli";

const REPO = resolve(__dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "search-cli-"));

async function run(args: string[]): Promise<{ log: string[]; out: string[] }> {
  const log: string[] = [];
  const out: string[] = [];
  await searchCli(args, { log: (l) => log.push(l), out: (t) => out.push(t) });
  return { log, out };
}

const resultFile = (name: string) => JSON.parse(readFileSync(join(process.cwd(), "build", "search", `${name}.json`), "utf8"));

describe("npm run search", () => {
  it("prints a line per trial and writes every trial with the best so far", async () => {
    const { log, out } = await run(["--problem", "simionescu", "--method", "random", "--budget", "6", "--seed", "2", "--json"]);
    expect(log.filter((l) => /^trial [1-6]\/6 \[random\]/.test(l))).toHaveLength(6);
    const printed = JSON.parse(out[0]);
    const written = resultFile("simionescu-random-2");
    expect(written).toEqual(printed);
    expect(written.trials).toHaveLength(6);
    let best: number | null = null;
    for (const t of written.trials) {
      if (t.feasible && (best === null || t.value < best)) best = t.value;
      expect(t.bestSoFar).toBe(best);
    }
    expect(written.feasibleFraction).toBe(written.trials.filter((t: { feasible: boolean }) => t.feasible).length / 6);
  });

  it("--repeat K summarises the best feasible value over seeds S..S+K−1", async () => {
    const { out } = await run(["--problem", "branin-ellipses", "--method", "svm-cbo", "--budget", "12", "--seed", "5", "--repeat", "3", "--initial-points", "4", "--json"]);
    const r = JSON.parse(out[0]);
    expect(r.seeds).toEqual([5, 6, 7]);
    expect(r.convergence.trials).toHaveLength(12);
    const finals = r.runs.map((x: { trials: { bestSoFar: number | null }[] }) => x.trials[11].bestSoFar).sort((a: number, b: number) => a - b);
    expect(r.convergence.median[11]).toBeCloseTo(finals[1], 12);
    expect(resultFile("branin-ellipses-svm-cbo-5x3").convergence).toEqual(r.convergence);
  });

  it("--resume continues a saved run exactly as the uninterrupted one", async () => {
    const common = ["--problem", "rosenbrock-disk", "--method", "svm-cbo", "--seed", "9", "--initial-points", "4", "--phase1-budget", "3", "--json"];
    const whole = JSON.parse((await run([...common, "--budget", "14"])).out[0]);
    const part = JSON.parse((await run([...common, "--budget", "7"])).out[0]);
    const saved = join(scratch, "part.json");
    writeFileSync(saved, JSON.stringify(part));
    const resumed = JSON.parse((await run(["--problem", "rosenbrock-disk", "--resume", saved, "--budget", "14", "--json"])).out[0]);
    const strip = (ts: { config: unknown; value?: number; phase: string }[]) => ts.map((t) => [t.config, t.value, t.phase]);
    expect(strip(resumed.trials)).toEqual(strip(whole.trials));
    await expect(run(["--problem", "rosenbrock-disk", "--resume", saved, "--budget", "14", "--margin", "1"])).rejects.toThrow(/--resume continues with the saved search's options; drop --margin/);
  });

  it("searches a problem module's default export", async () => {
    const file = join(scratch, "parabola.js");
    writeFileSync(file, `exports.default = { name: "parabola", space: [{ name: "a", type: "integer", low: -3, high: 3 }],
      evaluate: (c) => (c.a === 3 ? { feasible: false } : { feasible: true, value: (c.a - 1) ** 2 }) };`);
    const { out } = await run(["--problem", file, "--method", "grid", "--budget", "7", "--json"]);
    const r = JSON.parse(out[0]);
    expect(r.best.config).toEqual({ a: 1 });
    expect(r.trials.map((t: { config: { a: number } }) => t.config.a)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it("names what is wrong", async () => {
    const noEvaluate = join(scratch, "no-evaluate.js");
    writeFileSync(noEvaluate, `exports.default = { name: "half", space: [{ name: "a", type: "real", low: 0, high: 1 }] };`);
    const emptyRange = join(scratch, "empty-range.js");
    writeFileSync(emptyRange, `exports.default = { name: "flat", space: [{ name: "a", type: "real", low: 1, high: 1 }], evaluate: () => ({ feasible: false }) };`);
    const notState = join(scratch, "not-state.json");
    writeFileSync(notState, "{}");
    const cases: [string[], RegExp][] = [
      [["--method", "random", "--budget", "3"], /--problem is required/],
      [["--problem", "simionescu", "--budget", "3"], /--method is required/],
      [["--problem", "simionescu", "--method", "bayes", "--budget", "3"], /--method "bayes" is not one of grid, random, bo-penalty, bo-feasible, svm-cbo/],
      [["--problem", "simionescu", "--method", "random"], /--budget is required/],
      [["--problem", "simionescu", "--method", "random", "--budget", "abc"], /--budget must be an integer >= 1, got "abc"/],
      [["--problem", "simionescu", "--method", "random", "--budget", "3", "--frob"], /unknown option --frob/],
      [["--problem", "simionescu", "--method", "random", "--budget", "3", "stray"], /unexpected argument "stray"/],
      [["--problem", "simionescu", "--problem", "x", "--method", "random", "--budget", "3"], /--problem given twice/],
      [["--problem", "nowhere", "--method", "random", "--budget", "3"], /neither a builtin \(rosenbrock-disk, .*har-stm32f303k8\) nor a module file/],
      [["--problem", join(scratch, "missing.ts"), "--method", "random", "--budget", "3"], /no module at/],
      [["--problem", noEvaluate, "--method", "random", "--budget", "3"], /"half" has no evaluate\(config\) function/],
      [["--problem", emptyRange, "--method", "random", "--budget", "3"], /the range \[1, 1\] is empty/],
      [["--problem", "simionescu", "--resume", notState, "--budget", "3"], /not a file written by npm run search/],
    ];
    for (const [args, message] of cases) await expect(run(args), args.join(" ")).rejects.toThrow(message);
    await expect(run(["--problem", "simionescu", "--method", "bo-penalty", "--budget", "5"])).rejects.toThrow(/budget 5 is below the initial design of 10 points/);
    await expect(run(["--problem", "simionescu", "--method", "random"])).rejects.toBeInstanceOf(UsageError);
  });

  it("a trial line says the phase, the outcome and the best so far", () => {
    expect(trialLine({ index: 2, config: { x: 0.25, n: 3 }, feasible: false, phase: "phase-1" }, 40, null))
      .toBe("trial  3/40 [phase-1] infeasible         no feasible trial yet | x=0.2500 n=3");
  });

  it("runs as a command: a TypeScript module, the result file, and exit status 2 with one line on error", () => {
    const file = join(scratch, "bowl.ts");
    writeFileSync(file, `const bowl = { name: "bowl", space: [{ name: "x", type: "real" as const, low: -1, high: 1 }],
      evaluate: (c: Record<string, number | string | boolean>) => ({ feasible: true, value: (c.x as number) ** 2 }) };
      export default bowl;`);
    const tsx = join(REPO, "node_modules", ".bin", "tsx");
    const ok = spawnSync(tsx, ["course-lib/search/cli.ts", "--problem", file, "--method", "bo-feasible", "--budget", "8", "--initial-points", "3", "--seed", "4"], { cwd: REPO, encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/trial 8\/8 \[bo\]/);
    expect(resultFile("bowl-bo-feasible-4").best.value).toBeLessThan(0.01);
    const bad = spawnSync(tsx, ["course-lib/search/cli.ts", "--problem", "simionescu", "--method", "svm-cbo", "--budget", "3"], { cwd: REPO, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("search: budget 3 is below the initial design of 10 points (svm-cbo needs budget >= initialPoints; lower initialPoints or raise the budget)");
  }, 60_000);
});
