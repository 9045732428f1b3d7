// Chart helpers for the lessons' recurring figures, built on plot.ts's figures so that a notebook cell
// calls one function instead of writing plotly JSON. Each xxxFigure() returns the figure (to tweak and
// plot()); the same name without "Figure" displays it. Add one here when a second cell would need it.
import { Figure, plot, DisplayOptions } from "./plot";
import type { ChartLabels, Numbers } from "./plot";
import { imageGrid, type GridImage, type ImageGridOptions } from "./plot";
import { firstOfEachClass } from "../data/dataset";

export type { Figure, DisplayOptions };
export { plot };

// ---------------------------------------------------------------------------------------------------------
// Lesson 01 figures: quantities spanning orders of magnitude (log bars, one panel per quantity, a labelled
// log-log scatter) and "does it fit" utilisation heatmaps. Usable by any lesson.

/** A qualitative palette (plotly's default order), so the same item keeps its colour across figures. */
export const CHART_COLOURS: readonly string[] = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

function positiveValues(values: Numbers, what: string, count: number): number[] {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new Error(`${what} must be an array of numbers, got ${values === null ? "null" : typeof values}`);
  }
  const out = Array.from(values, Number);
  if (out.length !== count) throw new Error(`${what} has ${out.length} values for ${count} labels`);
  out.forEach((v, i) => {
    if (!Number.isFinite(v) || v <= 0) {
      throw new Error(`${what}[${i}] is ${v}; a log axis needs finite values > 0`);
    }
  });
  return out;
}

function stringList(values: unknown, what: string, count?: number): string[] {
  if (!Array.isArray(values)) throw new Error(`${what} must be an array of strings, got ${typeof values}`);
  if (count !== undefined && values.length !== count) {
    throw new Error(`${what} has ${values.length} entries for ${count} labels`);
  }
  return values.map(String);
}

function chartLayout(labels: ChartLabels, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    title: labels.title ? { text: labels.title } : undefined,
    height: labels.height ?? 380,
    margin: { l: 20, r: 20, t: labels.title ? 50 : 20, b: 50 },
    ...extra,
  };
}

/** Options of logBars / logBarsFigure. */
export interface LogBarsOptions extends ChartLabels, DisplayOptions {
  /** One horizontal bar per label, drawn top to bottom in this order. */
  labels: string[];
  /** The bars' lengths, all > 0 (the axis is logarithmic). */
  values: Numbers;
  /** The group of each bar: one colour and one legend entry per group (default: one group). */
  groups?: string[];
  /** Colour per group name (default: CHART_COLOURS in order of first appearance). */
  groupColours?: Record<string, string>;
  /** Extra hover line per bar, e.g. the figure's source. */
  hover?: string[];
  /** Text written at the end of each bar, e.g. "32,000 B" (default: none). */
  text?: string[];
  /** Unit shown after each value on hover ("J", "bit/s"); SI prefixes are added. */
  unit?: string;
  /** Vertical dashed lines across the bars, e.g. what a radio link carries. */
  references?: { name: string; value: number }[];
}

/**
 * Horizontal bars on a log axis, optionally coloured by group and crossed by reference lines, e.g.
 * sensor data rates against radio links, or energy per operation by kind.
 */
export function logBarsFigure(opts: LogBarsOptions): Figure {
  const labels = stringList(opts.labels, "logBars labels");
  if (labels.length === 0) throw new Error("logBars: labels is empty; give one label per bar");
  const values = positiveValues(opts.values, "logBars values", labels.length);
  const groups = opts.groups ? stringList(opts.groups, "logBars groups", labels.length) : labels.map(() => "");
  const hover = opts.hover ? stringList(opts.hover, "logBars hover", labels.length) : undefined;
  const text = opts.text ? stringList(opts.text, "logBars text", labels.length) : undefined;
  const unit = opts.unit ?? "";
  const groupNames = [...new Set(groups)];
  const bars = groupNames.map((group, g) => {
    const idx = labels.map((_, i) => i).filter((i) => groups[i] === group);
    return {
      type: "bar", orientation: "h", name: group, showlegend: group !== "",
      marker: { color: opts.groupColours?.[group] ?? CHART_COLOURS[g % CHART_COLOURS.length] },
      y: idx.map((i) => labels[i]), x: idx.map((i) => values[i]),
      customdata: idx.map((i) => (hover ? `<br>${hover[i]}` : "")),
      hovertemplate: `%{y}: %{x:.3s}${unit}%{customdata}<extra></extra>`,
      ...(text ? { text: idx.map((i) => text[i]), textposition: "outside", cliponaxis: false } : {}),
    };
  });
  const references = (opts.references ?? []).map((ref, r) => {
    if (!ref || !Number.isFinite(ref.value) || ref.value <= 0) {
      throw new Error(`logBars references[${r}] must be { name, value > 0 }, got ${JSON.stringify(ref)}`);
    }
    return {
      type: "scatter", mode: "lines", name: ref.name,
      x: [ref.value, ref.value], y: [labels[0], labels[labels.length - 1]],
      line: { dash: "dash", width: 2, color: CHART_COLOURS[(groupNames.length + r + 1) % CHART_COLOURS.length] },
      hovertemplate: `${ref.name}<extra></extra>`,
    };
  });
  return {
    data: [...bars, ...references],
    layout: chartLayout(opts, {
      xaxis: { type: "log", title: opts.xLabel ? { text: opts.xLabel } : undefined, exponentformat: "SI" },
      yaxis: { automargin: true, categoryorder: "array", categoryarray: labels, autorange: "reversed" },
      barmode: "overlay",
      showlegend: groupNames.length > 1 || references.length > 0,
      // Below the x axis title; plotly grows the bottom margin to make room.
      legend: { orientation: "h", y: -0.25, yanchor: "top" },
    }),
  };
}

