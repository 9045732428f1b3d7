// A small Jupyter wire-protocol client that starts the real tslab kernel and runs code in it.
//
// `npm start`, the notebook tests and the book all need notebooks executed exactly as Jupyter would run
// them, but without asking every learner to install Python's Jupyter. tslab is itself a Jupyter kernel
// speaking ZeroMQ, so we talk to it directly with the `zeromq` package (v6): a Dealer on the shell port
// (execute_request / execute_reply), a Subscriber on iopub (status, stream, display_data, ...) and a Dealer
// on the control port (shutdown_request). Messages are signed with HMAC-SHA256 like Jupyter's.
//
// tslab quirks handled here (tslab 1.0.22):
//  - a thrown error or a TypeScript diagnostic arrives as a stderr `stream`, never as an `error` message;
//    only the execute_reply's status says the cell failed. We turn that stderr text into a proper
//    nbformat `error` output (ename/evalue/traceback).
//  - a cell's last value is printed to stdout with console.log (a stream, not an execute_result).
//  - interrupt is by SIGINT (tslab runs cells with vm's breakOnSigint), and a busy loop that ignores it
//    needs SIGKILL.

import { ChildProcess, spawn } from "child_process";
import { createHmac, randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zmq from "zeromq";
import type { DisplayDataOutput, ErrorOutput, ExecuteResultOutput, LanguageInfo, MimeBundle, Output } from "./nbformat";
import { splitLines } from "./nbformat";

const DELIMITER = Buffer.from("<IDS|MSG>");
const PROTOCOL_VERSION = "5.3";

/** The project root (the folder holding node_modules/tslab), found from this file's location. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

interface JupyterMessage {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Record<string, any>;
}

interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

/** The kernel process died (exit or signal) while starting or while a cell ran. */
export class KernelDiedError extends Error {
  /** What the cell had printed before the kernel died (filled in by execute()). */
  partialOutputs: Output[] = [];
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = "KernelDiedError";
  }
}

/** A cell ran longer than its time limit; the kernel was interrupted (and killed if that did not stop it). */
export class CellTimeoutError extends Error {
  /** What the cell had printed before it was stopped (filled in by execute()). */
  partialOutputs: Output[] = [];
  constructor(
    message: string,
    readonly timeoutMs: number,
    readonly killed: boolean,
  ) {
    super(message);
    this.name = "CellTimeoutError";
  }
}

export interface KernelStartOptions {
  /** Working directory of the kernel: relative imports in cells resolve from here (the notebook's folder). */
  cwd: string;
  /** How long to wait for kernel_info_reply; the first start compiles TypeScript's lib files. */
  startupTimeoutMs?: number;
  /** Extra environment variables for the kernel process. */
  env?: Record<string, string | undefined>;
  /** Named in error messages, e.g. "00-getting-started.ipynb". */
  label?: string;
}

export interface ExecuteOptions {
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  /** After SIGINT, how long to wait for the cell to stop before killing the kernel. */
  interruptGraceMs?: number;
}

export interface ExecuteResult {
  status: "ok" | "error" | "aborted";
  executionCount: number | null;
  /** nbformat outputs: streams merged, display updates applied, tslab's stderr error turned into an `error`. */
  outputs: Output[];
  /** The error output when status is "error". */
  error?: ErrorOutput;
}

/** Finds `count` distinct free TCP ports on 127.0.0.1 (held open together so they cannot repeat). */
async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Path of tslab's CLI script; we run it with this Node so the kernel does not depend on PATH. */
export function tslabCliPath(): string {
  const pkg = require.resolve("tslab/package.json", { paths: [PROJECT_ROOT] });
  return path.join(path.dirname(pkg), "bin", "tslab");
}

// Preloaded into the kernel process (node -r): exits when our end of its stdin pipe closes, which happens
// when we shut down *and* when our process dies without cleaning up (crash, SIGKILL, a killed test worker).
// Without it an orphaned tslab kernel would wait on its sockets forever.
const ORPHAN_GUARD_SOURCE = `// written by course-lib/notebook/kernel.ts: end the kernel when its parent goes away
// Node preloads this in the kernel's worker threads too (the wasm backend's threads): there stdin is empty
// and ends at once, so only the main thread may watch it.
if (require("worker_threads").isMainThread) {
  const guardDir = require("path").dirname(__filename);
  const endKernel = () => {
    // Our parent cannot clean up if it died: remove the connection file's folder ourselves.
    if (/tslab-kernel-/.test(guardDir)) require("fs").rmSync(guardDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on("data", () => {});
  process.stdin.on("end", endKernel);
  process.stdin.on("error", endKernel);
}
`;

