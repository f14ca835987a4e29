// Collections per line: which publishers' collections passengers are
// offered on each line. Until an operator chooses, every live title is
// offered on every line; choosing narrows one line; resetting widens it again.

import { api, el, t, announce, confirmAction, describeError, errorBox } from "../console.js";

const $ = (id) => document.getElementById(id);

let data = null;
let failure = null;
let editing = null;

const linePath = (line) => `/api/v1/operator/lines/${encodeURIComponent(line)}/collections`;

export async function show() {
  if (!data) $("lines-list").replaceChildren(el("p", { class: "help" }, t("loading")));
  await load();
}

async function load() {
  try {
    data = await api("/api/v1/operator/lines");
    failure = null;
  } catch (error) {
    failure = error;
  }
  render();
}

export function render() {
  const holder = $("lines-list");
  if (failure && !data) {
    holder.replaceChildren(errorBox(failure));
    return;
  }
  if (!data) return;
  const names = data.lines.map((l) => l.line);
  if (editing && !names.includes(editing)) names.push(editing);
  holder.replaceChildren(
    names.length ? el("ul", { class: "lines", id: "lines" }, names.map((name) => lineCard(name))) : el("p", {}, t("lines.none")),
    otherLine(),
  );
}

function choiceOf(line) {
  return data.lines.find((l) => l.line === line)?.collections ?? null;
}

function publisherName(id) {
  return data.publishers.find((p) => p.id === id)?.name || id;
}

function describeChoice(choice) {
  if (choice === null) return el("p", { class: "offer-all" }, t("lines.all"));
  if (!choice.length) return el("p", { class: "offer-none" }, t("lines.nothing"));
  return el(
    "ul",
    { class: "offer-list" },
    choice.map((entry) =>
      el(
        "li",
        {},
        entry.collection
          ? t("lines.entry.collection", { publisher: publisherName(entry.publisher), collection: entry.collection })
          : t("lines.entry.all", { publisher: publisherName(entry.publisher) }),
      ),
    ),
  );
}

function lineCard(line) {
  const choice = choiceOf(line);
  const slug = `line-${[...line].map((c) => c.codePointAt(0).toString(16)).join("")}`;
  const open = editing === line;
  const toggle = el(
    "button",
    {
      type: "button",
      class: "button",
      "aria-expanded": String(open),
      "aria-controls": `${slug}-editor`,
      onclick: () => {
        editing = open ? null : line;
        render();
        document.querySelector(`#${slug} ${open ? "button" : "input"}`)?.focus();
      },
    },
    open ? t("lines.close") : t("lines.choose"),
  );
  return el(
    "li",
    { class: "card line", id: slug, dataset: { line } },
    el("h2", {}, line),
    describeChoice(choice),
    el("p", {}, toggle),
    open ? editor(line, choice, slug) : "",
  );
}

function editor(line, choice, slug) {
  if (!data.publishers.length) {
    return el("div", { id: `${slug}-editor` }, el("p", { class: "help" }, t("lines.noPublishers")));
  }
  const has = (publisher, collection) =>
    (choice || []).some((e) => e.publisher === publisher && (e.collection ?? null) === (collection ?? null));
  const groups = data.publishers.map((p, i) =>
    el(
      "fieldset",
      { class: "publisher" },
      el("legend", {}, p.name),
      el(
        "label",
        { class: "check" },
        el("input", { type: "checkbox", name: "entry", value: JSON.stringify({ publisher: p.id }), checked: has(p.id, null), id: `${slug}-p${i}` }),
        ` ${t("lines.allOf", { publisher: p.name })}`,
      ),
      p.collections.length
        ? p.collections.map((c) =>
            el(
              "label",
              { class: "check" },
              el("input", { type: "checkbox", name: "entry", value: JSON.stringify({ publisher: p.id, collection: c }), checked: has(p.id, c) }),
              ` ${t("lines.collection", { collection: c })}`,
            ),
          )
        : el("p", { class: "help" }, t("lines.noCollections")),
    ),
  );
  const save = el("button", { type: "submit", class: "button primary" }, t("save"));
  const reset =
    choice !== null
      ? el("button", { type: "button", class: "button danger", onclick: () => resetLine(line) }, t("lines.reset"))
      : "";
  const form = el(
    "form",
    { id: `${slug}-editor`, class: "line-editor", novalidate: true },
    el("p", { class: "help" }, t("lines.editorHelp")),
    groups,
    el("p", { class: "actions" }, save, reset),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const entries = [...form.querySelectorAll('input[name="entry"]:checked')].map((i) => JSON.parse(i.value));
    const whole = new Set(entries.filter((e) => !e.collection).map((e) => e.publisher));
    const collections = entries.filter((e) => !e.collection || !whole.has(e.publisher));
    if (!collections.length) {
      const ok = await confirmAction({
        title: t("lines.empty.title", { line }),
        message: t("lines.empty.message"),
        confirm: t("lines.empty.ok"),
      });
      if (!ok) return;
    }
    save.disabled = true;
    try {
      await api(linePath(line), { method: "PUT", json: { collections } });
      editing = null;
      await load();
      announce(t("lines.saved", { line }), "success");
    } catch (error) {
      save.disabled = false;
      announce(describeError(error), "error");
    }
  });
  return form;
}

async function resetLine(line) {
  const ok = await confirmAction({
    title: t("lines.reset.title", { line }),
    message: t("lines.reset.message"),
    confirm: t("lines.reset.ok"),
  });
  if (!ok) return;
  try {
    await api(linePath(line), { method: "DELETE" });
    editing = null;
    await load();
    announce(t("lines.resetDone", { line }), "success");
  } catch (error) {
    announce(describeError(error), "error");
  }
}

/** A line that no trip around today names yet (a feed for later dates). */
function otherLine() {
  const input = el("input", { type: "text", id: "other-line", autocomplete: "off" });
  const form = el(
    "form",
    { class: "inline other-line", novalidate: true },
    el("p", {}, el("label", { for: "other-line" }, t("lines.other")), input),
    el("p", {}, el("button", { type: "submit", class: "button" }, t("lines.choose"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) return input.focus();
    editing = name;
    render();
    document.querySelector(`[data-line="${CSS.escape(name)}"] input`)?.focus();
  });
  return el("section", { class: "card", "aria-labelledby": "other-line-title" }, el("h2", { id: "other-line-title" }, t("lines.otherTitle")), form);
}
