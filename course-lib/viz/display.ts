// Where rich notebook output goes: the running tslab kernel, the console (plain node, scripts) or a
// capture list (tests). plot() and trainingProgress() write MIME bundles through a DisplayTarget so that
// they never crash outside Jupyter and tests can inspect exactly what a notebook would receive.

/** A Jupyter MIME bundle: MIME type → payload (string, or a JSON value for JSON MIME types). */
export type MimeBundle = Record<string, unknown>;

/** Receives display_data / update_display_data messages. */
export interface DisplayTarget {
  /** "kernel" inside tslab, "console" in plain node, "capture" in tests. */
  readonly kind: "kernel" | "console" | "capture";
  /** Shows a new output; with a displayId it can later be replaced in place by update(). */
  show(bundle: MimeBundle, displayId?: string): void;
  /** Replaces the output shown earlier with the same displayId (Jupyter update_display_data). */
  update(bundle: MimeBundle, displayId: string): void;
}

/** One message recorded by a capture target. */
export interface CapturedDisplay {
  type: "display_data" | "update_display_data";
  bundle: MimeBundle;
  displayId?: string;
}

/** A DisplayTarget for tests: records every message instead of sending it anywhere. */
export interface CaptureTarget extends DisplayTarget {
  readonly messages: CapturedDisplay[];
}

/** Creates a target that records messages (tests, or collecting outputs in a script). */
export function createCaptureTarget(): CaptureTarget {
  const messages: CapturedDisplay[] = [];
  return {
    kind: "capture",
    messages,
    show(bundle, displayId) {
      messages.push({ type: "display_data", bundle, displayId });
    },
    update(bundle, displayId) {
      messages.push({ type: "update_display_data", bundle, displayId });
    },
  };
}

/** Prints the text/plain part of each bundle: what a plain `node` or `tsx` run can show. */
export function createConsoleTarget(write: (line: string) => void = (line) => console.log(line)): DisplayTarget {
  return {
    kind: "console",
    show(bundle) {
      write(plainText(bundle));
    },
    update(bundle) {
      write(plainText(bundle));
    },
  };
}

function plainText(bundle: MimeBundle): string {
  const text = bundle["text/plain"];
  return typeof text === "string" ? text : `<output with ${Object.keys(bundle).join(", ")}>`;
}

/** True when this code runs inside a tslab kernel (tslab sets globalThis.__tslab__ before running cells). */
export function inTslabKernel(): boolean {
  return (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

type WriteDisplayData = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

interface TslabPublic {
  display: { html(s: string): void; text(s: string): void };
  newDisplay(): { html(s: string): void };
}

/**
 * tslab's public API sends one MIME type per message, but a plot needs two in the same bundle (the plotly
 * JSON for VS Code and HTML for Jupyter). tslab keeps the kernel's current writer in its `jupyter` module
 * (`lastWriteDisplayData`, replaced on every cell run); we find that module instance through require.cache
 * next to the tslab module the kernel handed us, so it works whichever tslab install runs the kernel.
 */
function findTslabJupyterModule(tslab: unknown): { lastWriteDisplayData: WriteDisplayData | null } | null {
  const cache = require.cache as Record<string, NodeModule | undefined>;
  for (const [filename, mod] of Object.entries(cache)) {
    if (mod?.exports !== tslab) continue;
    const jupyterPath = filename.replace(/public\.js$/, "jupyter.js");
    const jupyter = cache[jupyterPath]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    if (jupyter && "lastWriteDisplayData" in jupyter) {
      return jupyter as { lastWriteDisplayData: WriteDisplayData | null };
    }
  }
  return null;
}

function createKernelTarget(): DisplayTarget {
  // Inside tslab, `require("tslab")` is hooked to the kernel's own tslab module.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tslab = require("tslab") as TslabPublic;
  const jupyter = findTslabJupyterModule(tslab);
  if (jupyter) {
    const send = (bundle: MimeBundle, displayId: string | undefined, update: boolean) => {
      const write = jupyter.lastWriteDisplayData;
      if (!write) throw new Error("tslab kernel is not executing a cell: cannot display output");
      write({ data: bundle, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
    };
    return {
      kind: "kernel",
      show: (bundle, displayId) => send(bundle, displayId, false),
      update: (bundle, displayId) => send(bundle, displayId, true),
    };
  }
  // Degraded but visible path: tslab's public API (HTML only, so VS Code gets the HTML instead of its
  // native plotly renderer). Say so once rather than silently losing the JSON bundle.
  console.warn("course viz: tslab internals not found; sending HTML-only outputs through tslab.display");
  const displays = new Map<string, { html(s: string): void }>();
  return {
    kind: "kernel",
    show(bundle, displayId) {
      const html = typeof bundle["text/html"] === "string" ? (bundle["text/html"] as string) : null;
      const target = displayId ? tslab.newDisplay() : tslab.display;
      if (displayId) displays.set(displayId, target);
      if (html !== null) target.html(html);
      else tslab.display.text(plainText(bundle));
    },
    update(bundle, displayId) {
      const target = displays.get(displayId);
      const html = bundle["text/html"];
      if (target && typeof html === "string") target.html(html);
    },
  };
}

const DEFAULT_TARGET_KEY = Symbol.for("tinyml-course.viz.displayTarget");
type GlobalWithTarget = { [DEFAULT_TARGET_KEY]?: DisplayTarget };

/**
 * The target used when a call passes none: the kernel inside tslab, else the console. Kept on globalThis
 * so that a re-imported module (tslab recompiles edited local files) shares the same session state.
 */
export function defaultDisplayTarget(): DisplayTarget {
  const g = globalThis as GlobalWithTarget;
  let target = g[DEFAULT_TARGET_KEY];
  if (!target) {
    target = inTslabKernel() ? createKernelTarget() : createConsoleTarget();
    g[DEFAULT_TARGET_KEY] = target;
  }
  return target;
}

/** Replaces the default target (e.g. a capture target in a script); pass undefined to go back to auto. */
export function setDefaultDisplayTarget(target: DisplayTarget | undefined): void {
  (globalThis as GlobalWithTarget)[DEFAULT_TARGET_KEY] = target;
}

/** A fresh id for an output that will be updated in place. */
export function newDisplayId(): string {
  return `course-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
