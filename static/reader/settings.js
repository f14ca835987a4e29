// Display settings (Readium CSS's user settings, simplified), remembered on this phone.
import { formatNumber, storage } from "../common.js";

const KEY = "trajet.settings";

/** What a new reader starts with. */
export const DEFAULTS = Object.freeze({
  size: 100,
  font: "publisher",
  lineHeight: 1.5,
  margins: "medium",
  theme: "auto",
  mode: "paged",
});

/** Colours of each theme; every pair passes WCAG AA (4.5:1) for text and links. */
export const THEMES = Object.freeze({
  light: { scheme: "light", bg: "#ffffff", fg: "#1b1b1b", link: "#0b57a4" },
  sepia: { scheme: "light", bg: "#f4ecd8", fg: "#3a2e1f", link: "#7a3b00" },
  dark: { scheme: "dark", bg: "#121212", fg: "#e8e6e3", link: "#8cc4ff" },
});

/** Font stacks; "dyslexic" prefers fonts designed for legibility, then wide sans serifs. */
export const FONTS = Object.freeze({
  publisher: null,
  serif: 'Charter, "Bitstream Charter", "Iowan Old Style", Georgia, "DejaVu Serif", serif',
  sans: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif',
  dyslexic: '"OpenDyslexic", "Atkinson Hyperlegible", "Lexend", "Comic Neue", Verdana, Tahoma, sans-serif',
});

/** Page margin in CSS pixels. */
export const MARGINS = Object.freeze({ small: 12, medium: 24, large: 40 });

/** Settings saved on this phone, completed with the defaults. */
export function load() {
  return sanitize({ ...DEFAULTS, ...storage.getJson(KEY, {}) });
}

/** Keeps every value inside what the reader offers. */
export function sanitize(s) {
  const out = { ...DEFAULTS };
  const size = Number(s.size);
  if (size >= 75 && size <= 200) out.size = Math.round(size);
  const lh = Number(s.lineHeight);
  if (lh >= 1 && lh <= 2.2) out.lineHeight = lh;
  if (s.font in FONTS) out.font = s.font;
  if (s.margins in MARGINS) out.margins = s.margins;
  if (s.theme === "auto" || s.theme in THEMES) out.theme = s.theme;
  if (s.mode === "paged" || s.mode === "scroll") out.mode = s.mode;
  return out;
}

/** Saves settings. */
export function save(settings) {
  storage.setJson(KEY, settings);
}

const darkQuery = matchMedia("(prefers-color-scheme: dark)");

/** "light", "sepia" or "dark": "auto" follows the phone. */
export function themeName(settings) {
  if (settings.theme !== "auto") return settings.theme;
  return darkQuery.matches ? "dark" : "light";
}

/** Calls back when the phone switches between light and dark. */
export function onSystemTheme(callback) {
  darkQuery.addEventListener("change", callback);
}

/** What the chapter frame needs to render these settings. */
export function frameOptions(settings) {
  return {
    settings,
    theme: THEMES[themeName(settings)],
    font: FONTS[settings.font],
    margin: MARGINS[settings.margins],
  };
}

/** Wires the settings form: fills it, and reports every change. */
export function bindForm(form, settings, onChange) {
  const fill = (s) => {
    form.elements.size.value = s.size;
    form.elements.lineHeight.value = s.lineHeight;
    for (const name of ["font", "margins", "theme", "mode"]) form.elements[name].value = s[name];
    form.querySelector("#size-value").value = formatNumber(s.size / 100, { style: "percent" });
    form.querySelector("#lh-value").value = formatNumber(s.lineHeight);
  };
  fill(settings);
  form.addEventListener("input", () => {
    const data = Object.fromEntries(new FormData(form));
    const next = sanitize(data);
    fill(next);
    save(next);
    onChange(next);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    fill(DEFAULTS);
    save({ ...DEFAULTS });
    onChange({ ...DEFAULTS });
  });
}
