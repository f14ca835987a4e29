// Shared base of the publisher and operator consoles: API calls with the
// console's CSRF header, sign-in, language, DOM building, dialogs and the
// status line. Pages import it as an ES module; nothing here uses innerHTML,
// because titles, authors and trip names come from people we do not control.

import { ApiError, applyStrings, formatNumber, hasString, lang, otherLang, request as send, setLang, t, useStrings } from "../common.js";
import commonEn from "./i18n/common.en.js";
import commonFr from "./i18n/common.fr.js";

export { ApiError, formatNumber, lang, t };

const SESSION = "/api/v1/console/session";
const HEADER = "x-trajet-console";

useStrings({ en: commonEn, fr: commonFr });
const languageListeners = [];
let onExpired = null;

async function parseBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (/[/+]json\b/.test(type)) return response.json();
  return response.text();
}

/**
 * Sends a request with the console's header and cookie; resolves to the
 * Response when it is a success, else throws ApiError with the problem.
 */
async function request(path, { method = "GET", body, headers } = {}) {
  try {
    return await send(path, { method, body, headers: { [HEADER]: "1", ...headers } });
  } catch (error) {
    if (error.status === 401 && !path.startsWith(SESSION) && onExpired) onExpired();
    throw error;
  }
}

/**
 * Calls the API with the console's header and cookie. Resolves to the parsed
 * JSON, the text of a non-JSON answer, or null for 204; throws ApiError.
 */
export async function api(path, { method = "GET", json, body, headers } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  return parseBody(await request(path, { method, body, headers: sent }));
}

/**
 * Downloads a file the API makes (a PDF sheet, a PNG or SVG code) under
 * `filename`; a refusal throws ApiError instead of being saved as the file.
 */
export async function download(path, filename) {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * Sends a file or a FormData with XMLHttpRequest so the page can show upload
 * progress: `onProgress(fraction)` from 0 to 1. Resolves to `{status, body}`
 * for every HTTP answer (body parsed as JSON when it is JSON); rejects with
 * ApiError status 0 when nothing came back.
 */
export function upload(path, body, { method = "POST", onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.withCredentials = true;
    xhr.setRequestHeader(HEADER, "1");
    xhr.setRequestHeader("Accept", "application/json");
    if (!(body instanceof FormData)) {
      xhr.setRequestHeader("Content-Type", body.type === "application/zip" ? body.type : "application/epub+zip");
    }
    if (onProgress) {
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      });
      xhr.upload.addEventListener("load", () => onProgress(1));
    }
    xhr.addEventListener("load", () => {
      let parsed = xhr.responseText;
      const type = xhr.getResponseHeader("content-type") || "";
      if (/[/+]json\b/.test(type)) {
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          // Keep the text.
        }
      }
      if (xhr.status === 401 && onExpired) onExpired();
      resolve({ status: xhr.status, body: xhr.status === 204 ? null : parsed });
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, { code: "aborted" })));
    xhr.send(body);
  });
}

// ---------------------------------------------------------------- language

/** Calls `callback(lang)` after every language change (to redraw built content). */
export function onLanguageChange(callback) {
  languageListeners.push(callback);
}

function applyLanguage(root = document) {
  applyStrings(root);
  const button = document.getElementById("lang");
  if (button) {
    button.textContent = t("lang.switch");
    button.lang = otherLang();
    button.setAttribute("aria-label", t("lang.switch.label"));
  }
}

function setLanguage(code) {
  setLang(code);
  applyLanguage();
  for (const callback of languageListeners) callback(code);
}

// ---------------------------------------------------------------- formatting

function asDate(value) {
  if (value instanceof Date) return value;
  return new Date(value);
}

/** A calendar date ("2025-03-14" or a timestamp) in the current language. */
export function formatDate(value) {
  if (value === null || value === undefined || value === "") return "";
  // A bare date is a calendar day, not midnight somewhere: format it in UTC.
  const bare = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = bare ? new Date(`${value}T00:00:00Z`) : asDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", ...(bare ? { timeZone: "UTC" } : {}) }).format(date);
}