/** Displays logBarsFigure(opts). */
export function logBars(opts: LogBarsOptions): void {
  plot(logBarsFigure(opts), opts);
}

/** One panel of panelBars: a quantity with one value per item. */
export interface BarPanel {
  title: string;
  values: Numbers;
  /** Text written above each bar (default: the value). */
  text?: string[];
}

/** Options of panelBars / panelBarsFigure. */
export interface PanelBarsOptions extends ChartLabels, DisplayOptions {
  /** The things compared: one bar (and one colour, one legend entry) per item in every panel. */
  items: string[];
  panels: BarPanel[];
  /** Extra hover line per item, e.g. its example and source. */
  hover?: string[];
  /** Logarithmic y axes (default true: the panels compare orders of magnitude). */
  logY?: boolean;
}

/**
 * Side-by-side panels, one per quantity, each with one bar per item on its own (log) y axis, e.g.
 * RAM, storage, MAC/s and power of three classes of hardware.
 */
export function panelBarsFigure(opts: PanelBarsOptions): Figure {
  const items = stringList(opts.items, "panelBars items");
  if (items.length === 0) throw new Error("panelBars: items is empty");
  if (!Array.isArray(opts.panels) || opts.panels.length === 0) {
    throw new Error("panelBars: panels must be a non-empty array of { title, values }");
  }
  const logY = opts.logY ?? true;
  const hover = opts.hover ? stringList(opts.hover, "panelBars hover", items.length) : undefined;
  const data = opts.panels.flatMap((panel, p) => {
    const values = logY
      ? positiveValues(panel.values, `panelBars panel "${panel.title}" values`, items.length)
      : Array.from(panel.values, Number);
    if (values.length !== items.length) {
      throw new Error(`panelBars panel "${panel.title}" has ${values.length} values for ${items.length} items`);
    }
    const text = panel.text
      ? stringList(panel.text, `panelBars panel "${panel.title}" text`, items.length)
      : values.map((v) => v.toPrecision(2));
    return items.map((item, i) => ({
      type: "bar", name: item, legendgroup: item, showlegend: p === 0,
      marker: { color: CHART_COLOURS[i % CHART_COLOURS.length] },
      x: [item], y: [values[i]], text: [text[i]], textposition: "outside", cliponaxis: false,
      xaxis: `x${p + 1}`, yaxis: `y${p + 1}`,
      hovertemplate: `${item}<br>${panel.title}: ${text[i]}${hover ? `<br>${hover[i]}` : ""}<extra></extra>`,
    }));
  });
  const axes = Object.fromEntries(opts.panels.flatMap((panel, p) => [
    [`yaxis${p + 1}`, { type: logY ? "log" : "linear", title: { text: panel.title }, exponentformat: "power" }],
    [`xaxis${p + 1}`, { showticklabels: false }],
  ]));
  return {
    data,
    layout: chartLayout(opts, {
      grid: { rows: 1, columns: opts.panels.length, pattern: "independent" },
      ...axes,
      legend: { orientation: "h", y: -0.1 },
      // Room above the tallest bars for their text.
      margin: { l: 60, r: 20, t: opts.title ? 80 : 40, b: 40 },
    }),
  };
}

/** Displays panelBarsFigure(opts). */
export function panelBars(opts: PanelBarsOptions): void {
  plot(panelBarsFigure(opts), opts);
}

