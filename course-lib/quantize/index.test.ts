// The folder's public API: index.ts re-exports every runtime export of the modules it covers (the same
// objects, one `roundHalfAway`), the four fixed-point primitives the issue names are reachable from it and
// compute the notes' known-answer vectors, and a graph made through it round-trips through .tflite.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as profilerQuantized from "../profiler/quantized";
import * as bitWidthStudy from "./bit-width-study";
import * as calibrate from "./calibrate";
import * as fakeQuant from "./fake-quant";
import * as fixedPoint from "./fixed-point";
import * as Q from "./index";
import * as interpreter from "./interpreter";
import * as lessonModels from "./lesson-models";
import * as qat from "./qat";
import * as quantizeModel from "./quantize-model";
import * as sizeReport from "./size-report";
import * as reader from "./tflite/reader";
import * as writer from "./tflite/writer";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const api = Q as unknown as Record<string, unknown>;

describe("course-lib/quantize/index.ts", () => {
  it("exports the issue's required functions", () => {
    const required = ["quantizeMultiplier", "multiplyByQuantizedMultiplier", "saturatingRoundingDoublingHighMul", "roundingDivideByPOT",
      "quantizeModel", "runQuantized", "exportTflite", "readTflite", "quantizedFootprint", "fakeQuantize", "quantizationAwareTraining",
      "calibrateActivations", "modelSizes", "lessonModels"];
    for (const name of required) expect(typeof api[name], name).toBe("function");
  });

  it("re-exports every runtime export of its modules, as the same object", () => {
    const modules: Record<string, Record<string, unknown>> = {
      "fixed-point": fixedPoint, interpreter, "quantize-model": quantizeModel, calibrate, "fake-quant": fakeQuant, qat,
      "bit-width-study": bitWidthStudy, "tflite/writer": writer, "tflite/reader": reader, "profiler/quantized": profilerQuantized,
      "lesson-models": lessonModels, "size-report": sizeReport,
    };
    // Name clashes: one of each is exported (calibrate.ts's); the other module's is identical in behaviour.
    const shadowed = new Set(["fake-quant.roundHalfAway"]);
    // size-report's CLI entry point is not API.
    const notApi = new Set(["size-report.main"]);
    const missing: string[] = [];
    for (const [file, mod] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(mod)) {
        const key = `${file}.${name}`;
        if (notApi.has(key)) continue;
        if (shadowed.has(key)) expect(name in api, key).toBe(true);
        else if (api[name] !== value) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
    expect(Q.roundHalfAway).toBe(calibrate.roundHalfAway);
    for (const x of [-2.5, -0.5, 0.5, 2.5, 1.49]) expect(Q.roundHalfAway(x)).toBe(fakeQuant.roundHalfAway(x));
  });

  it("the fixed-point primitives give the notes' known-answer vectors (int8-quantization.md)", () => {
    expect(Q.quantizeMultiplier(0.25)).toMatchObject({ multiplier: 2 ** 30, shift: -1 });
    expect(Q.quantizeMultiplier(1 / 3)).toMatchObject({ multiplier: 1431655765, shift: -1 });
    expect(Q.quantizeMultiplier(3)).toMatchObject({ multiplier: 1610612736, shift: 2 });
    expect(Q.saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0);
    expect(Q.saturatingRoundingDoublingHighMul(-(2 ** 31), -(2 ** 31))).toBe(2 ** 31 - 1);
    expect(Q.roundingDivideByPOT(-1, 1)).toBe(-1);
    expect(Q.roundingDivideByPOT(-3, 1)).toBe(-2);
    const xs = [1, 5, -2, -6, 6];
    expect(xs.map((x) => Q.multiplyByQuantizedMultiplier(x, 2 ** 30, -1))).toEqual([1, 2, -1, -2, 2]);
    expect(xs.map((x) => Q.multiplyByQuantizedMultiplier(x, 2 ** 30, -1, "single"))).toEqual([0, 1, 0, -1, 2]);
  });

  it("quantizeModel → exportTflite → readTflite → runQuantized through the index gives the same bytes", () => {
    const model = Q.lesson05MotionStats();
    const calibration = tf.randomNormal([16, 24], 0, 1, "float32", 4);
    const graph = Q.quantizeModel(model, { calibration, progress: false });
    const back = Q.readTflite(Q.exportTflite(graph));
    const x = Q.quantizeInput(graph, calibration.slice(0, 1).dataSync());
    expect(Array.from(Q.runQuantized(back, x))).toEqual(Array.from(Q.runQuantized(graph, x)));
    expect(Q.quantizedFootprint(back).flash.total).toBe(Q.quantizedFootprint(graph).flash.total);
    tf.dispose([calibration]);
    model.dispose();
  });
});
