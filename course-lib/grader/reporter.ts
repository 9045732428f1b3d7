// Vitest reporter of the grader's child run (runs in the vitest main process, not the worker): records
// module-level errors (a test file or exercise module that fails to load), errors vitest could not
// attach to a test, and the expected-vs-received diff of a failed assertion (vitest computes it after
// the worker threw, so graded.ts cannot see it), as events in the same file the workers write to
// (protocol.ts).
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { emitEvent } from "./protocol";

interface ErrorLike {
  message?: unknown;
  name?: unknown;
  type?: unknown;
  VITEST_TEST_NAME?: unknown;
  VITEST_TEST_PATH?: unknown;
}

function errorMessage(error: ErrorLike): string {
  const message = typeof error.message === "string" ? error.message : String(error.message ?? "unknown error");
  const name = typeof error.name === "string" && error.name !== "Error" && !message.startsWith(error.name) ? `${error.name}: ` : "";
  return name + message;
}

export class GraderReporter implements Reporter {
  onTestModuleEnd(testModule: TestModule): void {
    emitEvent({
      e: "module-end",
      file: testModule.moduleId,
      state: testModule.state(),
      errors: testModule.errors().map((error) => errorMessage(error as ErrorLike)),
      t: Date.now(),
    });
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state !== "failed") return;
    const diff = result.errors?.find((error) => typeof error.diff === "string" && error.diff.trim() !== "")?.diff;
    if (diff) emitEvent({ e: "diff", file: testCase.module.moduleId, name: testCase.name, diff, t: Date.now() });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: string): void {
    emitEvent({
      e: "run-end",
      reason,
      unhandled: unhandledErrors.map((raw) => {
        const error = raw as ErrorLike;
        return {
          message: errorMessage(error),
          type: typeof error.type === "string" ? error.type : "Error",
          testName: typeof error.VITEST_TEST_NAME === "string" ? error.VITEST_TEST_NAME : null,
          testPath: typeof error.VITEST_TEST_PATH === "string" ? error.VITEST_TEST_PATH : null,
        };
      }),
      t: Date.now(),
    });
  }
}