/** One point of labelledScatter. */
export interface LabelledPoint {
  label: string;
  x: number;
  y: number;
  /** Marker diameter in pixels (default 12). */
  size?: number;
  /** A number mapped to the colour scale (e.g. log10 of a speed). */
  colour?: number;
  /** Extra hover lines. */
  hover?: string;
  /** Where the label goes ("top center", "middle left", ...), to keep crowded labels apart. */
  labelPosition?: string;
}

/** Options of labelledScatter / labelledScatterFigure. */
export interface LabelledScatterOptions extends ChartLabels, DisplayOptions {
  points: LabelledPoint[];
  logX?: boolean;
  logY?: boolean;
  /** Title of the colour bar, shown when the points have a `colour`. */
  colourLabel?: string;
}

/** A scatter of named points with their labels written next to them, e.g. boards by flash and RAM. */
export function labelledScatterFigure(opts: LabelledScatterOptions): Figure {
  if (!Array.isArray(opts.points) || opts.points.length === 0) {
    throw new Error("labelledScatter: points must be a non-empty array of { label, x, y }");
  }
  opts.points.forEach((p, i) => {
    const badAxis = [p.x, p.y].some((v, a) => !Number.isFinite(v) || ((a === 0 ? opts.logX : opts.logY) && v <= 0));
    if (typeof p.label !== "string" || badAxis) {
      throw new Error(
        `labelledScatter points[${i}] needs a label and finite x, y (> 0 on a log axis), got ${JSON.stringify(p)}`,
      );
    }
  });
  const coloured = opts.points.every((p) => typeof p.colour === "number");
  const trace = {
    type: "scatter", mode: "markers+text",
    x: opts.points.map((p) => p.x), y: opts.points.map((p) => p.y),
    text: opts.points.map((p) => p.label), textfont: { size: 10 },
    textposition: opts.points.map((p) => p.labelPosition ?? "top center"),
    marker: {
      size: opts.points.map((p) => p.size ?? 12), opacity: 0.8, line: { width: 1, color: "#333" },
      ...(coloured
        ? { color: opts.points.map((p) => p.colour), colorscale: "Viridis", showscale: true,
            colorbar: { title: { text: opts.colourLabel ?? "" } } }
        : { color: CHART_COLOURS[0] }),
    },
    customdata: opts.points.map((p) => (p.hover ? `<br>${p.hover}` : "")),
    hovertemplate: "<b>%{text}</b>%{customdata}<extra></extra>",
  };
  // SI tick labels ("1G", not plotly's default "1B", which reads as one byte next to a byte axis).
  const axis = (log: boolean | undefined, label: string | undefined) =>
    ({ type: log ? "log" : "linear", title: label ? { text: label } : undefined, exponentformat: "SI" });
  return {
    data: [trace],
    layout: chartLayout(opts, {
      xaxis: axis(opts.logX, opts.xLabel), yaxis: axis(opts.logY, opts.yLabel),
      margin: { l: 70, r: 20, t: opts.title ? 50 : 20, b: 50 },
    }),
  };
}

/** Displays labelledScatterFigure(opts). */
export function labelledScatter(opts: LabelledScatterOptions): void {
  plot(labelledScatterFigure(opts), opts);
}

/** One cell of a utilisation heatmap: how full a budget is, whether it fits, and which budget it is. */
export interface UtilisationCell {
  /** used / available (1 = exactly full). */
  utilisation: number;
  ok: boolean;
  /** Written under the percentage, e.g. the budget ("RAM"). */
  note?: string;
}

/** Options of utilisationHeatmap / utilisationHeatmapFigure. */
export interface UtilisationHeatmapOptions extends ChartLabels, DisplayOptions {
  rows: string[];
  columns: string[];
  /** cells[row][column]. */
  cells: UtilisationCell[][];
  /** Utilisations above this share the darkest red (default 2, i.e. ≥ 200%). */
  cap?: number;
}

/** "42", or "<1" for less than 1%. */
function percentText(utilisation: number): string {
  return utilisation < 0.01 ? "<1" : (100 * utilisation).toFixed(0);
}

/**
 * A "does it fit" grid: each cell's colour is its utilisation (green well below full, yellow near full,
 * red over), its text "✓ 42%" or "✗ 150%" and an optional note, e.g. networks × boards.
 */
