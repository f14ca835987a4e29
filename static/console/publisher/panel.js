// One title's panel: the excerpt policy editor with a live preview of what
// passengers will get, the offer link and collections, live/withdrawn, a new
// version of the EPUB, and deletion.
import {
  announce,
  api,
  confirmAction,
  describeError,
  el,
  formatDateTime,
  formatNumber,
  onLanguageChange,
  redrawKeepingInput,
  t,
  upload,
} from "../console.js";
import { getTitle, putTitle, removeTitle } from "./store.js";
import {
  bookChapters,
  bookPages,
  chapterNumber,
  excerptParts,
  excerptText,
  policyParts,
  policyText,
  problemDetails,
  problemMessage,
  withExtras,
} from "./words.js";

const KINDS = [
  { kind: "chapters", max: 100000 },
  { kind: "percent", max: 100 },
  { kind: "words", max: 100000000 },
  { kind: "characters", max: 1000000000 },
  { kind: "pages", max: 1000000 },
];
const PREVIEW_DELAY_MS = 350;

/** The open panel: its title id, where focus returns, the policy being edited and its preview. */
let open = null;

function base(id) {
  return `/api/v1/publisher/titles/${encodeURIComponent(id)}`;
}

/** Wires redrawing on language change, keeping what was typed and not saved. */
export function setupPanel() {
  onLanguageChange(() => open && redrawKeepingInput(document.getElementById("panel"), render));
}

/** Opens the panel of a title; focus goes to its heading and returns to `returnTo` on close. */
export function openPanel(id, returnTo) {
  const title = getTitle(id);
  if (!title) return;
  open = { id, returnTo, draft: policyParts(title.excerpt.policy), preview: null, previewError: null, seq: 0 };
  render();
  const panel = document.getElementById("panel");
  panel.hidden = false;
  panel.scrollIntoView({ block: "start" });
  document.getElementById("panel-title").focus();
  requestPreview(0);
}

function closePanel() {
  const panel = document.getElementById("panel");
  panel.hidden = true;
  panel.replaceChildren();
  const id = open?.id;
  open = null;
  const button = document.querySelector(`#titles-body tr[data-id="${id}"] button.manage`);
  (button || document.getElementById("titles-title")).focus();
}