/** A date and time in the current language and the browser's time zone. */
export function formatDateTime(value) {
  if (value === null || value === undefined || value === "") return "";
  const date = asDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/**
 * A counted phrase: `key.zero` for 0 when the strings have one, else
 * `key.one` or `key.other` as the language's plural rules say, with {n}
 * (and `vars`) filled.
 */
export function plural(key, n, vars = {}) {
  const all = { n: formatNumber(n), ...vars };
  if (n === 0 && hasString(`${key}.zero`)) return t(`${key}.zero`, all);
  const rule = new Intl.PluralRules(lang()).select(n) === "one" ? "one" : "other";
  return t(`${key}.${rule}`, all);
}

/** A report count: numbers formatted, suppressed small counts ("< 5") shown as given. */
export function count(n) {
  if (typeof n === "number") return formatNumber(n);
  if (n === null || n === undefined) return "";
  return String(n);
}

// ---------------------------------------------------------------- DOM

function append(parent, child) {
  if (child === null || child === undefined || child === false || child === true) return;
  if (Array.isArray(child)) {
    for (const item of child) append(parent, item);
  } else if (child instanceof Node) {
    parent.append(child);
  } else {
    parent.append(document.createTextNode(String(child)));
  }
}

const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "selected", "indeterminate", "open"]);

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class" || name === "className") {
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (PROPERTIES.has(name) && !(node instanceof SVGElement)) {
      node[name] = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

/**
 * Builds an element: `el("a", {href, onclick}, "text", child)`. Strings become
 * text nodes (never markup); `on*` functions become listeners; false, null and
 * undefined attributes and children are skipped; arrays are flattened.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/** Builds an SVG element, like `el`. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/**
 * Redraws part of a page (after a language switch) without losing what the
 * person typed there: `redraw()` rebuilds what is inside `root`; the fields
 * found again (by id, or by name and value for boxes without one) get back
 * their values and ticks, and their listeners hear `input` and `change` so
 * that what follows a value (a preview, a link) follows it again.
 */
export function redrawKeepingInput(root, redraw) {
  const fields = () => [...root.querySelectorAll("input, select, textarea")].filter((f) => f.type !== "file");
  const ticked = (field) => field.type === "checkbox" || field.type === "radio";
  const key = (field) => field.id || (field.name ? `${field.name}=${field.value}` : "");
  const typed = new Map(fields().filter(key).map((f) => [key(f), ticked(f) ? f.checked : f.value]));
  const focused = root.contains(document.activeElement) ? document.activeElement.id : "";
  redraw();
  for (const field of fields()) {
    const before = typed.get(key(field));
    if (before === undefined || before === (ticked(field) ? field.checked : field.value)) continue;
    if (ticked(field)) field.checked = before;
    else field.value = before;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
  if (focused && document.activeElement !== document.getElementById(focused)) document.getElementById(focused)?.focus();
}

/** A sentence for a failed API call, in the current language. */
export function describeError(error) {
  if (error?.status === 0) return t("error.network");
  if (error?.code === "csrf-rejected") return t("error.csrf");
  if (error?.status === 403) return t("error.forbidden");
  if (error?.status === 404) return t("error.notFound");
  return t("error.generic", { detail: error?.detail || error?.code || String(error) });
}

/** An error paragraph for a failed call, read out at once. */
export function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, describeError(error));
}

// ---------------------------------------------------------------- status bar

let statusTimer = null;
let statusReturn = null;

/** The status bar, its live text and its close button, made on first use. */
function statusBar() {
  const box = document.getElementById("status");
  if (!box) return null;
  if (!document.getElementById("status-text")) {
    const close = el("button", { type: "button", id: "status-close", class: "button", hidden: true }, t("status.close"));
    close.dataset.i18n = "status.close";
    close.dataset.i18nLabel = "status.close.label";
    close.setAttribute("aria-label", t("status.close.label"));
    close.addEventListener("click", () => clearStatus());
    box.replaceChildren(el("p", { id: "status-text", role: "status", "aria-live": "polite" }), close);
    // The text may wrap to more lines (a narrower window, longer words):
    // the room kept for the bar follows its height.
    new ResizeObserver(reserveRoom).observe(box);
  }
  return box;
}

