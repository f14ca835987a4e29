// The titles table: cover, title, authors, language, chapters, excerpt and
// status, with search and sortable columns (aria-sort on the sorted header).
import { el, formatNumber, onLanguageChange, t } from "../console.js";
import { allTitles, onTitlesChange } from "./store.js";
import { bookChapters, excerptText, folded } from "./words.js";

const COLUMNS = [
  { key: "cover", label: "titles.col.cover" },
  { key: "title", label: "titles.col.title", value: (x) => folded(x.title) },
  { key: "authors", label: "titles.col.authors", value: (x) => folded(x.authors.join(", ")) },
  { key: "language", label: "titles.col.language", value: (x) => x.language },
  { key: "chapters", label: "titles.col.chapters", value: bookChapters, num: true },
  { key: "excerpt", label: "titles.col.excerpt", value: (x) => x.excerpt.reading_minutes, num: true },
  { key: "status", label: "titles.col.status", value: (x) => (x.live ? 0 : 1) },
  { key: "actions", label: "titles.col.actions" },
];

const view = { sort: "title", ascending: true, query: "" };
let openTitle = () => {};

/** Wires search and sorting; `onOpen(id, button)` opens a title's panel. */
export function setupTitles({ onOpen }) {
  openTitle = onOpen;
  const search = document.getElementById("title-search");
  search.addEventListener("input", () => {
    view.query = folded(search.value.trim());
    renderTitles();
  });
  onTitlesChange(renderTitles);
  onLanguageChange(renderTitles);
  renderTitles();
}

function header() {
  return COLUMNS.map((column) => {
    if (!column.value) {
      return el("th", { scope: "col", class: column.key === "cover" ? "cover" : null }, t(column.label));
    }
    const sorted = view.sort === column.key;
    const button = el(
      "button",
      {
        type: "button",
        class: "sort",
        onclick: () => {
          view.ascending = sorted ? !view.ascending : true;
          view.sort = column.key;
          renderTitles();
          document.querySelector(`#titles-head th[data-key="${column.key}"] button`)?.focus();
        },
      },
      t(column.label),
    );
    return el(
      "th",
      {
        scope: "col",
        class: column.num ? "num" : null,
        dataset: { key: column.key },
        "aria-sort": sorted ? (view.ascending ? "ascending" : "descending") : null,
      },
      button,
    );
  });
}

function row(title) {
  const cover = title.cover
    ? el("img", { src: title.cover, alt: "", width: "40", height: "60", loading: "lazy", class: "cover" })
    : el("span", { class: "no-cover" }, el("span", { class: "visually-hidden" }, t("titles.noCover")), "—");
  const status = title.live
    ? el("span", { class: "pill ok" }, t("status.live"))
    : el("span", { class: "pill muted" }, t("status.withdrawn"));
  const manage = el(
    "button",
    {
      type: "button",
      class: "button manage",
      "aria-label": t("titles.manage.label", { title: title.title }),
      onclick: (event) => openTitle(title.id, event.currentTarget),
    },
    t("titles.manage"),
  );
  return el(
    "tr",
    { dataset: { id: title.id } },
    el("td", { class: "cover" }, cover),
    el("th", { scope: "row", dir: "auto", lang: title.language || null }, title.title),
    el("td", { dir: "auto" }, title.authors.join(", ")),
    el("td", {}, title.language),
    el("td", { class: "num chapters" }, formatNumber(bookChapters(title))),
    el("td", { class: "excerpt" }, excerptText(title.excerpt, title.contents)),
    el("td", { class: "status" }, status),
    el("td", {}, manage),
  );
}

function compare(a, b) {
  const column = COLUMNS.find((c) => c.key === view.sort);
  const [x, y] = [column.value(a), column.value(b)];
  const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
  return (view.ascending ? order : -order) || folded(a.title).localeCompare(folded(b.title));
}

/** Draws the table for the current search and sort. */
export function renderTitles() {
  const titles = allTitles();
  const shown = titles
    .filter((x) => !view.query || folded(`${x.title} ${x.authors.join(" ")}`).includes(view.query))
    .sort(compare);
  // Redrawing must not drop the keyboard focus of someone working in the table.
  const focusedRow = document.activeElement?.closest?.("#titles-body tr")?.dataset.id;
  document.getElementById("titles-head").replaceChildren(...header());
  document.getElementById("titles-body").replaceChildren(...shown.map(row));
  if (focusedRow) document.querySelector(`#titles-body tr[data-id="${focusedRow}"] button.manage`)?.focus();
  document.getElementById("titles-empty").hidden = titles.length > 0;
  document.getElementById("titles-table").hidden = titles.length === 0;
  document.getElementById("titles-count").textContent = titles.length
    ? t("titles.count", { shown: formatNumber(shown.length), total: formatNumber(titles.length) })
    : "";
}
