// The collections offered on one trip: its own list, which wins over the
// line's choice, or nothing of its own (the line's choice applies).

import { api, el, t, announce, describeError } from "../console.js";

/** The collections part of the trip page; `changed(trip)` gets the saved trip. */
export function collectionsSection(trip, changed) {
  const own = trip.collections;
  const input = el("input", {
    type: "text",
    id: "trip-collections",
    value: (own || []).join(", "),
    autocomplete: "off",
    "aria-describedby": "trip-collections-help",
  });
  const save = el("button", { type: "submit", class: "button primary", id: "trip-collections-save" }, t("save"));
  const follow = own
    ? el("button", { type: "button", class: "button", id: "trip-collections-follow" }, t("tripCollections.follow"))
    : "";
  const send = async (collections) => {
    save.disabled = true;
    try {
      const saved = await api(`/api/v1/operator/trips/${trip.id}`, { method: "PATCH", json: { collections } });
      changed(saved);
      announce(saved.collections ? t("tripCollections.saved") : t("tripCollections.followed"), "success");
      document.getElementById("trip-collections")?.focus();
    } catch (error) {
      save.disabled = false;
      announce(describeError(error), "error");
    }
  };
  const form = el(
    "form",
    { id: "trip-collections-form", novalidate: true },
    el(
      "p",
      {},
      el("label", { for: "trip-collections" }, t("tripCollections.label")),
      input,
      el("span", { id: "trip-collections-help", class: "help" }, t("tripCollections.help")),
    ),
    el("p", { class: "actions" }, save, follow),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const names = input.value.split(",").map((c) => c.trim()).filter(Boolean);
    send(names.length ? names : null);
  });
  if (follow) follow.addEventListener("click", () => send(null));
  return el(
    "section",
    { class: "card", "aria-labelledby": "trip-collections-title", id: "collections" },
    el("h2", { id: "trip-collections-title" }, t("tripCollections.title")),
    el(
      "p",
      { id: "trip-collections-now" },
      own ? t("tripCollections.own", { list: own.join(", ") }) : t("tripCollections.line"),
    ),
    form,
  );
}
