// The operator console (/operator): dashboard, trips of a day, creating and
// importing trips, one trip's codes, delay and cancellation, and collections
// per line, train sets and rosters, the live timetable (GTFS-Realtime). One
// page; the address (#dashboard, #trips/2026-11-28, #trip/42, #new-trip,
// #import, #lines, #vehicles, #realtime) says which view is shown, so
// reload, back and bookmarks work.

import { startConsole, onLanguageChange, redrawKeepingInput, t } from "./console.js";
import en from "./i18n/operator.en.js";
import fr from "./i18n/operator.fr.js";
import * as dashboard from "./operator/dashboard.js";
import * as trips from "./operator/trips.js";
import * as tripForm from "./operator/trip-form.js";
import * as importer from "./operator/import.js";
import * as trip from "./operator/trip.js";
import * as lines from "./operator/lines.js";
import * as vehicles from "./operator/vehicles.js";
import * as realtime from "./operator/realtime.js";

/** Views by the first part of the address; `nav` is the menu entry they belong to. */
const VIEWS = {
  dashboard: { module: dashboard, nav: "dashboard" },
  trips: { module: trips, nav: "trips" },
  "new-trip": { module: tripForm, nav: "trips" },
  import: { module: importer, nav: "import" },
  trip: { module: trip, nav: "trips" },
  lines: { module: lines, nav: "lines" },
  vehicles: { module: vehicles, nav: "vehicles" },
  realtime: { module: realtime, nav: "realtime" },
};

/** How often live figures reload while the tab is visible. */
const REFRESH_MS = 30_000;

let current = null;
let lastRefresh = 0;

function parse(hash) {
  const [name, arg] = hash.replace(/^#/, "").split("/");
  return VIEWS[name] ? { name, arg } : null;
}

/** Shows the view the address names; moves focus to its heading when asked. */
async function showView({ focus }) {
  const wanted = parse(location.hash) || (current ? null : { name: "dashboard" });
  // An address that is no view (the skip link's #app): stay where we are.
  if (!wanted) return;
  current = wanted;
  for (const section of document.querySelectorAll("#app > section.view")) {
    section.hidden = section.id !== `view-${wanted.name}`;
  }
  for (const link of document.querySelectorAll("nav.sections a")) {
    if (link.dataset.view === VIEWS[wanted.name].nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${t(`view.${wanted.name}`)} · trajet`;
  const heading = document.querySelector(`#view-${wanted.name} h1`);
  if (focus) heading?.focus();
  lastRefresh = Date.now();
  await VIEWS[wanted.name].module.show(wanted.arg);
}

/** Changes the address without a history entry per keystroke, and shows the view. */
function go(hash, { focus = false } = {}) {
  if (location.hash !== hash) history.pushState(null, "", hash);
  showView({ focus });
}

function refreshLive() {
  if (document.hidden || !current) return;
  const module = VIEWS[current.name].module;
  if (typeof module.refresh !== "function") return;
  lastRefresh = Date.now();
  module.refresh();
}

async function main() {
  await startConsole({ role: "operator", tables: { en, fr } });
  trips.init(go);
  tripForm.init(go, () => trips.currentDay());
  importer.init();
  document.getElementById("dash-refresh").addEventListener("click", () => dashboard.refresh());
  window.addEventListener("hashchange", () => showView({ focus: true }));
  // A language switch redraws the view in place: what was typed and not
  // saved yet (a delay, seats to mint, ticked collections) stays.
  onLanguageChange(() => {
    if (!current) return;
    document.title = `${t(`view.${current.name}`)} · trajet`;
    const render = VIEWS[current.name].module.render;
    if (render) redrawKeepingInput(document.getElementById(`view-${current.name}`), render);
  });
  // Live figures refresh by themselves, but not in a hidden tab; coming back
  // to the tab after a while refreshes at once.
  setInterval(refreshLive, REFRESH_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && Date.now() - lastRefresh >= REFRESH_MS) refreshLive();
  });
  await showView({ focus: true });
  // The first view is drawn: what waits for the console (tests) may start.
  document.body.dataset.ready = "all";
}

main();
