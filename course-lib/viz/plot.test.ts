// Checks what plot() and the chart helpers send to the notebook: the MIME bundle shape, the plotly library
// inlined once per session, JSON-safe figures, and that the HTML script really draws (or explains why not).
import * as vm from "node:vm";
import { describe, expect, it } from "vitest";
import { loadJupyterSanitizer, visibleText } from "../tools/jupyter-sanitizer";
import { createCaptureTarget, createConsoleTarget } from "./display";
import {
  PLOTLY_LIB_ATTRIBUTE,
  PLOTLY_MIME,
  barFigure,
  heatmapFigure,
  imageGrid,
  imageGridHtml,
  includePlotlyLibrary,
  integerTicks,
  lineChart,
  lineFigure,
  normalizeFigure,
  plot,
  scatterFigure,
  titleBelowModebar,
  UNTRUSTED_NOTE_CLASS,
} from "./plot";
import { loadPlotlyLibrary, locatePlotlyLibrary } from "./plotly-library";

const FIG = { data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2] }], layout: { title: { text: "demo" } } };

/** The inline scripts of an HTML output, except the plotly library itself. */
function figureScripts(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*data-course-plotly-lib)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

/** Runs a figure script against a fake DOM; returns what it drew or wrote, and whether it removed the note. */
function runFigureScript(script: string, withPlotly: boolean) {
  const el = { style: {} as Record<string, string>, innerHTML: "" };
  const removed: unknown[] = [];
  const note = { parentNode: { removeChild: (child: unknown) => removed.push(child) } };
  const calls: unknown[][] = [];
  const timers: (() => void)[] = [];
  const window: Record<string, unknown> = {};
  if (withPlotly) window.Plotly = { newPlot: (...args: unknown[]) => calls.push(args) };
  vm.runInNewContext(script, {
    window,
    document: { getElementById: (id: string) => (id.endsWith("-untrusted") ? note : el) },
    setTimeout: (fn: () => void) => timers.push(fn),
  });
  let steps = 0;
  while (timers.length > 0 && steps++ < 10_000) timers.shift()!();
  return { el, calls, steps, noteRemoved: removed.length === 1 && removed[0] === note };
}

/** FIG's layout as plot() sends it: the title above the plot area, below the modebar. */
const FIG_LAYOUT = {
  title: { text: "demo", yref: "paper", y: 1, yanchor: "bottom", pad: { b: 8 } },
  margin: { t: 100 },
};

