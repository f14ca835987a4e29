// One trip's train sets: which run it (coupled sets on one line), set them,
// or swap one for another ("24571 replaces 24533"). Each change lands in the
// trip's history, shown below with its source.

import { api, el, t, announce, describeError, formatDateTime } from "../console.js";

export function vehiclesSection(trip, saved) {
  const path = `/api/v1/operator/trips/${trip.id}/vehicles`;
  const list = el("input", { type: "text", id: "trip-vehicles-input", value: (trip.vehicles || []).join(", "), "aria-describedby": "trip-vehicles-help" });
  const set = el("form", { id: "trip-vehicles-form" },
    el("p", {}, el("label", { for: "trip-vehicles-input" }, t("tripVehicles.sets")), list,
      el("span", { id: "trip-vehicles-help", class: "help" }, t("tripVehicles.help"))),
    el("p", { class: "actions" }, el("button", { type: "submit", class: "button primary" }, t("tripVehicles.save"))));
  set.addEventListener("submit", async (event) => {
    event.preventDefault();
    const vehicles = list.value.split(",").map((v) => v.trim()).filter(Boolean);
    try {
      const answer = await api(path, { method: "PUT", json: { vehicles } });
      announce(t("tripVehicles.saved", { sets: answer.vehicles.join(", ") || "—" }));
      saved({ ...trip, vehicles: answer.vehicles });
    } catch (error) {
      announce(describeError(error), "error");
    }
  });
  const replace = el("input", { type: "text", id: "trip-swap-replace", size: 8 });
  const by = el("input", { type: "text", id: "trip-swap-with", size: 8 });
  const swap = el("form", { id: "trip-swap-form", class: "inline" },
    el("p", {}, el("label", { for: "trip-swap-with" }, t("tripVehicles.swapWith")), by),
    el("p", {}, el("label", { for: "trip-swap-replace" }, t("tripVehicles.swapReplace")), replace),
    el("p", { class: "actions" }, el("button", { type: "submit", class: "button" }, t("tripVehicles.swap"))));
  swap.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api(`${path}/swap`, { method: "POST", json: { replace: replace.value.trim(), with: by.value.trim() } });
      announce(t("tripVehicles.saved", { sets: answer.vehicles.join(", ") }));
      saved({ ...trip, vehicles: answer.vehicles });
    } catch (error) {
      announce(describeError(error), "error");
    }
  });
  const history = el("div", { id: "trip-history" });
  api(`/api/v1/operator/trips/${trip.id}/history`)
    .then((entries) => history.replaceChildren(historyList(entries)))
    .catch(() => {});
  return el("section", { class: "card", id: "trip-vehicles", "aria-labelledby": "trip-vehicles-title" },
    el("h2", { id: "trip-vehicles-title" }, t("tripVehicles.title")),
    set, swap,
    el("h3", {}, t("tripVehicles.history")), history);
}

function historyList(entries) {
  if (!entries.length) return el("p", { class: "help" }, t("tripVehicles.noHistory"));
  return el("ol", { class: "history" }, entries.map((e) =>
    el("li", {}, `${formatDateTime(e.at)} · ${e.source} · ${describe(e.change)}`)));
}

function describe(change) {
  const parts = [];
  const moved = (key, { from, to }) => t(key, { from: formatDateTime(from), to: formatDateTime(to) });
  if (change.vehicles) parts.push(t("tripVehicles.changed", { from: change.vehicles.from.join(", ") || "—", to: change.vehicles.to.join(", ") || "—" }));
  if (change.arrives_at) parts.push(moved("history.arrival", change.arrives_at));
  if (change.departs_at) parts.push(moved("history.departure", change.departs_at));
  if (change.state === "cancelled") parts.push(t("history.cancelled"));
  if (change.created) parts.push(t("history.created"));
  if (change.reason === "feed-stale") parts.push(t("history.feedStale"));
  return parts.length ? parts.join(" ") : Object.keys(change).join(", ");
}
