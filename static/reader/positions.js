// Page numbers from the Readium positions list: pure functions, no DOM.

/**
 * Where `progression` (0–1) inside a chapter falls in the positions list.
 * `inChapter(position)` says which entries belong to the chapter. Returns
 * {n, total, position, totalProgression}, or null when the list has none.
 */
export function locate(positions, inChapter, progression) {
  const mine = positions.filter(inChapter);
  if (!mine.length) return null;
  let entry = mine[0];
  for (const pos of mine) if ((pos.locations?.progression ?? 0) <= progression + 1e-6) entry = pos;
  const total = positions.length;
  const last = mine.at(-1).locations.position;
  const next = positions.find((pos) => pos.locations.position === last + 1);
  const start = mine[0].locations.totalProgression ?? (mine[0].locations.position - 1) / total;
  const end = next?.locations.totalProgression ?? 1;
  const position = entry.locations.position;
  return { n: position, total, position, totalProgression: Math.min(1, start + progression * (end - start)) };
}

/**
 * Page numbers that follow the screen: the open chapter's screens counted
 * exactly, the other chapters estimated from their share of the positions list
 * at this chapter's screens per position. `counts[i]` is the number of
 * positions of chapter i; `screen` is {index, count} in the open chapter.
 * Each turn inside a chapter moves n by one, and the last screen of the last
 * chapter is n = total.
 */
export function pageNumbers(counts, index, screen) {
  const sum = (list) => list.reduce((a, b) => a + b, 0);
  const here = counts[index] || 0;
  const perPosition = here ? screen.count / here : 0;
  const before = Math.round(sum(counts.slice(0, index)) * perPosition);
  const after = Math.round(sum(counts.slice(index + 1)) * perPosition);
  return { n: before + screen.index + 1, total: before + screen.count + after };
}
