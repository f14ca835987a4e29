// Table of contents: links for the excerpt, locked entries shown but not followable.
import { t } from "../common.js";

/** Is this TOC entry outside the excerpt? */
export function isLocked(entry) {
  return !entry.href || entry.properties?.locked === true;
}

/** Renders `toc` (manifest.toc) into the list; `onJump(href)` follows an entry. */
export function render(list, toc, isCurrent, onJump) {
  list.replaceChildren(...(toc || []).map((entry) => item(entry, isCurrent, onJump)));
}

function item(entry, isCurrent, onJump) {
  const li = document.createElement("li");
  const title = entry.title || entry.href || "…";
  if (isLocked(entry)) {
    li.className = "locked";
    const span = document.createElement("span");
    span.className = "toc-locked";
    span.textContent = title;
    span.dir = "auto";
    const badge = document.createElement("span");
    badge.className = "lock";
    badge.textContent = t("toc.locked");
    span.append(" ", badge);
    li.append(span);
  } else {
    const a = document.createElement("a");
    a.href = "#";
    a.textContent = title;
    a.dir = "auto";
    if (isCurrent(entry.href)) a.setAttribute("aria-current", "location");
    a.addEventListener("click", (event) => {
      event.preventDefault();
      onJump(entry.href);
    });
    li.append(a);
  }
  if (entry.children?.length) {
    const ol = document.createElement("ol");
    ol.append(...entry.children.map((child) => item(child, isCurrent, onJump)));
    li.append(ol);
  }
  return li;
}
