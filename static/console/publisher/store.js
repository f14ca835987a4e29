// The publisher's titles as the console last saw them, with change listeners
// so the table, the panel and the reports stay in step.

const titles = new Map();
const listeners = [];

/** Calls `callback()` after any change to the titles. */
export function onTitlesChange(callback) {
  listeners.push(callback);
}

function changed() {
  for (const callback of listeners) callback();
}

/** Replaces every title (after loading the list). */
export function setTitles(list) {
  titles.clear();
  for (const title of list) titles.set(title.id, title);
  changed();
}

/** Adds or updates one title (after an upload or a change). */
export function putTitle(title) {
  titles.set(title.id, title);
  changed();
}

/** Forgets a deleted title. */
export function removeTitle(id) {
  titles.delete(id);
  changed();
}

/** One title by id, or undefined. */
export function getTitle(id) {
  return titles.get(id);
}

/** Every title, in no particular order. */
export function allTitles() {
  return [...titles.values()];
}
