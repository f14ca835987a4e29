// The books started on this phone, kept from one trip to the next (on the
// phone only, no account): a later scan offers "continue where you left off"
// for the ones its catalog offers, at the place the passenger stopped.
import { storage } from "../common.js";

const KEY = "trajet.shelf";
/** Books kept; the oldest go first. */
const KEPT = 20;

function all() {
  const shelf = storage.getJson(KEY, {});
  return shelf && typeof shelf === "object" ? shelf : {};
}

/** Remembers where the passenger is in a book (`where` of the reader) and the progression document saved there. */
export function remember(where, progression) {
  const shelf = all();
  shelf[where.id] = { ...where, progression, at: Date.now() };
  const oldest = Object.keys(shelf).sort((a, b) => shelf[b].at - shelf[a].at).slice(KEPT);
  oldest.forEach((id) => delete shelf[id]);
  storage.setJson(KEY, shelf);
}

/** The progression document kept for a title, or null. */
export function progression(id) {
  return all()[id]?.progression || null;
}

/** The books of `entries` (a catalog) started on this phone, the latest first. */
export function started(entries) {
  const shelf = all();
  return entries
    .filter((entry) => shelf[entry.id])
    .map((entry) => ({ ...shelf[entry.id], title: entry.title }))
    .sort((a, b) => b.at - a.at);
}
