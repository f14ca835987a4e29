// The catalog of this trip: covers, titles, authors, reading time, "fits your trip".
import { t } from "../common.js";

const SORTS = {
  fits: (a, b) => Number(b.fits) - Number(a.fits) || a.reading_minutes - b.reading_minutes,
  short: (a, b) => a.reading_minutes - b.reading_minutes,
  title: (a, b) => a.title.localeCompare(b.title),
};

/** Does this excerpt fit in the time left? The server said so, and it still does. */
export function fits(entry, secondsLeft) {
  if (!entry.fits_remaining_time) return false;
  return !Number.isFinite(secondsLeft) || (entry.reading_minutes || 0) * 60 <= secondsLeft;
}

/** Orders entries by one of the sorts offered (fits, short, title). */
export function sorted(entries, sort, secondsLeft) {
  const rows = entries.map((e) => ({ ...e, fits: fits(e, secondsLeft) }));
  return rows.sort(SORTS[sort] || SORTS.fits);
}

/** Renders the list of titles into `list` (a <ul>). */
export function render(list, entries, sort, secondsLeft) {
  list.replaceChildren();
  covers.waiting = [];
  covers.notBefore = performance.now() + COVERS_AFTER_MS;
  sorted(entries, sort, secondsLeft).forEach((entry, i) => list.append(card(entry, i)));
}

// Covers come after the catalog's text, those near the screen only, two at a
// time: a phone talks to us over six HTTP/1.1 connections at most, and the
// book the passenger taps must find them free. While a book opens, the
// covers not yet asked for wait for its first page. They start a moment
// after the text shows: a book tapped at once finds the connections that
// brought the page and the catalog still open (a new one costs a round trip).
const COVERS_AT_ONCE = 2;
const COVERS_AFTER_MS = 300;
const covers = { waiting: [], loading: 0, held: false, notBefore: 0, timer: 0 };
const nearScreen = new IntersectionObserver(
  (seen) => {
    for (const { isIntersecting, target } of seen) {
      if (!isIntersecting) continue;
      nearScreen.unobserve(target);
      covers.waiting.push(target);
    }
    nextCovers();
  },
  { rootMargin: "50% 0px" },
);

function nextCovers() {
  const wait = covers.notBefore - performance.now();
  if (wait > 0) {
    clearTimeout(covers.timer);
    covers.timer = setTimeout(nextCovers, wait);
    return;
  }
  while (!covers.held && covers.loading < COVERS_AT_ONCE && covers.waiting.length) {
    const img = covers.waiting.shift();
    if (!img.isConnected) continue;
    covers.loading += 1;
    const done = () => {
      covers.loading -= 1;
      nextCovers();
    };
    img.addEventListener("load", done, { once: true });
    img.addEventListener("error", done, { once: true });
    img.src = img.dataset.src;
  }
}

/** Holds back the covers not yet asked for (a book is opening), or lets them come. */
export function holdCovers(held) {
  covers.held = held;
  nextCovers();
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function card(entry, i) {
  const item = el("li", "book");
  const article = el("article");
  article.setAttribute("aria-labelledby", `book-${i}`);
  const cover = el("div", "cover");
  if (entry.cover) {
    const img = el("img");
    img.dataset.src = entry.cover;
    img.alt = "";
    img.fetchPriority = "low";
    img.decoding = "async";
    cover.append(img);
    nearScreen.observe(img);
  } else {
    cover.classList.add("no-cover");
    cover.append(el("span", null, (entry.title || "?").slice(0, 1)));
  }
  const body = el("div", "book-body");
  const heading = el("h2", "book-title");
  heading.id = `book-${i}`;
  const link = el("a", null, entry.title);
  link.href = `#/read/${encodeURIComponent(entry.id)}`;
  if (entry.language) link.lang = entry.language;
  heading.append(link);
  body.append(heading);
  const authors = (entry.authors || []).map((a) => (typeof a === "string" ? a : a.name)).filter(Boolean);
  if (authors.length) body.append(el("p", "book-authors", t("catalog.by", { authors: authors.join(", ") })));
  const meta = el("p", "book-meta");
  if (entry.reading_minutes) meta.append(el("span", "minutes", t("catalog.minutes", { n: entry.reading_minutes })));
  if (entry.fits) meta.append(el("span", "fits", t("catalog.fits")));
  body.append(meta);
  if (entry.description) {
    const desc = el("p", "book-desc", entry.description);
    if (entry.language) desc.lang = entry.language;
    body.append(desc);
  }
  if (entry.accessibility) body.append(accessibility(entry.accessibility, entry.language));
  article.append(cover, body);
  item.append(article);
  return item;
}

/** The sections of the W3C accessibility metadata display guide, in its order. */
const A11Y_SECTIONS = ["ways_of_reading", "conformance", "navigation", "rich_content", "hazards"];

/**
 * A book's accessibility, folded under "Accessibility": each section's
 * statements (keys from the server, worded here), "no information" where the
 * publisher says nothing, and the publisher's own summary.
 */
export function accessibility(a11y, language) {
  const box = el("details", "book-a11y");
  box.append(el("summary", null, t("a11y.title")));
  if (!a11y.known && !a11y.ways_of_reading?.length) {
    box.append(el("p", "a11y-none", t("a11y.none")));
    return box;
  }
  const list = el("dl");
  for (const section of A11Y_SECTIONS) {
    const value = a11y[section];
    const keys = Array.isArray(value) ? value : value ? [value] : [];
    list.append(el("dt", null, t(`a11y.${section}`)));
    const dd = el("dd");
    dd.dataset.a11y = section;
    const items = keys.map((key) => t(`a11y.${section}.${key}`));
    dd.textContent = items.length ? items.join(" · ") : t("a11y.unknown");
    list.append(dd);
  }
  if (a11y.summary) {
    list.append(el("dt", null, t("a11y.summary")));
    const summary = el("dd", null, a11y.summary);
    summary.dataset.a11y = "summary";
    if (language) summary.lang = language;
    list.append(summary);
  }
  box.append(list);
  return box;
}
