// Landing page: shows the visitor's language first and offers the other one.
(function () {
  "use strict";
  var KEY = "trajet.lang";
  var names = { en: "English", fr: "Français" };
  var saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) { saved = null; }
  var browser = String(navigator.language || "en").toLowerCase().slice(0, 2);
  var current = saved === "fr" || saved === "en" ? saved : browser === "fr" ? "fr" : "en";
  var button = document.getElementById("lang-switch");
  function show(lang) {
    current = lang;
    document.documentElement.lang = lang;
    var sections = document.querySelectorAll("[data-lang]");
    for (var i = 0; i < sections.length; i++) sections[i].hidden = sections[i].dataset.lang !== lang;
    var other = lang === "fr" ? "en" : "fr";
    button.textContent = names[other];
    button.lang = other;
    document.title = lang === "fr" ? "trajet · lire pendant votre trajet" : "trajet · read during your trip";
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var next = current === "fr" ? "en" : "fr";
    try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: the choice lasts this page */ }
    show(next);
  });
  show(current);
})();
