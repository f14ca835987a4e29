// One chapter in a sandboxed frame (no script rights): the reader styles it,
// lays it out in columns (pages) or as a scroll, and turns its pages.
//
// The frame keeps an anchor: the progression (0–1) the passenger chose, by a
// turn, a jump or a resume. A new layout (rotation, text size, an image that
// finished loading, the view hidden and shown) shows the page holding the
// anchor again and leaves the anchor as it was, so the place survives any
// number of layouts exactly; only the passenger's own moves change it.
import { FRAME_CSS } from "./frame-css.js";
import { ApiError } from "../common.js";
import { fitPage, naturalSize, unfit } from "./fixed.js";

const SWIPE_PX = 40;

/** The chapter frame: load, style, paginate, turn, report where we are. */
export class Frame {
  /** `events`: onTap(side), onSwipe(side), onKey(event), onLink(url), onMove() (the passenger moved), onLayout() (same place, new pages). */
  constructor(iframe, stage, events) {
    this.iframe = iframe;
    this.stage = stage;
    this.events = events;
    this.doc = null;
    this.page = 0;
    this.pages = 1;
    this.mode = "paged";
    this.anchor = 0;
    new ResizeObserver(() => this.relayout()).observe(stage);
  }

  /** Loads a chapter URL and places the view at `at` ("start", "end", {progression}, {fragment}). */
  async show(url, options, at = "start") {
    this.options = options;
    this.doc = null;
    this.resetFixed();
    const target = new URL(url, location.href).href;
    const prepared = this.prepared;
    this.prepared = null;
    let doc;
    try {
      doc = await (prepared?.url === target ? prepared.parsed : this.parsed(url));
    } finally {
      this.iframe.style.visibility = "";
    }
    if (!doc?.documentElement) throw new ApiError(0, null);
    if (/json|text\/plain/.test(doc.contentType)) throw problemError(doc);
    // Fonts and pictures still on their way change the layout: redo it, same place.
    const settled = () => this.doc === doc && this.relayout();
    /** Resolves once the chapter's fonts and pictures are in (or failed). */
    this.loaded =
      doc.readyState === "complete"
        ? Promise.resolve()
        : new Promise((resolve) => this.iframe.addEventListener("load", resolve, { once: true }));
    this.loaded.then(settled);
    doc.fonts?.ready.then(settled);
    this.doc = doc;
    this.install(doc);
    this.layout();
    this.place(at);
  }

  /** Can the chapter be laid out now? Not while the view is hidden (no size). */
  visible() {
    return this.iframe.clientWidth > 0 && this.iframe.clientHeight > 0;
  }

  /** Starts loading chapter `url` before the reader knows where to open (a
   * first reading opens at the excerpt's first chapter, which the catalog
   * names): `show` of the same URL takes this navigation over. The frame stays
   * invisible meanwhile: the chapter is not laid out in pages yet. A frame
   * navigation is cached apart from the page's own fetches (Chrome keys
   * subframe documents separately), so asking for the chapter any other way
   * would download it twice. */
  prepare(url) {
    this.iframe.style.visibility = "hidden";
    this.prepared = { url: new URL(url, location.href).href, parsed: this.parsed(url) };
  }