export function utilisationHeatmapFigure(opts: UtilisationHeatmapOptions): Figure {
  const rows = stringList(opts.rows, "utilisationHeatmap rows");
  const columns = stringList(opts.columns, "utilisationHeatmap columns");
  const cap = opts.cap ?? 2;
  if (!(Number.isFinite(cap) && cap > 1)) throw new Error(`utilisationHeatmap: cap must be a number > 1, got ${cap}`);
  if (!Array.isArray(opts.cells) || opts.cells.length !== rows.length) {
    throw new Error(`utilisationHeatmap: cells must have one row per row label (${rows.length})`);
  }
  opts.cells.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new Error(`utilisationHeatmap: cells[${r}] must have ${columns.length} cells, one per column`);
    }
    row.forEach((c, k) => {
      if (!c || !Number.isFinite(c.utilisation) || c.utilisation < 0 || typeof c.ok !== "boolean") {
        throw new Error(
          `utilisationHeatmap: cells[${r}][${k}] must be { utilisation >= 0, ok }, got ${JSON.stringify(c)}`,
        );
      }
    });
  });
  const full = 1 / cap; // where 100% sits on the 0..1 colour scale
  const ticks = Array.from({ length: Math.floor(cap / 0.5) + 1 }, (_, i) => i * 0.5);
  return {
    data: [{
      type: "heatmap", x: columns, y: rows, zmin: 0, zmax: cap,
      z: opts.cells.map((row) => row.map((c) => Math.min(cap, c.utilisation))),
      text: opts.cells.map((row) => row.map((c) =>
        `${c.ok ? "✓" : "✗"} ${percentText(c.utilisation)}%${c.note ? `<br>${c.note}` : ""}`)),
      texttemplate: "%{text}", textfont: { size: 10 },
      colorscale: [
        [0, "#1a9850"], [0.7 * full, "#91cf60"], [full, "#fee08b"], [full + 1e-4, "#fc8d59"], [1, "#d73027"],
      ],
      colorbar: {
        title: { text: "utilisation" }, tickvals: ticks,
        ticktext: ticks.map((t, i) => `${i === ticks.length - 1 ? "≥" : ""}${Math.round(100 * t)}%`),
      },
      hovertemplate: "%{y} on %{x}<br>%{text}<extra></extra>",
    }],
    layout: chartLayout(opts, {
      xaxis: { tickangle: -30, type: "category" }, yaxis: { autorange: "reversed", automargin: true, type: "category" },
      margin: { l: 20, r: 20, t: opts.title ? 50 : 20, b: 90 },
    }),
  };
}

/** Displays utilisationHeatmapFigure(opts). */
export function utilisationHeatmap(opts: UtilisationHeatmapOptions): void {
  plot(utilisationHeatmapFigure(opts), opts);
}

// ---------------------------------------------------------------------------------------------------------
// Lesson 02 figure: live activation memory layer by layer (the profiler's RAM timeline), for one or more
// models side by side, e.g. the same convs without and with a skip connection.

/** The part of a profileModel() result that ramTimeline draws. */
export interface RamTimelineProfile {
  name: string;
  ramTimeline: { layer: string; liveElements: number; live: string[] }[];
}

/** Options of ramTimeline / ramTimelineFigure. */
export interface RamTimelineOptions extends ChartLabels, DisplayOptions {
  /** One bar series per profile (profileModel results), over the union of their layers in execution order. */
  profiles: RamTimelineProfile[];
  /** Bytes per activation element (default 4, float32; 1 for int8). */
  bytesPerElement?: number;
}

/** The layers of all timelines in one execution order: each timeline's new layers go after its previous one. */
function mergedLayerOrder(profiles: RamTimelineProfile[]): string[] {
  const order: string[] = [];
  for (const p of profiles) {
    let at = -1;
    for (const step of p.ramTimeline) {
      const found = order.indexOf(step.layer);
      if (found >= 0) at = found;
      else order.splice(++at, 0, step.layer);
    }
  }
  return order;
}

/**
 * Grouped bars of the KB live while each layer runs (1 KB = 1024 bytes), one colour per model; the legend
 * gives each model's peak and hovering a bar lists the live tensors.
 */
export function ramTimelineFigure(opts: RamTimelineOptions): Figure {
  if (!Array.isArray(opts.profiles) || opts.profiles.length === 0) {
    throw new Error("ramTimeline: profiles must be a non-empty array of profileModel() results");
  }
  const bytes = opts.bytesPerElement ?? 4;
  if (!(Number.isFinite(bytes) && bytes > 0)) throw new Error(`ramTimeline: bytesPerElement must be > 0, got ${bytes}`);
  opts.profiles.forEach((p, i) => {
    if (!p || !Array.isArray(p.ramTimeline) || p.ramTimeline.length === 0) {
      throw new Error(`ramTimeline: profiles[${i}] (${p?.name}) has no ramTimeline; pass profileModel(model)`);
    }
  });
  const data = opts.profiles.map((p, i) => {
    const kb = p.ramTimeline.map((s) => (bytes * s.liveElements) / 1024);
    return {
      type: "bar", name: `${p.name}: peak ${Math.max(...kb).toFixed(1)} KB`,
      marker: { color: CHART_COLOURS[i % CHART_COLOURS.length] },
      x: p.ramTimeline.map((s) => s.layer), y: kb, customdata: p.ramTimeline.map((s) => s.live.join(", ")),
      hovertemplate: "%{x}: %{y:.1f} KB live<br>live: %{customdata}<extra></extra>",
    };
  });
  return {
    data,
    layout: chartLayout(opts, {
      xaxis: { title: { text: opts.xLabel ?? "layer (execution order)" }, type: "category",
        categoryorder: "array", categoryarray: mergedLayerOrder(opts.profiles) },
      yaxis: { title: { text: opts.yLabel ?? "KB live" }, rangemode: "tozero" },
      barmode: "group", margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 80 },
    }),
  };
}

