// Graded tests for lesson 07's gradual pruning schedule (exercises/07-pruning/sparsity-schedule.ts). Run them
// with `npm run grade -- --only 07.2`; each failing test prints its feedback as a hint.
// Every expected sparsity is worked out by hand in the comments from Zhu & Gupta's formula, as TF-MOT's
// PolynomialDecay defines it (s_f + (s_i − s_f)(1 − p)^power, p clipped to [0, 1], power 3), and the pruning
// steps are listed by hand from its rule (begin ≤ step ≤ end, (step − begin) % frequency == 0).
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { isPruningStep, polynomialSparsity, type PolynomialSchedule } from "@exercise/07-pruning/sparsity-schedule";

const show = (s: PolynomialSchedule) => JSON.stringify(s).replace(/"(\w+)":/g, "$1: ");

/** Compares sparsities to 1e-12, each labelled by its call. */
function expectSparsities(schedule: PolynomialSchedule, cases: [number, number][]): void {
  for (const [step, expected] of cases) {
    const call = `polynomialSparsity(${step}, ${show(schedule)})`;
    const got = polynomialSparsity(step, schedule) as unknown;
    const close = typeof got === "number" && Math.abs(got - expected) <= 1e-12;
    expect({ call, sparsity: close ? expected : got }).toEqual({ call, sparsity: expected });
  }
}

const LESSON: PolynomialSchedule = { initialSparsity: 0, finalSparsity: 0.9, beginStep: 20, endStep: 120 };

graded(
  { id: "07.2", points: 2, feedback: "s = s_f + (s_i − s_f)·(1 − p)^power with p = (step − beginStep) / (endStep − beginStep), the fraction of the pruning window done (divide by the window's length, not by endStep), and power 3 when the schedule gives none. {0 → 0.9, steps 20..120}: step 70 is p = 0.5 → 0.9 − 0.9·0.5³ = 0.7875; step 45 is p = 0.25 → 0.9 − 0.9·0.75³ = 0.5203125." },
  "the cubic schedule at steps inside the pruning window, worked out by hand",
  () => {
    // p = 0, 0.1, 0.25, 0.5, 0.75, 0.9, 1 → 0.9 − 0.9·(1 − p)³
    expectSparsities(LESSON, [[20, 0], [30, 0.9 - 0.9 * 0.729], [45, 0.5203125], [70, 0.7875], [95, 0.8859375], [110, 0.8991], [120, 0.9]]);
    // 0.5 → 0.8 over steps 0..1000: 0.8 − 0.3·(1 − p)³
    expectSparsities({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 1000 }, [[0, 0.5], [100, 0.8 - 0.3 * 0.729], [250, 0.6734375], [500, 0.7625], [1000, 0.8]]);
    // 0.2 → 0.7 over steps 100..300, power 3 given: p = 0.25 → 0.7 − 0.5·0.421875; p = 0.5 → 0.7 − 0.5·0.125
    expectSparsities({ initialSparsity: 0.2, finalSparsity: 0.7, beginStep: 100, endStep: 300, power: 3 }, [[150, 0.4890625], [200, 0.6375], [300, 0.7]]);
  },
);

graded(
  { id: "07.2", points: 1, feedback: "Clip p = (step − begin) / (end − begin) to [0, 1]: before beginStep the target is initialSparsity (unclipped, p < 0 gives (1 − p)^3 > 1 and a sparsity below s_i, even negative), and after endStep it stays finalSparsity (p > 1 makes (1 − p) negative)." },
  "constant at initialSparsity before beginStep and at finalSparsity after endStep",
  () => {
    const schedule: PolynomialSchedule = { initialSparsity: 0.2, finalSparsity: 0.6, beginStep: 50, endStep: 150 };
    expectSparsities(schedule, [[0, 0.2], [10, 0.2], [49, 0.2], [50, 0.2], [150, 0.6], [151, 0.6], [1000, 0.6], [1_000_000, 0.6]]);
    expectSparsities(LESSON, [[0, 0], [19, 0], [121, 0.9], [5000, 0.9]]);
  },
);

graded(
  { id: "07.2", points: 1, feedback: "Use the schedule's power when it gives one (schedule.power ?? 3): power 1 is a straight line from s_i to s_f, power 2 a quadratic; only a missing power means 3." },
  "uses the schedule's power: linear at 1, quadratic at 2, a square root at 0.5",
  () => {
    const linear: PolynomialSchedule = { initialSparsity: 0.1, finalSparsity: 0.6, beginStep: 10, endStep: 60, power: 1 };
    // p = 0.2, 0.5, 0.8 → 0.6 − 0.5·(1 − p)
    expectSparsities(linear, [[10, 0.1], [20, 0.2], [35, 0.35], [50, 0.5], [60, 0.6]]);
    // power 2: p = 0.2 → 0.6 − 0.5·0.64; p = 0.5 → 0.6 − 0.5·0.25
    expectSparsities({ ...linear, power: 2 }, [[20, 0.28], [35, 0.475]]);
    // power 0.5: p = 0.5 → 0.6 − 0.5·√0.5
    expectSparsities({ ...linear, power: 0.5 }, [[35, 0.6 - 0.5 * Math.SQRT1_2]]);
  },
);

