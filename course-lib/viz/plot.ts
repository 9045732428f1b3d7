// Charts for notebooks on the tslab kernel, offline everywhere: each plot is one display_data bundle with
// the plotly JSON MIME type (VS Code and JupyterLab-with-plotly draw it natively) plus HTML whose script
// draws it with window.Plotly (classic Notebook, plain JupyterLab, the course book). The plotly.js library
// itself is inlined only into the first plot of a kernel session so notebooks stay small.
import { DisplayTarget, MimeBundle, defaultDisplayTarget } from "./display";
import { loadPlotlyLibrary } from "./plotly-library";
import { pngDataUrl } from "./png";

/** The MIME type of a plotly figure in Jupyter (the plotly Python package, VS Code and JupyterLab use it). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/** Marks the <script> that inlines the plotly library, so the book can strip it and load its own copy. */
export const PLOTLY_LIB_ATTRIBUTE = "data-course-plotly-lib";
/** How long a figure's script waits for window.Plotly before showing the "not loaded" message. */
export const PLOTLY_WAIT_MS = 4000;

/** A plotly.js figure: traces, layout and config exactly as plotly.js takes them. */
export interface Figure {
  data: object[];
  layout?: object;
  config?: object;
}

/** Where to send the output; the default is the running kernel (or the console outside Jupyter). */
export interface DisplayOptions {
  target?: DisplayTarget;
}

/** Numbers as plain arrays or typed arrays (tensor.dataSync() results work directly). */
export type Numbers = ArrayLike<number>;

const LIBRARY_SENT_KEY = Symbol.for("tinyml-course.viz.plotlyLibrarySent");

/** Targets that already received the library: per kernel session (globalThis survives module reloads). */
function librarySentTo(): WeakSet<DisplayTarget> {
  const g = globalThis as { [LIBRARY_SENT_KEY]?: WeakSet<DisplayTarget> };
  return (g[LIBRARY_SENT_KEY] ??= new WeakSet());
}

/** Displays a plotly.js figure in the notebook (offline; the library is inlined with the first plot). */
export function plot(fig: Figure, options: DisplayOptions = {}): void {
  const target = options.target ?? defaultDisplayTarget();
  const figure = normalizeFigure(fig);
  const sent = librarySentTo();
  const includeLibrary = target.kind !== "console" && !sent.has(target);
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: figure,
    "text/html": figureHtml(figure, includeLibrary),
    "text/plain": describeFigure(figure),
  };
  target.show(bundle);
  if (includeLibrary) sent.add(target);
}

/**
 * Displays the plotly library again. Needed only if the output of the session's first plot was cleared
 * and the page reloaded while the kernel kept running: later plots then say "plotly library not loaded".
 * Import it as `import { includePlotlyLibrary } from "./course-lib/viz/plot"`.
 */
export function includePlotlyLibrary(options: DisplayOptions = {}): void {
  const target = options.target ?? defaultDisplayTarget();
  const lib = loadPlotlyLibrary();
  target.show({
    "text/html": libraryScript(),
    "text/plain": `plotly.js ${lib.version} loaded into the page`,
  });
  librarySentTo().add(target);
}

function libraryScript(): string {
  const lib = loadPlotlyLibrary();
  // "</script" cannot occur in code outside strings; inside strings "<\/script" means the same.
  const source = lib.source.replace(/<\/script/gi, "<\\/script");
  return `<script ${PLOTLY_LIB_ATTRIBUTE}="${lib.version}">\n${source}\n</script>`;
}

let figureCounter = 0;

/** This module as a notebook (in notebooks/) imports it. */
const NOTEBOOK_MODULE = "./course-lib/viz/plot";

/** How to get the plotly library back into the page, with the import a learner needs for it. */
export const PLOTLY_NOT_LOADED_MESSAGE =
  "plotly library not loaded: restart the kernel and run the notebook from the top, or run " +
  `\`import { includePlotlyLibrary } from "${NOTEBOOK_MODULE}"; includePlotlyLibrary();\` in a cell above`;

/** Marks the note an untrusted notebook shows in place of a plot (the figure's script removes it). */
export const UNTRUSTED_NOTE_CLASS = "course-plot-untrusted";

/**
 * What a plot shows when its script does not run: Jupyter runs no scripts in the outputs of a notebook it
 * does not trust, and its sanitizer also strips style attributes and SVG, so this is plain HTML (bold,
 * code) that reads the same after sanitizing. The figure's script deletes it before the page is painted.
 */
