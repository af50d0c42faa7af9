/**
 * A small Vite/Rolldown plugin that shrinks the static text of Lit's
 * `css`...`` and `html`...`` (and `svg`) tagged templates in our own sources.
 * The JS minifier never touches template text, so indentation and CSS
 * comments would otherwise ship verbatim.
 *
 * It only does transformations that cannot change meaning:
 * - css: drop comments, collapse whitespace to one space, drop spaces around
 *   `{ } ; , > /` and after `:`, and the zero of `0.5`. Quoted strings are
 *   copied verbatim. Nothing is trimmed where a `${...}` meets the text, so
 *   `${a} ${b}` keeps its space.
 * - html/svg: every whitespace run that contains a newline becomes one space
 *   (what the HTML renderer does anyway). Templates containing <pre>,
 *   <textarea> or `white-space` are left alone.
 *
 * It works on the AST (vite's `parseAst`) after TypeScript is stripped, so
 * strings, comments and regexes in the surrounding code cannot confuse it.
 */
import { parseAst } from 'vite';

const TAGS = new Set(['css', 'html', 'svg']);

/** @param {string} text one static chunk of a css`` template (raw) */
export function minifyCssChunk(text, { first, last }) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      // copy a quoted string verbatim (a string cut by ${} just runs to the end)
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) {
        out += text.slice(i); // an unterminated comment spanning ${}: leave it
        break;
      }
      i = end + 2;
      out += ' '; // a comment separates tokens like whitespace does
    } else if (/\s/.test(ch)) {
      while (i < text.length && /\s/.test(text[i])) i++;
      out += ' ';
    } else {
      out += ch;
      i++;
    }
  }
  // Collapse the spaces we produced, then drop those next to safe punctuation.
  // (Runs only outside strings in practice: strings rarely contain these pairs.)
  out = out
    .replace(/ {2,}/g, ' ')
    .replace(/ ?([{};,>/]) ?/g, '$1') // `/` needs no spaces, not even in calc()
    .replace(/: /g, ':')
    .replace(/;}/g, '}')
    .replace(/([:,(/ ])0\.(\d)/g, '$1.$2');
  if (first) out = out.replace(/^ /, '');
  if (last) out = out.replace(/ $/, '');
  return out;
}

/** @param {string} text one static chunk of an html`` template (raw) */
export function minifyHtmlChunk(text) {
  return text.replace(/[ \t\r\n]*\n[ \t\r\n]*/g, ' ');
}

function hasStringWithPunctuation(raw) {
  // Our punctuation rules would touch the inside of a quoted string; skip such templates.
  return /(["'])[^"'\n]*(?:[{};,>/]|: |0\.| {2})[^"'\n]*\1/.test(raw);
}

/** Returns the code with template text minified, or null when nothing changed. */
export function minifyLitTemplates(code) {
  if (!/\b(?:css|html|svg)`/.test(code)) return null;
  const ast = parseAst(code);
  /** @type {{start:number,end:number,text:string}[]} */
  const edits = [];
  const visit = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (
      node.type === 'TaggedTemplateExpression' &&
      node.tag.type === 'Identifier' &&
      TAGS.has(node.tag.name)
    ) {
      const quasis = node.quasi.quasis;
      const all = quasis.map((q) => code.slice(q.start, q.end)).join('${}');
      const isCss = node.tag.name === 'css';
      const skip = isCss
        ? hasStringWithPunctuation(all)
        : /<(?:pre|textarea)\b|white-space/i.test(all);
      if (!skip) {
        quasis.forEach((q, k) => {
          const raw = code.slice(q.start, q.end);
          const text = isCss
            ? minifyCssChunk(raw, { first: k === 0, last: k === quasis.length - 1 })
            : minifyHtmlChunk(raw);
          if (text !== raw) edits.push({ start: q.start, end: q.end, text });
        });
      }
    }
    for (const key in node) {
      const value = node[key];
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object' && key !== 'parent') visit(value);
    }
  };
  visit(ast);
  if (!edits.length) return null;
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** @returns {import('vite').Plugin} */
export function minifyLitTemplatesPlugin({ include = /\/src\/.*\.[cm]?[jt]s$/ } = {}) {
  return {
    name: 'p2p-call:minify-lit-templates',
    enforce: 'post', // after TypeScript is stripped
    apply: 'build',
    transform(code, id) {
      if (id.includes('/node_modules/') || !include.test(id.split('?')[0])) return null;
      const out = minifyLitTemplates(code);
      return out === null ? null : { code: out, map: null };
    },
  };
}
