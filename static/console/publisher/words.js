// Sentences the publisher console builds from API answers: why an upload was
// refused (by problem code), what an excerpt gives, what a policy says.
import { el, formatNumber, lang, plural, t } from "../console.js";

/** Problem codes with their own sentence; anything else gets a general one. */
const EXPLAINED = new Set([
  "epub-invalid-archive",
  "epub-too-large",
  "epub-invalid-package",
  "epub-drm-unsupported",
  "epub-chapter-too-large",
  "epub-chapter-too-deep",
  "epub-chapter-too-complex",
  "epub-xml-dtd-refused",
  "epub-svg-invalid",
  "epub-charset-unknown",
  "epub-charset-invalid",
  "epub-ingestion-timeout",
  "epub-missing",
  "upload-too-large",
  "unsupported-media-type",
  "invalid-multipart",
  "rate-limited",
  "csrf-rejected",
  "unauthorized",
  "internal-error",
  "network",
  "excerpt-policy-invalid",
  "title-settings-invalid",
]);

/** A sentence a publisher understands for a refused request. */
function problemSentence(problem, status) {
  const code = problem?.code || (status === 0 ? "network" : "");
  if (EXPLAINED.has(code)) return t(`problem.${code}`);
  if (status === 429) return t("problem.rate-limited");
  if (status >= 500) return t("problem.internal-error");
  return t("problem.other");
}

/**
 * The reasons of the EPUB checks the console can say in French too, with
 * what they name (file, element); any other reason is shown as the API wrote it.
 */
const REASONS = [
  [/^the package document "(.+)" named by (\S+) is not in the archive$/, "reason.noPackage"],
  [/^manifest item "(.+)" names "(.+)", which is not in the archive$/, "reason.itemMissing"],
  [/^spine item "(.+)" is not a local manifest item/, "reason.spineItem"],
  [/^the spine of (\S+) is empty$/, "reason.emptySpine"],
  [/^the navigation document (\S+) has no toc nav$/, "reason.noToc"],
  [/^entry "(.+)" appears twice/, "reason.duplicate"],
  [/^(\S+) has no <(\w+)>$/, "reason.noElement"],
  [/^(\S+) has no dc:title$/, "reason.noTitle"],
  [/^"(.+)" is not in the archive$/, "reason.notInArchive"],
  [/^(\S+) is not well-formed XML/, "reason.notWellFormed"],
  [/^the file is not a readable zip archive/, "reason.notZip"],
  [/^(\S+) has no root element$/, "reason.noRoot"],
  [/^the archive has no "mimetype" entry/, "reason.noMimetype"],
  [/^the "mimetype" entry/, "reason.mimetype"],
  [/not a zip archive|no zip end of central directory|end of central directory/i, "reason.notZip"],
];

/** The specific reason of a refusal (what the API names: a file, an element), in the console's language. */
export function problemReason(problem) {
  const detail = String(problem?.detail || "").trim();
  if (!detail || !String(problem?.code || "").startsWith("epub-")) return "";
  for (const [pattern, key] of REASONS) {
    const m = detail.match(pattern);
    if (m) return t(key, { 1: m[1], 2: m[2] });
  }
  return detail;
}

/** The whole message of a refusal: the specific reason first, then what to do. */
export function problemMessage(problem, status) {
  const reason = problemReason(problem);
  const sentence = problemSentence(problem, status);
  return reason ? t("problem.because", { reason, sentence }) : sentence;
}

/** The technical detail of a problem, folded away in a <details>. */
export function problemDetails(problem, status) {
  const lines = [];
  if (problem?.code) lines.push(el("dt", {}, t("problem.code")), el("dd", {}, el("code", {}, problem.code)));
  if (status) lines.push(el("dt", {}, t("problem.status")), el("dd", {}, String(status)));
  if (problem?.detail) lines.push(el("dt", {}, t("problem.detail")), el("dd", {}, problem.detail));
  if (!lines.length) return null;
  return el("details", { class: "technical" }, el("summary", {}, t("details")), el("dl", {}, lines));
}

/** The kind and value of a policy object such as {"percent": 10}. */
export function policyParts(policy) {
  const [kind, value] = Object.entries(policy || { percent: 10 })[0];
  return { kind, value };
}

/** "first 3 chapters", "first 10 % of the text"… */
export function policyText(policy) {
  const { kind, value } = policyParts(policy);
  return t(`policy.text.${kind}`, { n: formatNumber(value) });
}

/** A chapter as policies count it: a body item with words, or a page (the API's `contents`). */
const counted = (item) => item.role === "body" && (item.words > 0 || item.page);

/** How many pages a book has (fixed-layout or picture pages; 0 for reflowable text). */
export function bookPages(title) {
  return (title.contents || []).filter((item) => item.page).length;
}

/** How many chapters a book has, counted as policies count them. */
export function bookChapters(title) {
  return title.contents?.length ? title.contents.filter(counted).length : title.chapters;
}

/** The chapter number of spine item `index` among the counted chapters (1-based), or null. */
export function chapterNumber(contents, index) {
  if (!contents?.[index] || !counted(contents[index])) return null;
  return contents.slice(0, index + 1).filter(counted).length;
}

/**
 * What an excerpt serves, as policies count it: `chapters` counted, and
 * `extras`, the other parts it shows ("cover", "front", "back").
 */
export function excerptParts(excerpt, contents) {
  if (!contents?.length) return { chapters: excerpt.chapters.length, extras: [] };
  let chapters = 0;
  const roles = new Set();
  for (const { index } of excerpt.chapters) {
    const item = contents[index];
    if (item && counted(item)) chapters += 1;
    else if (item && item.role !== "body") roles.add(item.role);
  }
  return { chapters, extras: ["cover", "front", "back"].filter((role) => roles.has(role)) };
}

/** `counted`, then what else is served: "3 chapters, plus the cover and the front matter". */
export function withExtras(counted, extras) {
  if (!extras.length) return counted;
  const list = new Intl.ListFormat(lang(), { type: "conjunction" }).format(extras.map((role) => t(`excerpt.extra.${role}`)));
  return t("excerpt.plus", { chapters: counted, extras: list });
}

/** "3 chapters · 4,200 words · 17 min" for an excerpt summary (`contents`: the title's). */
export function excerptText(excerpt, contents) {
  if (excerpt.pages && !excerpt.words) {
    return t("excerpt.summaryPages", { pages: plural("unit.pages", excerpt.pages), minutes: formatNumber(excerpt.reading_minutes) });
  }
  return t("excerpt.summary", {
    chapters: plural("unit.chapters", excerptParts(excerpt, contents).chapters),
    words: plural("unit.words", excerpt.words),
    minutes: formatNumber(excerpt.reading_minutes),
  });
}

/** Text for search: lower case, without accents. */
export function folded(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase();
}
