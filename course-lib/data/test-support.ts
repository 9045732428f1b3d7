// Helpers shared by the data tests: temp copies of dataset directories, and the rule for tests that need
// a Debian package (espeak-ng, dataset-fashion-mnist): skip with a visible reason on a learner's machine,
// fail under CI (CI installs them, so absence there is a broken setup, not a reason to skip).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { it } from "vitest";
import { datasetDir } from "./manifest";

export function tempCopyOfDataset(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dataset-${name}-`));
  fs.cpSync(datasetDir(name), dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Register a test that needs a system package (espeak-ng, dataset-fashion-mnist). When the package is there
 * it runs; when it is missing the test is skipped with the reason in its title (and a warning), except under
 * CI (env CI set), where the test fails saying what CI must install.
 */
export function testNeedingPackage(
  available: boolean,
  what: string,
  install: string,
  title: string,
  fn: () => void | Promise<void>,
  timeout?: number,
): void {
  if (available) {
    it(title, fn, timeout);
    return;
  }
  const reason = `${what} is not installed (${install})`;
  if (process.env.CI) {
    it(title, () => {
      throw new Error(`CI must provide ${what}: ${reason}`);
    });
    return;
  }
  console.warn(`skipping "${title}": ${reason}`);
  it.skip(`${title} [skipped: ${reason}]`, fn);
}