graded(
  { id: "07.2", points: 1, feedback: "isPruningStep is true when beginStep ≤ step ≤ endStep (both ends included) and (step − beginStep) % frequency === 0: count from beginStep, not from 0, and use frequency 100 when none is given. beginStep 20, frequency 25 → 20, 45, 70, 95, 120; nothing after endStep." },
  "isPruningStep: every frequency steps from beginStep, both ends included, default frequency 100",
  () => {
    const cases: [PolynomialSchedule, number[], number[]][] = [
      [LESSON, [20, 120], [0, 19, 21, 100, 119, 121, 200, 220]],
      [{ ...LESSON, finalSparsity: 0.5, frequency: 25 }, [20, 45, 70, 95, 120], [0, 19, 25, 44, 46, 50, 100, 121, 145, 170]],
      [{ initialSparsity: 0, finalSparsity: 0.5, beginStep: 10, endStep: 100, frequency: 30 }, [10, 40, 70, 100], [0, 9, 30, 60, 90, 101, 130]],
      [{ initialSparsity: 0.1, finalSparsity: 0.5, beginStep: 0, endStep: 20, frequency: 7 }, [0, 7, 14], [1, 6, 8, 20, 21, 28]],
      [{ initialSparsity: 0, finalSparsity: 0.5, beginStep: 5, endStep: 8, frequency: 1 }, [5, 6, 7, 8], [0, 4, 9, 10]],
    ];
    for (const [schedule, yes, no] of cases) {
      const steps = [...yes, ...no].sort((a, b) => a - b);
      const call = `isPruningStep(step, ${show(schedule)}) at steps ${steps.join(", ")}`;
      expect({ call, trueAt: steps.filter((t) => isPruningStep(t, schedule) === true) }).toEqual({ call, trueAt: yes });
      expect({ call, falseAt: steps.filter((t) => isPruningStep(t, schedule) === false) }).toEqual({ call, falseAt: no });
    }
  },
);

graded(
  { id: "07.2", points: 1, feedback: "Throw a RangeError naming the value when a sparsity is not a number in [0, 1) or initialSparsity > finalSparsity (name both), beginStep is not an integer ≥ 0, endStep is not an integer > beginStep, power is not > 0, frequency is not an integer ≥ 1, or step is not an integer ≥ 0; isPruningStep checks the same. A constant schedule (initial = final), beginStep 0, power 0.5 and frequency 1 are valid." },
  "rejects bad schedules and steps, naming the value",
  () => {
    validCall("polynomialSparsity(0, { 0.5 → 0.5, steps 0..1 })", () => polynomialSparsity(0, { initialSparsity: 0.5, finalSparsity: 0.5, beginStep: 0, endStep: 1 }));
    validCall("polynomialSparsity(3, { 0 → 0, steps 0..10, power 0.5, frequency 1 })", () => polynomialSparsity(3, { initialSparsity: 0, finalSparsity: 0, beginStep: 0, endStep: 10, power: 0.5, frequency: 1 }));
    validCall("isPruningStep(0, { 0 → 0.99, steps 0..1, frequency 1 })", () => isPruningStep(0, { initialSparsity: 0, finalSparsity: 0.99, beginStep: 0, endStep: 1, frequency: 1 }));
    const base: PolynomialSchedule = { initialSparsity: 0, finalSparsity: 0.5, beginStep: 20, endStep: 120 };
    const bad: [string, Partial<Record<keyof PolynomialSchedule, unknown>>, RegExp[]][] = [
      ["initialSparsity 1", { initialSparsity: 1, finalSparsity: 0.5 }, [/\b1\b/]],
      ["initialSparsity -0.1", { initialSparsity: -0.1 }, [/-0\.1/]],
      ["finalSparsity 1.2", { finalSparsity: 1.2 }, [/1\.2/]],
      ["finalSparsity NaN", { finalSparsity: Number.NaN }, [/NaN/]],
      ["finalSparsity \"0.9\"", { finalSparsity: "0.9" }, [/0\.9/]],
      ["initialSparsity 0.6 > finalSparsity 0.3", { initialSparsity: 0.6, finalSparsity: 0.3 }, [/0\.6/, /0\.3/]],
      ["beginStep -5", { beginStep: -5 }, [/-5/]],
      ["beginStep 2.5", { beginStep: 2.5 }, [/2\.5/]],
      ["endStep 20 = beginStep", { endStep: 20 }, [/20/]],
      ["endStep 10 < beginStep 20", { endStep: 10 }, [/10/]],
      ["power 0", { power: 0 }, [/\b0\b/]],
      ["power -2", { power: -2 }, [/-2/]],
      ["frequency 0", { frequency: 0 }, [/\b0\b/]],
      ["frequency 2.5", { frequency: 2.5 }, [/2\.5/]],
    ];
    const check = (call: string, fn: () => unknown, named: RegExp[]) => {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    };
    for (const [what, change, named] of bad) {
      const schedule = { ...base, ...change } as PolynomialSchedule;
      check(`polynomialSparsity(50, schedule with ${what})`, () => polynomialSparsity(50, schedule), named);
      check(`isPruningStep(50, schedule with ${what})`, () => isPruningStep(50, schedule), named);
    }
    for (const [step, named] of [[-1, /-1/], [2.5, /2\.5/], [Number.NaN, /NaN/]] as const) {
      check(`polynomialSparsity(${step}, schedule)`, () => polynomialSparsity(step, base), [named]);
      check(`isPruningStep(${step}, schedule)`, () => isPruningStep(step, base), [named]);
    }
  },
);
