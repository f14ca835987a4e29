// What the passenger's reader and the staff consoles share: storage that never
// throws, the language choice and its strings, and the API fetch wrapper with
// its ApiError. Kept small: the reader's first visit loads it too.

/**
 * localStorage that never throws. Some private modes refuse storage (reads or
 * writes throw, or the quota is 0): the page then works without remembering.
 */
export const storage = {
  /** The stored string, or null. */
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  /** Stores a string; false when the browser refused. */
  set(key, value) {
    try {
      localStorage.setItem(key, value);
      return true;
    } catch {
      return false;
    }
  },
  /** Removes a key (nothing when storage is refused). */
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      // Nothing was stored.
    }
  },
  /** The stored JSON value, or `fallback` when missing or unreadable. */
  getJson(key, fallback = null) {
    try {
      return JSON.parse(this.get(key)) ?? fallback;
    } catch {
      return fallback;
    }
  },
  /** Stores a value as JSON; false when the browser refused. */
  setJson(key, value) {
    return this.set(key, JSON.stringify(value));
  },
};

// ---------------------------------------------------------------- language

const LANG_KEY = "trajet.lang";
// The server's pages (errors, the offer's fallback) read the same choice from this cookie.
const LANG_COOKIE = "trajet_lang";
const LANGS = ["en", "fr"];
let tables = { en: {}, fr: {} };
let current = pickLanguage();

/** The passenger's or staff member's choice, else the browser's, else English. */
function pickLanguage() {
  const saved = storage.get(LANG_KEY);
  if (LANGS.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGS.includes(base)) return base;
  }
  return "en";
}

/** Sets the page's strings (`{en, fr}`); English fills what French lacks. */
export function useStrings(own) {
  tables = own;
}

/** The current language code ("en" or "fr"). */
export function lang() {
  return current;
}

/** The other language, offered by the switch. */
export function otherLang() {
  return current === "fr" ? "en" : "fr";
}

/** Chooses a language, remembers it, and translates the page. */
export function setLang(code) {
  if (!LANGS.includes(code)) return;
  current = code;
  storage.set(LANG_KEY, code);
  document.cookie = `${LANG_COOKIE}=${code}; Path=/; Max-Age=31536000; SameSite=Lax`;
  applyStrings(document);
}

/** Whether the strings have `key` (in the current language or in English). */
export function hasString(key) {
  return key in tables[current] || key in tables.en;
}

/** A string in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = tables[current][key] ?? tables.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

/** Fills every [data-i18n] (text), [data-i18n-label], [data-i18n-title] and [data-i18n-placeholder] under root. */
export function applyStrings(root) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
  }
}

/** A number in the current language ("1,5" in French). */
export function formatNumber(n, options) {
  return new Intl.NumberFormat(current, options).format(n);
}

// ---------------------------------------------------------------- API

/** An answer that is not a success: HTTP status and the parsed problem+json. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail || problem?.title || (status === 0 ? "" : `HTTP ${status}`);
    super(detail || "network error");
    this.name = "ApiError";
    this.status = status;
    this.code = problem?.code || (status === 0 ? "network" : `http-${status}`);
    this.detail = detail;
    this.problem = problem || {};
  }

  /** No answer reached us (tunnel, flight mode), or the reader's service worker said so. */
  get offline() {
    return this.status === 0 || this.code === "offline";
  }
}

/**
 * Sends a request with the page's cookies; resolves to the Response when it
 * is a success (or a 304), else throws ApiError with the problem.
 */
export async function request(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok && response.status !== 304) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      // Not problem+json (a proxy's page): keep the status only.
    }
    throw new ApiError(response.status, problem);
  }
  return response;
}
