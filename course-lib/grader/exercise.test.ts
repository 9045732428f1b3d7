// Unit tests of exercise.ts (notImplemented, withReference) and of graded()'s input validation.
import { afterEach, describe, expect, it, vi } from "vitest";
import { exerciseStatus, NotImplementedError, notImplemented, withReference, withReferenceAsync } from "./exercise";
import { graded } from "./graded";

afterEach(() => {
  vi.restoreAllMocks();
});

function stubFromThisFile(): number {
  return notImplemented("00.1");
}

describe("notImplemented", () => {
  it("throws a NotImplementedError naming the exercise and the file to open", () => {
    let caught: unknown;
    try {
      stubFromThisFile();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotImplementedError);
    const error = caught as NotImplementedError;
    expect(error.exerciseId).toBe("00.1");
    expect(error.file).toBe("course-lib/grader/exercise.test.ts");
    expect(error.message).toBe("exercise 00.1 not implemented yet — open course-lib/grader/exercise.test.ts");
  });

  it("rejects ids that are not like 03.2, naming the bad id", () => {
    expect(() => notImplemented("3.2")).toThrow(/"3\.2".*"03\.2"/);
    expect(() => notImplemented("")).toThrow(TypeError);
  });
});

describe("withReference", () => {
  it("returns the learner's result when it works, without calling the reference", () => {
    const reference = vi.fn(() => 2);
    expect(withReference("00.1", () => 1, reference)).toBe(1);
    expect(reference).not.toHaveBeenCalled();
  });

  it("falls back to the reference and says so when the exercise is not written", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(withReference("00.1", () => stubFromThisFile(), () => 42)).toBe(42);
    expect(log).toHaveBeenCalledWith("exercise 00.1 not implemented yet: showing the reference");
  });

  it("names both exercises when the learner's code needs another unwritten one", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    withReference("00.2", () => stubFromThisFile(), () => 0);
    expect(log).toHaveBeenCalledWith("exercise 00.1 not implemented yet (needed by exercise 00.2): showing the reference");
  });

  it("reports other errors loudly on stderr and falls back", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const result = withReference<number>("00.3", () => {
      throw new RangeError("bad size -1");
    }, () => 7);
    expect(result).toBe(7);
    expect(error).toHaveBeenCalledWith("exercise 00.3 raised bad size -1: showing the reference");
  });

  it("refuses async learner code (its rejection would escape) and points to withReferenceAsync", () => {
    expect(() => withReference("00.1", async () => 1, async () => 2)).toThrow(/withReferenceAsync/);
  });

  it("validates its arguments", () => {
    expect(() => withReference("1", () => 1, () => 1)).toThrow(/"1"/);
    expect(() => withReference("00.1", 5 as unknown as () => number, () => 1)).toThrow(/must be functions/);
  });
});

describe("exerciseStatus", () => {
  it("prints one line per exercise: written, not written (with the file), or the error of a valid call", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    exerciseStatus([
      ["00.1 modelSizeKB", () => 1],
      ["00.2 accuracy", () => stubFromThisFile()],
      ["00.3 decodePrediction", () => {
        throw new RangeError("bad labels");
      }],
    ]);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      "00.1 modelSizeKB: written. Check it with  npm run grade -- --only 00.1",
      "00.2 accuracy: not written yet (course-lib/grader/exercise.test.ts)",
      '00.3 decodePrediction: raises "bad labels" on a valid call; npm run grade -- --only 00.3 shows why',
    ]);
  });

  it("rejects entries that are not [\"<id> <name>\", function]", () => {
    expect(() => exerciseStatus([["modelSizeKB", () => 1]])).toThrow(/"modelSizeKB"/);
    expect(() => exerciseStatus([["00.1 x", 3 as any]])).toThrow(/\["<id> <name>", \(\) => call\]/);
    expect(() => exerciseStatus("00.1" as any)).toThrow(/array/);
  });
});

describe("withReferenceAsync", () => {
  it("awaits the learner's code and falls back on rejection", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await expect(withReferenceAsync("01.1", async () => "learner", async () => "reference")).resolves.toBe("learner");
    await expect(withReferenceAsync("01.1", async () => stubFromThisFile(), async () => 3)).resolves.toBe(3);
    expect(log).toHaveBeenCalledWith("exercise 00.1 not implemented yet (needed by exercise 01.1): showing the reference");
    await expect(withReferenceAsync("01.2", () => Promise.reject(new Error("nope")), () => 4)).resolves.toBe(4);
    expect(error).toHaveBeenCalledWith("exercise 01.2 raised nope: showing the reference");
  });
});

describe("graded() input validation", () => {
  const body = () => undefined;
  it("rejects malformed ids, points, feedback, titles and timeouts with the bad value", () => {
    expect(() => graded({ id: "3.2", points: 1, feedback: "hint" }, "t", body)).toThrow(/id "3\.2"/);
    expect(() => graded({ id: "03.2", points: 0, feedback: "hint" }, "t", body)).toThrow(/points must be .* > 0, got 0/);
    expect(() => graded({ id: "03.2", points: Number.NaN, feedback: "hint" }, "t", body)).toThrow(/points/);
    expect(() => graded({ id: "03.2", points: 1, feedback: "  " }, "t", body)).toThrow(/feedback/);
    expect(() => graded({ id: "03.2", points: 1, feedback: "hint" }, "", body)).toThrow(/title/);
    expect(() => graded({ id: "03.2", points: 1, feedback: "hint" }, "t", body, { timeoutMs: -5 })).toThrow(/timeoutMs .* got -5/);
    expect(() => graded({ id: "03.2", points: 1, feedback: "hint" }, "t", "x" as unknown as () => void)).toThrow(/body must be a function/);
  });
});
