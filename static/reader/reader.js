// Reading one title: manifest, positions, resume, page turns, TOC, progress and saves.
import * as api from "./api.js";
import { Frame } from "./frame.js";
import * as settings from "./settings.js";
import * as toc from "./toc.js";
import { newest } from "./progress.js";
import * as shelf from "./shelf.js";
import { locate, pageNumbers } from "./positions.js";
import { t, formatNumber } from "../common.js";
import * as offline from "./offline.js";

const PREFETCH_AHEAD = 3;
const PREFETCH_ALL_BELOW = 10;

/** The reader view of one title at a time. */
export class Reader {
  /** `hooks`: sync (ProgressSync), announce(text), notice(text), remember(where, progression), onSessionOver(error), onEnd(kind, where). */
  constructor(dom, hooks) {
    this.dom = dom;
    this.hooks = hooks;
    this.settings = settings.load();
    this.frame = new Frame(dom.iframe, dom.stage, {
      onTap: (side) => this.turnSide(side),
      // A finger moving left brings the page on the right: like a tap on the right.
      onSwipe: (side) => this.turnSide(side === "left" ? "right" : "left"),
      onKey: (event) => this.onKey(event),
      onLink: (url) => this.follow(url),
      onMove: () => this.moved(),
      onLayout: () => this.render(),
    });
    dom.prev.addEventListener("click", () => this.turnSide(this.rtl ? "right" : "left"));
    dom.next.addEventListener("click", () => this.turnSide(this.rtl ? "left" : "right"));
  }

  /** Opens a title (a catalog entry or just its id) where the passenger last was. */
  async open(id, entry) {
    this.id = id;
    this.entry = entry || { id, title: "" };
    this.busy = true;
    // A first reading starts at the excerpt's first chapter, which the catalog
    // names: the frame starts loading it with the manifest, not a round trip after it.
    if (this.entry.start && !this.hooks.sync.local(id) && !shelf.progression(id)) this.frame.prepare(this.entry.start);
    const [kept, positions, saved] = await Promise.all([
      api.manifest(id),
      api.positions(id).catch((e) => this.softFail(e)),
      api.progression(id).catch((e) => this.softFail(e)),
    ]);
    const manifest = kept.data;
    offline.keep(api.titleBase(id) + "manifest", kept.answer);
    if (positions) offline.keep(api.titleBase(id) + "positions", positions.answer);
    this.manifest = manifest;
    this.positions = positions?.data?.positions || [];
    this.base = new URL(api.titleBase(id), location.origin);
    this.readingOrder = manifest.readingOrder || [];
    const chapterOf = (pos) => this.indexOf(pos.href);
    this.counts = this.readingOrder.map((_, i) => this.positions.filter((pos) => chapterOf(pos) === i).length);
    const meta = manifest.metadata || {};
    this.entry.title ||= meta.title;
    // The publisher's offer, when there is one: the manifest's buy link (through our route, which counts the click).
    const buy = (manifest.links || []).find((link) => link.rel === "http://opds-spec.org/acquisition/buy");
    this.offer = buy ? this.resolve(buy.href).pathname : null;
    this.rtl = meta.readingProgression === "rtl";
    this.fixed = meta.presentation?.layout === "fixed" || meta.rendition?.layout === "fixed";
    this.dom.title.textContent = this.entry.title || "";
    if (meta.language) this.dom.title.lang = [].concat(meta.language)[0];
    this.dom.iframe.title = t("reader.frame", { title: this.entry.title || "" });
    this.dom.foot.classList.toggle("rtl", this.rtl);
    this.dom.bar.dir = this.rtl ? "rtl" : "ltr";
    this.dom.stage.classList.toggle("fixed", this.fixed);
    // This session's place, else where this phone stopped on an earlier trip.
    const place = newest(saved, this.hooks.sync.local(id)) || shelf.progression(id);
    const index = place ? this.indexOf(place.locator.href) : 0;
    this.prefetched = new Set();
    this.busy = false;
    await this.load(Math.max(0, index), { progression: place?.locator?.locations?.progression ?? 0 });
  }

  /** Stops reading: no more moves, saves or content. */
  close() {
    this.index = undefined;
    this.frame.close();
  }

  /** Errors that must not stop reading (offline positions): null, but a session end propagates. */
  softFail(error) {
    if (api.sessionOver(error)) throw error;
    return null;
  }

