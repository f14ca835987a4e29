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
  sorted(entries, sort, secondsLeft).forEach((entry, i) => list.append(card(entry, i)));
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
    img.src = entry.cover;
    img.alt = "";
    img.loading = i < 4 ? "eager" : "lazy";
    img.decoding = "async";
    cover.append(img);
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
  article.append(cover, body);
  item.append(article);
  return item;
}
