// Checks trainingProgress: throttled in-place updates with the right numbers, the history it records, the
// plain-text mode outside a kernel, and that tfjs's model.fit really drives it.
import type { CustomCallbackArgs } from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { createCaptureTarget, createConsoleTarget } from "./display";
import { trainingProgress } from "./progress";

/** Simulates fit(): `epochs` epochs of `batches` batches, the fake clock advancing `msPerBatch` each. */
function simulateFit(p: ReturnType<typeof trainingProgress>, clock: { t: number }, epochs: number, batches: number, msPerBatch: number, stopAfter = epochs) {
  p.callbacks.onTrainBegin();
  for (let e = 0; e < stopAfter; e++) {
    p.callbacks.onEpochBegin(e);
    for (let b = 0; b < batches; b++) {
      clock.t += msPerBatch;
      p.callbacks.onBatchEnd(b, { batch: b, size: 32, loss: 1 / (e + 1) + 0.01 * b, acc: 0.5 + 0.1 * e });
    }
    p.callbacks.onEpochEnd(e, { loss: 1 / (e + 1), acc: 0.5 + 0.1 * e, val_loss: 1.2 / (e + 1), val_acc: 0.45 + 0.1 * e });
  }
  p.callbacks.onTrainEnd();
}

describe("trainingProgress", () => {
  it("updates one display in place, throttled to ~4 per second", () => {
    const clock = { t: 0 };
    const target = createCaptureTarget();
    const p = trainingProgress({ epochs: 3, title: "MNIST <mlp>", target, now: () => clock.t });
    // 3 epochs x 50 batches x 20 ms = 3 s of training: about 12 throttled updates, not 150.
    simulateFit(p, clock, 3, 50, 20);
    const [first, ...rest] = target.messages;
    expect(first.type).toBe("display_data");
    expect(first.displayId).toBeTruthy();
    expect(rest.every((m) => m.type === "update_display_data" && m.displayId === first.displayId)).toBe(true);
    expect(target.messages.length).toBeGreaterThanOrEqual(10);
    expect(target.messages.length).toBeLessThanOrEqual(16);

    // A mid-training update shows epoch, batch (known after the first epoch), metrics and an ETA.
    const mid = target.messages.find((m) => String(m.bundle["text/plain"]).includes("epoch 2/3 · batch"));
    expect(mid).toBeDefined();
    expect(String(mid!.bundle["text/plain"])).toMatch(/^MNIST <mlp>: epoch 2\/3 · batch \d+\/50 · loss [\d.]+ · acc 60\.0% · val loss 1\.200 · val acc 45\.0% · [\d.]+ s elapsed · ETA [\d.]+ s$/);
    const html = String(mid!.bundle["text/html"]);
    expect(html).toContain("MNIST &lt;mlp&gt;");
    expect(html).not.toContain("<mlp>");

    const last = target.messages[target.messages.length - 1];
    expect(last.bundle["text/plain"]).toBe(
      "MNIST <mlp>: done: 3 epochs · loss 0.3333 · acc 70.0% · val loss 0.4000 · val acc 65.0% · in 3.0 s",
    );
    expect(String(last.bundle["text/html"])).toContain("width:100.0%");
  });

  it("records per-epoch history with seconds", () => {
    const clock = { t: 1000 };
    const p = trainingProgress({ epochs: 2, target: createCaptureTarget(), now: () => clock.t });
    simulateFit(p, clock, 2, 4, 250);
    expect(p.history).toEqual([
      { epoch: 1, loss: 1, acc: 0.5, valLoss: 1.2, valAcc: 0.45, seconds: 1, metrics: { loss: 1, acc: 0.5, val_loss: 1.2, val_acc: 0.45 } },
      { epoch: 2, loss: 0.5, acc: 0.6, valLoss: 0.6, valAcc: 0.55, seconds: 1, metrics: { loss: 0.5, acc: 0.6, val_loss: 0.6, val_acc: 0.55 } },
    ]);
  });

  it("prints one line per epoch and a summary outside a kernel, and reports early stops", () => {
    const clock = { t: 0 };
    const lines: string[] = [];
    const p = trainingProgress({ epochs: 5, target: createConsoleTarget((l) => lines.push(l)), now: () => clock.t });
    simulateFit(p, clock, 5, 10, 100, 2);
    expect(lines).toEqual([
      "epoch 1/5 · loss 1.000 · acc 50.0% · val loss 1.200 · val acc 45.0% · 1.0 s · ETA 4.0 s",
      "epoch 2/5 · loss 0.5000 · acc 60.0% · val loss 0.6000 · val acc 55.0% · 1.0 s · ETA 3.0 s",
      "done: stopped after 2/5 epochs · loss 0.5000 · acc 60.0% · val loss 0.6000 · val acc 55.0% · in 2.0 s",
    ]);
  });

  it("says \"1 epoch\", not \"1 epochs\", for a one-epoch run", () => {
    const clock = { t: 0 };
    const target = createCaptureTarget();
    const p = trainingProgress({ epochs: 1, target, now: () => clock.t });
    simulateFit(p, clock, 1, 4, 100);
    const last = target.messages[target.messages.length - 1].bundle;
    expect(String(last["text/plain"])).toMatch(/^done: 1 epoch · loss /);
    expect(String(last["text/html"])).toContain("done: 1 epoch <span");
  });

  it("rejects a bad epoch count", () => {
    expect(() => trainingProgress({ epochs: 0 })).toThrow(/epochs must be a positive integer .* got 0/);
    expect(() => trainingProgress({ epochs: 3, batchesPerEpoch: 2.5 })).toThrow(/batchesPerEpoch .* got 2.5/);
  });

  it("plugs into tfjs model.fit as CustomCallbackArgs", async () => {
    const tf = await import("@tensorflow/tfjs");
    const { initBackend } = await import("../runtime/backend");
    await initBackend({ backend: "cpu" }); // as the course does (and without tfjs's node-backend banner)
    const target = createCaptureTarget();
    const p = trainingProgress({ epochs: 2, title: "tiny", target, minIntervalMs: 0 });
    const callbacks: CustomCallbackArgs = p.callbacks; // type-level check of the interface
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: "softmax" })] });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const x = tf.randomUniform([40, 2], 0, 1, "float32", 1);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % 2), "int32"), 2);
    await model.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.2, callbacks, verbose: 0 });
    tf.dispose([x, y]);
    model.dispose();
    expect(p.history.map((h) => h.epoch)).toEqual([1, 2]);
    for (const h of p.history) {
      expect(Number.isFinite(h.loss)).toBe(true);
      expect(h.acc).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(h.valLoss)).toBe(true);
      expect(h.valAcc).toBeGreaterThanOrEqual(0);
    }
    // 32 training samples / batch 8 = 4 batches per epoch, learned during the first epoch.
    expect(target.messages.some((m) => String(m.bundle["text/plain"]).includes("epoch 2/2 · batch 4/4"))).toBe(true);
    expect(String(target.messages[target.messages.length - 1].bundle["text/plain"])).toMatch(/^tiny: done: 2 epochs · loss /);
  });
});