export const UNTRUSTED_NOTE_HTML =
  "<b>⚠ This plot did not draw: its JavaScript did not run.</b> Jupyter runs no scripts in a notebook it " +
  "does not trust (for example an executed copy from <code>build/notebooks/</code>). Trust the notebook: click " +
  "<b>Not Trusted</b> in the toolbar or use <b>File › Trust Notebook</b> (JupyterLab: <b>Trust Notebook</b> " +
  "in the command palette), or run <code>jupyter trust NOTEBOOK.ipynb</code> in a terminal (on Debian it " +
  "needs <code>apt-get install jupyter-nbformat</code>); then reload the page. Running the notebook again " +
  "also draws its plots.";

/** The HTML part of a plot bundle: a div plus a script that draws into it once window.Plotly exists. */
export function figureHtml(figure: Figure, includeLibrary: boolean): string {
  const id = `course-plot-${Date.now().toString(36)}-${(figureCounter++).toString(36)}`;
  const layout = figure.layout as { height?: number } | undefined;
  const height = typeof layout?.height === "number" ? layout.height : 420;
  const noteId = `${id}-untrusted`;
  const script = `(function () {
  var note = document.getElementById(${JSON.stringify(noteId)});
  if (note) note.parentNode.removeChild(note);
  var fig = ${scriptJson(figure)};
  var el = document.getElementById(${JSON.stringify(id)});
  var waited = 0;
  function draw() {
    if (!el) return;
    if (window.Plotly) { window.Plotly.newPlot(el, fig.data, fig.layout || {}, fig.config || {}); return; }
    if (waited >= ${PLOTLY_WAIT_MS}) {
      el.style.minHeight = "0";
      el.innerHTML = '<div style="color:#a40000;font-family:sans-serif;padding:6px;border:1px solid #e0a0a0;background:#fff4f4">' + ${JSON.stringify(escapeHtml(PLOTLY_NOT_LOADED_MESSAGE))} + '</div>';
      return;
    }
    waited += 50;
    setTimeout(draw, 50);
  }
  draw();
})();`;
  return [
    includeLibrary ? libraryScript() : "",
    `<div id="${noteId}" class="${UNTRUSTED_NOTE_CLASS}">${UNTRUSTED_NOTE_HTML}</div>`,
    `<div id="${id}" class="course-plot" style="width:100%;min-height:${height}px"></div>`,
    `<script>\n${script}\n</script>`,
  ].join("\n");
}

/** JSON that is safe inside a <script> element (no "</script>", no line terminators JS rejects). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A one-line text description of a figure (the text/plain part of its bundle). */
export function describeFigure(figure: Figure): string {
  const types = figure.data.map((trace) => String((trace as { type?: unknown }).type ?? "scatter"));
  const title = figureTitle(figure.layout);
  const count = `${figure.data.length} trace${figure.data.length === 1 ? "" : "s"}`;
  return `<Plotly figure${title ? ` "${title}"` : ""}: ${count} (${[...new Set(types)].join(", ") || "none"})>`;
}

function figureTitle(layout: object | undefined): string | undefined {
  const title = (layout as { title?: unknown } | undefined)?.title;
  if (typeof title === "string") return title;
  if (title && typeof (title as { text?: unknown }).text === "string") return (title as { text: string }).text;
  return undefined;
}

/** Validates a figure and turns it into plain JSON (typed arrays → arrays, NaN/±Infinity → null). */
export function normalizeFigure(fig: Figure): Figure {
  if (fig === null || typeof fig !== "object") {
    throw new Error(`plot: expected a figure object { data: [...], layout?, config? }, got ${describeValue(fig)}`);
  }
  if (!Array.isArray(fig.data)) {
    throw new Error(`plot: figure.data must be an array of traces, got ${describeValue(fig.data)}`);
  }
  fig.data.forEach((trace, i) => {
    if (trace === null || typeof trace !== "object" || Array.isArray(trace)) {
      throw new Error(`plot: figure.data[${i}] must be a trace object like { x, y, type }, got ${describeValue(trace)}`);
    }
  });
  const out: Figure = { data: toJson(fig.data, "figure.data", new Set()) as object[] };
  if (fig.layout !== undefined) out.layout = titleBelowModebar(toJson(fig.layout, "figure.layout", new Set()) as object);
  out.config = { responsive: true, displaylogo: false, ...(toJson(fig.config ?? {}, "figure.config", new Set()) as object) };
  return out;
}

