// The passenger's reader: boot, views (catalog, reader, end), dialogs, language.
import * as api from "./api.js";
import "./i18n.js";
import { t, applyStrings, formatNumber, setLang, otherLang, storage } from "../common.js";
import { TripBar } from "./trip.js";
import * as catalogView from "./catalog.js";
import { Reader } from "./reader.js";
import { ProgressSync } from "./progress.js";
import * as settings from "./settings.js";
import * as offline from "./offline.js";
import { ReadAloud } from "./speech.js";
import * as shelf from "./shelf.js";

const $ = (id) => document.getElementById(id);
const WHERE = "trajet.where";
const SESSION = "trajet.session";
const state = { titles: [], sort: "fits", over: false, view: null };

function showView(name, focus = true) {
  // The voice stops when the passenger leaves the page it reads.
  if (name !== "reader") speech.pause();
  state.view = name;
  for (const section of $("main").querySelectorAll(":scope > section")) section.hidden = section.id !== `view-${name}`;
  document.body.dataset.view = name;
  if (focus) $(`view-${name}`).querySelector("[data-focus]")?.focus({ preventScroll: true });
}

/** Says something to screen readers (polite live region). */
function announce(text) {
  const region = $("announce");
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 20);
}

/** Shows a short message on top of the page for a few seconds. */
function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (box.hidden = true), 6000);
}

function applyTheme(s) {
  document.documentElement.dataset.theme = settings.themeName(s);
}

/** How often an open reader asks for the trip again: a delay reaches it within a minute. */
const SESSION_REFRESH_MS = 30_000;

const sync = new ProgressSync((error) => sessionOver(error));
// The last minutes of reading are shown and read out.
const warn = (text) => {
  announce(text);
  notice(text);
};
const trip = new TripBar($("tripbar"), warn, () => checkSession());
const reader = new Reader(
  {
    iframe: $("frame"),
    stage: $("stage"),
    title: $("reader-title"),
    prev: $("prev"),
    next: $("next"),
    page: $("page"),
    bar: $("bar"),
    foot: $("reader-foot"),
  },
  {
    sync,
    announce,
    notice,
    remember: (where, progression) => {
      storage.setJson(WHERE, where);
      shelf.remember(where, progression);
    },
    onSessionOver: (error) => sessionOver(error),
    onEnd: (kind, where) => showEnd(kind, where),
  },
);
const speech = new ReadAloud(reader, { toggle: $("listen"), rate: $("speech-rate"), bar: $("speech-bar") });

async function boot() {
  applyStrings(document);
  applyTheme(reader.settings);
  setupChrome();
  try {
    // The catalog carries the trip summary: one round trip, not two.
    const { data: catalog, answer } = await api.catalog();
    startSession(catalog);
    offline.keep(api.CATALOG, answer);
    state.titles = catalog.titles || [];
    renderCatalog();
    registerWorker();
    await route();
  } catch (error) {
    registerWorker();
    failed(error);
  }
}

function startSession(summary) {
  const trip_ = summary.trip || summary;
  const key = String(trip_.id ?? `${trip_.line}|${trip_.train_number}|${trip_.departs_at}`);
  if (storage.get(SESSION) !== key) {
    // A new session: what the previous one left on this phone goes.
    sync.forget();
    storage.remove(WHERE);
    offline.purge();
    storage.set(SESSION, key);
  }
  follow(summary);
  setInterval(() => {
    if (!document.hidden && !state.over) checkSession();
  }, SESSION_REFRESH_MS);
  // A phone unlocked after a while learns of a delay at once.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) checkSession();
  });
}

/** Shows the trip as the server has it now (a delay moves the arrival and the end). */
function follow(summary) {
  trip.show(summary);
  // The worker judges expiry by this phone's clock, so it gets the end in that clock.
  const endsAt = new Date(Date.now() + trip.secondsLeft() * 1000).toISOString();
  offline.tell({ type: "session", expiresAt: endsAt });
}

function renderCatalog() {
  $("catalog-empty").hidden = state.titles.length > 0;
  // Books started on this phone, on this trip or an earlier one, that this trip offers.
  const started = shelf.started(state.titles);
  $("resume").hidden = !started.length;
  $("resume-list").replaceChildren(
    ...started.map((book) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#/read/${encodeURIComponent(book.id)}`;
      link.textContent = t("catalog.continue", { title: book.title, n: book.n, total: book.total });
      item.append(link);
      return item;
    }),
  );
  catalogView.render($("titles"), state.titles, state.sort, trip.secondsLeft());
}

