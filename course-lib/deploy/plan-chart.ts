// A memory plan as a picture: the arena as a strip of bytes (offset, vertical) over the graph's steps
// (horizontal), one rectangle per tensor spanning the steps it is live and the bytes it occupies. Gaps are
// wasted arena, the top of the highest rectangle is the high-water mark (the arena's size), and two
// rectangles that touch in both directions would be a bug (checkPlan's job; the chart draws whatever plan
// it is given, so a learner can see where a plan of theirs overlaps). Tensors a plan shares (a reshape and
// its input, an in-place op and its input) share a colour and sit at one offset, end to end.
//
// planChartFigure returns the plotly figure (viz/plot.ts) to tweak or plot(); planChart displays it.
import { CHART_COLOURS, withReferenceLines } from "../viz/charts";
import { plot, type ChartLabels, type DisplayOptions, type Figure } from "../viz/plot";
import type { QuantizedGraph } from "../quantize/graph";
import { executionOrderOf, tensorLifetimes, type ExecutionOrder, type MemoryPlan, type PlannableGraph } from "./planner";

export interface PlanChartOptions extends ChartLabels, DisplayOptions {
  /** Extra dashed lines across the chart, e.g. [{ label: "live-set bound", bytes: report.bounds.liveSet }]. */
  bounds?: { label: string; bytes: number }[];
  /** Write each tensor's name in its rectangle (default: when the graph has at most 30 planned tensors). */
  labels?: boolean;
}