/** Height in pixels of plotly's toolbar (the modebar), drawn on hover in the top-right corner. */
const MODEBAR_PX = 28;
/** Height of one line of a plotly title at its default size (17 px font). */
const TITLE_LINE_PX = 22;
const TITLE_PAD_PX = 8;

/**
 * Plotly centres a title in the top margin, where the modebar appears on hover, so a long title and the
 * toolbar overlap. Unless the figure places its title itself (title.y or title.yref), the title sits just
 * above the plot area instead, and the top margin is raised to fit the modebar above it.
 */
export function titleBelowModebar(layout: object): object {
  const l = layout as { title?: unknown; margin?: { t?: unknown } };
  const title = typeof l.title === "string" ? { text: l.title } : (l.title as Record<string, unknown> | undefined);
  if (!title || typeof title !== "object" || typeof title.text !== "string" || title.text.trim() === "") return layout;
  if (title.y !== undefined || title.yref !== undefined) return layout;
  const lines = title.text.split(/<br\s*\/?>/i).length;
  const needed = MODEBAR_PX + lines * TITLE_LINE_PX + TITLE_PAD_PX;
  const top = typeof l.margin?.t === "number" ? l.margin.t : 100; // plotly's default top margin
  return {
    ...layout,
    title: { ...title, yref: "paper", y: 1, yanchor: "bottom", pad: { b: TITLE_PAD_PX, ...(title.pad as object) } },
    margin: { ...l.margin, t: Math.max(top, needed) },
  };
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return `an object with keys [${Object.keys(value as object).slice(0, 6).join(", ")}]`;
  return `${typeof value} ${String(value)}`;
}

function toJson(value: unknown, where: string, seen: Set<object>): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === undefined) return undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "function" || typeof value === "symbol") {
    throw new Error(`plot: ${where} is a ${typeof value}; figures must be plain data (numbers, strings, arrays, objects)`);
  }
  if (ArrayBuffer.isView(value)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? Number(v) : null));
  }
  if (value instanceof Date) return value.toISOString();
  const obj = value as Record<string, unknown>;
  if (typeof obj.dataSync === "function" && Array.isArray(obj.shape)) {
    throw new Error(`plot: ${where} is a tensor; pass tensor.arraySync() or tensor.dataSync() instead`);
  }
  if (seen.has(obj)) throw new Error(`plot: ${where} refers back to itself (a cycle); figures must be trees`);
  seen.add(obj);
  let result: unknown;
  if (Array.isArray(obj)) {
    result = obj.map((v, i) => {
      const j = toJson(v, `${where}[${i}]`, seen);
      return j === undefined ? null : j;
    });
  } else {
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      const j = toJson(v, `${where}.${key}`, seen);
      if (j !== undefined) copy[key] = j;
    }
    result = copy;
  }
  seen.delete(obj);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Chart helpers. xxxChart() displays and returns nothing (tslab prints a cell's last value, which would
// clutter the notebook); xxxFigure() builds the same figure without displaying it, to tweak and plot().

/** Axis titles and a chart title shared by the helpers. */
export interface ChartLabels {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Figure height in pixels (default 380). */
  height?: number;
}

function baseLayout(labels: ChartLabels, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { xaxis, yaxis, ...rest } = extra as { xaxis?: object; yaxis?: object };
  return {
    title: labels.title ? { text: labels.title } : undefined,
    height: labels.height ?? 380,
    // With a title, room for the modebar above it (see titleBelowModebar).
    margin: { l: 60, r: 20, t: labels.title ? 60 : 20, b: 50 },
    xaxis: { title: labels.xLabel ? { text: labels.xLabel } : undefined, ...xaxis },
    yaxis: { title: labels.yLabel ? { text: labels.yLabel } : undefined, ...yaxis },
    ...rest,
  };
}

function checkNumbers(values: Numbers, what: string): number[] {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new Error(`${what} must be an array of numbers, got ${describeValue(values)}`);
  }
  return Array.from(values, Number);
}

/** One line of a line chart. */
export interface LineSeries {
  name: string;
  y: Numbers;
  /** x values for this line (default: the chart's x, else 0, 1, 2, ...). */
  x?: Numbers;
}

