// What the reader keeps on the phone for tunnels, from the very first visit.
//
// The service worker keeps the session's answers once it controls the page,
// but on a first visit the page loads before the worker exists: its first
// answers (trip, catalog, the opened book's manifest) would be missing in the
// next tunnel. So the page stores those itself while no worker controls it,
// and asks the worker (once it is active, not only once it controls the page)
// to fetch the rest; chapters already fetched come from the HTTP cache.

/** The cache the service worker and the page share for the session's content. */
export const CONTENT = "trajet-content";

let purging = Promise.resolve();

/** Deletes the session's content from the phone (a new session, or the end of the trip). */
export function purge() {
  navigator.serviceWorker?.controller?.postMessage({ type: "purge" });
  if (!("caches" in window)) return purging;
  purging = caches
    .keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CONTENT)).map((k) => caches.delete(k))))
    .catch(() => {});
  return purging;
}

/** Keeps an API answer for tunnels when no service worker does it (first visit). */
export async function keep(path, response) {
  if (navigator.serviceWorker?.controller || !("caches" in window) || response.status !== 200) return;
  const copy = response.clone();
  await purging;
  try {
    await (await caches.open(CONTENT)).put(path, copy);
  } catch {
    // A full or private-mode storage: the phone will need the network.
  }
}

/** Sends a message to the service worker as soon as it is active (on a first
 * visit it does not control the page yet, but it already works). */
export function tell(message) {
  navigator.serviceWorker?.ready.then((registration) => registration.active?.postMessage(message));
}

/** Asks the service worker to keep these URLs on the phone. */
export function prefetch(urls) {
  if (urls.length) tell({ type: "prefetch", urls });
}

/** The titles (catalog entries) whose manifest and every chapter of the excerpt are on the phone. */
export async function onPhone(entries) {
  if (!("caches" in window) || !(await caches.has(CONTENT))) return [];
  const cache = await caches.open(CONTENT);
  const kept = await Promise.all(entries.map((entry) => complete(cache, entry)));
  return entries.filter((_, i) => kept[i]);
}

async function complete(cache, entry) {
  if (!entry.manifest) return false;
  const manifestUrl = new URL(entry.manifest, location.origin);
  const stored = await cache.match(manifestUrl.href, { ignoreVary: true });
  if (!stored) return false;
  try {
    const manifest = await stored.json();
    const chapters = (manifest.readingOrder || []).map((item) => new URL(item.href, manifestUrl).href);
    const found = await Promise.all(chapters.map((url) => cache.match(url, { ignoreVary: true })));
    return chapters.length > 0 && found.every(Boolean);
  } catch {
    return false;
  }
}
