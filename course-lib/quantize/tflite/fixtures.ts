// Where the .tflite files that TensorFlow's converter made (TFLM's hello_world and micro_speech, with TFLM's
// golden outputs) live: ../shared/fixtures/tflite next to the repository, as the course's CI lays it out. One
// locator for the tests, the oracles and lesson 08, so that the path is written once.
import * as fs from "fs";
import * as path from "path";

/**
 * The fixture folder, resolved from the real path of this folder: a notebook reaches this module through the
 * notebooks/course-lib link, whose parent differs.
 */
export const TFLITE_FIXTURES_DIR = path.resolve(fs.realpathSync(__dirname), "../../../../shared/fixtures/tflite");

/** The bytes of a file under TFLITE_FIXTURES_DIR, e.g. "hello_world_int8.tflite" or "golden/...bin". */
export function readTfliteFixture(file: string): Uint8Array {
  const full = path.join(TFLITE_FIXTURES_DIR, file);
  if (!fs.existsSync(full)) {
    throw new Error(`readTfliteFixture: ${full} does not exist (the fixtures live in ../shared/fixtures/tflite next to the repository)`);
  }
  return new Uint8Array(fs.readFileSync(full));
}