/** Options of lineChart / lineFigure. */
export interface LineChartOptions extends ChartLabels, DisplayOptions {
  /** `{ loss: [...], val_loss: [...] }` or `[{ name, y, x? }]`. */
  series: Record<string, Numbers> | LineSeries[];
  /** Shared x values (default 0, 1, 2, ...). */
  x?: Numbers;
  /** Logarithmic y axis (useful for losses). */
  logY?: boolean;
  /** Draw a marker at each point. */
  markers?: boolean;
  /** Show the legend (default: when there is more than one series). */
  showLegend?: boolean;
}

/** Builds a line chart figure of one or more series. */
export function lineFigure(opts: LineChartOptions): Figure {
  const list: LineSeries[] = Array.isArray(opts.series)
    ? opts.series
    : Object.entries(opts.series).map(([name, y]) => ({ name, y }));
  if (list.length === 0) throw new Error("lineChart: series is empty; pass e.g. { loss: [0.9, 0.5, 0.3] }");
  const sharedX = opts.x ? checkNumbers(opts.x, "lineChart x") : undefined;
  const data = list.map((s) => {
    const y = checkNumbers(s.y, `lineChart series "${s.name}"`);
    const x = s.x ? checkNumbers(s.x, `lineChart series "${s.name}" x`) : sharedX ?? y.map((_, i) => i);
    if (x.length !== y.length) {
      throw new Error(`lineChart: series "${s.name}" has ${y.length} y values but ${x.length} x values`);
    }
    return { type: "scatter", mode: opts.markers ? "lines+markers" : "lines", name: s.name, x, y };
  });
  const allX = data.flatMap((trace) => trace.x);
  const fig: Figure = {
    data,
    layout: baseLayout(opts, {
      xaxis: integerTicks(allX) ?? {},
      yaxis: opts.logY ? { type: "log" } : {},
      showlegend: opts.showLegend ?? data.length > 1,
    }),
  };
  return fig;
}

/**
 * Axis settings that put ticks on whole numbers only, when every value is a whole number (epochs,
 * indices, channel counts): plotly's automatic ticks would label 1.5 and 2.5 on a 3-epoch axis. The step
 * is 1, 2 or 5 × 10^k, about 8 ticks over the data's span. Undefined when some value is fractional.
 */
export function integerTicks(values: number[]): { tick0: number; dtick: number } | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0 || !finite.every((v) => Number.isInteger(v))) return undefined;
  const span = Math.max(...finite) - Math.min(...finite);
  const raw = Math.max(1, span / 8);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= raw)!;
  return { tick0: 0, dtick: step };
}

/** Line chart, e.g. `lineChart({ series: { loss, val_loss }, xLabel: "epoch" })`. */
export function lineChart(opts: LineChartOptions): void {
  plot(lineFigure(opts), opts);
}

/** Options of scatter / scatterFigure. */
export interface ScatterOptions extends ChartLabels, DisplayOptions {
  x: Numbers;
  y: Numbers;
  /** One coloured trace per distinct group value (e.g. class labels of 2-D embeddings). */
  groups?: ArrayLike<string | number>;
  /** Hover text per point. */
  text?: string[];
  markerSize?: number;
}

