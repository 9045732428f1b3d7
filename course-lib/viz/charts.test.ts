// Tests of the lesson chart helpers (charts.ts): the figures they build, and their errors on bad input.
import { describe, expect, it } from "vitest";
import * as charts from "./charts";
import { createCaptureTarget } from "./display";

describe("charts", () => {
  it("re-exports plot for the helpers' callers", () => {
    expect(typeof charts.plot).toBe("function");
  });
});

describe("logBarsFigure", () => {
  const base = { labels: ["mic", "camera"], values: [256e3, 737e3] };
  it("draws one horizontal bar trace per group on a log axis, in label order, with reference lines", () => {
    const fig = charts.logBarsFigure({
      ...base, groups: ["audio", "video"], groupColours: { video: "#d62728" }, hover: ["a", "b"], unit: "bit/s",
      references: [{ name: "BLE", value: 5e5 }],
    });
    const [audio, video, line] = fig.data as Record<string, any>[];
    expect([audio.name, audio.orientation, audio.y, audio.x]).toEqual(["audio", "h", ["mic"], [256e3]]);
    expect(video.marker.color).toBe("#d62728");
    expect(audio.customdata).toEqual(["<br>a"]);
    expect(audio.hovertemplate).toContain("bit/s");
    expect([line.type, line.x, line.y]).toEqual(["scatter", [5e5, 5e5], ["mic", "camera"]]);
    const layout = fig.layout as Record<string, any>;
    expect(layout.xaxis.type).toBe("log");
    expect(layout.yaxis.categoryarray).toEqual(["mic", "camera"]);
  });
  it("names the bad value", () => {
    expect(() => charts.logBarsFigure({ ...base, values: [1, 0] })).toThrow(/values\[1\] is 0; a log axis needs finite values > 0/);
    expect(() => charts.logBarsFigure({ ...base, values: [1] })).toThrow(/values has 1 values for 2 labels/);
    expect(() => charts.logBarsFigure({ ...base, groups: ["a"] })).toThrow(/groups has 1 entries for 2 labels/);
    expect(() => charts.logBarsFigure({ ...base, references: [{ name: "x", value: -1 }] })).toThrow(/references\[0\]/);
    expect(() => charts.logBarsFigure({ labels: [], values: [] })).toThrow(/labels is empty/);
  });
});

describe("panelBarsFigure", () => {
  it("puts each panel on its own axes, one bar per item, one legend entry per item", () => {
    const fig = charts.panelBarsFigure({
      items: ["gpu", "mcu"], hover: ["A100", "STM32"],
      panels: [{ title: "RAM", values: [64e9, 128e3], text: ["64 GB", "128 KB"] }, { title: "W", values: [500, 0.025] }],
    });
    const traces = fig.data as Record<string, any>[];
    expect(traces.map((t) => [t.name, t.xaxis, t.yaxis, t.showlegend])).toEqual([
      ["gpu", "x1", "y1", true], ["mcu", "x1", "y1", true], ["gpu", "x2", "y2", false], ["mcu", "x2", "y2", false],
    ]);
    expect(traces[1].text).toEqual(["128 KB"]);
    expect(traces[3].text).toEqual(["0.025"]);
    const layout = fig.layout as Record<string, any>;
    expect(layout.grid.columns).toBe(2);
    expect([layout.yaxis1.type, layout.yaxis2.title.text]).toEqual(["log", "W"]);
  });
  it("names the bad panel", () => {
    expect(() => charts.panelBarsFigure({ items: ["a"], panels: [] })).toThrow(/panels must be a non-empty array/);
    expect(() => charts.panelBarsFigure({ items: ["a", "b"], panels: [{ title: "RAM", values: [1] }] }))
      .toThrow(/panel "RAM" values has 1 values for 2 labels/);
    expect(() => charts.panelBarsFigure({ items: ["a"], panels: [{ title: "W", values: [0] }] }))
      .toThrow(/panel "W" values\[0\] is 0/);
  });
});

