// Reading progress: kept locally at once, sent to the server every few seconds,
// queued while offline and replayed; a 409 means the server already holds newer.
import * as api from "./api.js";
import { storage } from "../common.js";

const PENDING = "trajet.pending";
const LAST = "trajet.last";
const DEVICE = "trajet.device";
const INTERVAL_MS = 5000;

function load(key) {
  return storage.getJson(key, {});
}

function store(key, value) {
  storage.setJson(key, value);
}

function deviceId() {
  let id = storage.get(DEVICE);
  if (!id) {
    id = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    storage.set(DEVICE, id);
  }
  return id;
}

/** A progression document for a locator, stamped now. */
export function documentFor(locator) {
  return {
    modified: new Date().toISOString(),
    device: { id: deviceId(), name: "trajet web reader" },
    locator,
  };
}

/** The newer of two progression documents (either may be null). */
export function newest(a, b) {
  if (!a) return b || null;
  if (!b) return a;
  return Date.parse(b.modified) > Date.parse(a.modified) ? b : a;
}

/** Saves progressions for all titles of the session, whatever the network does. */
export class ProgressSync {
  constructor(onSessionOver) {
    this.onSessionOver = onSessionOver;
    this.flushing = null;
    this.timer = setInterval(() => this.flush(), INTERVAL_MS);
    addEventListener("online", () => this.flush());
    addEventListener("pagehide", () => this.flush(true));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush(true);
    });
  }

  /** Records where the passenger is; sent with the next flush. */
  record(titleId, locator) {
    const doc = documentFor(locator);
    const pending = load(PENDING);
    pending[titleId] = doc;
    store(PENDING, pending);
    const last = load(LAST);
    last[titleId] = doc;
    store(LAST, last);
    return doc;
  }

  /** The newest place known on this phone for a title (sent or not). */
  local(titleId) {
    return load(LAST)[titleId] || null;
  }

  /** Number of saves waiting for the network. */
  pendingCount() {
    return Object.keys(load(PENDING)).length;
  }

  /** Sends every queued save; keeps the ones the network did not take. */
  flush(keepalive = false) {
    if (this.flushing && !keepalive) return this.flushing;
    const run = this.send(keepalive).finally(() => {
      if (this.flushing === run) this.flushing = null;
    });
    this.flushing = run;
    return run;
  }

  async send(keepalive) {
    for (const [titleId, doc] of Object.entries(load(PENDING))) {
      try {
        await api.putProgression(titleId, doc, keepalive);
      } catch (error) {
        if (api.sessionOver(error)) {
          this.forget();
          this.onSessionOver(error);
          return;
        }
        if (error.offline || error.status >= 500 || error.status === 429) return;
        // A save the server refuses for good (400: outside the excerpt) is dropped.
      }
      const pending = load(PENDING);
      if (pending[titleId]?.modified === doc.modified) delete pending[titleId];
      store(PENDING, pending);
    }
  }

  /** Forgets everything saved on this phone (the session ended). */
  forget() {
    storage.remove(PENDING);
    storage.remove(LAST);
  }
}
