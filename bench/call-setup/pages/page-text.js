// What a page that embeds a call shows around it: a heading and a line of text, in the browser's
// default font, drawn long before the call starts. Every variant's page has it, so the pages differ
// only in how they call. A page that has never drawn text (?blank) makes whatever first draws text
// during the call also start the renderer's text stack (fonts, shaping, line breaking), which no
// real page leaves for then: see bench/README.md, variant p2p-call-blank.
if (!new URLSearchParams(location.search).has('blank')) {
  document.currentScript.insertAdjacentHTML('beforebegin', '<h1>Team standup</h1><p>The call is below.</p>');
}