/** Every kernel still running in this process, killed on exit so no tslab outlives us. */
const liveKernels = new Set<TslabKernel>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const kernel of liveKernels) kernel.killNow();
  });
}

/** Variables of the parent's test runner / loader that must not leak into the kernel's Node. */
function kernelEnvironment(extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (env.VITEST) {
    // vitest marks its workers (VITEST*, TEST, NODE_ENV=test); notebook code must see a plain kernel.
    for (const name of Object.keys(env)) if (name === "VITEST" || name.startsWith("VITEST_")) delete env[name];
    if (env.TEST === "true") delete env.TEST;
    if (env.NODE_ENV === "test") delete env.NODE_ENV;
  }
  // tsx registers itself through NODE_OPTIONS in some setups; the kernel compiles TypeScript itself.
  if (env.NODE_OPTIONS && /tsx|vitest/.test(env.NODE_OPTIONS)) delete env.NODE_OPTIONS;
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

interface PendingExecution {
  msgId: string;
  outputs: Output[];
  /** Each stderr stream message's text, in arrival order (tslab's error report is among them). */
  stderrChunks: { text: string }[];
  reply?: JupyterMessage;
  idle: boolean;
  settle: () => void;
  fail: (error: Error) => void;
}

/**
 * A running tslab kernel. Create with `TslabKernel.start`, run code with `execute`, always `shutdown()`
 * (in a finally) — it is safe to call more than once and after the kernel died.
 */
export class TslabKernel {
  readonly session = randomUUID();
  languageInfo: LanguageInfo | undefined;
  private shell = new zmq.Dealer({ linger: 0 });
  private control = new zmq.Dealer({ linger: 0 });
  private iopub = new zmq.Subscriber({ linger: 0 });
  private shellWaiters = new Map<string, (message: JupyterMessage) => void>();
  private iopubWaiters = new Map<string, (message: JupyterMessage) => void>();
  private current: PendingExecution | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitListeners: (() => void)[] = [];
  private processOutput = "";
  private closed = false;
  /**
   * display_id -> the outputs showing it, across all cells run so far: like Jupyter, an update from a
   * later cell (a progress display created earlier) changes the earlier cell's output. The objects are
   * the ones handed out in ExecuteResult.outputs, so the caller's notebook sees the change.
   */
  private displays = new Map<string, (DisplayDataOutput | ExecuteResultOutput)[]>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: ConnectionInfo,
    private readonly tempDir: string,
    readonly label: string,
  ) {}

  /** Starts `tslab kernel` in `cwd` and waits until it answers kernel_info and its iopub reaches us. */
  static async start(options: KernelStartOptions): Promise<TslabKernel> {
    try {
      return await TslabKernel.startOnce(options);
    } catch (error) {
      // The free ports we picked can be taken by another process before tslab binds them; tslab then
      // dies at once with EADDRINUSE. Another set of ports fixes that; any other failure is reported.
      if (error instanceof KernelDiedError && /EADDRINUSE|Address already in use/i.test(error.message))
        return TslabKernel.startOnce(options);
      throw error;
    }
  }

  private static async startOnce(options: KernelStartOptions): Promise<TslabKernel> {
    const label = options.label ?? "tslab kernel";
    if (!fs.existsSync(options.cwd) || !fs.statSync(options.cwd).isDirectory())
      throw new Error(`${label}: kernel working directory ${options.cwd} does not exist or is not a folder`);
    const cli = tslabCliPath();
    const [shell, iopub, stdin, control, hb] = await freeLoopbackPorts(5);
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "tslab-kernel-"));
    const connection: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: "tslab",
    };
    const connectionFile = path.join(tempDir, "connection.json");
    fs.writeFileSync(connectionFile, JSON.stringify(connection), { mode: 0o600 });
    const guardFile = path.join(tempDir, "orphan-guard.js");
    fs.writeFileSync(guardFile, ORPHAN_GUARD_SOURCE);

    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ["-r", guardFile, cli, "kernel", "--config-path", connectionFile], {
      cwd: options.cwd,
      env: kernelEnvironment(options.env),
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, as Jupyter does: interrupts and kills reach the processes a cell started
      // too (e.g. a stuck execSync), and the terminal's Ctrl-C does not hit the kernel behind our back.
      detached: true,
      });
    } catch (error) {
      fs.rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
    const kernel = new TslabKernel(child, connection, tempDir, label);
    liveKernels.add(kernel);
    installExitHook();
    kernel.watchProcess();
    try {
      await kernel.connect(options.startupTimeoutMs ?? 60_000);
    } catch (error) {
      await kernel.shutdown();
      throw error;
    }
    return kernel;
  }

  /** True while the kernel process runs. */
  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The kernel process id (for tests that check nothing leaks). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private watchProcess(): void {
    const keep = (chunk: Buffer) => {
      // Keep the tail only: a chatty kernel must not grow our memory.
      this.processOutput = (this.processOutput + chunk.toString("utf8")).slice(-8000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.child.stdin?.on("error", () => {
      /* EPIPE after the kernel died: reported through the exit event instead */
    });
    this.child.on("error", (error) => {
      this.processOutput += `\nspawn error: ${error.message}`;
      this.onExit(null, null);
    });
    this.child.on("exit", (code, signal) => this.onExit(code, signal));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    liveKernels.delete(this);
    const error = new KernelDiedError(this.describeExit(), code, signal);
    this.current?.fail(error);
    for (const listener of this.exitListeners.splice(0)) listener();
  }

  private describeExit(): string {
    const info = this.exitInfo;
    const how = !info
      ? "is not running"
      : info.signal
        ? `was killed by ${info.signal}`
        : `exited with code ${info.code}`;
    const tail = this.processOutput.trim();
    return `the tslab kernel ${how}` + (tail ? `; its last output:\n${tail.split("\n").slice(-15).join("\n")}` : "");
  }

  private sign(parts: string[]): string {
    const hmac = createHmac("sha256", this.connection.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  private makeMessage(msgType: string, content: Record<string, unknown>): JupyterMessage {
    return {
      header: {
        msg_id: randomUUID(),
        msg_type: msgType,
        session: this.session,
        username: os.userInfo().username,
        date: new Date().toISOString(),
        version: PROTOCOL_VERSION,
      },
      parent_header: {},
      metadata: {},
      content,
    };
  }

  private async send(socket: zmq.Dealer, message: JupyterMessage): Promise<void> {
    const parts = [
      JSON.stringify(message.header),
      JSON.stringify(message.parent_header),
      JSON.stringify(message.metadata),
      JSON.stringify(message.content),
    ];
    await socket.send([DELIMITER, this.sign(parts), ...parts]);
  }

  private decode(frames: Buffer[]): JupyterMessage | undefined {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0 || frames.length < at + 6) return undefined;
    const signature = frames[at + 1].toString();
    const parts = frames.slice(at + 2, at + 6).map((frame) => frame.toString("utf8"));
    if (signature !== this.sign(parts)) {
      // A message we cannot authenticate is not from our kernel: ignore it rather than trust it.
      this.processOutput += "\n[kernel client] dropped a message with a bad HMAC signature";
      return undefined;
    }
    return {
      header: JSON.parse(parts[0]),
      parent_header: JSON.parse(parts[1]),
      metadata: JSON.parse(parts[2]),
      content: JSON.parse(parts[3]),
    };
  }

  private async receiveLoop(socket: zmq.Dealer | zmq.Subscriber, onMessage: (m: JupyterMessage) => void) {
    try {
      for await (const frames of socket) {
        const message = this.decode(frames as Buffer[]);
        if (message) onMessage(message);
      }
    } catch (error) {
      // Closing the socket ends the loop with an error on some zeromq versions; anything else is real.
      if (!this.closed) this.current?.fail(error as Error);
    }
  }

  private async connect(timeoutMs: number): Promise<void> {
    const address = (port: number) => `tcp://${this.connection.ip}:${port}`;
    this.shell.connect(address(this.connection.shell_port));
    this.control.connect(address(this.connection.control_port));
    this.iopub.connect(address(this.connection.iopub_port));
    this.iopub.subscribe();
    void this.receiveLoop(this.shell, (m) => this.onShell(m));
    void this.receiveLoop(this.control, (m) => this.onShell(m));
    void this.receiveLoop(this.iopub, (m) => this.onIopub(m));

    const deadline = Date.now() + timeoutMs;
    // ZeroMQ subscribers miss what is published before they are connected, so a kernel_info reply alone
    // does not prove iopub works: repeat kernel_info until its "idle" status also arrives on iopub
    // (the same readiness check jupyter_client uses).
    for (;;) {
      const request = this.makeMessage("kernel_info_request", {});
      const gotIopub = new Promise<void>((resolve) => this.iopubWaiters.set(request.header.msg_id, () => resolve()));
      const gotReply = new Promise<JupyterMessage>((resolve) =>
        this.shellWaiters.set(request.header.msg_id, resolve),
      );
      await this.send(this.shell, request);
      // Wait in short steps: tslab survives a failed bind (it only logs the rejection), so a port taken
      // in the meantime shows up in its output, not as an exit.
      let reply: JupyterMessage | undefined;
      while (!reply) {
        if (/Address already in use|EADDRINUSE/i.test(this.processOutput)) {
          this.killNow();
          throw new KernelDiedError(`${this.label}: the tslab kernel could not bind its ports (EADDRINUSE)`, null, null);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`${this.label}: no kernel_info_reply from the tslab kernel after ${Math.round(timeoutMs / 1000)} s`);
        reply = await this.race<JupyterMessage | undefined>(gotReply, Math.min(remaining, 500), "kernel_info_reply", {
          value: undefined,
        });
      }
      this.languageInfo = reply.content.language_info as LanguageInfo | undefined;
      const ready = await this.race(
        gotIopub.then(() => true),
        Math.min(1000, Math.max(1, deadline - Date.now())),
        "iopub status",
        { value: false },
      );
      this.iopubWaiters.delete(request.header.msg_id);
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(`${this.label}: the tslab kernel answered but its iopub channel never connected`);
    }
  }

  /** Resolves with `promise`, or rejects when the kernel exits or `ms` pass (or resolves `onTimeout`). */
  private race<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: { value: T }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const died = () =>
        new KernelDiedError(
          `${this.label}: ${this.describeExit()} (waiting for ${what})`,
          this.exitInfo?.code ?? null,
          this.exitInfo?.signal ?? null,
        );
      if (this.exitInfo) {
        reject(died());
        return;
      }
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.exitListeners = this.exitListeners.filter((l) => l !== onExit);
        finish();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            onTimeout
              ? resolve(onTimeout.value)
              : reject(new Error(`${this.label}: no ${what} from the tslab kernel after ${Math.round(ms / 1000)} s`)),
          ),
        Math.max(1, ms),
      );
      const onExit = () => settle(() => reject(died()));
      this.exitListeners.push(onExit);
      promise.then(
        (value) => settle(() => resolve(value)),
        (error) => settle(() => reject(error)),
      );
    });
  }

  private onShell(message: JupyterMessage): void {
    const parentId = message.parent_header.msg_id;
    if (!parentId) return;
    const waiter = this.shellWaiters.get(parentId);
    if (waiter) {
      this.shellWaiters.delete(parentId);
      waiter(message);
    }
    const pending = this.current;
    if (pending && pending.msgId === parentId && message.header.msg_type === "execute_reply") {
      pending.reply = message;
      pending.settle();
    }
  }

  private onIopub(message: JupyterMessage): void {
    const parentId = message.parent_header.msg_id;
    if (!parentId) return;
    const waiter = this.iopubWaiters.get(parentId);
    if (waiter && message.header.msg_type === "status") waiter(message);
    const pending = this.current;
    // Output of earlier cells' timers carries their old parent id: like Jupyter, it is not this cell's.
    if (!pending || pending.msgId !== parentId) return;
    const content = message.content;
    switch (message.header.msg_type) {
      case "status":
        if (content.execution_state === "idle") {
          pending.idle = true;
          pending.settle();
        }
        break;
      case "stream": {
        const name = content.name === "stderr" ? "stderr" : "stdout";
        const text = String(content.text ?? "");
        if (name === "stderr") pending.stderrChunks.push({ text });
        const last = pending.outputs[pending.outputs.length - 1];
        // Jupyter merges consecutive writes to the same stream into one output.
        if (last && last.output_type === "stream" && last.name === name) last.text = (last.text as string) + text;
        else pending.outputs.push({ output_type: "stream", name, text });
        break;
      }
      case "display_data":
      case "execute_result": {
        const data = splitMimeBundle(content.data ?? {});
        const metadata = content.metadata ?? {};
        const output: DisplayDataOutput | ExecuteResultOutput =
          message.header.msg_type === "display_data"
            ? { output_type: "display_data", data, metadata }
            : { output_type: "execute_result", execution_count: content.execution_count ?? null, data, metadata };
        pending.outputs.push(output);
        const displayId = content.transient?.display_id;
        if (typeof displayId === "string") {
          const shown = this.displays.get(displayId) ?? [];
          shown.push(output);
          this.displays.set(displayId, shown);
        }
        break;
      }
      case "update_display_data": {
        const displayId = content.transient?.display_id;
        // An update replaces every output shown under the same display_id (in this cell or an earlier
        // one); an id never displayed has nothing to update, as in Jupyter.
        for (const shown of (typeof displayId === "string" && this.displays.get(displayId)) || []) {
          shown.data = splitMimeBundle(content.data ?? {});
          shown.metadata = content.metadata ?? {};
        }
        break;
      }
      case "clear_output":
        pending.outputs.length = 0;
        pending.stderrChunks.length = 0;
        break;
      case "error":
        pending.outputs.push({
          output_type: "error",
          ename: String(content.ename ?? "Error"),
          evalue: String(content.evalue ?? ""),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        });
        break;
      default:
        break;
    }
  }

  /**
   * Runs one cell's code and collects its outputs until the kernel is idle again. Resolves with status
   * "error" (and an `error` output) when the code throws or does not compile; rejects with
   * KernelDiedError when the kernel process dies, CellTimeoutError when the time limit passes.
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.closed || this.exitInfo)
      throw new KernelDiedError(`${this.label}: ${this.describeExit()}`, this.exitInfo?.code ?? null, this.exitInfo?.signal ?? null);
    if (this.current) throw new Error(`${this.label}: execute() called while another cell is still running`);
    const request = this.makeMessage("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    let settleFn!: () => void;
    let failFn!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      settleFn = resolve;
      failFn = reject;
    });
    const pending: PendingExecution = {
      msgId: request.header.msg_id,
      outputs: [],
      stderrChunks: [],
      idle: false,
      settle: () => {
        if (pending.reply && pending.idle) settleFn();
      },
      fail: (error) => failFn(error),
    };
    this.current = pending;
    let timer: NodeJS.Timeout | undefined;
    // Once the time limit passes the cell counts as timed out, even if the interrupt then lets it finish.
    let timeout: Promise<CellTimeoutError> | undefined;
    try {
      await this.send(this.shell, request);
      const timeoutMs = options.timeoutMs ?? 0;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          timeout = this.stopRunawayCell(pending, timeoutMs, options.interruptGraceMs ?? 5000);
          void timeout.then((error) => pending.fail(error));
        }, timeoutMs);
      }
      await done.catch(async (error) => {
        // A kill after the timeout also ends the process: report the timeout, not a crash.
        if (timeout) throw await timeout;
        throw error;
      });
      if (timeout) throw await timeout;
    } catch (error) {
      // An interrupted cell's "Script execution was interrupted" stderr only repeats the timeout.
      if (error instanceof CellTimeoutError && pending.reply && pending.reply.content.status !== "ok")
        extractErrorFromStderr(pending.outputs, pending.stderrChunks, pending.reply.content, code.split("\n").length);
      if (error instanceof KernelDiedError || error instanceof CellTimeoutError)
        error.partialOutputs = pending.outputs.map(toStoredOutput);
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      this.current = undefined;
    }
    const reply = pending.reply!.content;
    const count = typeof reply.execution_count === "number" ? reply.execution_count : null;
    const status: ExecuteResult["status"] = reply.status === "ok" ? "ok" : reply.status === "abort" || reply.status === "aborted" ? "aborted" : "error";
    const outputs = pending.outputs;
    let error: ErrorOutput | undefined = outputs.find((o): o is ErrorOutput => o.output_type === "error");
    if (status === "error" && !error) {
      error = extractErrorFromStderr(outputs, pending.stderrChunks, reply, code.split("\n").length);
      outputs.push(error);
    }
    return { status, executionCount: count, outputs: outputs.map(toStoredOutput), error };
  }

  /** SIGINT first (tslab interrupts the running code); if the cell keeps running, kill the kernel. */
  private async stopRunawayCell(pending: PendingExecution, timeoutMs: number, graceMs: number): Promise<CellTimeoutError> {
    const seconds = (timeoutMs / 1000).toFixed(timeoutMs % 1000 === 0 ? 0 : 1);
    if (this.exitInfo) return new CellTimeoutError(`cell timed out after ${seconds} s`, timeoutMs, false);
    this.signalGroup("SIGINT");
    const stopped = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      const previous = pending.settle;
      pending.settle = () => {
        previous();
        if (pending.reply) {
          clearTimeout(timer);
          resolve(true);
        }
      };
    });
    if (!stopped) this.killNow();
    return new CellTimeoutError(
      `cell timed out after ${seconds} s and was ${stopped ? "interrupted" : "killed (it ignored the interrupt)"}`,
      timeoutMs,
      !stopped,
    );
  }

  /** Sends a signal to the kernel's process group (the kernel and anything its cells started). */
  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // No such group (already gone): fall back to the process itself.
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** Kills the kernel and its process group immediately (timeouts, shutdown leftovers, our own exit). */
  killNow(): void {
    this.signalGroup("SIGKILL");
  }

  /** Asks the kernel to shut down, kills it if it does not exit promptly, closes sockets and temp files. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.exitInfo) {
        const exited = new Promise<void>((resolve) => this.exitListeners.push(resolve));
        try {
          const request = this.makeMessage("shutdown_request", { restart: false });
          await this.send(this.control, request);
        } catch {
          /* the socket may already be unusable; the kill below still ends the kernel */
        }
        // Closing stdin makes the orphan guard end the process even if tslab keeps handles open.
        this.child.stdin?.end();
        const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
        await Promise.race([exited, timeout(3000)]);
        if (!this.exitInfo) {
          this.signalGroup("SIGTERM");
          await Promise.race([exited, timeout(2000)]);
        }
        if (!this.exitInfo) {
          this.killNow();
          await Promise.race([exited, timeout(2000)]);
        }
      }
    } finally {
      // Processes a cell started in the background would outlive the kernel: end the whole group.
      this.killNow();
      this.closed = true;
      liveKernels.delete(this);
      this.shell.close();
      this.control.close();
      this.iopub.close();
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
      this.child.stdin?.destroy();
      fs.rmSync(this.tempDir, { recursive: true, force: true });
    }
  }
}