/** Displays ramTimelineFigure(opts). */
export function ramTimeline(opts: RamTimelineOptions): void {
  plot(ramTimelineFigure(opts), opts);
}

// ---------------------------------------------------------------------------------------------------------
// Lesson 03 figures: a network stage by stage (channel bars and a resolution line), small multiples of
// parameter sweeps, and labelled lines (e.g. accuracy against MACs, one line per network family).

function finiteList(values: Numbers, what: string, count: number, rule?: { min: number; text: string }): number[] {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new Error(`${what} must be an array of numbers, got ${values === null ? "null" : typeof values}`);
  }
  const out = Array.from(values, Number);
  if (out.length !== count) throw new Error(`${what} has ${out.length} values for ${count} entries`);
  out.forEach((v, i) => {
    if (!Number.isFinite(v) || (rule && v < rule.min)) {
      throw new Error(`${what}[${i}] is ${v}; expected a finite number${rule ? ` ${rule.text}` : ""}`);
    }
  });
  return out;
}

/** Options of stageChart / stageFigure. */
export interface StageChartOptions extends ChartLabels, DisplayOptions {
  /** One name per stage (one group of bars), e.g. ["stem", "block 1", ...]; names must differ. */
  stages: string[];
  /** Channel counts per stage, one bar series each, e.g. { "input channels": [...], "output channels": [...] }. */
  channels: Record<string, Numbers>;
  /** Output height (= width) of each stage in pixels: a line on a right-hand axis. */
  resolution: Numbers;
  /** Colour per channel series (default: CHART_COLOURS in order). */
  colours?: Record<string, string>;
}

/**
 * A network stage by stage: grouped bars of channel counts (input, expanded or compressed, output) and
 * the spatial resolution as a line on a second axis, e.g. the stages of a PhiNet or a XiNet.
 */
export function stageFigure(opts: StageChartOptions): Figure {
  const stages = stringList(opts.stages, "stageChart stages");
  if (stages.length === 0) throw new Error("stageChart: stages is empty; give one name per stage");
  const repeated = stages.find((s, i) => stages.indexOf(s) !== i);
  if (repeated !== undefined) throw new Error(`stageChart: stage name "${repeated}" appears twice; names must differ`);
  const series = Object.entries(opts.channels ?? {});
  if (series.length === 0) throw new Error('stageChart: channels is empty; give e.g. { "output channels": [...] }');
  const nonNegative = { min: 0, text: ">= 0" };
  const bars = series.map(([name, values], s) => ({
    type: "bar", name, x: stages,
    y: finiteList(values, `stageChart channels "${name}"`, stages.length, nonNegative),
    marker: { color: opts.colours?.[name] ?? CHART_COLOURS[s % CHART_COLOURS.length] },
  }));
  const resolution = {
    type: "scatter", mode: "lines+markers", name: "resolution (H = W)", x: stages, yaxis: "y2",
    y: finiteList(opts.resolution, "stageChart resolution", stages.length, nonNegative), line: { color: "#555" },
  };
  return {
    data: [...bars, resolution],
    layout: chartLayout({ ...opts, height: opts.height ?? 380 }, {
      barmode: "group",
      xaxis: { type: "category", title: opts.xLabel ? { text: opts.xLabel } : undefined },
      yaxis: { title: { text: opts.yLabel ?? "channels" } },
      yaxis2: { title: { text: "H = W (pixels)" }, overlaying: "y", side: "right", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.2 },
      margin: { l: 60, r: 60, t: opts.title ? 50 : 20, b: 80 },
    }),
  };
}

/** Displays stageFigure(opts). */
export function stageChart(opts: StageChartOptions): void {
  plot(stageFigure(opts), opts);
}

/** One panel of smallMultiples: its x values and the same named series as the other panels. */
export interface SmallMultiplePanel {
  /** The x-axis title of this panel, e.g. "PhiNet α". */
  title: string;
  x: Numbers;
  /** y values per series name; a name keeps its colour and its single legend entry across panels. */
  series: Record<string, Numbers>;
}