/** How long a message that clears itself stays: longer for longer sentences. */
function statusSeconds(message) {
  return Math.min(15, 4 + message.length / 20);
}

/**
 * Says what just happened in the status bar (kind: info, success, error),
 * read out by screen readers. Info and success clear themselves after a
 * few seconds; an error stays until the person closes it (or the next
 * message replaces it). The bar never covers the page: the page keeps
 * room for it below its content, and what has focus stays in view.
 */
export function announce(message, kind = "info") {
  const box = statusBar();
  if (!box) return;
  clearTimeout(statusTimer);
  const atEnd = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
  if (!box.contains(document.activeElement)) statusReturn = document.activeElement;
  box.dataset.kind = kind;
  document.getElementById("status-text").textContent = message;
  document.getElementById("status-close").hidden = kind !== "error";
  box.classList.add("shown");
  if (kind !== "error") statusTimer = setTimeout(clearStatus, statusSeconds(message) * 1000);
  reserveRoom();
  keepClear(box, atEnd);
}

/** Empties the status bar; focus in it goes back to where it was before. */
function clearStatus() {
  clearTimeout(statusTimer);
  const box = document.getElementById("status");
  if (!box?.classList.contains("shown")) return;
  const hadFocus = box.contains(document.activeElement);
  box.classList.remove("shown");
  delete box.dataset.kind;
  document.getElementById("status-text").textContent = "";
  document.getElementById("status-close").hidden = true;
  reserveRoom();
  if (hadFocus) {
    const back = statusReturn?.isConnected ? statusReturn : document.querySelector("#app h1, #signin h1");
    back?.focus();
  }
}

/** Keeps room below the page for the bar, so the end of the page is never under it. */
function reserveRoom() {
  const box = document.getElementById("status");
  const room = box?.classList.contains("shown") ? Math.ceil(window.innerHeight - box.getBoundingClientRect().top) + 16 : 0;
  document.documentElement.style.setProperty("--status-room", `${Math.max(0, room)}px`);
}

/** Scrolls what the new bar would cover into view: the end of the page, the focused element. */
function keepClear(box, atEnd) {
  if (atEnd) window.scrollTo({ top: document.documentElement.scrollHeight });
  const focused = document.activeElement;
  if (!focused || focused === document.body || box.contains(focused)) return;
  const mine = focused.getBoundingClientRect();
  const bar = box.getBoundingClientRect();
  const overlaps = mine.bottom > bar.top && mine.top < bar.bottom && mine.right > bar.left && mine.left < bar.right;
  if (overlaps) window.scrollBy({ top: mine.bottom - bar.top + 16 });
}

/**
 * Asks for confirmation in a modal dialog. Resolves true when the person
 * confirms, false when they cancel or press Escape; focus goes back to where
 * it was.
 */
