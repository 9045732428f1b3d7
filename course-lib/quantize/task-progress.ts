// A progress bar for long loops that are not model.fit (calibration passes, scoring a test split in the
// integer interpreter): "title · step k/N · elapsed · ETA", replaced in place in a notebook at most a few
// times a second. Outside a tslab kernel it stays silent unless a target is given, so tests and scripts
// are not flooded with lines.
import { DisplayTarget, defaultDisplayTarget, newDisplayId } from "../viz/display";
import { escapeHtml } from "../viz/plot";

export interface StepProgress {
  /** Marks `done` of `total` steps finished (call with total at the end). */
  step(done: number): void;
  /** Marks the task finished and shows the final state. */
  finish(): void;
}

/**
 * `show`: true / false, or a DisplayTarget. Default: shown only inside a tslab kernel.
 * `now` is the clock in milliseconds (tests inject one).
 */
export function stepProgress(title: string, total: number, show?: boolean | DisplayTarget, now: () => number = () => performance.now()): StepProgress {
  const target: DisplayTarget | null =
    show === false ? null : typeof show === "object" ? show : show === true || defaultDisplayTarget().kind === "kernel" ? defaultDisplayTarget() : null;
  if (target === null) return { step() {}, finish() {} };
  const start = now();
  let last = -Infinity;
  let id: string | null = null;
  let done = 0;
  const render = (force: boolean, finished: boolean) => {
    const t = now();
    if (!force && t - last < 250) return;
    last = t;
    const elapsed = (t - start) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const eta = !finished && fraction > 0 ? (elapsed * (1 - fraction)) / fraction : undefined;
    const time = `${elapsed.toFixed(1)} s${eta === undefined ? "" : ` · ETA ${eta.toFixed(1)} s`}`;
    const text = `${title}: ${finished ? "done, " : ""}${done}/${total} · ${time}`;
    const html =
      `<div style="font:13px/1.5 system-ui,sans-serif;max-width:640px;padding:4px 0"><div><b>${escapeHtml(title)}</b> · ` +
      `${finished ? "done: " : ""}${done}/${total} <span style="color:#666;float:right">${escapeHtml(time)}</span></div>` +
      `<div style="background:#e3e7ec;border-radius:4px;height:8px;overflow:hidden;margin:3px 0">` +
      `<div style="background:${finished ? "#2e7d32" : "#1976d2"};width:${(fraction * 100).toFixed(1)}%;height:100%"></div></div></div>`;
    const bundle = { "text/html": html, "text/plain": text };
    if (id === null) {
      id = newDisplayId();
      target.show(bundle, id);
    } else {
      target.update(bundle, id);
    }
  };
  return {
    step(d: number) {
      done = d;
      render(id === null, false);
    },
    finish() {
      done = total;
      render(true, true);
    },
  };
}
