// The publisher console (/publisher): upload EPUBs, manage titles and their
// excerpts, read reports. The pieces live in ./publisher/.
import { announce, api, describeError, startConsole } from "./console.js";
import en from "./i18n/publisher.en.js";
import fr from "./i18n/publisher.fr.js";
import { openPanel, setupPanel } from "./publisher/panel.js";
import { setupReports } from "./publisher/reports.js";
import { setTitles } from "./publisher/store.js";
import { setupTitles } from "./publisher/titles.js";
import { setupUpload } from "./publisher/upload.js";

async function loadTitles() {
  try {
    const { titles } = await api("/api/v1/publisher/titles");
    setTitles(titles);
  } catch (error) {
    announce(describeError(error), "error");
  }
}

await startConsole({ role: "publisher", tables: { en, fr } });
setupTitles({ onOpen: openPanel });
setupUpload({ onOpen: openPanel });
setupPanel();
await loadTitles();
document.body.dataset.ready = "titles";
await setupReports();
document.body.dataset.ready = "all";
