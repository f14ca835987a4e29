// trajet's service worker: keeps the reader's app shell on the phone, keeps the
// open excerpt's chapters for tunnels, and deletes a session's content when it ends.
"use strict";

const SHELL = "trajet-shell-v4";
const CONTENT = "trajet-content";
const EXPIRY_KEY = "/__trajet/session-expiry";
// Session answers that mean the content may no longer be shown.
const SESSION_OVER = ["trip-ended", "trip-cancelled", "session-required", "session-expired"];
const NETWORK_WAIT_MS = 4000;

// The page has just fetched these files, and the server lets the HTTP cache
// keep them a few minutes: the install takes them from there, so a first
// visit on a slow network downloads the app once, not twice.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then(async (cache) => cache.addAll(["/read", ...(await shellFiles())]))
      .then(() => self.skipWaiting()),
  );
});

/** The app's files: what the reader page links as its stylesheet, icon and modules (one list, in read.html). */
async function shellFiles() {
  const page = await (await fetch("/read")).text();
  const files = [];
  // Only files: an icon written into the page as a data: URL is no request.
  for (const link of page.matchAll(/<link\s+rel="(?:modulepreload|stylesheet|icon)"\s+href="(\/[^"]*)"/g)) files.push(link[1]);
  return files;
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("trajet-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "purge") event.waitUntil(purge());
  if (data.type === "session" && data.expiresAt) event.waitUntil(rememberExpiry(data.expiresAt));
  if (data.type === "prefetch" && Array.isArray(data.urls)) event.waitUntil(prefetch(data.urls));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/read" || url.pathname === "/static/common.js" || url.pathname.startsWith("/static/reader/")) {
    event.respondWith(shell(event, request));
    return;
  }
  const kind = contentKind(url.pathname);
  if (kind) event.respondWith(content(request, kind));
});

/** Which API answers are kept for the session, and how they are served. */
function contentKind(path) {
  if (!path.startsWith("/api/v1/")) return null;
  if (/^\/api\/v1\/titles\/[^/]+\/(chapters|resources)\//.test(path)) return "immutable";
  if (/^\/api\/v1\/titles\/[^/]+\/(manifest|positions|cover)$/.test(path)) return "fresh";
  if (/^\/api\/v1\/titles\/[^/]+\/cover\//.test(path)) return "immutable";
  if (path === "/api/v1/catalog" || path === "/api/v1/session") return "fresh";
  return null;
}

/** App shell: from the cache at once (tunnels), refreshed in the background. */
async function shell(event, request) {
  const cache = await caches.open(SHELL);
  const key = new URL(request.url).pathname === "/read" ? "/read" : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok) return cache.put(key, response.clone()).then(() => response);
      return response;
    });
  if (cached) {
    event.waitUntil(refresh.catch(() => {}));
    return cached;
  }
  return refresh;
}

/** Session content: chapters and resources cache-first; manifests and trip data network-first. */
async function content(request, kind) {
  if (await expired()) {
    await purge();
    return problem(410, "trip-ended", "This trip has ended.");
  }
  const cache = await caches.open(CONTENT);
  const cached = await cache.match(request, { ignoreVary: true, ignoreSearch: false });
  if (cached && kind === "immutable") return cached;
  try {
    const response = await withTimeout(fetch(request), cached ? NETWORK_WAIT_MS : 0);
    await inspect(response.clone());
    if (response.ok && response.status === 200) await cache.put(request, response.clone());
    return response;
  } catch {
    if (cached) return adjust(request, cached);
    return problem(503, "offline", "You are offline and this part is not on the phone yet.");
  }
}

function withTimeout(promise, ms) {
  if (!ms) return promise;
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("slow network")), ms))]);
}

/** A cached session summary or catalog tells the time left now, not when it was cached. */
async function adjust(request, cached) {
  const path = new URL(request.url).pathname;
  if (path !== "/api/v1/session" && path !== "/api/v1/catalog") return cached;
  try {
    const summary = await cached.clone().json();
    const left = Math.max(0, Math.round((Date.parse(summary.expires_at) - Date.now()) / 1000));
    summary.seconds_left = left;
    return new Response(JSON.stringify(summary), { headers: { "Content-Type": "application/json" } });
  } catch {
    return cached;
  }
}

/** A session-ending answer from the server wipes the session's content. */
async function inspect(response) {
  if (response.status !== 401 && response.status !== 410) return;
  let code = "";
  try {
    code = (await response.json()).code || "";
  } catch {
    code = "";
  }
  if (response.status === 401 || SESSION_OVER.includes(code)) await purge();
}

async function prefetch(urls) {
  const cache = await caches.open(CONTENT);
  const queue = urls.filter((u) => new URL(u, self.location.origin).origin === self.location.origin);
  const worker = async () => {
    for (let url = queue.shift(); url; url = queue.shift()) {
      if (await cache.match(url, { ignoreVary: true })) continue;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        await inspect(response.clone());
        if (response.status === 200) await cache.put(url, response);
      } catch {
        return; // offline: the rest waits for the next chapter turn
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

async function rememberExpiry(expiresAt) {
  const cache = await caches.open(CONTENT);
  await cache.put(EXPIRY_KEY, new Response(String(expiresAt)));
}

async function expired() {
  const cache = await caches.open(CONTENT);
  const entry = await cache.match(EXPIRY_KEY);
  if (!entry) return false;
  const at = Date.parse(await entry.text());
  return Number.isFinite(at) && Date.now() > at;
}

async function purge() {
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith(CONTENT)).map((k) => caches.delete(k)));
}

function problem(status, code, detail) {
  const body = { type: "about:blank", title: detail, status, detail, code };
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json" } });
}
