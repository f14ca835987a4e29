// Read aloud with the phone's own voices (Web Speech API, which works offline
// on phones): sentence by sentence, the sentence being read highlighted in the
// chapter, pages turning with the voice, on through the excerpt's chapters, and
// the excerpt's end (with the offer) when the voice reaches it.
//
// The chapter frame has no script rights: everything here runs in the reader
// page and reaches into the frame's document (same origin), as frame.js does.
import { storage, t, formatNumber } from "../common.js";

const HIGHLIGHT = "trajet-speech";
const RATE_KEY = "trajet.speech.rate";
/** Speeds offered (1 is the voice's normal pace). */
export const RATES = [0.75, 1, 1.25, 1.5, 2];
// Elements read as one run of text (nested ones are read on their own).
const BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, blockquote, dd, dt, figcaption, pre, td, th, caption";

/** Whether this browser can speak. */
export function available() {
  return "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
}

/** The sentences of a chapter document, in reading order: `{text, range}`. */
export function sentences(doc, language) {
  const body = doc.body;
  if (!body) return [];
  const blocks = [...body.querySelectorAll(BLOCKS)].filter((el) => !el.querySelector(BLOCKS));
  const segmenter = "Segmenter" in Intl ? new Intl.Segmenter(language || undefined, { granularity: "sentence" }) : null;
  const found = [];
  for (const block of blocks.length ? blocks : [body]) {
    const { text, at } = textOf(doc, block);
    const parts = segmenter ? [...segmenter.segment(text)] : [{ segment: text, index: 0 }];
    for (const { segment, index } of parts) {
      const trimmed = segment.trim();
      if (!/[\p{L}\p{N}]/u.test(trimmed)) continue;
      const start = index + segment.indexOf(trimmed);
      const range = doc.createRange();
      const [startNode, startOffset] = at(start);
      const [endNode, endOffset] = at(start + trimmed.length, true);
      range.setStart(startNode, startOffset);
      range.setEnd(endNode, endOffset);
      found.push({ text: trimmed.replace(/\s+/g, " "), range });
    }
  }
  return found;
}

/** A block's visible text and a map from offsets in it to (text node, offset). */
function textOf(doc, block) {
  const walker = doc.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push({ node, start: text.length });
    text += node.data;
  }
  const at = (offset, end = false) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const { node, start } = nodes[i];
      if (offset > start || (offset === start && !end) || i === 0) return [node, Math.min(node.data.length, offset - start)];
    }
    return [block, 0];
  };
  return { text, at };
}

/** Reads the open title aloud; the reader drives pages and chapters. */
export class ReadAloud {
  /** `reader`: the Reader; `controls`: {toggle, rate, bar}; `hooks`: onState(playing). */
  constructor(reader, controls, hooks = {}) {
    this.reader = reader;
    this.controls = controls;
    this.hooks = hooks;
    this.playing = false;
    this.queue = [];
    this.at = 0;
    this.run = 0;
    const saved = Number(storage.get(RATE_KEY));
    this.rate = RATES.includes(saved) ? saved : 1;
    controls.rate.replaceChildren(
      ...RATES.map((rate) => new Option(`${formatNumber(rate)}×`, String(rate))),
    );
    controls.rate.value = String(this.rate);
    controls.rate.addEventListener("change", () => this.setRate(Number(controls.rate.value)));
    controls.toggle.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    controls.toggle.hidden = !available();
  }

  /** The book's language (BCP 47), for the voice and the sentence breaks. */
  language() {
    const language = this.reader.manifest?.metadata?.language ?? this.reader.entry?.language;
    return [].concat(language || [])[0] || document.documentElement.lang;
  }

  /** Starts (or resumes) reading at the first sentence of the page on screen. */
  play() {
    if (!available() || this.reader.index === undefined) return;
    this.playing = true;
    this.run += 1;
    this.queue = sentences(this.reader.frame.doc, this.language());
    this.at = Math.max(0, this.queue.findIndex((s) => this.reader.frame.onScreen(s.range)));
    this.state();
    this.speak(this.run);
  }

  /** Stops the voice where it is; play() goes on from the page on screen. */
  pause() {
    if (!this.playing) return;
    this.playing = false;
    this.run += 1;
    window.speechSynthesis.cancel();
    this.clear();
    this.state();
  }

  /** A new speed, from the next sentence on (the current one is said again at it). */
  setRate(rate) {
    if (!RATES.includes(rate)) return;
    this.rate = rate;
    storage.set(RATE_KEY, String(rate));
    if (!this.playing) return;
    this.run += 1;
    window.speechSynthesis.cancel();
    this.speak(this.run);
  }

  speak(run) {
    if (run !== this.run || !this.playing) return;
    if (this.at >= this.queue.length) return this.nextChapter(run);
    const sentence = this.queue[this.at];
    this.highlight(sentence.range);
    if (this.reader.frame.reveal(sentence.range)) this.reader.moved();
    const utterance = new SpeechSynthesisUtterance(sentence.text);
    utterance.lang = this.language();
    utterance.rate = this.rate;
    const voice = pickVoice(utterance.lang);
    if (voice) utterance.voice = voice;
    utterance.addEventListener("end", () => {
      if (run !== this.run) return;
      this.at += 1;
      this.speak(run);
    });
    utterance.addEventListener("error", (event) => {
      // Our own cancel (pause, new speed) is not a failure.
      if (run === this.run && event.error !== "interrupted" && event.error !== "canceled") this.pause();
    });
    window.speechSynthesis.speak(utterance);
  }

  /** The chapter is read: on to the next one, or the excerpt's end and its offer. */
  async nextChapter(run) {
    const reader = this.reader;
    if (reader.index >= reader.readingOrder.length - 1) {
      this.pause();
      reader.finish();
      return;
    }
    const index = reader.index;
    await reader.load(index + 1, "start");
    if (run !== this.run || !this.playing) return;
    if (reader.index !== index + 1) return this.pause();
    this.queue = sentences(reader.frame.doc, this.language());
    this.at = 0;
    this.speak(run);
  }

  highlight(range) {
    const win = this.reader.frame.iframe.contentWindow;
    if (!win?.CSS?.highlights || !win.Highlight) return;
    win.CSS.highlights.set(HIGHLIGHT, new win.Highlight(range));
  }

  clear() {
    this.reader.frame.iframe.contentWindow?.CSS?.highlights?.delete(HIGHLIGHT);
  }

  state() {
    const { toggle, bar } = this.controls;
    toggle.setAttribute("aria-pressed", String(this.playing));
    const label = toggle.querySelector("[data-i18n]");
    label.dataset.i18n = this.playing ? "speech.pause" : "speech.play";
    label.textContent = t(label.dataset.i18n);
    bar.hidden = !this.playing;
    this.hooks.onState?.(this.playing);
  }
}

/** A voice of the phone for the language (exact tag first, then the language alone). */
function pickVoice(language) {
  const voices = window.speechSynthesis.getVoices?.() || [];
  const tag = String(language).toLowerCase();
  const base = tag.split("-")[0];
  return (
    voices.find((v) => v.lang.toLowerCase() === tag) ||
    voices.find((v) => v.lang.toLowerCase().split(/[-_]/)[0] === base) ||
    null
  );
}
