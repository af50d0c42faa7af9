/**
 * The template minifier of the drop-in build (scripts/minify-lit-templates.mjs):
 * what it shortens, and what it must leave alone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: a plain .mjs build script without type declarations
import { minifyCssChunk, minifyLitTemplates } from '../../scripts/minify-lit-templates.mjs';

const css = (text: string): string => minifyCssChunk(text, { first: true, last: true });

describe('minify-lit-templates: css', () => {
  it('drops comments, whitespace and the last semicolon of a block', () => {
    assert.equal(css(`\n  a > b {\n    color: red; /* why */\n    margin: 0;\n  }\n`), 'a>b{color:red;margin:0}');
  });

  it('drops spaces around / and the zero of 0.5, keeping calc() valid', () => {
    assert.equal(css('a { grid-area: 1 / 1; box-shadow: 0 4px rgb(0 0 0 / 0.45); }'), 'a{grid-area:1/1;box-shadow:0 4px rgb(0 0 0/.45)}');
    assert.equal(css('a { width: calc(100% / 3 - 0.5px); opacity: 0.4 }'), 'a{width:calc(100%/3 - .5px);opacity:.4}');
    // Not a leading zero: 10.5, 1.05, -0.5 (a sign is not in the list of separators).
    assert.equal(css('a { b: 10.5px 1.05 -0.5 }'), 'a{b:10.5px 1.05 -0.5}');
  });

  it('leaves a template alone when a string holds text it would touch', () => {
    for (const content of ['"1 / 2"', '"0.5"', '"a;b"', '"a  b"']) {
      const code = `const s = css\`a::after { content: ${content}; }\`;`;
      assert.equal(minifyLitTemplates(code), null, content);
    }
    assert.equal(minifyLitTemplates('const s = css`a::after { content: "ok"; }`;'), 'const s = css`a::after{content:"ok"}`;');
  });
});

describe('minify-lit-templates: html', () => {
  it('turns whitespace with a newline into one space, and keeps ${} parts', () => {
    const code = 'const t = html`\n  <p>\n    ${a}   ${b}\n  </p>\n`;';
    assert.equal(minifyLitTemplates(code), 'const t = html` <p> ${a}   ${b} </p> `;');
  });
});
