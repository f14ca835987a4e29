// Uploading EPUBs: drag and drop or file picker, one request per file (so
// each file has its own progress bar and its own answer), one at a time.
import { announce, el, formatNumber, onLanguageChange, t, upload } from "../console.js";
import { putTitle } from "./store.js";
import { excerptText, problemDetails, problemMessage } from "./words.js";

const items = [];
/** The files of the latest drop or choice, summed up together once all are answered. */
let batch = [];
let queue = Promise.resolve();
let openTitle = () => {};

/** Wires the drop zone and the picker; `onOpen(id, button)` opens a title's panel. */
export function setupUpload({ onOpen }) {
  openTitle = onOpen;
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("upload-files");
  document.getElementById("upload-pick").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    enqueue([...input.files]);
    input.value = "";
  });
  zone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("over");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    enqueue([...event.dataTransfer.files]);
  });
  // A file dropped beside the zone must not make the browser leave the console.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  onLanguageChange(() => {
    items.forEach((item) => item.render());
    renderSummary();
  });
}

function enqueue(files) {
  const list = document.getElementById("upload-results");
  if (batch.every((item) => item.done)) batch = [];
  for (const file of files) {
    const item = new UploadItem(file);
    items.push(item);
    batch.push(item);
    list.prepend(item.node);
    queue = queue.then(() => item.send()).then(() => batchAnswered());
  }
  if (files.length) announce(t("upload.queued", { n: formatNumber(files.length) }));
}

/** Once every file of the batch is answered: a summary naming every refused file and why. */
function batchAnswered() {
  if (!batch.length || !batch.every((item) => item.done)) return;
  const refused = batch.filter((item) => item.state === "refused");
  renderSummary();
  if (batch.length > 1 || refused.length) {
    const names = refused.map((item) => item.file.name);
    const message = refused.length
      ? t("upload.summary.refused", { n: formatNumber(batch.length), live: formatNumber(batch.length - refused.length), files: list(names) })
      : t("upload.summary.live", { n: formatNumber(batch.length) });
    announce(message, refused.length ? "error" : "success");
  }
}

function list(names) {
  return new Intl.ListFormat(document.documentElement.lang || "en", { type: "conjunction" }).format(names);
}

function renderSummary() {
  const box = document.getElementById("upload-summary");
  const done = batch.length && batch.every((item) => item.done);
  if (!box || !done) return;
  const refused = batch.filter((item) => item.state === "refused");
  const live = batch.length - refused.length;
  box.dataset.state = refused.length ? "refused" : "live";
  box.replaceChildren(
    el("h3", {}, t("upload.summary.title", { n: formatNumber(batch.length) })),
    el("p", {}, t("upload.summary.counts", { live: formatNumber(live), refused: formatNumber(refused.length) })),
    refused.length
      ? el(
          "ul",
          {},
          refused.map((item) =>
            el("li", {}, el("strong", { dir: "auto" }, item.file.name), " — ", problemMessage(item.problem, item.status)),
          ),
        )
      : "",
  );
  box.hidden = false;
}

function size(bytes) {
  if (bytes < 1024 * 1024) return t("size.kb", { n: formatNumber(Math.max(1, Math.round(bytes / 1024))) });
  return t("size.mb", { n: formatNumber(bytes / (1024 * 1024), { maximumFractionDigits: 1 }) });
}

/** One file's line in the results: its progress, then its outcome. */
class UploadItem {
  constructor(file) {
    this.file = file;
    this.state = "waiting";
    this.fraction = 0;
    this.node = el("li", { class: "upload-item" });
    this.render();
  }

  async send() {
    this.state = "uploading";
    this.render();
    try {
      const answer = await upload("/api/v1/publisher/titles", this.file, {
        onProgress: (fraction) => {
          this.fraction = fraction;
          if (fraction >= 1) this.state = "checking";
          this.renderProgress();
        },
      });
      this.status = answer.status;
      if (answer.status === 201 && answer.body?.id) {
        this.state = "live";
        this.title = answer.body;
        putTitle(this.title);
        announce(t("upload.live.announce", { file: this.file.name, title: this.title.title }), "success");
      } else {
        this.state = "refused";
        this.problem = typeof answer.body === "object" && answer.body ? answer.body : { detail: String(answer.body || "") };
        announce(t("upload.refused.announce", { file: this.file.name, reason: problemMessage(this.problem, this.status) }), "error");
      }
    } catch (error) {
      this.state = "refused";
      this.status = error.status;
      this.problem = error.problem?.code ? error.problem : { code: error.code };
      announce(t("upload.refused.announce", { file: this.file.name, reason: problemMessage(this.problem, 0) }), "error");
    }
    this.done = true;
    this.render();
  }

  renderProgress() {
    const bar = this.node.querySelector("progress");
    const label = this.node.querySelector(".upload-step");
    if (!bar || !label) return this.render();
    if (this.state === "checking") {
      bar.removeAttribute("value");
      label.textContent = t("upload.checking");
    } else {
      bar.value = this.fraction;
      label.textContent = t("upload.sending", { percent: formatNumber(Math.round(this.fraction * 100)) });
    }
  }

  render() {
    const name = el("strong", { class: "file-name", dir: "auto" }, this.file.name);
    const head = el("p", { class: "file" }, name, " ", el("span", { class: "help" }, size(this.file.size)));
    this.node.dataset.state = this.state;
    const parts = [head];
    if (this.state === "waiting") {
      parts.push(el("p", { class: "upload-step" }, t("upload.waiting")));
    } else if (this.state === "uploading" || this.state === "checking") {
      parts.push(
        el("progress", { max: "1", value: String(this.fraction), "aria-label": t("upload.progress", { file: this.file.name }) }),
        el("p", { class: "upload-step" }),
      );
    } else if (this.state === "live") {
      const title = this.title;
      const manage = el(
        "button",
        { type: "button", class: "button", onclick: (event) => openTitle(title.id, event.currentTarget) },
        t("upload.manage"),
      );
      parts.push(
        el(
          "p",
          { class: "outcome ok" },
          el("span", { class: "pill ok" }, t("status.live")),
          " ",
          t("upload.live", { title: title.title, excerpt: excerptText(title.excerpt, title.contents) }),
        ),
        el("p", {}, manage),
      );
    } else {
      parts.push(
        el(
          "p",
          { class: "outcome bad" },
          el("span", { class: "pill bad" }, t("status.refused")),
          " ",
          problemMessage(this.problem, this.status),
        ),
        problemDetails(this.problem, this.status),
      );
    }
    this.node.replaceChildren(...parts.filter(Boolean));
    if (this.state === "uploading" || this.state === "checking") this.renderProgress();
  }
}
