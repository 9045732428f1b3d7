// A small TypeScript syntax highlighter for the book's code cells (comments, strings, numbers, keywords,
// types). No highlight library ships with the course and the book must work offline; a lexer this simple
// can mis-colour an odd regex literal, but its output is always fully escaped text.
import { escapeHtml } from "../viz/plot";

const KEYWORDS = new Set(
  (
    "abstract as async await break case catch class const continue debugger declare default delete do else " +
    "enum export extends false finally for from function get if implements import in instanceof interface " +
    "keyof let new null of private protected public readonly return satisfies set static super switch this " +
    "throw true try type typeof undefined var void while yield"
  ).split(" "),
);
const TYPES = new Set("any bigint boolean never number object string symbol unknown Promise Array Record".split(" "));

// Order matters: comments before "/" operators, template/strings before identifiers.
const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|(`(?:\\[\s\S]|[^\\`])*`?|"(?:\\.|[^\\"\n])*"?|'(?:\\.|[^\\'\n])*'?)|(\b(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?n?)\b|\.\d+\b)|([A-Za-z_$][\w$]*)/g;

/** Escaped HTML of TypeScript source with <span class="tok-..."> around tokens. */
export function highlightTypeScript(source: string): string {
  let out = "";
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    out += escapeHtml(source.slice(last, index));
    last = index + match[0].length;
    const text = escapeHtml(match[0]);
    if (match[1] !== undefined) out += `<span class="tok-comment">${text}</span>`;
    else if (match[2] !== undefined) out += `<span class="tok-string">${text}</span>`;
    else if (match[3] !== undefined) out += `<span class="tok-number">${text}</span>`;
    else if (KEYWORDS.has(match[0])) out += `<span class="tok-keyword">${text}</span>`;
    else if (TYPES.has(match[0]) || /^[A-Z]/.test(match[0])) out += `<span class="tok-type">${text}</span>`;
    else out += text;
  }
  return out + escapeHtml(source.slice(last));
}