/** Where one tensor's rectangle is: steps [first − ½, last + ½] (each step one unit wide), bytes [offset, offset + alignedBytes]. */
export interface PlanRectangle {
  tensor: number;
  name: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** One rectangle per tensor the plan places (offset ≥ 0), in tensor id order. */
export function planRectangles(graph: PlannableGraph, plan: MemoryPlan): PlanRectangle[] {
  const lifetimes = tensorLifetimes(graph);
  const tensorCount = graph.tensors.length;
  if (plan === null || typeof plan !== "object" || !Array.isArray(plan.offsets) || plan.offsets.length !== tensorCount) {
    throw new RangeError(`planChart: the plan must have one offset per tensor (${tensorCount}), got ${Array.isArray(plan?.offsets) ? plan.offsets.length : typeof plan?.offsets}`);
  }
  return lifetimes.map((l) => {
    const offset = plan.offsets[l.tensor];
    if (!(Number.isInteger(offset) && offset >= 0)) {
      throw new RangeError(`planChart: plan "${plan.planner}" gives tensor ${l.tensor} "${l.name}" offset ${offset}; every planned tensor needs a byte offset ≥ 0`);
    }
    return { tensor: l.tensor, name: l.name, x0: l.first - 0.5, x1: l.last + 0.5, y0: offset, y1: offset + l.alignedBytes };
  });
}

const isQuantizedGraph = (graph: PlannableGraph): graph is QuantizedGraph => Array.isArray((graph as QuantizedGraph).operators);

/** The plan as a figure: rectangles (steps × bytes), the arena's high-water mark and any `bounds` as dashed lines. */
export function planChartFigure(graph: PlannableGraph, plan: MemoryPlan, options: PlanChartOptions = {}): Figure {
  const order: ExecutionOrder = isQuantizedGraph(graph) ? executionOrderOf(graph) : graph;
  const rectangles = planRectangles(graph, plan);
  const lifetimes = new Map(tensorLifetimes(graph).map((l) => [l.tensor, l]));
  // One colour per shared group (the group's first tensor), otherwise per tensor.
  const root = new Map<number, number>();
  const rootOf = (t: number): number => (root.has(t) && root.get(t) !== t ? rootOf(root.get(t)!) : t);
  for (const [out, input] of plan.shared ?? []) root.set(rootOf(out), rootOf(input));
  const colourIndex = new Map<number, number>();
  const colourOf = (t: number): string => {
    const r = rootOf(t);
    if (!colourIndex.has(r)) colourIndex.set(r, colourIndex.size);
    return CHART_COLOURS[colourIndex.get(r)! % CHART_COLOURS.length];
  };
  const stepName = (s: number): string => (s === 0 ? "the graph inputs" : `op ${s - 1} (${order.ops[s - 1]?.kind ?? "?"})`);
  const rectangleTraces = rectangles.map((r) => {
    const l = lifetimes.get(r.tensor)!;
    const shares = (plan.shared ?? []).filter((p) => p.includes(r.tensor)).map((p) => order.tensors[p[0] === r.tensor ? p[1] : p[0]].name);
    const hover = [
      `<b>${r.name}</b> (tensor ${r.tensor})`,
      `${l.bytes} B (${l.alignedBytes} aligned) at bytes ${r.y0}–${r.y1}`,
      `live from step ${l.first} (${stepName(l.first)}) to ${l.last} (${stepName(l.last)})`,
      ...(shares.length ? [`shares its bytes with ${shares.join(", ")}`] : []),
    ].join("<br>");
    const colour = colourOf(r.tensor);
    return {
      type: "scatter", mode: "lines", fill: "toself", name: r.name, showlegend: false,
      x: [r.x0, r.x1, r.x1, r.x0, r.x0], y: [r.y0, r.y0, r.y1, r.y1, r.y0],
      line: { color: colour, width: 1 }, fillcolor: colour, opacity: 0.75,
      hoveron: "fills", text: hover, hoverinfo: "text",
    };
  });
  const showLabels = options.labels ?? rectangles.length <= 30;
  const labelTrace = {
    type: "scatter", mode: "text", name: "tensor names", showlegend: false, hoverinfo: "skip",
    x: rectangles.map((r) => (r.x0 + r.x1) / 2), y: rectangles.map((r) => (r.y0 + r.y1) / 2),
    text: rectangles.map((r) => r.name), textfont: { size: 10, color: "#111" },
  };
  const steps = order.ops.length;
  const figure: Figure = {
    data: [...rectangleTraces, ...(showLabels ? [labelTrace] : [])],
    layout: {
      title: options.title ? { text: options.title } : undefined,
      height: options.height ?? 420,
      margin: { l: 70, r: 20, t: options.title ? 60 : 20, b: 50 },
      xaxis: {
        title: { text: options.xLabel ?? "step (0 = graph inputs, i + 1 = operator i)" },
        range: [-0.5, steps + 0.5], zeroline: false, ...(steps <= 40 ? { dtick: 1 } : {}),
      },
      yaxis: { title: { text: options.yLabel ?? "arena offset (bytes)" }, zeroline: false },
      hovermode: "closest",
    },
  };
  const lines = [
    { axis: "y" as const, value: plan.arena, label: `arena ${plan.arena.toLocaleString("en-US")} B (${plan.planner})`, colour: "#d62728" },
    ...(options.bounds ?? []).map((b, i) => {
      if (!(typeof b?.label === "string" && Number.isFinite(b.bytes) && b.bytes >= 0)) {
        throw new RangeError(`planChart: bounds[${i}] must be { label, bytes ≥ 0 }, got ${JSON.stringify(b)}`);
      }
      return { axis: "y" as const, value: b.bytes, label: `${b.label} ${b.bytes.toLocaleString("en-US")} B`, colour: "#555" };
    }),
  ];
  const withLines = withReferenceLines(figure, lines);
  // The arena's label at the right end of its line, the bounds' at the left: they often coincide.
  const layout = withLines.layout as { shapes: { label?: { textposition?: string } }[]; yaxis: Record<string, unknown> };
  const added = layout.shapes.slice(-lines.length);
  added.slice(1).forEach((shape) => {
    if (shape.label) shape.label.textposition = "start";
  });
  const top = Math.max(...lines.map((l) => l.value));
  if (top > 0) layout.yaxis.range = [0, 1.08 * top];
  return withLines;
}

/** Displays planChartFigure(graph, plan, options). */
export function planChart(graph: PlannableGraph, plan: MemoryPlan, options: PlanChartOptions = {}): void {
  plot(planChartFigure(graph, plan, options), options);
}