/** text/* (and SVG, JavaScript) values as Jupyter stores them: arrays of lines. Binary (base64) and JSON stay. */
function splitMimeBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    out[mime] =
      typeof value === "string" && (mime.startsWith("text/") || mime === "image/svg+xml" || mime === "application/javascript")
        ? splitLines(value)
        : value;
  }
  return out;
}

/**
 * Streams are collected as one string (consecutive writes merged) and split into Jupyter's line arrays
 * when handed out. Display outputs are returned as the same objects, so later display updates reach them.
 */
function toStoredOutput(output: Output): Output {
  return output.output_type === "stream" ? { ...output, text: splitLines(output.text as string) } : output;
}

// tslab prints TypeScript diagnostics as "[file ]line:col - message".
const DIAGNOSTIC_LINE = /^(?:\S+ )?\d+:\d+ - /;

/**
 * tslab reports a failed cell only as stderr text. Pick the part of the cell's stderr that is the error
 * (the TypeScript diagnostics, or the last console.error(e) tslab wrote), remove it from the outputs and
 * return an nbformat `error` output built from it.
 */
function extractErrorFromStderr(
  outputs: Output[],
  chunks: { text: string }[],
  reply: Record<string, unknown>,
  cellLineCount: number,
): ErrorOutput {
  if (chunks.length === 0) {
    return {
      output_type: "error",
      ename: "Error",
      evalue: `the cell failed (execute_reply status ${String(reply.status)}) without printing an error`,
      traceback: [],
    };
  }
  const lastText = chunks[chunks.length - 1].text;
  let errorText = lastText;
  if (DIAGNOSTIC_LINE.test(lastText)) {
    // A compile error: nothing ran, so every trailing diagnostic chunk belongs to it.
    let first = chunks.length - 1;
    while (first > 0 && DIAGNOSTIC_LINE.test(chunks[first - 1].text)) first--;
    errorText = chunks
      .slice(first)
      .map((c) => c.text)
      .join("");
  }
  removeTrailingStderr(outputs, errorText);
  return DIAGNOSTIC_LINE.test(errorText) ? compileError(errorText, cellLineCount) : runtimeError(errorText);
}