  resolve(href) {
    return new URL(href, this.base);
  }

  /** Index in readingOrder of a chapter href (relative or absolute); -1 if outside the excerpt. */
  indexOf(href) {
    if (!href) return -1;
    const path = this.resolve(href).pathname;
    return this.readingOrder.findIndex((item) => this.resolve(item.href).pathname === path);
  }

  frameOptions() {
    return { ...settings.frameOptions(this.settings), rtl: this.rtl, fixed: this.fixed };
  }

  /** Shows chapter `index` at `at`; on failure stays where it was. */
  async load(index, at) {
    if (this.busy) return;
    this.busy = true;
    const previous = { index: this.index, progression: this.frame.anchor };
    try {
      this.index = index;
      await this.frame.show(this.resolve(this.readingOrder[index].href).href, this.frameOptions(), at);
      this.moved(true);
      // The next chapters wait for this one's fonts and pictures: on a slow
      // network they would share its bandwidth.
      this.frame.loaded.then(() => this.index !== undefined && this.prefetch());
    } catch (error) {
      this.index = previous.index;
      await this.recover(error, previous);
    } finally {
      this.busy = false;
    }
  }

  async recover(error, previous) {
    if (api.sessionOver(error)) return this.hooks.onSessionOver(error);
    if (error.code === "excerpt-limit") return this.hooks.onEnd("excerpt", this.where());
    if (error.status === 404 || error.status === 410) return this.hooks.notice(t("reader.withdrawn"));
    this.hooks.notice(t(error.offline || error.status === 503 ? "reader.unavailable" : "error.generic"));
    if (previous.index !== undefined && previous.index !== this.index) {
      this.index = previous.index;
      const url = this.resolve(this.readingOrder[previous.index].href).href;
      await this.frame.show(url, this.frameOptions(), { progression: previous.progression }).catch(() => {});
    }
  }

  /** Physical side ("left"/"right") to a turn in reading order. */
  turnSide(side) {
    const forward = this.rtl ? side === "left" : side === "right";
    return forward ? this.next() : this.prev();
  }

  next() {
    if (this.busy) return;
    if (this.frame.next()) return this.moved();
    if (this.index < this.readingOrder.length - 1) return this.load(this.index + 1, "start");
    this.finish();
  }

  /** The end of the excerpt is reached: saved as read to the end, then its page with the offer. */
  finish() {
    this.save(1);
    this.hooks.onEnd("excerpt", this.where());
  }

  prev() {
    if (this.busy) return;
    if (this.frame.prev()) return this.moved();
    if (this.index > 0) return this.load(this.index - 1, "end");
  }

  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const keys = {
      ArrowRight: () => this.turnSide("right"),
      ArrowLeft: () => this.turnSide("left"),
      PageDown: () => this.next(),
      PageUp: () => this.prev(),
      " ": () => (event.shiftKey ? this.prev() : this.next()),
    };
    if (this.frame.mode === "scroll" && !this.frame.vertical && (event.key === "ArrowDown" || event.key === "ArrowUp")) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  /** Follows a link inside a chapter: same chapter, another chapter, or a locked one. */
  follow(url) {
    const index = this.indexOf(url.href);
    const fragment = url.hash.slice(1);
    if (index === this.index) {
      if (fragment && this.frame.goToFragment(fragment)) this.moved(true);
      return;
    }
    if (index >= 0) return this.load(index, fragment ? { fragment } : "start");
    if (url.origin === location.origin && url.pathname.startsWith(this.base.pathname)) {
      this.hooks.announce(t("reader.locked.note"));
      this.hooks.notice(t("reader.locked.note"));
    }
  }

  /** Jumps to a TOC entry. */
  jump(href) {
    const url = this.resolve(href);
    this.follow(url);
    if (this.indexOf(url.href) === this.index && !url.hash) {
      this.frame.goToProgression(0);
      this.moved(true);
    }
  }

  /** Re-renders the TOC dialog's list. */
  renderToc(list, onJump) {
    const isCurrent = (href) => this.indexOf(href) === this.index;
    toc.render(list, this.manifest?.toc || [], isCurrent, onJump);
  }

  /** New display settings: restyle the open chapter. */
  applySettings(next) {
    this.settings = next;
    this.frame.restyle(this.frameOptions());
    this.render();
  }

