// Fixed-layout pages: the size the page declares, scaled to fit the screen whole.

/** The page size a fixed-layout document declares (viewport meta, SVG size, or its image). */
export function naturalSize(doc) {
  const meta = doc.querySelector?.('meta[name="viewport"]')?.getAttribute("content") || "";
  const width = Number(/width\s*=\s*(\d+)/.exec(meta)?.[1]);
  const height = Number(/height\s*=\s*(\d+)/.exec(meta)?.[1]);
  if (width && height) return { width, height };
  const root = doc.documentElement;
  if (root.localName === "svg") {
    const box = root.viewBox?.baseVal;
    const w = parseFloat(root.getAttribute("width")) || box?.width;
    const h = parseFloat(root.getAttribute("height")) || box?.height;
    if (w && h) return { width: w, height: h };
  }
  const img = doc.querySelector?.("img, svg");
  if (img?.naturalWidth) return { width: img.naturalWidth, height: img.naturalHeight };
  return { width: Math.max(root.scrollWidth, 300), height: Math.max(root.scrollHeight, 400) };
}

/** Gives the frame the page's own size, then scales and centres it inside the stage. */
export function fitPage(iframe, stage, size) {
  const box = stage.getBoundingClientRect();
  const scale = Math.min(box.width / size.width, box.height / size.height);
  const s = iframe.style;
  s.width = `${size.width}px`;
  s.height = `${size.height}px`;
  s.transformOrigin = "0 0";
  const x = (box.width - size.width * scale) / 2;
  const y = (box.height - size.height * scale) / 2;
  s.transform = `translate(${x}px, ${y}px) scale(${scale})`;
}

/** Back to a frame that fills the stage (reflowable chapters). */
export function unfit(iframe) {
  const s = iframe.style;
  s.width = s.height = s.transform = s.transformOrigin = "";
}