/** Removes `text` from the end of the last stderr stream output (dropping the output if that empties it). */
function removeTrailingStderr(outputs: Output[], text: string): void {
  for (let i = outputs.length - 1; i >= 0; i--) {
    const output = outputs[i];
    if (output.output_type === "stream" && output.name === "stderr") {
      const current = output.text as string;
      if (current.endsWith(text)) {
        const rest = current.slice(0, current.length - text.length);
        if (rest.length === 0) outputs.splice(i, 1);
        else output.text = rest;
      }
      return;
    }
  }
}

function compileError(text: string, cellLineCount: number): ErrorOutput {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  let outsideCell = false;
  // Diagnostics in the cell have no file name; those in an imported file (e.g. course-lib code that
  // does not compile under tslab's settings) are prefixed with its path relative to the notebook.
  const messages = lines.map((l) =>
    l.replace(/^(?:(\S+) )?(\d+):(\d+) - /, (_all, file: string | undefined, line: string, column: string) =>
    {
      if (file) return `${file} line ${line}, column ${column}: `;
      // tslab drops the file name of multi-part messages from imported files (a tslab bug); a line past
      // the end of the cell gives it away.
      if (Number(line) > cellLineCount) {
        outsideCell = true;
        return `imported file, line ${line}, column ${column}: `;
      }
      return `line ${line}, column ${column}: `;
    }),
  );
  if (outsideCell)
    messages.push(
      "(errors past the cell's last line are in a file the cell imports; tslab compiles imported .ts files " +
        "without `strict`, so code that passes our tsconfig can still fail here)",
    );
  return {
    output_type: "error",
    ename: "TypeScriptError",
    evalue: messages.join("\n"),
    traceback: lines,
  };
}