/** Builds a scatter plot figure. */
export function scatterFigure(opts: ScatterOptions): Figure {
  const x = checkNumbers(opts.x, "scatter x");
  const y = checkNumbers(opts.y, "scatter y");
  if (x.length !== y.length) throw new Error(`scatter: x has ${x.length} values but y has ${y.length}`);
  if (opts.groups && opts.groups.length !== x.length) {
    throw new Error(`scatter: groups has ${opts.groups.length} entries but there are ${x.length} points`);
  }
  const marker = { size: opts.markerSize ?? 6 };
  const indicesByGroup = new Map<string, number[]>();
  for (let i = 0; i < x.length; i++) {
    const key = opts.groups ? String(opts.groups[i]) : "";
    if (!indicesByGroup.has(key)) indicesByGroup.set(key, []);
    indicesByGroup.get(key)!.push(i);
  }
  const keys = [...indicesByGroup.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const data = keys.map((key) => {
    const idx = indicesByGroup.get(key)!;
    return {
      type: "scatter",
      mode: "markers",
      name: key,
      x: idx.map((i) => x[i]),
      y: idx.map((i) => y[i]),
      text: opts.text ? idx.map((i) => opts.text![i]) : undefined,
      marker,
    };
  });
  const fig: Figure = { data, layout: baseLayout(opts, { showlegend: Boolean(opts.groups) }) };
  return fig;
}

/** Scatter plot; `groups` colours points by group, e.g. class labels. */
export function scatter(opts: ScatterOptions): void {
  plot(scatterFigure(opts), opts);
}

/** Options of bar / barFigure. */
export interface BarOptions extends ChartLabels, DisplayOptions {
  /** One category per bar (or bar group). */
  labels: ArrayLike<string | number>;
  /** Values per label, or `{ seriesName: values }` for grouped bars. */
  values: Numbers | Record<string, Numbers>;
  horizontal?: boolean;
}

/** Builds a bar chart figure. */
export function barFigure(opts: BarOptions): Figure {
  const labels = Array.from(opts.labels, String);
  const series: [string, Numbers][] =
    typeof (opts.values as Numbers).length === "number"
      ? [["", opts.values as Numbers]]
      : Object.entries(opts.values as Record<string, Numbers>);
  const data = series.map(([name, values]) => {
    const v = checkNumbers(values, `bar values${name ? ` "${name}"` : ""}`);
    if (v.length !== labels.length) {
      throw new Error(`bar: ${labels.length} labels but ${v.length} values${name ? ` in series "${name}"` : ""}`);
    }
    return opts.horizontal
      ? { type: "bar", orientation: "h", name, x: v, y: labels }
      : { type: "bar", name, x: labels, y: v };
  });
  const fig: Figure = {
    data,
    layout: baseLayout(opts, {
      barmode: "group",
      showlegend: series.length > 1,
      // Category labels are strings; keep them as categories even when they look like numbers.
      [opts.horizontal ? "yaxis" : "xaxis"]: { type: "category" },
    }),
  };
  return fig;
}

/** Bar chart; a record of series in `values` gives grouped bars. */
export function bar(opts: BarOptions): void {
  plot(barFigure(opts), opts);
}

/** Options of heatmap / heatmapFigure. */
export interface HeatmapOptions extends ChartLabels, DisplayOptions {
  /** Rows of the matrix; row 0 is drawn at the top. */
  z: ArrayLike<Numbers>;
  /** Column labels. */
  x?: ArrayLike<string | number>;
  /** Row labels. */
  y?: ArrayLike<string | number>;
  /** A plotly colorscale name (default "Blues"). */
  colorscale?: string;
  /** Write each cell's value on it (confusion matrices). */
  showValues?: boolean;
}

/** Builds a heatmap figure of a matrix, e.g. a confusion matrix. */
export function heatmapFigure(opts: HeatmapOptions): Figure {
  const z = Array.from(opts.z, (row, i) => checkNumbers(row, `heatmap z[${i}]`));
  if (z.length === 0) throw new Error("heatmap: z has no rows");
  const width = z[0].length;
  z.forEach((row, i) => {
    if (row.length !== width) throw new Error(`heatmap: z[${i}] has ${row.length} values but z[0] has ${width}`);
  });
  const x = opts.x ? Array.from(opts.x, String) : undefined;
  const y = opts.y ? Array.from(opts.y, String) : undefined;
  if (x && x.length !== width) throw new Error(`heatmap: ${x.length} x labels for ${width} columns`);
  if (y && y.length !== z.length) throw new Error(`heatmap: ${y.length} y labels for ${z.length} rows`);
  const trace: Record<string, unknown> = { type: "heatmap", z, x, y, colorscale: opts.colorscale ?? "Blues" };
  if (opts.showValues) {
    trace.texttemplate = "%{z:~g}";
    trace.hovertemplate = "x=%{x}<br>y=%{y}<br>value=%{z}<extra></extra>";
  }
  const fig: Figure = {
    data: [trace],
    layout: baseLayout(opts, {
      xaxis: { type: "category" },
      yaxis: { type: "category", autorange: "reversed" },
    }),
  };
  return fig;
}

/** Heatmap of a matrix, e.g. a confusion matrix with `showValues: true`. */
export function heatmap(opts: HeatmapOptions): void {
  plot(heatmapFigure(opts), opts);
}

/** One image of an image grid. */
export interface GridImage {
  /** Pixel values, row-major, channels interleaved (e.g. an MNIST digit's 784 values). */
  pixels: Numbers;
  /** Defaults: a square grayscale image when pixels.length is a perfect square. */
  width?: number;
  height?: number;
  channels?: 1 | 3;
  /** Caption under the image (e.g. "pred 7 / true 7"). */
  title?: string;
  /** Caption colour, e.g. "green" for a correct prediction, "#c00" for a wrong one. */
  color?: string;
}

/** Options of imageGrid / imageGridHtml. */
export interface ImageGridOptions extends DisplayOptions {
  title?: string;
  /** Images per row (default: up to 8). */
  columns?: number;
  /** On-screen pixels per image pixel (default: 4 for 28-px images, ~112 px wide). */
  scale?: number;
  /** Value range mapped to black..white: [min, max] (default [0, 1]) or "auto" per image. */
  range?: [number, number] | "auto";
}

/** Shows small images in a grid with captions, e.g. MNIST digits with predicted labels. */
export function imageGrid(images: GridImage[], opts: ImageGridOptions = {}): void {
  const html = imageGridHtml(images, opts);
  const target = opts.target ?? defaultDisplayTarget();
  target.show({ "text/html": html, "text/plain": `<image grid${opts.title ? ` "${opts.title}"` : ""}: ${images.length} images>` });
}

/** The HTML of an image grid: a table of PNG <img>s (no script, so it renders everywhere). */
export function imageGridHtml(images: GridImage[], opts: ImageGridOptions = {}): string {
  if (!Array.isArray(images) || images.length === 0) {
    throw new Error(`imageGrid: expected a non-empty array of images, got ${describeValue(images)}`);
  }
  const columns = opts.columns ?? Math.min(images.length, 8);
  if (!Number.isInteger(columns) || columns <= 0) throw new Error(`imageGrid: columns must be a positive integer, got ${columns}`);
  const cells = images.map((image, i) => {
    const raw = toRawImage(image, i, opts.range ?? [0, 1]);
    const scale = opts.scale ?? Math.max(1, Math.round(112 / raw.width));
    const caption = image.title
      ? `<div style="font:12px/1.3 sans-serif;margin-top:2px;${image.color ? `color:${escapeAttr(image.color)};` : ""}">${escapeHtml(image.title)}</div>`
      : "";
    return (
      `<td style="text-align:center;vertical-align:top;padding:4px;border:none">` +
      `<img src="${pngDataUrl(raw)}" width="${raw.width * scale}" height="${raw.height * scale}" ` +
      `style="image-rendering:pixelated;image-rendering:crisp-edges;border:1px solid #ccc" alt="${escapeAttr(image.title ?? `image ${i}`)}">` +
      `${caption}</td>`
    );
  });
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += columns) rows.push(`<tr>${cells.slice(i, i + columns).join("")}</tr>`);
  const heading = opts.title ? `<div style="font:bold 14px sans-serif;margin:4px 0">${escapeHtml(opts.title)}</div>` : "";
  return `<div class="course-image-grid">${heading}<table style="border-collapse:collapse;border:none">${rows.join("")}</table></div>`;
}