/** Options of smallMultiples / smallMultiplesFigure. */
export interface SmallMultiplesOptions extends ChartLabels, DisplayOptions {
  panels: SmallMultiplePanel[];
  /** Panels per row (default: up to 3). */
  columns?: number;
  /** Logarithmic y axes (values must then be > 0). */
  logY?: boolean;
  /** Tick values on every y axis, e.g. [0.5, 1, 2]; written with `yTickSuffix` ("×" gives "0.5×"). */
  yTicks?: number[];
  yTickSuffix?: string;
  /** Colour per series name (default: CHART_COLOURS in order of first appearance). */
  colours?: Record<string, string>;
  /** Draw a marker at every point (default true; false for long signals such as sensor traces). */
  markers?: boolean;
}

/**
 * A grid of small line charts with shared series, e.g. how parameters, RAM and MACs move when one knob
 * is swept, one panel per knob. `yLabel` goes on the first panel of each row.
 */
export function smallMultiplesFigure(opts: SmallMultiplesOptions): Figure {
  if (!Array.isArray(opts.panels) || opts.panels.length === 0) {
    throw new Error("smallMultiples: panels must be a non-empty array of { title, x, series }");
  }
  const columns = opts.columns ?? Math.min(3, opts.panels.length);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new Error(`smallMultiples: columns must be a positive integer, got ${columns}`);
  }
  const rule = opts.logY ? { min: Number.MIN_VALUE, text: "> 0 (the y axes are logarithmic)" } : undefined;
  const names: string[] = []; // series names in order of first appearance: colour and legend entry
  const data = opts.panels.flatMap((panel, p) => {
    const x = finiteList(panel.x, `smallMultiples panel "${panel.title}" x`, panel.x?.length ?? 0);
    if (x.length === 0) throw new Error(`smallMultiples panel "${panel.title}" has no x values`);
    const entries = Object.entries(panel.series ?? {});
    if (entries.length === 0) throw new Error(`smallMultiples panel "${panel.title}" has no series`);
    return entries.map(([name, values]) => {
      const first = !names.includes(name);
      if (first) names.push(name);
      const colour = opts.colours?.[name] ?? CHART_COLOURS[names.indexOf(name) % CHART_COLOURS.length];
      return {
        type: "scatter", mode: opts.markers === false ? "lines" : "lines+markers", name, legendgroup: name, showlegend: first,
        x, y: finiteList(values, `smallMultiples panel "${panel.title}" series "${name}"`, x.length, rule),
        line: { color: colour }, marker: { color: colour }, xaxis: `x${p + 1}`, yaxis: `y${p + 1}`,
      };
    });
  });
  const ticks = opts.yTicks
    ? { tickvals: opts.yTicks, ticktext: opts.yTicks.map((t) => `${t}${opts.yTickSuffix ?? ""}`) }
    : {};
  const axes = Object.fromEntries(opts.panels.flatMap((panel, p) => [
    [`xaxis${p + 1}`, { title: { text: panel.title } }],
    [`yaxis${p + 1}`, {
      type: opts.logY ? "log" : "linear", ...ticks,
      title: p % columns === 0 && opts.yLabel ? { text: opts.yLabel } : undefined,
    }],
  ]));
  const rows = Math.ceil(opts.panels.length / columns);
  return {
    data,
    layout: chartLayout({ ...opts, height: opts.height ?? 60 + 280 * rows }, {
      grid: { rows, columns, pattern: "independent" }, ...axes,
      legend: { orientation: "h", y: -0.12 },
      margin: { l: 60, r: 20, t: opts.title ? 60 : 20, b: 70 },
    }),
  };
}

/** Displays smallMultiplesFigure(opts). */
export function smallMultiples(opts: SmallMultiplesOptions): void {
  plot(smallMultiplesFigure(opts), opts);
}

/** One line of labelledLines: points joined in order, each with a label written above it. */
export interface LabelledLine {
  name: string;
  x: Numbers;
  y: Numbers;
  /** One label per point, e.g. "α 0.5". */
  labels: string[];
}

/** Options of labelledLines / labelledLinesFigure. */
export interface LabelledLinesOptions extends ChartLabels, DisplayOptions {
  lines: LabelledLine[];
  logX?: boolean;
  logY?: boolean;
}