function runtimeError(text: string): ErrorOutput {
  let lines = text.replace(/\s+$/, "").split("\n");
  // For an error thrown synchronously by cell code Node prefixes the stack with the offending line of
  // tslab's compiled JavaScript ("evalmachine.<anonymous>:3", the line, "^", a blank line). That is not
  // the learner's source, so drop it.
  if (/^evalmachine\.<anonymous>:\d+$/.test(lines[0] ?? "")) {
    const blank = lines.indexOf("");
    if (blank > 0) lines = lines.slice(blank + 1);
  }
  // Stack frames from tslab's own executor and Node internals say nothing about the learner's code.
  const keep: string[] = [];
  for (const line of lines) {
    if (/^\s+at /.test(line) && /(node:vm|node:internal|tslab[\\/]dist[\\/]|Script\.runInThisContext)/.test(line)) break;
    keep.push(line);
  }
  const stackStart = lines.findIndex((l) => /^\s+at /.test(l));
  const headline = (stackStart < 0 ? lines : lines.slice(0, stackStart)).join("\n");
  // Node prints errors as "Name: message" or "Name [code]: message"; anything else was thrown as a value.
  const match = /^([A-Za-z_$][\w$]*)(?: \[[^\]]*\])?: ([\s\S]*)$/.exec(headline);
  return {
    output_type: "error",
    ename: match ? match[1] : "Error",
    evalue: match ? match[2] : headline,
    traceback: keep,
  };
}