function toRawImage(image: GridImage, index: number, range: [number, number] | "auto") {
  const pixels = checkNumbers(image.pixels, `imageGrid image ${index} pixels`);
  const channels = image.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new Error(`imageGrid image ${index}: channels must be 1 or 3, got ${channels}`);
  let { width, height } = image;
  if (width === undefined || height === undefined) {
    const side = Math.round(Math.sqrt(pixels.length / channels));
    if (side * side * channels !== pixels.length) {
      throw new Error(
        `imageGrid image ${index}: ${pixels.length} pixel values is not a square image; give width and height`,
      );
    }
    width ??= side;
    height ??= side;
  }
  if (width * height * channels !== pixels.length) {
    throw new Error(
      `imageGrid image ${index}: ${width}x${height}x${channels} needs ${width * height * channels} values, got ${pixels.length}`,
    );
  }
  let [lo, hi] = range === "auto" ? [Infinity, -Infinity] : range;
  if (range === "auto") {
    for (const v of pixels) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!(hi > lo)) hi = lo + 1; // a constant image: show it as black rather than dividing by zero
  } else if (!(hi > lo)) {
    throw new Error(`imageGrid: range must be [min, max] with max > min, got [${lo}, ${hi}]`);
  }
  const bytes = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = (pixels[i] - lo) / (hi - lo);
    bytes[i] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
  }
  return { width, height, channels, bytes };
}

/** Escapes text for HTML element content. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes text for a double-quoted HTML attribute. */
export function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
