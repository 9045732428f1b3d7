// Turns terminal text from notebook outputs (stack traces, coloured logs) into escaped HTML: SGR colour and
// bold codes become <span class="ansi-..."> and every other escape sequence is dropped, so the book shows
// what the learner saw in Jupyter without stray "[31m" noise.
import { escapeHtml } from "../viz/plot";

const COLOR_NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

// CSI sequences (ESC [ ... final byte), OSC sequences (ESC ] ... BEL/ST) and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[([0-9;?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Removes every ANSI escape sequence. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}

/** Escapes text for HTML and converts ANSI SGR colours/bold into spans (other sequences are removed). */
export function ansiToHtml(text: string): string {
  let out = "";
  let fg: string | null = null;
  let bold = false;
  let open = false;
  let last = 0;
  const emit = (chunk: string) => {
    if (!chunk) return;
    const classes = [fg ? `ansi-${fg}` : "", bold ? "ansi-bold" : ""].filter(Boolean);
    if (classes.length > 0 && !open) {
      out += `<span class="${classes.join(" ")}">`;
      open = true;
    }
    out += escapeHtml(chunk);
  };
  const close = () => {
    if (open) out += "</span>";
    open = false;
  };
  for (const match of text.matchAll(ESCAPE)) {
    emit(text.slice(last, match.index));
    last = (match.index ?? 0) + match[0].length;
    if (match[2] !== "m") continue; // not a colour code: drop it
    close();
    const codes = (match[1] || "0").split(";").map((c) => Number(c || "0"));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) {
        fg = null;
        bold = false;
      } else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code >= 30 && code <= 37) fg = COLOR_NAMES[code - 30];
      else if (code >= 90 && code <= 97) fg = `bright-${COLOR_NAMES[code - 90]}`;
      else if (code === 39) fg = null;
      else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4; // 256/rgb colours: skip args
    }
  }
  emit(text.slice(last));
  close();
  return out;
}
