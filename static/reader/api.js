// The passenger API: JSON fetches that turn problem+json answers into ApiError.
import { request } from "../common.js";

/** The passenger's session is over (trip ended, cancelled, or no session at all). */
export function sessionOver(error) {
  // 401 is always the session; a 410 or 403 is the session only when its code
  // says so (a withdrawn title is also a 410, and must not end the trip); a
  // 503 session-store-unavailable is a pause, not an end.
  const gone = error?.status === 410 || error?.status === 403;
  return error?.status === 401 || (gone && /^(trip|session)-/.test(error.code));
}

/** GET a JSON document; null for 204. */
export async function getJson(path) {
  return (await getAnswer(path)).data;
}

/** GET a JSON document (null for 204) with a copy of the answer, to keep on the phone. */
export async function getAnswer(path) {
  const response = await request(path, { headers: { Accept: "application/json" } });
  const answer = response.clone();
  return { data: response.status === 204 ? null : await response.json(), answer };
}

/** The trip summary of this session. */
export const session = () => getJson("/api/v1/session");
/** Where the titles offered on this trip (and the trip itself) are asked. */
export const CATALOG = "/api/v1/catalog";
/** The titles offered on this trip, with the trip summary, and the answer to keep. */
export const catalog = () => getAnswer(CATALOG);
/** Base URL of a title's passenger routes. */
export const titleBase = (id) => `/api/v1/titles/${encodeURIComponent(id)}/`;
/** The title's Readium manifest of the excerpt, and the answer to keep. */
export const manifest = (id) => getAnswer(titleBase(id) + "manifest");
/** The title's Readium positions list, and the answer to keep. */
export const positions = (id) => getAnswer(titleBase(id) + "positions");
/** The saved progression, or null. */
export const progression = (id) => getJson(titleBase(id) + "progression");

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