describe("labelledScatterFigure", () => {
  it("writes each label at its point, colours by value and keeps label positions", () => {
    const fig = charts.labelledScatterFigure({
      logX: true, logY: true, colourLabel: "log10 MAC/s",
      points: [
        { label: "f303", x: 64, y: 16, colour: 8, labelPosition: "middle right", hover: "64 KB" },
        { label: "h743", x: 2048, y: 1024, colour: 9 },
      ],
    });
    const [trace] = fig.data as Record<string, any>[];
    expect([trace.text, trace.x, trace.y]).toEqual([["f303", "h743"], [64, 2048], [16, 1024]]);
    expect(trace.textposition).toEqual(["middle right", "top center"]);
    expect(trace.marker.color).toEqual([8, 9]);
    expect(trace.marker.colorbar.title.text).toBe("log10 MAC/s");
    expect((fig.layout as Record<string, any>).xaxis.type).toBe("log");
  });
  it("rejects a point a log axis cannot show", () => {
    expect(() => charts.labelledScatterFigure({ logY: true, points: [{ label: "x", x: 1, y: 0 }] }))
      .toThrow(/points\[0\] needs a label and finite x, y/);
    expect(() => charts.labelledScatterFigure({ points: [] })).toThrow(/non-empty array/);
  });
});

describe("utilisationHeatmapFigure", () => {
  it("caps the colour at `cap`, marks fits and puts 100% at the yellow stop", () => {
    const fig = charts.utilisationHeatmapFigure({
      rows: ["lenet"], columns: ["f303", "l476"],
      cells: [[{ utilisation: 3.5, ok: false, note: "RAM" }, { utilisation: 0.004, ok: true }]],
    });
    const [trace] = fig.data as Record<string, any>[];
    expect(trace.z).toEqual([[2, 0.004]]);
    expect(trace.text).toEqual([["✗ 350%<br>RAM", "✓ <1%"]]);
    expect(trace.colorscale[2]).toEqual([0.5, "#fee08b"]);
    expect(trace.colorbar.ticktext).toEqual(["0%", "50%", "100%", "150%", "≥200%"]);
  });
  it("names a malformed cell", () => {
    const rows = ["a"];
    const columns = ["b"];
    expect(() => charts.utilisationHeatmapFigure({ rows, columns, cells: [[]] })).toThrow(/cells\[0\] must have 1 cells/);
    expect(() => charts.utilisationHeatmapFigure({ rows, columns, cells: [[{ utilisation: NaN, ok: true }]] }))
      .toThrow(/cells\[0\]\[0\] must be/);
    expect(() => charts.utilisationHeatmapFigure({ rows, columns, cells: [[{ utilisation: 1, ok: true }]], cap: 1 }))
      .toThrow(/cap must be a number > 1, got 1/);
  });
});

describe("ramTimelineFigure", () => {
  const step = (layer: string, liveElements: number, live: string[] = [layer]) => ({ layer, liveElements, live });
  const plain = { name: "plain", ramTimeline: [step("conv1", 512), step("conv2", 512)] };
  const skip = { name: "skip", ramTimeline: [step("conv1", 768), step("conv2", 768), step("add", 1024, ["conv2", "input"])] };
  it("one bar series per model in KB, the peak in the legend, layers merged in execution order", () => {
    const fig = charts.ramTimelineFigure({ profiles: [plain, skip], title: "live" });
    const [a, b] = fig.data as Record<string, any>[];
    expect([a.name, a.y]).toEqual(["plain: peak 2.0 KB", [2, 2]]);
    expect([b.name, b.x, b.customdata[2]]).toEqual(["skip: peak 4.0 KB", ["conv1", "conv2", "add"], "conv2, input"]);
    const layout = fig.layout as Record<string, any>;
    expect(layout.xaxis.categoryarray).toEqual(["conv1", "conv2", "add"]);
    expect(layout.barmode).toBe("group");
  });
  it("inserts a model's extra layers after its previous layer", () => {
    const other = { name: "o", ramTimeline: [step("conv1", 1), step("pool", 1), step("conv2", 1)] };
    const fig = charts.ramTimelineFigure({ profiles: [plain, other], bytesPerElement: 1 });
    expect((fig.layout as any).xaxis.categoryarray).toEqual(["conv1", "pool", "conv2"]);
  });
  it("names the bad value", () => {
    expect(() => charts.ramTimelineFigure({ profiles: [] })).toThrow(/profiles must be a non-empty array/);
    expect(() => charts.ramTimelineFigure({ profiles: [{ name: "m", ramTimeline: [] }] })).toThrow(/profiles\[0\] \(m\) has no ramTimeline/);
    expect(() => charts.ramTimelineFigure({ profiles: [plain], bytesPerElement: 0 })).toThrow(/bytesPerElement must be > 0, got 0/);
  });
});