/** Redraws the whole panel, keeping focus on the element that had it. */
function render() {
  const title = getTitle(open.id);
  if (!title) return closePanel();
  const focused = document.activeElement?.id;
  const panel = document.getElementById("panel");
  panel.replaceChildren(
    el(
      "div",
      { class: "panel-head" },
      el("h2", { id: "panel-title", tabindex: "-1", dir: "auto", lang: title.language || null }, title.title),
      el("button", { type: "button", class: "button", id: "panel-close", onclick: closePanel }, t("close")),
    ),
    facts(title),
    policyForm(title),
    settingsForm(title),
    liveSection(title),
    replaceSection(title),
    deleteSection(title),
  );
  renderPreview();
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

function facts(title) {
  const item = (label, value) => [el("dt", {}, t(label)), el("dd", {}, value)];
  return el(
    "dl",
    { class: "facts" },
    item("panel.authors", title.authors.join(", ") || "—"),
    item("panel.language", title.language || "—"),
    item("panel.chapters", formatNumber(bookChapters(title))),
    item("panel.excerpt", `${policyText(title.excerpt.policy)} · ${excerptText(title.excerpt, title.contents)}`),
    item("panel.updated", formatDateTime(title.updated_at)),
    item("panel.id", el("code", {}, title.id)),
  );
}

// ---------------------------------------------------------------- policy

function policyForm(title) {
  const radios = KINDS.map(({ kind }) =>
    el(
      "label",
      { class: "choice" },
      el("input", {
        type: "radio",
        name: "policy-kind",
        id: `policy-kind-${kind}`,
        value: kind,
        checked: open.draft.kind === kind,
        onchange: () => {
          open.draft.kind = kind;
          const input = document.getElementById("policy-value");
          input.max = String(KINDS.find((k) => k.kind === kind).max);
          document.getElementById("policy-value-label").textContent = t(`policy.value.${kind}`);
          document.getElementById("policy-help").textContent = t(`policy.help.${kind}`);
          requestPreview();
        },
      }),
      " ",
      t(`policy.kind.${kind}`),
    ),
  );
  const value = el("input", {
    type: "number",
    id: "policy-value",
    min: "1",
    max: String(KINDS.find((k) => k.kind === open.draft.kind).max),
    step: "1",
    inputmode: "numeric",
    required: true,
    value: String(open.draft.value),
    "aria-describedby": "policy-help",
    oninput: (event) => {
      open.draft.value = event.currentTarget.value;
      requestPreview();
    },
  });
  return el(
    "form",
    { id: "policy-form", class: "block", novalidate: true, onsubmit: savePolicy },
    el("h3", {}, t("policy.title")),
    el("p", { class: "help" }, t("policy.intro")),
    el("fieldset", {}, el("legend", {}, t("policy.kind")), radios),
    el(
      "p",
      {},
      el("label", { for: "policy-value", id: "policy-value-label" }, t(`policy.value.${open.draft.kind}`)),
      value,
    ),
    el("p", { id: "policy-help", class: "help" }, t(`policy.help.${open.draft.kind}`)),
    el("div", { id: "policy-preview", class: "preview", "aria-live": "polite", "aria-atomic": "true" }),
    el("p", { class: "actions" }, el("button", { type: "submit", class: "button primary", id: "policy-save" }, t("policy.save"))),
  );
}

function draftPolicy() {
  const n = Number(open.draft.value);
  if (!Number.isInteger(n) || n < 1) return null;
  return { [open.draft.kind]: n };
}

function samePolicy(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

let timer = null;

/** Asks the server what the draft policy gives, after the person stops typing. */
function requestPreview(delay = PREVIEW_DELAY_MS) {
  clearTimeout(timer);
  timer = setTimeout(runPreview, delay);
}

async function runPreview() {
  if (!open) return;
  const seq = ++open.seq;
  const id = open.id;
  const policy = draftPolicy();
  if (!policy) {
    open.preview = null;
    open.previewError = { message: t("policy.invalid.number") };
    return renderPreview();
  }
  open.pending = true;
  renderPreview();
  try {
    const preview = await api(`${base(id)}/excerpt/preview`, { method: "POST", json: { excerpt: policy } });
    if (!open || open.id !== id || seq !== open.seq) return;
    open.preview = { policy, ...preview };
    open.previewError = null;
  } catch (error) {
    if (!open || open.id !== id || seq !== open.seq) return;
    open.preview = null;
    open.previewError = error.status === 422 ? { problem: error.problem, status: 422 } : { message: describeError(error) };
  }
  open.pending = false;
  renderPreview();
}

function renderPreview() {
  const box = document.getElementById("policy-preview");
  if (!box || !open) return;
  const title = getTitle(open.id);
  if (open.previewError) {
    const { problem, status, message } = open.previewError;
    box.dataset.state = "error";
    const parts = [el("p", { class: "error" }, message || problemMessage(problem, status))];
    if (problem) parts.push(problemDetails(problem, status));
    box.replaceChildren(...parts.filter(Boolean));
    return;
  }
  const preview = open.preview;
  if (!preview) {
    box.dataset.state = "pending";
    box.replaceChildren(el("p", { class: "help" }, t("policy.preview.loading")));
    return;
  }
  box.dataset.state = open.pending ? "pending" : "ready";
  box.dataset.policy = JSON.stringify(preview.policy);
  const { excerpt, cut } = preview;
  const served = excerptParts(excerpt, title.contents);
  const number = cut ? chapterNumber(title.contents, cut.chapter) : null;
  const stat = (key, label, value) => [el("dt", {}, t(label)), el("dd", { dataset: { preview: key } }, value)];
  const where = cut
    ? t("policy.preview.cut", {
        chapter: cut.chapter_title || t("policy.preview.untitled", { n: formatNumber(number ?? cut.chapter + 1) }),
        kept: formatNumber(cut.blocks_kept),
        total: formatNumber(cut.blocks_total),
      })
    : t("policy.preview.end", { chapter: preview.last_chapter_title || "—" });
  const unsaved = !samePolicy(preview.policy, title.excerpt.policy);
  const parts = [
    el("h4", {}, t("policy.preview.title")),
    el(
      "dl",
      { class: "stats" },
      stat("chapters", "policy.preview.chapters", withExtras(
        t("policy.preview.chaptersOf", { n: formatNumber(served.chapters), total: formatNumber(bookChapters(title)) }),
        served.extras,
      )),
      excerpt.pages || bookPages(title) ? stat("pages", "policy.preview.pages", t("policy.preview.chaptersOf", { n: formatNumber(excerpt.pages || 0), total: formatNumber(bookPages(title)) })) : null,
      stat("words", "policy.preview.words", formatNumber(excerpt.words)),
      stat("minutes", "policy.preview.minutes", t("policy.preview.minutesValue", { n: formatNumber(excerpt.reading_minutes) })),
    ),
    el("p", { dataset: { preview: "cut" } }, excerpt.chapters.length ? where : t("policy.preview.nothing")),
    excerpt.complete ? el("p", { class: "notice" }, t("policy.preview.complete")) : null,
    preview.last_paragraph
      ? el(
          "figure",
          { class: "last-paragraph" },
          el("figcaption", {}, t("policy.preview.lastParagraph")),
          el("blockquote", { dir: "auto", lang: title.language || null, dataset: { preview: "paragraph" } }, preview.last_paragraph),
        )
      : null,
    el("p", { class: unsaved ? "unsaved" : "help" }, unsaved ? t("policy.preview.unsaved") : t("policy.preview.saved")),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

async function savePolicy(event) {
  event.preventDefault();
  const policy = draftPolicy();
  if (!policy) {
    announce(t("policy.invalid.number"), "error");
    document.getElementById("policy-value").focus();
    return;
  }
  await change({ excerpt: policy }, (title) => t("policy.saved", { title: title.title, excerpt: excerptText(title.excerpt, title.contents) }));
}

/** PATCHes the open title; announces `message(title)` or the reason it failed. */
async function change(patch, message) {
  const id = open.id;
  try {
    const title = await api(base(id), { method: "PATCH", json: patch });
    putTitle(title);
    if (open?.id === id) {
      open.draft = policyParts(title.excerpt.policy);
      render();
      renderPreview();
    }
    announce(message(title), "success");
    return true;
  } catch (error) {
    announce(error.status === 422 ? problemMessage(error.problem, 422) : describeError(error), "error");
    return false;
  }
}

// ---------------------------------------------------------------- offer, collections

function settingsForm(title) {
  const offer = el("input", {
    type: "url",
    id: "offer-url",
    value: title.offer_url || "",
    placeholder: "https://",
    "aria-describedby": "offer-help",
    autocomplete: "off",
  });
  const collections = el("input", {
    type: "text",
    id: "collections",
    value: (title.collections || []).join(", "),
    "aria-describedby": "collections-help",
    autocomplete: "off",
  });
  const test = title.offer_url
    ? el("a", { href: title.offer_url, target: "_blank", rel: "noopener noreferrer" }, t("offer.test"))
    : null;
  return el(
    "form",
    {
      id: "settings-form",
      class: "block",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const names = collections.value.split(",").map((s) => s.trim()).filter(Boolean);
        const url = offer.value.trim();
        await change({ offer_url: url || null, collections: names }, (x) => t("settings.saved", { title: x.title }));
      },
    },
    el("h3", {}, t("settings.title")),
    el("p", {}, el("label", { for: "offer-url" }, t("offer.label")), offer),
    el("p", { id: "offer-help", class: "help" }, t("offer.help"), " ", test),
    el("p", {}, el("label", { for: "collections" }, t("collections.label")), collections),
    el("p", { id: "collections-help", class: "help" }, t("collections.help")),
    el("p", { class: "actions" }, el("button", { type: "submit", class: "button primary", id: "settings-save" }, t("settings.save"))),
  );
}

// ---------------------------------------------------------------- live / withdrawn

function liveSection(title) {
  const status = title.live
    ? el("span", { class: "pill ok", id: "panel-status" }, t("status.live"))
    : el("span", { class: "pill muted", id: "panel-status" }, t("status.withdrawn"));
  const toggle = el(
    "button",
    {
      type: "button",
      id: "toggle-live",
      class: title.live ? "button danger" : "button primary",
      onclick: async () => {
        const withdrawing = title.live;
        const ok = await confirmAction(
          withdrawing
            ? { title: t("live.withdraw.title", { title: title.title }), message: t("live.withdraw.message"), confirm: t("live.withdraw.confirm") }
            : { title: t("live.restore.title", { title: title.title }), message: t("live.restore.message"), confirm: t("live.restore.confirm") },
        );
        if (!ok) return;
        await change({ live: !withdrawing }, (x) => t(withdrawing ? "live.withdrawn" : "live.restored", { title: x.title }));
      },
    },
    title.live ? t("live.withdraw") : t("live.restore"),
  );
  return el(
    "section",
    { class: "block", "aria-labelledby": "live-title" },
    el("h3", { id: "live-title" }, t("live.title")),
    el("p", {}, t("live.status"), " ", status),
    el("p", { class: "help" }, title.live ? t("live.help.live") : t("live.help.withdrawn")),
    el("p", {}, toggle),
  );
}

// ---------------------------------------------------------------- new version

function replaceSection(title) {
  const input = el("input", { type: "file", id: "replace-file", accept: ".epub,application/epub+zip", hidden: true });
  const progress = el("progress", { id: "replace-progress", max: "1", value: "0", hidden: true, "aria-label": t("replace.progress") });
  const result = el("div", { id: "replace-result" });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    const id = title.id;
    progress.hidden = false;
    progress.value = 0;
    result.replaceChildren(el("p", {}, t("replace.sending", { file: file.name })));
    try {
      const answer = await upload(`${base(id)}/epub`, file, {
        method: "PUT",
        onProgress: (fraction) => {
          if (fraction >= 1) {
            progress.removeAttribute("value");
            result.replaceChildren(el("p", {}, t("upload.checking")));
          } else {
            progress.value = fraction;
          }
        },
      });
      progress.hidden = true;
      if (answer.status === 200 && answer.body?.id) {
        putTitle(answer.body);
        announce(t("replace.done", { title: answer.body.title, excerpt: excerptText(answer.body.excerpt, answer.body.contents) }), "success");
        if (open?.id === id) {
          open.draft = policyParts(answer.body.excerpt.policy);
          render();
          requestPreview(0);
          document.getElementById("replace-pick")?.focus();
        }
      } else {
        const problem = typeof answer.body === "object" && answer.body ? answer.body : {};
        result.replaceChildren(
          el("p", { class: "error" }, t("replace.refused"), " ", problemMessage(problem, answer.status)),
          problemDetails(problem, answer.status),
        );
        announce(problemMessage(problem, answer.status), "error");
      }
    } catch (error) {
      progress.hidden = true;
      result.replaceChildren(el("p", { class: "error" }, describeError(error)));
      announce(describeError(error), "error");
    }
  });
  return el(
    "section",
    { class: "block", "aria-labelledby": "replace-title" },
    el("h3", { id: "replace-title" }, t("replace.title")),
    el("p", { class: "help" }, t("replace.help")),
    el("p", {}, el("button", { type: "button", class: "button", id: "replace-pick", onclick: () => input.click() }, t("replace.pick")), input),
    progress,
    result,
  );
}

// ---------------------------------------------------------------- delete

function deleteSection(title) {
  return el(
    "section",
    { class: "block", "aria-labelledby": "delete-title" },
    el("h3", { id: "delete-title" }, t("delete.title")),
    el("p", { class: "help" }, t("delete.help")),
    el(
      "p",
      {},
      el(
        "button",
        {
          type: "button",
          class: "button danger",
          id: "delete-button",
          onclick: async () => {
            const ok = await confirmAction({
              title: t("delete.confirm.title", { title: title.title }),
              message: t("delete.confirm.message"),
              confirm: t("delete.confirm"),
            });
            if (!ok) return;
            try {
              await api(base(title.id), { method: "DELETE" });
              removeTitle(title.id);
              closePanel();
              announce(t("delete.done", { title: title.title }), "success");
            } catch (error) {
              announce(describeError(error), "error");
            }
          },
        },
        t("delete.button"),
      ),
    ),
  );
}