  /** Navigates the frame; resolves with the chapter's document once it is
   * parsed and its stylesheets are in: the text is readable then, before the
   * book's fonts (in a system font until they swap in) and pictures arrive. */
  parsed(url) {
    const target = new URL(url, location.href).href;
    const old = this.iframe.contentDocument;
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve(this.iframe.contentDocument);
      };
      const check = () => {
        if (done) return;
        const doc = this.iframe.contentDocument;
        const styled = (d) => [...d.querySelectorAll('link[rel~="stylesheet"]')].every((link) => link.sheet);
        if (doc && doc !== old && doc.URL === target && doc.readyState !== "loading" && styled(doc)) finish();
        else setTimeout(check, 16);
      };
      this.iframe.addEventListener("load", finish, { once: true });
      this.iframe.src = url;
      check();
    });
  }

  /** Empties the frame (session over). */
  close() {
    this.doc = null;
    this.prepared = null;
    this.iframe.style.visibility = "";
    this.iframe.src = "about:blank";
  }

  /** Applies new user settings to the open chapter, keeping the place. */
  restyle(options) {
    this.options = options;
    if (!this.doc) return;
    this.applyVars(this.doc.documentElement);
    this.relayout();
  }

  install(doc) {
    const win = this.iframe.contentWindow;
    const sheet = new win.CSSStyleSheet();
    sheet.replaceSync(FRAME_CSS);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    const root = doc.documentElement;
    if (this.options.rtl && !root.getAttribute("dir") && !doc.body?.getAttribute("dir")) root.dir = "rtl";
    this.applyVars(root);
    doc.addEventListener("click", (e) => this.onClick(e));
    doc.addEventListener("keydown", (e) => this.events.onKey(e));
    doc.addEventListener("pointerdown", (e) => {
      this.pointer = { x: e.clientX, y: e.clientY };
      this.swiped = false;
    });
    doc.addEventListener("pointerup", (e) => this.onPointerUp(e));
    win.addEventListener("scroll", () => this.onScroll(), { passive: true });
    // A focused iframe matches no focus selector in Chromium: the stage says it.
    win.addEventListener("focus", () => (this.stage.dataset.focus = ""));
    win.addEventListener("blur", () => delete this.stage.dataset.focus);
    // Images without declared sizes change the pages when they arrive.
    doc.addEventListener("load", () => this.relayout(), { capture: true });
  }

  applyVars(root) {
    const o = this.options;
    const set = (name, value) => root.style.setProperty(name, value);
    set("--t-scheme", o.theme.scheme);
    set("--t-bg", o.theme.bg);
    set("--t-fg", o.theme.fg);
    set("--t-link", o.theme.link);
    set("--t-size", `${o.settings.size}%`);
    set("--t-lh", String(o.settings.lineHeight));
    set("--t-margin", `${o.margin}px`);
    set("--t-pad-block", "20px");
    if (o.font) {
      root.dataset.font = o.settings.font;
      set("--t-font", o.font);
    } else delete root.dataset.font;
  }

  /** Recomputes pages after a resize or a restyle, back at the anchor. */
  relayout() {
    if (!this.doc || !this.visible()) return;
    this.layout();
    this.showProgression(this.anchor);
    this.events.onLayout?.();
  }

  layout() {
    const root = this.doc.documentElement;
    const win = this.iframe.contentWindow;
    if (this.options.fixed) return this.layoutFixed(root);
    const style = (el) => (el ? win.getComputedStyle(el).writingMode : "");
    const writing = [style(root), style(this.doc.body)].find((m) => m.startsWith("vertical") || m.startsWith("sideways"));
    // "lr" columns scroll rightwards; "rl" (Japanese, Chinese) leftwards.
    this.vertical = writing ? (writing.endsWith("-lr") ? "lr" : "rl") : "";
    this.mode = this.options.settings.mode === "paged" && !this.vertical ? "paged" : "scroll";
    root.dataset.mode = this.mode;
    if (this.vertical) root.dataset.vertical = "";
    const width = this.iframe.clientWidth;
    root.style.setProperty("--t-page-w", `${width}px`);
    root.style.setProperty("--t-page-h", `${this.iframe.clientHeight}px`);
    this.rtlFlow = win.getComputedStyle(root).direction === "rtl";
    const scroller = this.doc.scrollingElement;
    this.pageWidth = width;
    this.pages = this.mode === "paged" ? Math.max(1, Math.round(scroller.scrollWidth / width)) : 1;
  }

  layoutFixed(root) {
    root.dataset.mode = "fixed";
    this.mode = "fixed";
    this.pages = 1;
    fitPage(this.iframe, this.stage, naturalSize(this.doc));
  }

  resetFixed() {
    unfit(this.iframe);
  }

  place(at) {
    if (at === "end") {
      this.showProgression(1);
      this.anchor = this.progression();
    } else if (!(at?.fragment && this.goToFragment(at.fragment))) {
      this.goToProgression(at?.progression ?? 0);
    }
  }

  /** Where the visible page starts in the chapter, 0–1. */
  progression() {
    if (!this.doc || this.mode === "fixed") return 0;
    const el = this.doc.scrollingElement;
    if (this.mode === "paged") return this.page / this.pages;
    if (this.vertical) return ratio(Math.abs(el.scrollLeft), span(el, "x"));
    return ratio(el.scrollTop, el.scrollHeight - el.clientHeight);
  }

  /** Shows the page holding progression `p` and makes it the anchor. */
  goToProgression(p) {
    this.anchor = Math.min(1, Math.max(0, p || 0));
    this.showProgression(this.anchor);
  }

  /** Shows the page holding progression `p`, anchor unchanged. */
  showProgression(p) {
    if (!this.doc || this.mode === "fixed") return;
    const el = this.doc.scrollingElement;
    const value = Math.min(1, Math.max(0, p || 0));
    // A page's own progression (page / pages), saved and read back, lands on
    // that page even after rounding: the tolerance is far below one page.
    if (this.mode === "paged") return this.goToPage(Math.floor(value * this.pages + 1e-3));
    const behavior = "instant";
    if (this.vertical) el.scrollTo({ left: (this.vertical === "lr" ? 1 : -1) * value * span(el, "x"), behavior });
    else el.scrollTo({ top: value * span(el, "y"), behavior });
    this.settled = scrollPosition(el);
  }

  goToPage(index) {
    this.page = Math.max(0, Math.min(this.pages - 1, index));
    const x = this.page * this.pageWidth;
    this.doc.scrollingElement.scrollLeft = this.rtlFlow ? -x : x;
  }

  /** The screen shown and how many the chapter has: {index, count}. */
  screen() {
    if (!this.doc || this.mode === "fixed") return { index: 0, count: 1 };
    if (this.mode === "paged") return { index: this.page, count: this.pages };
    const el = this.doc.scrollingElement;
    const axis = this.vertical ? "x" : "y";
    const size = axis === "x" ? el.clientWidth : el.clientHeight;
    const count = Math.max(1, Math.ceil((span(el, axis) + size) / size - 0.02));
    if (atEdge(el, axis, 1)) return { index: count - 1, count };
    return { index: Math.min(count - 1, Math.floor(this.progression() * span(el, axis) / size + 0.02)), count };
  }

  /** Shows the element with this id; false when the chapter has none. */
  goToFragment(id) {
    const el = this.doc?.getElementById(decodeURIComponent(id));
    if (!el) return false;
    if (this.mode !== "paged") {
      el.scrollIntoView({ block: "start", behavior: "instant" });
      this.anchor = this.progression();
      this.settled = scrollPosition(this.doc.scrollingElement);
      return true;
    }
    const offset = Math.floor((el.getBoundingClientRect().left + 1) / this.pageWidth);
    this.goToPage(this.rtlFlow ? this.page - offset : this.page + offset);
    this.anchor = this.progression();
    return true;
  }

  /** Whether a range of the chapter starts on the page (or in the part of the scroll) on screen. */
  onScreen(range) {
    if (!this.doc) return false;
    if (this.mode === "fixed") return true;
    const rect = range.getBoundingClientRect();
    if (this.mode === "paged") return rect.left >= -1 && rect.left < this.pageWidth - 1;
    if (this.vertical) return rect.right > 0 && rect.right <= this.iframe.clientWidth + 1;
    return rect.top >= -1 && rect.top < this.iframe.clientHeight;
  }

  /** Turns to the page where a range starts (the voice reading on); true when it turned. */
  reveal(range) {
    if (!this.doc || this.mode === "fixed" || this.onScreen(range)) return false;
    const rect = range.getBoundingClientRect();
    if (this.mode === "paged") {
      const offset = Math.floor((rect.left + 1) / this.pageWidth);
      this.goToPage(this.rtlFlow ? this.page - offset : this.page + offset);
      this.anchor = this.progression();
      return true;
    }
    const el = this.doc.scrollingElement;
    if (this.vertical) el.scrollBy({ left: rect.right - this.iframe.clientWidth + 20, behavior: "instant" });
    else el.scrollBy({ top: rect.top - 20, behavior: "instant" });
    return true;
  }

  /** Turns forward inside the chapter; false at its end. */
  next() {
    if (!this.doc || this.mode === "fixed") return false;
    if (this.mode === "paged") {
      if (this.page >= this.pages - 1) return false;
      this.goToPage(this.page + 1);
      this.anchor = this.progression();
      return true;
    }
    return this.scrollBy(1);
  }

  /** Turns back inside the chapter; false at its start. */
  prev() {
    if (!this.doc || this.mode === "fixed") return false;
    if (this.mode === "paged") {
      if (this.page <= 0) return false;
      this.goToPage(this.page - 1);
      this.anchor = this.progression();
      return true;
    }
    return this.scrollBy(-1);
  }

  /** Scrolls one screen (less a line of overlap); false at that end of the chapter. */
  scrollBy(direction) {
    const el = this.doc.scrollingElement;
    const axis = this.vertical ? "x" : "y";
    // In pixels, not as a ratio: a chapter shorter than the screen is at both ends.
    if (atEdge(el, axis, direction)) return false;
    const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "instant" : "smooth";
    if (this.vertical) el.scrollBy({ left: (this.vertical === "lr" ? 1 : -1) * direction * el.clientWidth * 0.9, behavior });
    else el.scrollBy({ top: direction * el.clientHeight * 0.9, behavior });
    return true;
  }

  onScroll() {
    // A hidden frame loses its scroll position: that is no move of the passenger.
    if (!this.doc || !this.visible()) return;
    // Focus moving to a link on another page scrolls the columns: snap to that page.
    if (this.mode === "paged") {
      const x = Math.abs(this.doc.scrollingElement.scrollLeft);
      const page = Math.round(x / this.pageWidth);
      if (page !== this.page || x !== page * this.pageWidth) {
        this.goToPage(page);
        this.anchor = this.progression();
        this.events.onMove();
      }
      return;
    }
    clearTimeout(this.scrollTimer);
    this.scrollTimer = setTimeout(() => this.onScrolled(), 150);
  }

  /** A scroll came to rest: the passenger's own scroll moves the anchor; ours does not. */
  onScrolled() {
    if (!this.doc || !this.visible()) return;
    const now = scrollPosition(this.doc.scrollingElement);
    if (this.settled && now.x === this.settled.x && now.y === this.settled.y) return;
    this.settled = now;
    this.anchor = this.progression();
    this.events.onMove();
  }

  onClick(event) {
    const link = event.target.closest?.("a[href]");
    if (link) {
      event.preventDefault();
      this.events.onLink(new URL(link.getAttribute("href"), this.doc.baseURI));
      return;
    }
    if (this.swiped) return (this.swiped = false);
    if (this.doc.getSelection()?.toString()) return;
    const x = event.clientX / this.iframe.clientWidth;
    if (this.mode === "fixed") return this.events.onTap(x < 0.5 ? "left" : "right");
    if (x < 0.3) this.events.onTap("left");
    else if (x > 0.7) this.events.onTap("right");
  }

  onPointerUp(event) {
    if (!this.pointer) return;
    const dx = event.clientX - this.pointer.x;
    const dy = event.clientY - this.pointer.y;
    this.pointer = null;
    if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < Math.abs(dy)) return;
    this.swiped = true;
    this.events.onSwipe(dx < 0 ? "left" : "right");
  }
}

function ratio(value, max) {
  return max > 1 ? Math.min(1, Math.max(0, value / max)) : 0;
}

/** How far the scroller can scroll along an axis, in pixels. */
function span(el, axis) {
  return Math.max(0, axis === "x" ? el.scrollWidth - el.clientWidth : el.scrollHeight - el.clientHeight);
}

/** Is the scroller at its start (direction < 0) or end (direction > 0) along the axis? */
function atEdge(el, axis, direction) {
  const done = Math.abs(axis === "x" ? el.scrollLeft : el.scrollTop);
  return direction > 0 ? span(el, axis) - done <= 2 : done <= 2;
}

function scrollPosition(el) {
  return { x: Math.round(el.scrollLeft), y: Math.round(el.scrollTop) };
}

function problemError(doc) {
  let problem = null;
  try {
    problem = JSON.parse(doc.body?.textContent || doc.documentElement.textContent);
  } catch {
    problem = null;
  }
  return new ApiError(problem?.status || 0, problem);
}