describe("stageFigure", () => {
  const base = {
    stages: ["stem", "block 1"], resolution: [48, 24],
    channels: { "input channels": [3, 24], "output channels": [24, 12] },
  };
  it("draws one bar series per channel kind and the resolution as a line on a right-hand axis", () => {
    const fig = charts.stageFigure({ ...base, title: "PhiNet", colours: { "output channels": "#3182bd" } });
    const [input, output, line] = fig.data as Record<string, any>[];
    expect([input.type, input.name, input.x, input.y]).toEqual(["bar", "input channels", ["stem", "block 1"], [3, 24]]);
    expect(output.marker.color).toBe("#3182bd");
    expect([line.type, line.yaxis, line.y]).toEqual(["scatter", "y2", [48, 24]]);
    const layout = fig.layout as Record<string, any>;
    expect([layout.barmode, layout.yaxis2.overlaying, layout.yaxis2.side]).toEqual(["group", "y", "right"]);
    expect(layout.yaxis.title.text).toBe("channels");
  });
  it("names the bad value", () => {
    expect(() => charts.stageFigure({ ...base, stages: [] })).toThrow(/stages is empty/);
    expect(() => charts.stageFigure({ ...base, stages: ["a", "a"] })).toThrow(/stage name "a" appears twice/);
    expect(() => charts.stageFigure({ ...base, channels: {} })).toThrow(/channels is empty/);
    expect(() => charts.stageFigure({ ...base, channels: { c: [1, -2] } })).toThrow(/channels "c"\[1\] is -2; expected a finite number >= 0/);
    expect(() => charts.stageFigure({ ...base, resolution: [48] })).toThrow(/resolution has 1 values for 2 entries/);
  });
});

describe("smallMultiplesFigure", () => {
  const panels = [
    { title: "α", x: [0.5, 1], series: { params: [0.3, 1], ram: [0.5, 1] } },
    { title: "t₀", x: [3, 6], series: { params: [0.4, 1], ram: [0.5, 1] } },
  ];
  it("puts each panel on its own axes, keeps one colour and one legend entry per series", () => {
    const fig = charts.smallMultiplesFigure({ panels, columns: 2, logY: true, yTicks: [0.5, 1], yTickSuffix: "×", yLabel: "× base" });
    const traces = fig.data as Record<string, any>[];
    expect(traces.map((t) => [t.name, t.xaxis, t.yaxis, t.showlegend])).toEqual([
      ["params", "x1", "y1", true], ["ram", "x1", "y1", true], ["params", "x2", "y2", false], ["ram", "x2", "y2", false],
    ]);
    expect(traces[0].line.color).toBe(traces[2].line.color);
    expect(traces[0].line.color).not.toBe(traces[1].line.color);
    const layout = fig.layout as Record<string, any>;
    expect(layout.grid).toEqual({ rows: 1, columns: 2, pattern: "independent" });
    expect([layout.yaxis1.type, layout.yaxis1.ticktext, layout.yaxis1.title.text]).toEqual(["log", ["0.5×", "1×"], "× base"]);
    expect(layout.yaxis2.title).toBeUndefined();
    expect(layout.xaxis2.title.text).toBe("t₀");
  });
  it("names the bad value", () => {
    expect(() => charts.smallMultiplesFigure({ panels: [] })).toThrow(/panels must be a non-empty array/);
    expect(() => charts.smallMultiplesFigure({ panels, columns: 0 })).toThrow(/columns must be a positive integer, got 0/);
    const zero = [{ title: "β", x: [1, 2], series: { ram: [1, 0] } }];
    expect(() => charts.smallMultiplesFigure({ panels: zero, logY: true })).toThrow(/panel "β" series "ram"\[1\] is 0; expected a finite number > 0/);
    expect(() => charts.smallMultiplesFigure({ panels: [{ title: "γ", x: [1], series: {} }] })).toThrow(/panel "γ" has no series/);
    expect(() => charts.smallMultiplesFigure({ panels: [{ title: "γ", x: [1, 2], series: { a: [1] } }] })).toThrow(/series "a" has 1 values for 2 entries/);
  });
});

