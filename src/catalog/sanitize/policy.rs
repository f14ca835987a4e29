//! The allowlists: which elements and attributes survive, per vocabulary.

use super::tree::Ns;

/// What happens to an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Kept, with its allowed attributes.
    Keep,
    /// Removed, its (cleaned) children kept in its place.
    Unwrap,
    /// Removed with everything inside.
    Drop,
}

#[rustfmt::skip]
const HTML_KEEP: &[&str] = &[
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
    "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "i", "img", "ins", "kbd", "li", "main", "mark", "nav", "ol", "p", "pre", "q", "rb", "rp", "rt",
    "rtc", "ruby", "s", "samp", "section", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
];

/// Active, embedded or form content, and head elements handled elsewhere. Media
/// (audio/video) goes too: excerpts serve text, images and fonts only, and their
/// fallback text is about players the reader does not have.
#[rustfmt::skip]
const HTML_DROP: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "embed", "applet", "param", "input", "select",
    "textarea", "option", "optgroup", "datalist", "keygen", "output", "button", "template", "audio",
    "video", "source", "track", "base", "meta", "link", "title", "head", "noembed", "noframes",
    "area", "dialog", "slot", "portal", "xmp", "plaintext",
];

/// Global HTML attributes (besides `aria-*`, handled by prefix).
const HTML_GLOBAL_ATTRS: &[&str] = &["id", "class", "lang", "dir", "title", "role"];

/// Attributes allowed on specific HTML elements; URLs (`href`, `src`) are handled by the cleaner.
pub fn html_attr_allowed(element: &str, attr: &str) -> bool {
    let aria = attr
        .strip_prefix("aria-")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase()));
    if HTML_GLOBAL_ATTRS.contains(&attr) || aria {
        return true;
    }
    matches!(
        (element, attr),
        ("img", "alt" | "width" | "height")
            | (
                "td" | "th",
                "colspan" | "rowspan" | "headers" | "scope" | "abbr"
            )
            | ("col" | "colgroup", "span")
            | ("ol", "start" | "reversed" | "type")
            | ("li", "value")
            | ("time" | "del" | "ins", "datetime")
            | ("details", "open")
    )
}

#[rustfmt::skip]
const SVG_KEEP: &[&str] = &[
    "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "textPath", "title", "desc", "image", "linearGradient",
    "radialGradient", "stop", "clipPath", "mask", "pattern", "marker", "a", "switch", "filter",
    "feGaussianBlur", "feOffset", "feBlend", "feFlood", "feMerge", "feMergeNode", "feComposite",
    "feColorMatrix", "style",
];

/// SVG presentation and geometry attributes; none of them can carry a remote URL
/// once values with a non-fragment `url()` are refused by the cleaner.
#[rustfmt::skip]
const SVG_ATTRS: &[&str] = &[
    "id", "class", "lang", "transform", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
    "rx", "ry", "fx", "fy", "width", "height", "points", "viewBox", "preserveAspectRatio", "fill",
    "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "stroke-miterlimit", "opacity",
    "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "offset", "stop-color", "stop-opacity", "gradientUnits",
    "gradientTransform", "spreadMethod", "clip-path", "clip-rule", "clipPathUnits", "mask",
    "maskUnits", "maskContentUnits", "marker-start", "marker-mid", "marker-end", "markerWidth",
    "markerHeight", "markerUnits", "refX", "refY", "orient", "patternUnits", "patternContentUnits",
    "patternTransform", "visibility", "display", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "startOffset", "letter-spacing", "word-spacing", "text-decoration", "writing-mode", "color",
    "filter", "stdDeviation", "in", "in2", "result", "mode", "operator", "k1", "k2", "k3", "k4",
    "values", "type", "flood-color", "flood-opacity", "version", "dir", "role", "aria-label",
    "aria-hidden",
];

#[rustfmt::skip]
const MATHML_KEEP: &[&str] = &[
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
    "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "munder",
    "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd",
    "mlabeledtr", "maligngroup", "malignmark", "semantics", "annotation", "maction", "mglyph",
];

/// Presentation attributes only: no `href`, no `actiontype`, no `altimg`/`definitionURL`.
#[rustfmt::skip]
const MATHML_ATTRS: &[&str] = &[
    "id", "class", "dir", "display", "displaystyle", "scriptlevel", "mathvariant", "mathsize",
    "mathcolor", "mathbackground", "fence", "separator", "stretchy", "symmetric", "largeop",
    "movablelimits", "accent", "accentunder", "lspace", "rspace", "minsize", "maxsize", "form",
    "linethickness", "numalign", "denomalign", "bevelled", "notation", "columnalign", "rowalign",
    "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "framespacing", "columnspan",
    "rowspan", "width", "height", "depth", "voffset", "open", "close", "separators", "encoding",
    "alttext", "align", "equalrows", "equalcolumns", "side", "lquote", "rquote",
];

/// The fate of an element of a vocabulary by local name.
pub fn fate(ns: Ns, name: &str) -> Fate {
    let (keep, drop_rest): (&[&str], bool) = match ns {
        Ns::Html if HTML_DROP.contains(&name) => return Fate::Drop,
        Ns::Html => (HTML_KEEP, false),
        // Inside drawings and formulas, anything unknown may be active content
        // (`foreignObject`, `script`, `animate`/`set` rewriting hrefs, `annotation-xml`).
        Ns::Svg => (SVG_KEEP, true),
        Ns::MathMl => (MATHML_KEEP, true),
        Ns::Other => return Fate::Unwrap,
    };
    match (keep.contains(&name), drop_rest) {
        (true, _) => Fate::Keep,
        (false, true) => Fate::Drop,
        (false, false) => Fate::Unwrap,
    }
}

/// Whether a non-URL attribute is kept on an SVG or MathML element.
pub fn foreign_attr_allowed(ns: Ns, attr: &str) -> bool {
    match ns {
        Ns::Svg => SVG_ATTRS.contains(&attr),
        Ns::MathMl => MATHML_ATTRS.contains(&attr),
        _ => false,
    }
}

/// The DPUB-ARIA role for an `epub:type` value that has one (`footnote` → `doc-footnote`).
pub fn dpub_role(epub_type: &str) -> Option<String> {
    #[rustfmt::skip]
    const ROLES: &[&str] = &[
        "abstract", "acknowledgments", "afterword", "appendix", "backlink", "bibliography",
        "biblioref", "chapter", "colophon", "conclusion", "cover", "credit", "credits",
        "dedication", "endnotes", "epigraph", "epilogue", "errata", "example", "footnote",
        "foreword", "glossary", "glossref", "index", "introduction", "noteref", "notice",
        "pagebreak", "part", "preface", "prologue", "pullquote", "qna", "subtitle", "tip", "toc",
    ];
    if epub_type == "page-list" {
        return Some("doc-pagelist".to_string());
    }
    ROLES
        .contains(&epub_type)
        .then(|| format!("doc-{epub_type}"))
}