export function confirmAction({ title, message, confirm }) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const id = `confirm-${Math.random().toString(36).slice(2)}`;
    let answer = false;
    const cancelButton = el("button", { type: "button", class: "button" }, t("confirm.cancel"));
    const confirmButton = el("button", { type: "button", class: "button danger" }, confirm || t("confirm.ok"));
    const dialog = el(
      "dialog",
      { class: "confirm", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text` },
      el("h2", { id: `${id}-title` }, title),
      el("p", { id: `${id}-text` }, message),
      el("p", { class: "actions" }, cancelButton, confirmButton),
    );
    cancelButton.addEventListener("click", () => dialog.close());
    confirmButton.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (returnTo && typeof returnTo.focus === "function" && document.contains(returnTo)) returnTo.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancelButton.focus();
  });
}

// ---------------------------------------------------------------- sign-in

function show(id, visible) {
  const node = document.getElementById(id);
  if (node) node.hidden = !visible;
}

function setAccount(account) {
  const who = document.getElementById("who");
  if (who) who.textContent = account ? t("signedin.as", { name: account.name }) : "";
  show("signout", Boolean(account));
}

function focusApp() {
  const app = document.getElementById("app");
  const target = app?.querySelector("[data-focus]") || app?.querySelector("h1");
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
}

/** Draws the sign-in form; resolves with the account once a key of `role` signs in. */
function signInForm(role, notice) {
  return new Promise((resolve) => {
    const main = document.getElementById("signin");
    const input = el("input", {
      id: "signin-key",
      name: "key",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      "aria-describedby": "signin-help",
    });
    const error = el("p", { id: "signin-error", class: "error", role: "alert", hidden: true });
    const submit = el("button", { type: "submit", class: "button primary" });
    submit.dataset.i18n = "signin.submit";
    const form = el(
      "form",
      { class: "signin", novalidate: true },
      el("p", {}, el("label", { for: "signin-key", "data-i18n": "signin.key" }), input),
      el("p", { id: "signin-help", class: "help", "data-i18n": `signin.help.${role}` }),
      error,
      el("p", {}, submit),
    );
    const heading = el("h1", { tabindex: "-1", "data-i18n": `signin.title.${role}` });
    const intro = el("p", { class: "notice", hidden: !notice });
    const renderNotice = () => {
      if (!intro.isConnected) return;
      intro.textContent = notice ? t(notice.key, notice.vars) : "";
    };
    main.replaceChildren(heading, intro, form);
    applyLanguage(main);
    renderNotice();
    onLanguageChange(renderNotice);
    const fail = (message) => {
      error.hidden = false;
      error.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return fail(t("signin.empty"));
      submit.disabled = true;
      try {
        const { account } = await api(SESSION, { method: "POST", json: { key } });
        if (account.role !== role) {
          await api(SESSION, { method: "DELETE" }).catch(() => {});
          return fail(t(`signin.wrongRole.${role}`));
        }
        input.value = "";
        resolve(account);
      } catch (caught) {
        if (caught.status === 401) fail(t("signin.invalid"));
        else if (caught.status === 429) fail(t("signin.tooMany"));
        else fail(t("error.generic", { detail: caught.detail || caught.code }));
      } finally {
        submit.disabled = false;
      }
    });
    show("app", false);
    show("signin", true);
    setAccount(null);
    heading.focus();
  });
}

async function signedInAccount() {
  try {
    const { account } = await api(SESSION);
    return account;
  } catch (caught) {
    if (caught.status === 401) return null;
    throw caught;
  }
}

/**
 * Starts a console page: language, the language switch, the sign-out button,
 * and the sign-in form until an account of `role` is signed in. `tables` are
 * the page's own strings (`{en, fr}`), merged over the common ones. Resolves
 * with the signed-in account; a later expired session shows the form again
 * and returns to the same page state after signing in.
 */
export async function startConsole({ role, tables: own = {} }) {
  useStrings({ en: { ...commonEn, ...own.en }, fr: { ...commonFr, ...own.fr } });
  applyLanguage();
  document.getElementById("lang")?.addEventListener("click", () => setLanguage(otherLang()));
  document.getElementById("signout")?.addEventListener("click", async () => {
    try {
      await api(SESSION, { method: "DELETE" });
    } catch {
      // The cookie may already be gone; show the sign-in form regardless.
    }
    location.assign(location.pathname);
  });

  let account = null;
  try {
    account = await signedInAccount();
  } catch (caught) {
    announce(t("error.generic", { detail: caught.detail || caught.code }), "error");
  }
  let notice = null;
  if (account && account.role !== role) {
    notice = { key: `signin.otherRole.${role}`, vars: { name: account.name } };
    account = null;
  }
  if (!account) account = await signInForm(role, notice);

  let reopening = false;
  onExpired = async () => {
    if (reopening) return;
    reopening = true;
    const again = await signInForm(role, { key: "signin.expired", vars: {} });
    reopening = false;
    enter(again);
  };
  enter(account);
  return account;
}

function enter(account) {
  setAccount(account);
  show("signin", false);
  show("app", true);
  document.getElementById("signin")?.replaceChildren();
  announce(t("signedin.as", { name: account.name }), "success");
  focusApp();
}