/** Lines of labelled points, e.g. test accuracy against MACs, one line per network family. */
export function labelledLinesFigure(opts: LabelledLinesOptions): Figure {
  if (!Array.isArray(opts.lines) || opts.lines.length === 0) {
    throw new Error("labelledLines: lines must be a non-empty array of { name, x, y, labels }");
  }
  const positive = (log: boolean | undefined) => (log ? { min: Number.MIN_VALUE, text: "> 0 (log axis)" } : undefined);
  const data = opts.lines.map((line, l) => {
    const labels = stringList(line.labels, `labelledLines line "${line.name}" labels`);
    return {
      type: "scatter", mode: "lines+markers+text", name: line.name,
      x: finiteList(line.x, `labelledLines line "${line.name}" x`, labels.length, positive(opts.logX)),
      y: finiteList(line.y, `labelledLines line "${line.name}" y`, labels.length, positive(opts.logY)),
      text: labels, textposition: "top center", marker: { size: 9, color: CHART_COLOURS[l % CHART_COLOURS.length] },
      line: { color: CHART_COLOURS[l % CHART_COLOURS.length] },
    };
  });
  const axis = (log: boolean | undefined, label: string | undefined) =>
    ({ type: log ? "log" : "linear", title: label ? { text: label } : undefined });
  return {
    data,
    layout: chartLayout(opts, {
      xaxis: axis(opts.logX, opts.xLabel), yaxis: axis(opts.logY, opts.yLabel),
      margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    }),
  };
}

/** Displays labelledLinesFigure(opts). */
export function labelledLines(opts: LabelledLinesOptions): void {
  plot(labelledLinesFigure(opts), opts);
}

// ---------------------------------------------------------------------------------------------------------
// Lesson 04 helper: dashed reference lines (a budget, a target, a solution) across any figure above.

/** A dashed line across a figure at one value of an axis, e.g. a RAM budget across a timeline. */
export interface ReferenceLine {
  /** "y": a horizontal line at y = value; "x": a vertical line at x = value. */
  axis: "x" | "y";
  value: number;
  /** Written at the end of the line. */
  label?: string;
  /** Default "#d62728" (red). */
  colour?: string;
}

/**
 * A copy of `figure` with dashed reference lines added as layout shapes (with their labels), e.g.
 * `withReferenceLines(ramTimelineFigure(...), [{ axis: "y", value: 392, label: "budget 392 KB" }])`.
 * Values are data values, also on log axes (where they must be > 0). For figures with one x and one y
 * axis (not the subplot helpers).
 */
export function withReferenceLines(figure: Figure, lines: ReferenceLine[]): Figure {
  if (!figure || !Array.isArray(figure.data)) throw new Error("withReferenceLines: expected a figure { data: [...], layout? }");
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new Error("withReferenceLines: lines must be a non-empty array of { axis: \"x\" | \"y\", value }");
  }
  const layout = { ...(figure.layout ?? {}) } as Record<string, any>;
  const shapes = lines.map((line, i) => {
    if (!line || (line.axis !== "x" && line.axis !== "y")) {
      throw new Error(`withReferenceLines: lines[${i}].axis must be "x" or "y", got ${JSON.stringify(line?.axis)}`);
    }
    const log = layout[`${line.axis}axis`]?.type === "log";
    if (!Number.isFinite(line.value) || (log && line.value <= 0)) {
      throw new Error(`withReferenceLines: lines[${i}].value is ${line.value}; expected a finite number${log ? " > 0 (log axis)" : ""}`);
    }
    const colour = line.colour ?? "#d62728";
    const across = line.axis === "y"
      ? { xref: "paper", x0: 0, x1: 1, yref: "y", y0: line.value, y1: line.value }
      : { yref: "paper", y0: 0, y1: 1, xref: "x", x0: line.value, x1: line.value };
    return {
      type: "line", ...across, line: { dash: "dash", width: 1.5, color: colour },
      label: line.label ? { text: line.label, textposition: "end", font: { color: colour, size: 11 } } : undefined,
    };
  });
  layout.shapes = [...(Array.isArray(layout.shapes) ? layout.shapes : []), ...shapes];
  return { ...figure, layout };
}

// ---------------------------------------------------------------------------------------------------------
// Lesson 05 figures: examples of every class of an image dataset, and spectrograms (time × frequency).

/** Options of showClasses / classExampleImages. */
export interface ClassExamplesOptions extends Omit<ImageGridOptions, "columns"> {
  /** A tensor of images [n, height, width] or [n, height, width, channels] (1 or 3); anything with shape and dataSync(). */
  images: { shape: number[]; dataSync(): Numbers };
  /** The class of each image, 0..classNames.length-1. */
  classIndices: ArrayLike<number>;
  classNames: readonly string[];
  /** Images per class (default 2): the first ones of each class, one row each. */
  perClass?: number;
}