async function route() {
  if (state.over) return;
  const match = /^#\/read\/(.+)$/.exec(location.hash);
  if (!match) {
    if (state.view === "reader") sync.flush();
    catalogView.holdCovers(false);
    renderCatalog();
    showView("catalog", state.view !== null);
    document.title = t("app.title");
    return;
  }
  const id = decodeURIComponent(match[1]);
  const entry = state.titles.find((e) => String(e.id) === id);
  showView("reader");
  document.title = `${entry?.title || ""} · trajet`;
  // The book's first page comes before the catalog's remaining covers.
  catalogView.holdCovers(true);
  try {
    await reader.open(id, entry && { ...entry });
    document.title = `${reader.entry.title} · trajet`;
    // Its fonts and pictures; a page that never finishes loading holds nothing back for long.
    await Promise.race([reader.frame.loaded, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  } catch (error) {
    failed(error);
  } finally {
    catalogView.holdCovers(false);
  }
}

function failed(error) {
  if (api.sessionOver(error)) return sessionOver(error);
  if (error.status === 404 || error.status === 410) {
    notice(t("reader.withdrawn"));
    location.hash = "";
    return;
  }
  if (error.offline) return showOffline();
  showError("error.generic");
}

function showError(key) {
  state.error = key;
  $("error-title").textContent = t("error.title");
  $("error-text").textContent = t(key);
  $("error-books").hidden = true;
  showView("error");
}

/** Offline and the asked part is not on the phone: the books that are, to read now. */
async function showOffline() {
  state.error = "offline";
  const books = await offline.onPhone(state.titles);
  $("error-title").textContent = t("offline.title");
  $("error-text").textContent = t(books.length ? "offline.books" : "offline.none");
  const list = $("error-books");
  list.replaceChildren(
    ...books.map((entry) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#/read/${encodeURIComponent(entry.id)}`;
      link.textContent = entry.title;
      if (entry.language) link.lang = entry.language;
      item.append(link);
      return item;
    }),
  );
  list.hidden = !books.length;
  showView("error");
}

async function checkSession() {
  if (state.over) return;
  try {
    follow(await api.session());
  } catch (error) {
    if (api.sessionOver(error)) sessionOver(error);
  }
}

function stoppedAt() {
  return storage.getJson(WHERE);
}

/** The trip (or the session) is over: no more content, the offer stays. */
function sessionOver(error) {
  if (state.over) return;
  state.over = true;
  trip.stop();
  const where = reader.where() || stoppedAt();
  reader.close();
  sync.forget();
  offline.purge();
  if (error?.code === "session-required" && !where && !trip.trip) {
    $("retry").hidden = true;
    return showError("error.session");
  }
  showEnd(error?.code === "trip-cancelled" ? "cancelled" : "trip", where, error?.problem);
}

function showEnd(kind, where, problem) {
  state.end = [kind, where, problem];
  const over = kind !== "excerpt";
  $("end-title").textContent = t(`end.${kind}.title`);
  $("end-text").textContent = t(`end.${kind}.text`, { title: where?.title || "" });
  const stopped = $("end-stopped");
  stopped.hidden = !where?.n;
  if (where?.n) {
    const percent = formatNumber(where.percent ?? Math.round((100 * where.n) / Math.max(1, where.total)));
    const place = t("end.stopped.place", { chapter: where.chapter || where.title, p: percent });
    stopped.textContent = t("end.stopped", { where: place });
  }
  const offer = $("end-offer");
  // Only a title whose publisher gave a link has an offer: no dead button.
  const href = problem?.offer_url || where?.offer || "";
  offer.hidden = !href;
  if (href) {
    offer.href = href;
    offer.textContent = t("end.offer", { title: where?.title || "" });
  }
  $("end-back").hidden = over;
  $("end-scan").hidden = !over;
  showView("end");
  document.title = `${$("end-title").textContent} · trajet`;
  announce($("end-title").textContent);
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

function setupChrome() {
  const langButton = $("lang");
  const label = () => {
    langButton.textContent = t("lang.switch");
    langButton.lang = otherLang();
    langButton.setAttribute("aria-label", t("lang.switch.label"));
  };
  label();
  langButton.addEventListener("click", () => {
    setLang(otherLang());
    label();
    trip.render();
    renderCatalog();
    if (state.view === "reader") reader.render();
    if (state.view === "end") showEnd(...state.end);
    if (state.view === "error") state.error === "offline" ? showOffline() : showError(state.error);
  });
  $("sort").addEventListener("change", (e) => {
    state.sort = e.target.value;
    renderCatalog();
  });
  $("back").addEventListener("click", () => (location.hash = ""));
  $("end-back").addEventListener("click", () => {
    location.hash = "";
    route();
  });
  $("retry").addEventListener("click", () => location.reload());
  setupDialogs();
  addEventListener("hashchange", route);
  document.addEventListener("keydown", (event) => {
    if (state.view !== "reader" || document.querySelector("dialog[open]")) return;
    if (event.target.closest?.("input, select, textarea")) return;
    reader.onKey(event);
  });
  addEventListener("offline", () => notice(t("reader.offline")));
  // Focus rings that :focus-visible cannot give (the text frame) follow the keyboard.
  const root = document.documentElement;
  addEventListener("keydown", (event) => event.key === "Tab" && (root.dataset.keyboard = ""), true);
  addEventListener("pointerdown", () => delete root.dataset.keyboard, true);
  addEventListener("online", () => sync.flush());
  settings.onSystemTheme(() => {
    applyTheme(reader.settings);
    if (reader.id) reader.applySettings(reader.settings);
  });
}

function setupDialogs() {
  const tocDialog = $("toc-dialog");
  $("toc-open").addEventListener("click", () => {
    reader.renderToc($("toc-list"), (href) => {
      tocDialog.close();
      reader.jump(href);
    });
    tocDialog.showModal();
    tocDialog.querySelector("[aria-current]")?.focus();
  });
  const settingsDialog = $("settings-dialog");
  $("settings-open").addEventListener("click", () => settingsDialog.showModal());
  settings.bindForm($("settings-form"), reader.settings, (next) => {
    applyTheme(next);
    reader.applySettings(next);
  });
  for (const button of document.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
}

boot();