describe("plot", () => {
  it("sends one bundle with the plotly JSON, HTML and a text description", () => {
    const target = createCaptureTarget();
    plot(FIG, { target });
    expect(target.messages).toHaveLength(1);
    const { type, bundle } = target.messages[0];
    expect(type).toBe("display_data");
    expect(Object.keys(bundle).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"].sort());
    expect(bundle[PLOTLY_MIME]).toEqual({
      data: FIG.data,
      layout: FIG_LAYOUT,
      config: { responsive: true, displaylogo: false },
    });
    expect(bundle["text/plain"]).toBe('<Plotly figure "demo": 1 trace (scatter)>');
    expect(bundle["text/html"]).toMatch(/<div id="course-plot-[^"]+" class="course-plot"/);
  });

  it("inlines the plotly library only into the first plot of a session", () => {
    const target = createCaptureTarget();
    plot(FIG, { target });
    plot(FIG, { target });
    plot(FIG, { target });
    const htmls = target.messages.map((m) => m.bundle["text/html"] as string);
    const lib = loadPlotlyLibrary();
    // (booleans, not toContain: a failure message would print the 5 MB library)
    expect(htmls[0].includes(`<script ${PLOTLY_LIB_ATTRIBUTE}="${lib.version}">`)).toBe(true);
    expect(htmls[0].length).toBeGreaterThan(lib.source.length);
    const withoutLibrary = htmls[0].replace(/<script data-course-plotly-lib[\s\S]*?<\/script>/, "");
    expect(withoutLibrary.length).toBeLessThan(5000);
    expect(withoutLibrary).not.toMatch(/<script[^>]*\bsrc=/); // the library is inline, never a CDN
    for (const html of htmls.slice(1)) {
      expect(html).not.toContain(PLOTLY_LIB_ATTRIBUTE);
      expect(html.length).toBeLessThan(5000);
    }
    // A different session (target) gets its own copy; includePlotlyLibrary re-sends it on demand.
    const other = createCaptureTarget();
    plot(FIG, { target: other });
    expect((other.messages[0].bundle["text/html"] as string).includes(PLOTLY_LIB_ATTRIBUTE)).toBe(true);
    includePlotlyLibrary({ target });
    expect((target.messages[3].bundle["text/html"] as string).includes(PLOTLY_LIB_ATTRIBUTE)).toBe(true);
  });

  it("has a script that draws with window.Plotly, or says the library is missing", () => {
    const target = createCaptureTarget();
    plot(FIG, { target });
    plot(FIG, { target });
    const [script] = figureScripts(target.messages[1].bundle["text/html"] as string);
    const drawn = runFigureScript(script, true);
    expect(drawn.calls).toHaveLength(1);
    const [el, data, layout, config] = drawn.calls[0];
    expect(el).toBe(drawn.el);
    expect(data).toEqual(FIG.data);
    expect(layout).toEqual(FIG_LAYOUT);
    expect(config).toEqual({ responsive: true, displaylogo: false });
    const missing = runFigureScript(script, false);
    expect(missing.calls).toHaveLength(0);
    expect(missing.steps).toBeGreaterThan(10); // it waited before giving up
    expect(missing.el.innerHTML).toContain("plotly library not loaded");
    expect(missing.el.innerHTML).toContain("run the notebook from the top");
    // After a page reload the learner needs the import, not just the function's name.
    expect(missing.el.innerHTML).toContain('import { includePlotlyLibrary } from "./course-lib/viz/plot"');
    expect(drawn.noteRemoved && missing.noteRemoved, "the untrusted-notebook note is removed when the script runs").toBe(true);
  });

  it("keeps the figure JSON safe inside <script> and converts typed arrays and NaN", () => {
    const target = createCaptureTarget();
    plot(
      { data: [{ x: new Float32Array([1, 2]), y: [NaN, Infinity], name: "</script><b>x</b>\u2028" }] },
      { target },
    );
    const { bundle } = target.messages[0];
    expect(bundle[PLOTLY_MIME]).toMatchObject({ data: [{ x: [1, 2], y: [null, null] }] });
    const scripts = figureScripts(bundle["text/html"] as string);
    const figureScript = scripts[scripts.length - 1];
    expect(figureScript).not.toContain("</script>");
    expect(figureScript).toContain("\\u003c/script>");
    const drawn = runFigureScript(figureScript, true);
    expect((drawn.calls[0][1] as { name: string }[])[0].name).toBe("</script><b>x</b>\u2028");
  });

  it("rejects bad figures with errors that name the problem", () => {
    const target = createCaptureTarget();
    expect(() => plot({ data: "nope" } as never, { target })).toThrow(/figure.data must be an array of traces, got string nope/);
    expect(() => plot({ data: [42] } as never, { target })).toThrow(/figure.data\[0\] must be a trace object/);
    const tensorLike = { shape: [2], dataSync: () => [1, 2] };
    expect(() => plot({ data: [{ y: tensorLike }] }, { target })).toThrow(/figure.data\[0\].y is a tensor; pass tensor.arraySync/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => normalizeFigure({ data: [cyclic] })).toThrow(/cycle/);
    expect(target.messages).toHaveLength(0);
  });

  it("says in plain HTML what to do when its script does not run (an untrusted notebook)", () => {
    const target = createCaptureTarget();
    plot(FIG, { target });
    const html = target.messages[0].bundle["text/html"] as string;
    const note = new RegExp(`<div id="(course-plot-[^"]+)-untrusted" class="${UNTRUSTED_NOTE_CLASS}">([\\s\\S]*?)</div>`).exec(html);
    expect(note, "the note").not.toBeNull();
    expect(html.indexOf(note![0])).toBeLessThan(html.indexOf('class="course-plot"'));
    expect(html).toContain(`<div id="${note![1]}" class="course-plot"`); // the note belongs to this plot
    expect(note![2]).not.toMatch(/style=|<script|<svg/); // nothing the sanitizer would strip
    for (const text of ["Not Trusted", "File › Trust Notebook", "jupyter trust", "jupyter-nbformat"]) expect(note![2]).toContain(text);
  });

  // The real thing: Notebook 6's sanitizer, as it treats an untrusted notebook's HTML output.
  const sanitizer = loadJupyterSanitizer();
  it.skipIf("missing" in sanitizer)(`keeps the note through Jupyter's sanitizer${"missing" in sanitizer ? ` (skipped: ${sanitizer.missing})` : ""}`, () => {
    if ("missing" in sanitizer) return;
    const target = createCaptureTarget();
    plot(FIG, { target });
    plot(FIG, { target });
    for (const message of target.messages) {
      const sanitized = sanitizer.sanitizeOutput(message.bundle["text/html"] as string);
      expect(sanitized).not.toContain("<script");
      const text = visibleText(sanitized);
      expect(text).toContain("This plot did not draw: its JavaScript did not run.");
      expect(text).toContain("run jupyter trust NOTEBOOK.ipynb in a terminal");
      expect(text).toContain("click Not Trusted in the toolbar or use File › Trust Notebook");
    }
  });

  it("prints a text line instead of crashing outside a kernel", () => {
    const lines: string[] = [];
    plot(FIG, { target: createConsoleTarget((l) => lines.push(l)) });
    expect(lines).toEqual(['<Plotly figure "demo": 1 trace (scatter)>']);
  });
});

describe("chart helpers", () => {
  it("lineFigure shows a legend for several series unless told not to", () => {
    const two = { series: { a: [1, 2], b: [2, 1] } };
    expect((lineFigure(two).layout as { showlegend: boolean }).showlegend).toBe(true);
    expect((lineFigure({ ...two, showLegend: false }).layout as { showlegend: boolean }).showlegend).toBe(false);
    expect((lineFigure({ series: { a: [1] }, showLegend: true }).layout as { showlegend: boolean }).showlegend).toBe(true);
  });

  it("lineFigure builds one line per series and checks lengths", () => {
    const fig = lineFigure({ series: { loss: [3, 2, 1], val: new Float64Array([4, 3, 2]) }, x: [1, 2, 3], logY: true, title: "t" });
    expect(fig.data).toEqual([
      { type: "scatter", mode: "lines", name: "loss", x: [1, 2, 3], y: [3, 2, 1] },
      { type: "scatter", mode: "lines", name: "val", x: [1, 2, 3], y: [4, 3, 2] },
    ]);
    expect(fig.layout).toMatchObject({ yaxis: { type: "log" }, showlegend: true, title: { text: "t" } });
    expect(() => lineFigure({ series: { a: [1, 2] }, x: [1] })).toThrow(/series "a" has 2 y values but 1 x values/);
    expect(() => lineFigure({ series: {} })).toThrow(/series is empty/);
  });

  it("scatterFigure splits points by group in natural order", () => {
    const fig = scatterFigure({ x: [0, 1, 2, 3], y: [5, 6, 7, 8], groups: [10, 2, 10, 2] });
    expect(fig.data.map((t) => (t as { name: string }).name)).toEqual(["2", "10"]);
    expect(fig.data[0]).toMatchObject({ x: [1, 3], y: [6, 8], mode: "markers" });
    expect(() => scatterFigure({ x: [1], y: [1, 2] })).toThrow(/x has 1 values but y has 2/);
  });

  it("barFigure and heatmapFigure shape their traces", () => {
    const bars = barFigure({ labels: ["a", "b"], values: { fp32: [1, 2], int8: [0.5, 1] } });
    expect(bars.data).toHaveLength(2);
    expect(bars.layout).toMatchObject({ barmode: "group", xaxis: { type: "category" } });
    expect(() => barFigure({ labels: ["a"], values: [1, 2] })).toThrow(/1 labels but 2 values/);
    const hm = heatmapFigure({ z: [[5, 1], [0, 7]], x: ["cat", "dog"], y: ["cat", "dog"], showValues: true });
    expect(hm.data[0]).toMatchObject({ type: "heatmap", z: [[5, 1], [0, 7]], texttemplate: "%{z:~g}" });
    expect(hm.layout).toMatchObject({ yaxis: { autorange: "reversed" } });
    expect(() => heatmapFigure({ z: [[1, 2], [3]] })).toThrow(/z\[1\] has 1 values but z\[0\] has 2/);
  });

  it("lineChart displays and returns nothing (tslab would print a returned value)", () => {
    const target = createCaptureTarget();
    expect(lineChart({ series: { loss: [1, 0.5] }, target })).toBeUndefined();
    expect(target.messages[0].bundle[PLOTLY_MIME]).toBeDefined();
  });
});

describe("imageGrid", () => {
  it("renders PNG images in a table with escaped captions", () => {
    const digit = Array.from({ length: 28 * 28 }, (_, i) => (i % 28) / 27);
    const html = imageGridHtml(
      [
        { pixels: digit, title: "pred 7 <ok>", color: "green" },
        { pixels: digit, title: "pred 1", color: "#c00" },
        { pixels: [1, 0, 0, 0, 1, 0], width: 2, height: 1, channels: 3 },
      ],
      { columns: 2, title: "MNIST & friends" },
    );
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(3);
    expect(html.match(/<tr>/g)).toHaveLength(2);
    expect(html).toContain('width="112" height="112"');
    expect(html).toContain("pred 7 &lt;ok&gt;");
    expect(html).toContain("MNIST &amp; friends");
    expect(html).not.toContain("<ok>");
    expect(html).not.toContain("<script");
  });

  it("displays an HTML bundle and explains bad shapes", () => {
    const target = createCaptureTarget();
    imageGrid([{ pixels: [0, 1, 1, 0] }], { target });
    expect(Object.keys(target.messages[0].bundle).sort()).toEqual(["text/html", "text/plain"]);
    expect(() => imageGridHtml([{ pixels: [1, 2, 3] }])).toThrow(/3 pixel values is not a square image/);
    expect(() => imageGridHtml([{ pixels: [1, 2, 3], width: 2, height: 2 }])).toThrow(/2x2x1 needs 4 values, got 3/);
    expect(() => imageGridHtml([])).toThrow(/non-empty array/);
  });
});

describe("plotly library", () => {
  it("is a local minified plotly.js build that defines window.Plotly", () => {
    const found = locatePlotlyLibrary();
    expect(found.minified).toBe(true);
    expect(found.version).toBe("3.1.0");
    const lib = loadPlotlyLibrary();
    expect(lib.source.startsWith("/**\n* plotly.js v3.1.0")).toBe(true); // licence header kept
    expect(/window\.Plotly\s*=/.test(lib.source)).toBe(true);
    expect(lib.source.length).toBeLessThan(6_000_000); // the unminified build is 11 MB
  });
});

describe("shared layout", () => {
  it("puts a title above the plot area with room for the modebar over it, unless the figure placed it", () => {
    const long = "A long title that reaches the top-right corner where plotly draws its toolbar on hover";
    expect(titleBelowModebar({ title: long, margin: { t: 30, l: 5 } })).toEqual({
      title: { text: long, yref: "paper", y: 1, yanchor: "bottom", pad: { b: 8 } },
      margin: { t: 58, l: 5 }, // 28 px modebar + 22 px title line + 8 px pad
    });
    const twoLines = titleBelowModebar({ title: { text: "a<br>b" }, margin: { t: 20 } }) as { margin: { t: number } };
    expect(twoLines.margin.t).toBe(80);
    const placed = { title: { text: "mine", y: 0.95 }, margin: { t: 10 } };
    expect(titleBelowModebar(placed)).toBe(placed);
    expect(titleBelowModebar({ height: 300 })).toEqual({ height: 300 });
    const target = createCaptureTarget();
    lineChart({ series: { loss: [1, 0.5] }, title: long, target });
    const sent = target.messages[0].bundle[PLOTLY_MIME] as { layout: { title: object; margin: { t: number } } };
    expect(sent.layout.title).toMatchObject({ yref: "paper", yanchor: "bottom" });
    expect(sent.layout.margin.t).toBeGreaterThanOrEqual(58);
  });

  it("labels whole-number axes (epochs) with whole-number ticks only", () => {
    expect(integerTicks([1, 2, 3])).toEqual({ tick0: 0, dtick: 1 });
    expect(integerTicks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])).toEqual({ tick0: 0, dtick: 5 });
    expect(integerTicks([0, 100])).toEqual({ tick0: 0, dtick: 20 });
    expect(integerTicks([7])).toEqual({ tick0: 0, dtick: 1 });
    expect(integerTicks([0.5, 1])).toBeUndefined();
    const epochs = lineFigure({ series: { loss: [0.9, 0.5, 0.4] }, x: [1, 2, 3], xLabel: "epoch" });
    expect((epochs.layout as { xaxis: object }).xaxis).toMatchObject({ tick0: 0, dtick: 1, title: { text: "epoch" } });
    const fractional = lineFigure({ series: { y: [1, 2] }, x: [0.5, 1.5] });
    expect((fractional.layout as { xaxis: object }).xaxis).not.toHaveProperty("dtick");
  });
});