/** The first `perClass` images of every class, ordered so that an image grid has one column per class. */
export function classExampleImages(opts: ClassExamplesOptions): GridImage[] {
  const shape = opts.images?.shape;
  if (!Array.isArray(shape) || (shape.length !== 3 && shape.length !== 4) || typeof opts.images.dataSync !== "function") {
    throw new Error(`showClasses: images must be a tensor [n, height, width(, channels)], got shape ${JSON.stringify(shape)}`);
  }
  const [n, height, width, channels = 1] = shape;
  if (channels !== 1 && channels !== 3) throw new Error(`showClasses: images must have 1 or 3 channels, got ${channels}`);
  if (!opts.classIndices || opts.classIndices.length !== n) {
    throw new Error(`showClasses: ${opts.classIndices?.length} class indices for ${n} images; give one per image`);
  }
  const names = stringList(opts.classNames, "showClasses classNames");
  const perClass = opts.perClass ?? 2;
  const byClass = firstOfEachClass(opts.classIndices, names.length, perClass); // class 0's, class 1's, ...
  const order = Array.from({ length: perClass }, (_, k) => names.map((_, c) => byClass[c * perClass + k])).flat();
  const pixels = opts.images.dataSync();
  const size = height * width * channels;
  return order.map((i) => ({
    pixels: Array.from({ length: size }, (_, p) => pixels[i * size + p]),
    width, height, channels: channels as 1 | 3, title: names[opts.classIndices[i]],
  }));
}

/** Shows the first `perClass` images of every class of a dataset, one column per class. */
export function showClasses(opts: ClassExamplesOptions): void {
  const columns = stringList(opts.classNames, "showClasses classNames").length;
  imageGrid(classExampleImages(opts), { title: opts.title, scale: opts.scale, range: opts.range, target: opts.target, columns });
}

/** Options of spectrogram / spectrogramFigure. */
export interface SpectrogramOptions extends ChartLabels, DisplayOptions {
  /** values[frame][bin]: one row per time step (frame), one value per frequency bin or coefficient. */
  frames: ArrayLike<Numbers>;
  /** Time of each frame, e.g. its centre in seconds (default: the frame index). */
  times?: Numbers;
  /** Position of each bin on the vertical axis, e.g. its frequency in Hz (default: the bin index). */
  bins?: Numbers;
  /** Title of the colour bar, e.g. "log10 power". */
  colourLabel?: string;
  /** Decimal places kept in the figure (default 2: enough for the eye, and it keeps notebooks small). */
  decimals?: number;
  /** A plotly colour scale name (default "Viridis"). */
  colorscale?: string;
}

/**
 * A time × frequency heatmap (power spectrogram, log-mel, MFCC): time left to right, bin 0 at the bottom.
 * Rows of `frames` are time steps, as the audio features are stored.
 */
export function spectrogramFigure(opts: SpectrogramOptions): Figure {
  if (!opts.frames || typeof opts.frames.length !== "number" || opts.frames.length === 0) {
    throw new Error("spectrogram: frames must be a non-empty array of frames, each an array of bin values");
  }
  const rows = Array.from(opts.frames, (f, t) => finiteList(f, `spectrogram frames[${t}]`, opts.frames[0]?.length ?? 0));
  const numBins = rows[0].length;
  if (numBins === 0) throw new Error("spectrogram: frames[0] has no bins");
  const times = opts.times ? finiteList(opts.times, "spectrogram times", rows.length) : rows.map((_, t) => t);
  const bins = opts.bins ? finiteList(opts.bins, "spectrogram bins", numBins) : rows[0].map((_, k) => k);
  const decimals = opts.decimals ?? 2;
  if (!Number.isInteger(decimals) || decimals < 0) throw new Error(`spectrogram: decimals must be an integer >= 0, got ${decimals}`);
  const round = (v: number) => Number(v.toFixed(decimals));
  const z = bins.map((_, k) => rows.map((frame) => round(frame[k]))); // plotly wants z[y][x]: bins × frames
  return {
    data: [{
      type: "heatmap", x: times, y: bins, z, colorscale: opts.colorscale ?? "Viridis",
      colorbar: { title: { text: opts.colourLabel ?? "" } },
    }],
    layout: chartLayout(opts, {
      height: opts.height ?? 340,
      xaxis: { title: { text: opts.xLabel ?? (opts.times ? "time (s)" : "frame") } },
      yaxis: { title: { text: opts.yLabel ?? (opts.bins ? "frequency (Hz)" : "bin") } },
      margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    }),
  };
}

/** Displays spectrogramFigure(opts). */
export function spectrogram(opts: SpectrogramOptions): void {
  plot(spectrogramFigure(opts), opts);
}
