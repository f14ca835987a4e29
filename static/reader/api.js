// The passenger API: JSON fetches that turn problem+json answers into ApiError.

/** An answer that is not a success: HTTP status and the problem's machine code. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || (status === 0 ? "network" : `http-${status}`);
    this.problem = problem || {};
  }

  /** The session is over (trip ended, cancelled, or no session at all). */
  get sessionOver() {
    // 401 is always the session; a 410 is the session only when its code says so
    // (a withdrawn title is also a 410, and must not end the trip); a 503
    // session-store-unavailable is a pause, not an end.
    const gone = this.status === 410 || this.status === 403;
    return this.status === 401 || (gone && /^(trip|session)-/.test(this.code));
  }

  /** No answer reached us (tunnel, flight mode). */
  get offline() {
    return this.status === 0;
  }
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Sends a request; resolves to the Response when 2xx (or 304), throws ApiError otherwise. */
export async function request(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok && response.status !== 304) {
    throw new ApiError(response.status, await problemOf(response));
  }
  return response;
}

/** GET a JSON document; null for 204. */
export async function getJson(path) {
  const response = await request(path, { headers: { Accept: "application/json" } });
  if (response.status === 204) return null;
  return response.json();
}

/** The trip summary of this session. */
export const session = () => getJson("/api/v1/session");
/** The titles offered on this trip. */
export const catalog = () => getJson("/api/v1/catalog");
/** Base URL of a title's passenger routes. */
export const titleBase = (id) => `/api/v1/titles/${encodeURIComponent(id)}/`;
/** The title's Readium manifest of the excerpt. */
export const manifest = (id) => getJson(titleBase(id) + "manifest");
/** The title's Readium positions list. */
export const positions = (id) => getJson(titleBase(id) + "positions");
/** The saved progression, or null. */
export const progression = (id) => getJson(titleBase(id) + "progression");
/** Where the offer link of a title points (the server records the click, then redirects). */
export const offerUrl = (id) => titleBase(id) + "offer";

/** Saves a progression; resolves to "saved" or "stale" (409: the server holds a newer one). */
export async function putProgression(id, doc, keepalive = false) {
  try {
    await request(titleBase(id) + "progression", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(doc),
      keepalive,
    });
    return "saved";
  } catch (error) {
    if (error.status === 409) return "stale";
    throw error;
  }
}