describe("labelledLinesFigure", () => {
  const lines = [
    { name: "PhiNet", x: [1e5, 1e6], y: [85, 92], labels: ["α 0.25", "α 0.75"] },
    { name: "XiNet", x: [4e5, 1.6e6], y: [90, 94], labels: ["α 0.5", "α 1"] },
  ];
  it("draws one labelled line per series", () => {
    const fig = charts.labelledLinesFigure({ lines, logX: true, xLabel: "MACs", yLabel: "accuracy (%)" });
    const [phi, xi] = fig.data as Record<string, any>[];
    expect([phi.name, phi.mode, phi.text, phi.x]).toEqual(["PhiNet", "lines+markers+text", ["α 0.25", "α 0.75"], [1e5, 1e6]]);
    expect(phi.line.color).not.toBe(xi.line.color);
    const layout = fig.layout as Record<string, any>;
    expect([layout.xaxis.type, layout.yaxis.type, layout.xaxis.title.text]).toEqual(["log", "linear", "MACs"]);
  });
  it("names the bad value", () => {
    expect(() => charts.labelledLinesFigure({ lines: [] })).toThrow(/lines must be a non-empty array/);
    const bad = [{ ...lines[0], x: [0, 1e6] }];
    expect(() => charts.labelledLinesFigure({ lines: bad, logX: true })).toThrow(/line "PhiNet" x\[0\] is 0; expected a finite number > 0 \(log axis\)/);
    expect(() => charts.labelledLinesFigure({ lines: [{ ...lines[0], labels: ["one"] }] })).toThrow(/line "PhiNet" x has 2 values for 1 entries/);
  });
});

describe("withReferenceLines", () => {
  const bars = () => charts.logBarsFigure({ labels: ["a", "b"], values: [1, 10] });
  it("adds dashed shapes with labels across the plot, keeping the figure and earlier shapes", () => {
    const base = { data: [{ type: "scatter", x: [0, 1], y: [0, 500] }], layout: { shapes: [{ type: "rect" }] } };
    const fig = charts.withReferenceLines(base, [
      { axis: "y", value: 392, label: "lecture: 392 KB" },
      { axis: "x", value: 0.5, colour: "#555" },
    ]);
    const [rect, h, v] = (fig.layout as Record<string, any>).shapes;
    expect(rect).toEqual({ type: "rect" });
    expect(h).toMatchObject({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: 392, y1: 392, line: { dash: "dash" } });
    expect(h.label).toMatchObject({ text: "lecture: 392 KB", textposition: "end" });
    expect(v).toMatchObject({ yref: "paper", xref: "x", x0: 0.5, x1: 0.5, line: { color: "#555" } });
    expect(v.label).toBeUndefined();
    expect(fig.data).toBe(base.data);
    expect(base.layout.shapes).toHaveLength(1); // the input is not changed
    expect(() => charts.plot(fig, { target: { kind: "console", show: () => undefined } as never })).not.toThrow();
  });
  it("names the bad value", () => {
    expect(() => charts.withReferenceLines(bars(), [])).toThrow(/lines must be a non-empty array/);
    expect(() => charts.withReferenceLines(bars(), [{ axis: "z" as never, value: 1 }])).toThrow(/lines\[0\].axis must be "x" or "y", got "z"/);
    expect(() => charts.withReferenceLines(bars(), [{ axis: "x", value: 0 }])).toThrow(/lines\[0\].value is 0; expected a finite number > 0 \(log axis\)/);
    expect(() => charts.withReferenceLines(bars(), [{ axis: "y", value: Number.NaN }])).toThrow(/lines\[0\].value is NaN/);
    expect(() => charts.withReferenceLines({} as never, [{ axis: "y", value: 1 }])).toThrow(/expected a figure/);
  });
});

describe("logBarsFigure text and smallMultiplesFigure markers", () => {
  it("writes a text per bar at its end, and draws lines without markers when asked", () => {
    const fig = charts.logBarsFigure({ labels: ["raw", "mfcc"], values: [32000, 490], text: ["32,000 B", "490 B"] });
    const [bars] = fig.data as Record<string, any>[];
    expect([bars.text, bars.textposition]).toEqual([["32,000 B", "490 B"], "outside"]);
    expect(() => charts.logBarsFigure({ labels: ["a", "b"], values: [1, 2], text: ["x"] })).toThrow(/text has 1 entries for 2 labels/);
    const panels = [{ title: "walking", x: [0, 1], series: { acc_x: [1, 2] } }];
    const [line] = charts.smallMultiplesFigure({ panels, markers: false }).data as Record<string, any>[];
    expect(line.mode).toBe("lines");
    expect((charts.smallMultiplesFigure({ panels }).data[0] as Record<string, any>).mode).toBe("lines+markers");
  });
});

