// Live training progress for model.fit in notebooks: one HTML block (bar, epoch, batch, loss, accuracy,
// validation metrics, elapsed time and ETA) replaced in place through Jupyter's update_display_data, at most
// a few times a second so the kernel is not flooded; plain text lines per epoch outside a kernel. The
// per-epoch history it records feeds lineChart() for loss curves.
import { DisplayTarget, defaultDisplayTarget, newDisplayId } from "./display";
import { escapeHtml } from "./plot";

/** Metrics of one finished epoch. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  loss: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
  /** Wall-clock seconds this epoch took. */
  seconds: number;
  /** Every metric tfjs logged for the epoch (e.g. mse, val_mse), by its tfjs name. */
  metrics: Record<string, number>;
}

type Logs = { [key: string]: number };

/** The callbacks object to pass as `model.fit(x, y, { callbacks })` (tfjs CustomCallbackArgs). */
export interface ProgressCallbacks {
  onTrainBegin: (logs?: Logs) => void;
  onEpochBegin: (epoch: number, logs?: Logs) => void;
  onBatchEnd: (batch: number, logs?: Logs) => void;
  onEpochEnd: (epoch: number, logs?: Logs) => void;
  onTrainEnd: (logs?: Logs) => void;
}

export interface TrainingProgressOptions {
  /** The `epochs` you pass to model.fit. */
  epochs: number;
  title?: string;
  /** Batches per epoch, if known (ceil(samples / batchSize)); otherwise learned during the first epoch. */
  batchesPerEpoch?: number;
  /** Minimum milliseconds between in-place updates (default 250, i.e. ~4 updates per second). */
  minIntervalMs?: number;
  /** Where to display (default: the kernel, or the console outside Jupyter). */
  target?: DisplayTarget;
  /** Clock in milliseconds (tests inject a fake one). */
  now?: () => number;
}

export interface TrainingProgress {
  callbacks: ProgressCallbacks;
  /** One record per finished epoch, filled while training runs. */
  history: EpochRecord[];
}

/** Live progress display + history for model.fit: `model.fit(x, y, { epochs, callbacks: p.callbacks })`. */
export function trainingProgress(opts: TrainingProgressOptions): TrainingProgress {
  if (!Number.isInteger(opts.epochs) || opts.epochs <= 0) {
    throw new Error(`trainingProgress: epochs must be a positive integer (the epochs given to fit), got ${opts.epochs}`);
  }
  if (opts.batchesPerEpoch !== undefined && !(Number.isInteger(opts.batchesPerEpoch) && opts.batchesPerEpoch > 0)) {
    throw new Error(`trainingProgress: batchesPerEpoch must be a positive integer, got ${opts.batchesPerEpoch}`);
  }
  const now = opts.now ?? (() => performance.now());
  const minInterval = opts.minIntervalMs ?? 250;
  const target = opts.target ?? defaultDisplayTarget();
  const live = target.kind !== "console";
  const history: EpochRecord[] = [];

  let started = false;
  let finished = false;
  let trainStart = 0;
  let epochStart = 0;
  let epochIndex = 0; // 0-based epoch currently running
  let batch = -1; // last finished batch in the current epoch
  let batchesPerEpoch = opts.batchesPerEpoch;
  let batchLogs: Logs = {};
  let displayId: string | null = null;
  let lastRender = -Infinity;

  const begin = () => {
    if (started) return;
    started = true;
    trainStart = now();
    epochStart = trainStart;
    if (live) render(true);
  };

  const state = (): ProgressState => {
    const elapsed = (now() - trainStart) / 1000;
    const batchFraction = batchesPerEpoch && batch >= 0 ? Math.min(1, (batch + 1) / batchesPerEpoch) : 0;
    // batch is reset to -1 at each epoch end, so batchFraction only counts the epoch under way.
    const fraction = finished ? 1 : Math.min(1, (history.length + batchFraction) / opts.epochs);
    // ETA only once there is something to extrapolate from (a known batch count or a finished epoch).
    const eta = !finished && fraction > 0 ? (elapsed * (1 - fraction)) / fraction : undefined;
    return {
      title: opts.title,
      epochs: opts.epochs,
      epoch: Math.min(epochIndex + 1, opts.epochs),
      batch: batch >= 0 ? batch + 1 : undefined,
      batchesPerEpoch,
      fraction,
      elapsed,
      eta,
      batchLogs,
      last: history[history.length - 1],
      finished,
      history,
    };
  };

  const render = (force: boolean) => {
    const t = now();
    if (!force && t - lastRender < minInterval) return;
    lastRender = t;
    const s = state();
    const bundle = { "text/html": progressHtml(s), "text/plain": progressText(s) };
    if (displayId === null) {
      displayId = newDisplayId();
      target.show(bundle, displayId);
    } else {
      target.update(bundle, displayId);
    }
  };

  const callbacks: ProgressCallbacks = {
    onTrainBegin: () => begin(),
    onEpochBegin: (epoch) => {
      begin();
      epochIndex = epoch;
      batch = -1;
      epochStart = now();
    },
    onBatchEnd: (b, logs) => {
      begin();
      batch = b;
      batchLogs = { ...(logs ?? {}) };
      if (live) render(false);
    },
    onEpochEnd: (epoch, logs) => {
      begin();
      const metrics = numericLogs(logs);
      // tfjs numbers batches from 0 in each epoch; the first epoch tells us how many there are.
      if (batchesPerEpoch === undefined && batch >= 0) batchesPerEpoch = batch + 1;
      history.push({
        epoch: epoch + 1,
        loss: metrics.loss ?? NaN,
        acc: metrics.acc ?? metrics.accuracy,
        valLoss: metrics.val_loss,
        valAcc: metrics.val_acc ?? metrics.val_accuracy,
        seconds: (now() - epochStart) / 1000,
        metrics,
      });
      epochIndex = epoch + 1;
      batch = -1;
      if (live) render(false);
      else target.show({ "text/plain": epochLine(history[history.length - 1], opts.epochs, state()) });
    },
    onTrainEnd: () => {
      begin();
      finished = true;
      if (live) render(true);
      else target.show({ "text/plain": summaryLine(state()) });
    },
  };
  return { callbacks, history };
}

