// The publisher console: upload EPUBs, manage titles and their excerpts, read reports.
import { api, announce, describeError, el, startConsole, t, onLanguageChange } from "./console.js";
import en from "./i18n/publisher.en.js";
import fr from "./i18n/publisher.fr.js";

const state = { titles: [] };

function renderTitles() {
  const body = document.getElementById("titles-body");
  body.replaceChildren(
    ...state.titles.map((title) => el("tr", {}, el("th", { scope: "row" }, title.title), el("td", {}, title.authors.join(", ")))),
  );
  document.getElementById("titles-empty").hidden = state.titles.length > 0;
}

async function loadTitles() {
  try {
    state.titles = (await api("/api/v1/publisher/titles")).titles;
    renderTitles();
  } catch (error) {
    announce(describeError(error), "error");
  }
}

await startConsole({ role: "publisher", tables: { en, fr } });
onLanguageChange(renderTitles);
await loadTitles();