describe("classExampleImages / showClasses", () => {
  // four 2x2 images of classes 1, 0, 1, 0: pixel values are the image's position
  const images = { shape: [4, 2, 2, 1], dataSync: () => Float32Array.from({ length: 16 }, (_, i) => Math.floor(i / 4)) };
  const classIndices = [1, 0, 1, 0];
  it("puts one column per class and one row per example", () => {
    const grid = charts.classExampleImages({ images, classIndices, classNames: ["a", "b"], perClass: 2 });
    expect(grid.map((g) => [g.title, g.pixels[0]])).toEqual([["a", 1], ["b", 0], ["a", 3], ["b", 2]]);
    expect([grid[0].width, grid[0].height, grid[0].channels]).toEqual([2, 2, 1]);
    expect(charts.classExampleImages({ images, classIndices, classNames: ["a", "b"], perClass: 1 })).toHaveLength(2);
  });
  it("shows them as an image grid and names bad input", () => {
    const target = createCaptureTarget();
    charts.showClasses({ images, classIndices, classNames: ["a", "b"], title: "two classes", target });
    expect(target.messages[0].bundle["text/plain"]).toBe('<image grid "two classes": 4 images>');
    expect(() => charts.classExampleImages({ images: { shape: [4, 4], dataSync: images.dataSync }, classIndices, classNames: ["a", "b"] }))
      .toThrow(/images must be a tensor \[n, height, width\(, channels\)\], got shape \[4,4\]/);
    expect(() => charts.classExampleImages({ images, classIndices: [0, 1], classNames: ["a", "b"] })).toThrow(/2 class indices for 4 images/);
    expect(() => charts.classExampleImages({ images, classIndices, classNames: ["a", "b"], perClass: 3 }))
      .toThrow(/class 0 has 2 examples, fewer than perClass 3/);
  });
});

describe("spectrogramFigure", () => {
  const frames = [[1, 2, 3], [4, 5, 6]]; // 2 frames x 3 bins
  it("draws bins upwards and time across, rounded, with labelled axes", () => {
    const fig = charts.spectrogramFigure({ frames, times: [0.015, 0.035], bins: [0, 31.25, 62.5], colourLabel: "log10 power", decimals: 0 });
    const [trace] = fig.data as Record<string, any>[];
    expect(trace.z).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect([trace.x, trace.y, trace.colorbar.title.text]).toEqual([[0.015, 0.035], [0, 31.25, 62.5], "log10 power"]);
    const layout = fig.layout as Record<string, any>;
    expect([layout.xaxis.title.text, layout.yaxis.title.text, layout.yaxis.autorange]).toEqual(["time (s)", "frequency (Hz)", undefined]);
    const plain = charts.spectrogramFigure({ frames: [[0.123456]] });
    expect((plain.data[0] as Record<string, any>).z).toEqual([[0.12]]);
    expect((plain.layout as Record<string, any>).xaxis.title.text).toBe("frame");
  });
  it("names the bad frame or axis", () => {
    expect(() => charts.spectrogramFigure({ frames: [] })).toThrow(/frames must be a non-empty array/);
    expect(() => charts.spectrogramFigure({ frames: [[1, 2], [3]] })).toThrow(/frames\[1\] has 1 values for 2 entries/);
    expect(() => charts.spectrogramFigure({ frames: [[1, NaN]] })).toThrow(/frames\[0\]\[1\] is NaN/);
    expect(() => charts.spectrogramFigure({ frames, times: [0] })).toThrow(/times has 1 values for 2 entries/);
    expect(() => charts.spectrogramFigure({ frames, bins: [1] })).toThrow(/bins has 1 values for 3 entries/);
    expect(() => charts.spectrogramFigure({ frames, decimals: -1 })).toThrow(/decimals must be an integer >= 0, got -1/);
  });
});
