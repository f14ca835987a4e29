// Language of the reader: the passenger's choice, else the browser's, else English.
import en from "./i18n/en.js";
import fr from "./i18n/fr.js";

const TABLES = { en, fr };
const KEY = "trajet.lang";
let current = pick();

function pick() {
  const saved = localStorage.getItem(KEY);
  if (saved && TABLES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (TABLES[base]) return base;
  }
  return "en";
}

/** The current language code ("en" or "fr"). */
export function lang() {
  return current;
}

/** The other language, offered by the switch. */
export function otherLang() {
  return current === "fr" ? "en" : "fr";
}

/** Chooses a language and remembers it. */
export function setLang(code) {
  if (!TABLES[code]) return;
  current = code;
  localStorage.setItem(KEY, code);
  apply(document);
}

/** A string in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = TABLES[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

/** Fills every [data-i18n] (text) and [data-i18n-label] (aria-label) under root. */
export function apply(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** Formats a number in the current language. */
export function number(n, options) {
  return new Intl.NumberFormat(current, options).format(n);
}
