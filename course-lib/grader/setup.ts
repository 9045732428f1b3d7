// Vitest setup file of the grader's child run (see vitest.config.ts): brackets each test file with
// events, so the watchdog in run.ts knows which file is loading or running when something hangs.
import { afterAll, beforeAll, expect } from "vitest";
import { codeOwner, emitEvent } from "./protocol";

const file = expect.getState().testPath ?? "<unknown test file>";
emitEvent({ e: "file-start", file, t: Date.now() });
// The file's modules load (and its hooks run) in this context: a timer they start is theirs, not a test's.
codeOwner.enterWith({ module: file });
// Setup-file hooks run before the test file's own hooks: by then the file is collected.
beforeAll(() => emitEvent({ e: "collected", file, t: Date.now() }));
afterAll(() => emitEvent({ e: "file-end", file, t: Date.now() }));
