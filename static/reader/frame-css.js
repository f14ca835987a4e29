// The stylesheet the reader adopts into each chapter document. Values come from
// custom properties the reader sets on the chapter's root (Readium CSS's model:
// user settings win over the publisher's styles, the book keeps its structure).
export const FRAME_CSS = `
:root {
  color-scheme: var(--t-scheme);
  background-color: var(--t-bg) !important;
  color: var(--t-fg) !important;
  font-size: var(--t-size) !important;
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
  margin: 0 !important;
  box-sizing: border-box;
}
:root:not([data-mode="fixed"]) body {
  margin: 0 !important;
  padding: 0 !important;
  color: inherit !important;
  background: transparent !important;
  line-height: var(--t-lh) !important;
  overflow-wrap: break-word;
  hyphens: auto;
}
:root:not([data-mode="fixed"]) body :is(p, li, div, blockquote, dd, dt, td, th, span, section) {
  line-height: inherit !important;
}
/* A long word in a large heading breaks rather than leaving the screen (200 % text, zoom). */
:root:not([data-mode="fixed"]) body :is(h1, h2, h3, h4, h5, h6) { overflow-wrap: anywhere; }
:root:not([data-mode="fixed"]) body :not(a, a *) {
  color: inherit !important;
  background-color: transparent !important;
  border-color: currentColor !important;
}
:root[data-font] body,
:root[data-font] body :is(p, li, div, span, blockquote, dd, dt, h1, h2, h3, h4, h5, h6, td, th, a, em, strong, i, b, cite, q) {
  font-family: var(--t-font) !important;
}
:root[data-font="dyslexic"] body {
  letter-spacing: 0.04em !important;
  word-spacing: 0.14em !important;
  text-align: start !important;
  hyphens: none !important;
}
:root:not([data-mode="fixed"]) a:link,
:root:not([data-mode="fixed"]) a:visited { color: var(--t-link) !important; }
:root:not([data-mode="fixed"]) :is(img, svg, video, table, pre) { max-width: 100% !important; box-sizing: border-box; }
:root:not([data-mode="fixed"]) :is(img, video) { height: auto !important; }
:root[data-mode="paged"] {
  width: var(--t-page-w) !important;
  height: var(--t-page-h) !important;
  padding: var(--t-pad-block) 0 !important;
  /* One column per screen, no gap: the margins are the body's inline padding,
     repeated in every column. Root padding or a column gap would leave the
     last column short of a full screen (the scroll range ends at its text),
     so the last page would show shifted by a margin. */
  column-width: var(--t-page-w);
  column-gap: 0;
  column-fill: auto;
  overflow: hidden !important;
  touch-action: pan-y pinch-zoom;
}
:root[data-mode="paged"] body { padding-inline: var(--t-margin) !important; }
:root[data-mode="paged"] :is(img, svg, video) {
  max-height: calc(var(--t-page-h) - 2 * var(--t-pad-block)) !important;
  object-fit: contain;
  break-inside: avoid;
}
:root[data-mode="paged"] :is(h1, h2, h3, h4, h5, h6) { break-after: avoid; }
:root[data-mode="scroll"] {
  padding: var(--t-pad-block) var(--t-margin) calc(3 * var(--t-pad-block)) !important;
}
:root[data-mode="scroll"]:not([data-vertical]) body {
  max-width: 38em !important;
  margin-inline: auto !important;
}
:root[data-mode="fixed"] { overflow: hidden !important; }
:root[data-mode="fixed"] body { margin: 0; }
@media (prefers-reduced-motion: no-preference) {
  :root[data-mode="scroll"] { scroll-behavior: smooth; }
}
::highlight(trajet-speech) {
  background-color: rgba(255, 196, 0, 0.45);
}
`;
