// planChartFigure (plan-chart.ts): one filled rectangle per planned tensor at its steps and bytes, shared
// tensors in one colour, the arena's high-water mark and extra bounds as dashed lines; bad plans named.
import { describe, expect, it } from "vitest";
import { createConsoleTarget } from "../viz/display";
import { readTfliteFixture } from "../quantize/tflite/fixtures";
import { readTflite } from "../quantize/tflite/reader";
import { planChart, planChartFigure, planRectangles } from "./plan-chart";
import { gatedExecutionOrder } from "./test-helpers";
import { planCourse, planMemory, planTflmGreedy, tensorLifetimes, type ExecutionOrder } from "./planner";

const gated = (): ExecutionOrder => gatedExecutionOrder(20);

type Trace = { type: string; mode: string; x: number[]; y: number[]; name: string; text: string | string[]; fillcolor?: string };

describe("planChartFigure", () => {
  it("draws one rectangle per planned tensor from its first to its last step and over its aligned bytes", () => {
    const plan = planTflmGreedy(gated()); // offsets x 0, a 512, s 256, m 0, y 256; arena 768
    const fig = planChartFigure(gated(), plan);
    const traces = fig.data as Trace[];
    const rectangles = traces.filter((t) => t.mode === "lines");
    expect(rectangles.map((t) => [t.name, t.x, t.y])).toEqual([
      ["x", [-0.5, 1.5, 1.5, -0.5, -0.5], [0, 0, 64, 64, 0]],
      ["a", [0.5, 3.5, 3.5, 0.5, 0.5], [512, 512, 768, 768, 512]],
      ["s", [1.5, 3.5, 3.5, 1.5, 1.5], [256, 256, 512, 512, 256]],
      ["m", [2.5, 4.5, 4.5, 2.5, 2.5], [0, 0, 256, 256, 0]],
      ["y", [3.5, 4.5, 4.5, 3.5, 3.5], [256, 256, 288, 288, 256]], // 20 bytes, 32 aligned
    ]);
    expect(rectangles.length).toBe(tensorLifetimes(gated()).length);
    expect(rectangles[1].text).toContain("live from step 1 (op 0 (conv2d)) to 3 (op 2 (mul))");
    const labels = traces.find((t) => t.mode === "text")!;
    expect(labels.text).toEqual(["x", "a", "s", "m", "y"]);
    expect([labels.x[1], labels.y[1]]).toEqual([2, 640]);
    const shapes = (fig.layout as { shapes: { y0: number; y1: number; label: { text: string } }[] }).shapes;
    expect(shapes.map((s) => [s.y0, s.y1, s.label.text])).toEqual([[768, 768, "arena 768 B (tflm-greedy)"]]);
  });

  it("colours a shared group alike, adds bound lines, and leaves labels out of large graphs unless asked", () => {
    const report = planMemory(gated());
    const fig = planChartFigure(gated(), report.course, { bounds: [{ label: "live set", bytes: report.bounds.liveSet }], title: "course" });
    const rectangles = (fig.data as Trace[]).filter((t) => t.mode === "lines");
    const colour = (name: string) => rectangles.find((t) => t.name === name)!.fillcolor;
    expect(report.course.shared).toEqual([[4, 3]]);
    expect(colour("s")).toBe(colour("m"));
    expect(new Set(rectangles.map((t) => t.fillcolor)).size).toBe(4);
    expect(rectangles.find((t) => t.name === "m")!.text).toContain("shares its bytes with s");
    const shapes = (fig.layout as { shapes: { y0: number; label: { text: string; textposition: string } }[] }).shapes;
    expect(shapes.map((s) => [s.y0, s.label.text, s.label.textposition])).toEqual([[512, "arena 512 B (course)", "end"], [768, "live set 768 B", "start"]]);
    expect((fig.layout as { yaxis: { range: number[] } }).yaxis.range).toEqual([0, 1.08 * 768]);
    const big = readTflite(readTfliteFixture("micro_speech_quantized.tflite"));
    expect((planChartFigure(big, planCourse(big), { labels: false }).data as Trace[]).some((t) => t.mode === "text")).toBe(false);
  });

  it("draws a plan that overlaps (that is what the picture is for) but names a plan without an offset for a planned tensor", () => {
    const plan = planTflmGreedy(gated());
    const overlapping = { ...plan, offsets: plan.offsets.map((o) => (o > 0 ? 0 : o)) };
    expect(planRectangles(gated(), overlapping).map((r) => r.y0)).toEqual([0, 0, 0, 0, 0]);
    expect(() => planChartFigure(gated(), { ...plan, offsets: [0, -1, -1, 256, 0, 256] })).toThrow(/tensor 2 "a" offset -1; every planned tensor needs a byte offset/);
    expect(() => planChartFigure(gated(), { ...plan, offsets: [0] })).toThrow(/one offset per tensor \(6\), got 1/);
    expect(() => planChartFigure(gated(), plan, { bounds: [{ label: "x", bytes: NaN }] })).toThrow(/bounds\[0\] must be/);
  });

  it("planChart displays the figure", () => {
    const lines: string[] = [];
    planChart(gated(), planTflmGreedy(gated()), { target: createConsoleTarget((line) => lines.push(line)) });
    expect(lines).toEqual(["<Plotly figure: 6 traces (scatter)>"]);
  });
});