  /** Where `progression` of the open chapter is in the positions list: {position, totalProgression}, or {}. */
  locate(progression) {
    const inChapter = (pos) => this.indexOf(pos.href) === this.index;
    return locate(this.positions, inChapter, progression) || {};
  }

  /**
   * What the passenger sees: page n of total (screens, see pageNumbers) and
   * the share of the excerpt read once this screen is read (100 % on the last).
   */
  progress() {
    const screen = this.frame.screen();
    const { n, total } = pageNumbers(this.counts, this.index, screen);
    const seen = this.locate((screen.index + 1) / screen.count).totalProgression;
    const ratio = seen ?? n / Math.max(1, total);
    const percent = Number.isFinite(ratio) ? Math.round(Math.min(1, Math.max(0, ratio)) * 100) : 0;
    return { n, total, percent };
  }

  chapterTitle() {
    const item = this.readingOrder[this.index];
    if (item?.title) return item.title;
    const path = item && this.resolve(item.href).pathname;
    const walk = (entries) => {
      for (const e of entries || []) {
        if (e.href && this.resolve(e.href).pathname === path) return e.title;
        const found = walk(e.children);
        if (found) return found;
      }
      return null;
    };
    return walk(this.manifest?.toc) || "";
  }

  /** Where the passenger is, for the end page and the catalog's "continue". */
  where() {
    // Nothing shown yet (the title is still opening): no place of this title.
    if (this.index === undefined) return null;
    const { n, total, percent } = this.progress();
    return { id: this.id, title: this.entry.title, chapter: this.chapterTitle(), n, total, percent, offer: this.offer };
  }

  /** Shows the page number and progress bar of what is on screen (nothing saved). */
  render() {
    if (this.index === undefined) return;
    const screen = this.frame.screen();
    // Where the frame is, exact: for tests and styling.
    this.dom.stage.dataset.place = `${this.index}:${screen.index}:${this.frame.progression().toFixed(4)}`;
    const { n, total, percent } = this.progress();
    this.dom.page.textContent = t("reader.page", { n, total });
    this.dom.bar.value = percent;
    this.dom.bar.textContent = t("reader.percent", { p: formatNumber(percent) });
    this.dom.bar.setAttribute("aria-valuetext", t("reader.percent", { p: formatNumber(percent) }));
    return { n, total };
  }

  /** After the passenger moved: what is on screen, an announcement, and the place saved. */
  moved(chapterChanged = false) {
    if (this.index === undefined) return;
    const { n, total } = this.render();
    const chapter = this.chapterTitle();
    this.hooks.announce(
      chapterChanged && chapter ? t("reader.chapter.announce", { chapter, n, total }) : t("reader.announce", { n, total }),
    );
    this.save();
  }

  /** Saves the anchor (the place the passenger chose) as a Readium locator; `forceProgression` 1 at the excerpt's end. */
  save(forceProgression) {
    const item = this.readingOrder[this.index];
    if (!item) return;
    const progression = forceProgression ?? this.frame.anchor;
    const { position, totalProgression } = this.locate(progression);
    const locations = { progression: round(progression) };
    if (position) locations.position = position;
    if (totalProgression !== undefined) locations.totalProgression = round(totalProgression);
    const locator = { href: item.href, type: item.type || "application/xhtml+xml", locations };
    const title = this.chapterTitle();
    if (title) locator.title = title;
    const doc = this.hooks.sync.record(this.id, locator);
    this.hooks.remember(this.where(), doc);
  }

  /** Asks the service worker to keep the next chapters (all of a small excerpt) on the phone.
   * While no worker controls the page (first visit), the open chapter came
   * around it: it is asked too, or a reload in the next tunnel would miss it. */
  prefetch() {
    const count = this.readingOrder.length;
    const last = count <= PREFETCH_ALL_BELOW ? count - 1 : Math.min(count - 1, this.index + PREFETCH_AHEAD);
    const open = navigator.serviceWorker?.controller ? this.index : -1;
    const urls = [];
    for (let i = 0; i <= last; i++) {
      const url = this.resolve(this.readingOrder[i].href).href;
      if (i !== open && !this.prefetched.has(url)) urls.push(url);
    }
    if (!this.prefetched.size) {
      for (const r of this.manifest.resources || []) urls.push(this.resolve(r.href).href);
    }
    urls.forEach((u) => this.prefetched.add(u));
    offline.prefetch(urls);
  }
}

function round(x) {
  return Math.round(x * 1e6) / 1e6;
}