interface ProgressState {
  title?: string;
  epochs: number;
  epoch: number;
  batch?: number;
  batchesPerEpoch?: number;
  fraction: number;
  elapsed: number;
  eta?: number;
  batchLogs: Logs;
  last?: EpochRecord;
  finished: boolean;
  history: EpochRecord[];
}

function numericLogs(logs: Logs | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs ?? {})) if (typeof v === "number") out[k] = v;
  return out;
}

function fmtLoss(v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
}

function fmtAcc(v: number | undefined): string | undefined {
  return v === undefined ? undefined : `${(v * 100).toFixed(1)}%`;
}

function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** The metrics to show: the running batch metrics while an epoch is under way, else the last epoch's. */
function metricPairs(s: ProgressState): [string, string][] {
  const pairs: [string, string | undefined][] = [];
  const batchRunning = s.batch !== undefined && !s.finished;
  const loss = batchRunning ? s.batchLogs.loss : s.last?.loss;
  const acc = batchRunning ? s.batchLogs.acc ?? s.batchLogs.accuracy : s.last?.acc;
  pairs.push(["loss", fmtLoss(loss)], ["acc", fmtAcc(acc)]);
  // Validation metrics exist only at epoch ends.
  pairs.push(["val loss", fmtLoss(s.last?.valLoss)], ["val acc", fmtAcc(s.last?.valAcc)]);
  return pairs.filter((p): p is [string, string] => p[1] !== undefined);
}

function positionText(s: ProgressState): string {
  if (s.finished) {
    const done = s.history.length;
    return done < s.epochs ? `stopped after ${done}/${s.epochs} epochs` : `${done} epoch${done === 1 ? "" : "s"}`;
  }
  const batch = s.batch === undefined ? "" : ` · batch ${s.batch}${s.batchesPerEpoch ? `/${s.batchesPerEpoch}` : ""}`;
  return `epoch ${s.epoch}/${s.epochs}${batch}`;
}

function timeText(s: ProgressState): string {
  if (s.finished) return `in ${fmtSeconds(s.elapsed)}`;
  return `${fmtSeconds(s.elapsed)} elapsed${s.eta === undefined ? "" : ` · ETA ${fmtSeconds(s.eta)}`}`;
}

/** The one-line text form of the progress (text/plain part of the display). */
export function progressText(s: ProgressState): string {
  const metrics = metricPairs(s).map(([k, v]) => `${k} ${v}`);
  const head = s.finished ? `${s.title ? `${s.title}: ` : ""}done: ` : s.title ? `${s.title}: ` : "";
  return `${head}${[positionText(s), ...metrics, timeText(s)].join(" · ")}`;
}

function epochLine(record: EpochRecord, epochs: number, s: ProgressState): string {
  const parts = [`epoch ${record.epoch}/${epochs}`];
  for (const [k, v] of [
    ["loss", fmtLoss(record.loss)],
    ["acc", fmtAcc(record.acc)],
    ["val loss", fmtLoss(record.valLoss)],
    ["val acc", fmtAcc(record.valAcc)],
  ] as const) {
    if (v !== undefined) parts.push(`${k} ${v}`);
  }
  parts.push(fmtSeconds(record.seconds));
  if (s.eta !== undefined && record.epoch < epochs) parts.push(`ETA ${fmtSeconds(s.eta)}`);
  return `${s.title ? `${s.title}: ` : ""}${parts.join(" · ")}`;
}

function summaryLine(s: ProgressState): string {
  return progressText(s);
}

/** The HTML block shown (and updated in place) in the notebook. */
export function progressHtml(s: ProgressState): string {
  const percent = (s.fraction * 100).toFixed(1);
  const barColor = s.finished ? "#2e7d32" : "#1976d2";
  const metrics = metricPairs(s)
    .map(([k, v]) => `<span style="margin-right:14px"><span style="color:#666">${escapeHtml(k)}</span> <b>${escapeHtml(v)}</b></span>`)
    .join(" "); // a space too: an untrusted notebook's sanitizer drops the margin
  const title = s.title ? `<b>${escapeHtml(s.title)}</b> · ` : "";
  const status = s.finished ? "done: " : "";
  return (
    `<div class="course-progress" style="font:13px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:640px;padding:4px 0">` +
    `<div>${title}${status}${escapeHtml(positionText(s))} <span style="color:#666;float:right">${escapeHtml(timeText(s))}</span></div>` +
    `<div style="background:#e3e7ec;border-radius:4px;height:8px;overflow:hidden;margin:3px 0">` +
    `<div style="background:${barColor};width:${percent}%;height:100%"></div></div>` +
    `<div>${metrics}</div></div>`
  );
}
