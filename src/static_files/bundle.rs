//! A page's modules joined and written into the page when the mirror is
//! made. A phone talks HTTP/1.1 to us: the reader's 19 modules took four
//! round trips even all preloaded (1.6 s on Slow 3G); one file took one,
//! plus a new connection for it (another round trip, 0.4 s on Slow 3G)
//! while the page still arrived on the first. Written into the page, the
//! app comes with the page, on its connection.
//!
//! A page opts in with `data-bundle` on its module script:
//! `<script type="module" src="/static/reader/app.js" data-bundle>`; the
//! mirror's copy of the page then carries the joined modules in that script
//! element, and their preloads go. A stylesheet link marked `data-inline`
//! becomes a `<style>` element the same way, and an SVG icon link marked so
//! carries its picture as a `data:` URL (else the browser asks for it on a
//! connection of its own just as the passenger taps a book). The files stay
//! in the mirror as they are (a page that could not be rewritten still loads
//! them).
//!
//! This is not a general bundler (those crates bring a whole JavaScript
//! compiler): it reads the forms our modules are written in, one statement
//! per line, at the start of the line:
//! `import X from "./p.js"`, `import * as X from "./p.js"`,
//! `import { a, b as c } from "./p.js"`, `import "./p.js"`,
//! `export function|async function|class|const NAME`, `export default VALUE`.
//! Any other line starting with `import` or `export`, an import cycle,
//! `import.meta`, a top-level `await`, or text the HTML parser would read
//! as markup inside a script (`</script`, `<!--`, `<script`) leaves the page
//! as it is, with its modules (and a warning): slower, never broken.
//!
//! Each module becomes a function scope run once, in the order the browser
//! evaluates modules (dependencies first, in import order). Its exports are
//! the properties of a frozen object, which is what `import * as` gives.
//! Every exported binding is a `const`, a function or a class that no one
//! reassigns, and without cycles a module is complete before any importer
//! runs: copying the bindings at the module's end is the same as ES live
//! bindings.

use std::collections::BTreeMap;

use anyhow::{Context, bail, ensure};

/// What a page marks its module script with to have it bundled.
const OPT_IN: &str = " data-bundle>";
/// What a page marks a stylesheet or icon link with to have it written in.
const INLINE_LINK: &str = " data-inline>";
/// The prefix of the names the bundle adds; no module may use it.
const PREFIX: &str = "__trajet_";

/// One module as read: what it imports (in order) and its rewritten body.
struct Module {
    imports: Vec<Import>,
    body: String,
    exports: Vec<String>,
}

/// One import statement: the module (a path below the pages' root) and the
/// statement binding its names, with `{module}` standing for the exporter.
struct Import {
    from: String,
    binding: Option<String>,
}

/// Writes into `page` its module script marked `data-bundle` (the modules
/// it imports, joined) and its stylesheets marked `data-inline`, reading
/// files through `read` (a path below the pages' root to its text).
/// `Ok(None)` for a page that asks for neither.
pub fn bundle_page(
    page: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<String>> {
    let mut rewritten = inline_links(page, read)?;
    let Some(end) = rewritten.find(OPT_IN) else {
        return Ok((rewritten != page).then_some(rewritten));
    };
    let start = rewritten[..end]
        .rfind("<script")
        .context("data-bundle outside a <script> tag")?;
    let tag = &rewritten[start..end];
    let entry = tag
        .split("src=\"/static/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|_| tag.contains("type=\"module\""))
        .context("data-bundle on a script that is not a module from /static/")?;
    let order = graph(entry, read)?;
    let source = join(&order)?;
    let lower = source.to_ascii_lowercase();
    for markup in ["</script", "<!--", "<script"] {
        ensure!(
            !lower.contains(markup),
            "the modules hold {markup:?}, which ends or changes a script element"
        );
    }
    rewritten.replace_range(
        start..end + OPT_IN.len(),
        &format!("<script type=\"module\">\n{source}"),
    );
    // The page carries the modules now: their preloads would fetch them again.
    for (name, _) in &order {
        let link = format!("<link rel=\"modulepreload\" href=\"/static/{name}\">\n");
        if let Some(at) = rewritten.find(&link) {
            rewritten.replace_range(at..at + link.len(), "");
        }
    }
    Ok(Some(rewritten))
}

/// The page with each `<link rel="stylesheet" href="/static/…" data-inline>`
/// replaced by a `<style>` holding the file, and each `<link rel="icon"
/// href="/static/….svg" data-inline>` pointing to a `data:` URL of the file.
fn inline_links(page: &str, read: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut out = page.to_string();
    while let Some(end) = out.find(INLINE_LINK) {
        let start = out[..end]
            .rfind("<link")
            .context("data-inline outside a <link> tag")?;
        let tag = &out[start..end];
        let path = tag
            .split("href=\"/static/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("data-inline on a link that is not to a file from /static/")?;
        let text = read(path).with_context(|| format!("{path}: not among the pages"))?;
        let written = if tag.contains("rel=\"stylesheet\"") {
            // url() in the file would resolve against the page, not the file.
            ensure!(!text.contains("url("), "{path}: refers to files with url()");
            ensure!(
                !text.to_ascii_lowercase().contains("</style"),
                "{path}: holds </style"
            );
            format!("<style>\n{text}</style>")
        } else if tag.contains("rel=\"icon\"") && path.ends_with(".svg") {
            let data = format!(
                "data:image/svg+xml;base64,{}",
                data_encoding::BASE64.encode(text.as_bytes())
            );
            format!("{}>", tag.replacen(&format!("/static/{path}"), &data, 1))
        } else {
            bail!("data-inline on a link that is neither a stylesheet nor an SVG icon");
        };
        out.replace_range(start..end + INLINE_LINK.len(), &written);
    }
    Ok(out)
}

/// The modules reachable from `entry`, dependencies first, as the browser
/// evaluates them.
fn graph(
    entry: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<(String, Module)>> {
    let mut done: Vec<(String, Module)> = Vec::new();
    // Depth-first: (module, its parsed form, index of its next import to visit).
    let mut stack: Vec<(String, Module, usize)> = Vec::new();
    let load = |name: &str| -> anyhow::Result<Module> {
        let text = read(name).with_context(|| format!("{name} is not among the pages"))?;
        parse(name, &text).with_context(|| format!("reading {name}"))
    };
    stack.push((entry.to_string(), load(entry)?, 0));
    while let Some((name, module, next)) = stack.last_mut() {
        let Some(import) = module.imports.get(*next) else {
            let (name, module, _) = stack.pop().expect("not empty");
            done.push((name, module));
            continue;
        };
        *next += 1;
        let from = import.from.clone();
        if done.iter().any(|(n, _)| *n == from) {
            continue;
        }
        ensure!(
            from != *name && !stack.iter().any(|(n, _, _)| *n == from),
            "{from} imports itself through other modules (a cycle)"
        );
        let module = load(&from)?;
        stack.push((from, module, 0));
    }
    Ok(done)
}

/// The bundle's text: each module in its own scope, in evaluation order.
fn join(order: &[(String, Module)]) -> anyhow::Result<String> {
    let index: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.as_str(), i))
        .collect();
    let mut out = String::from(
        "// The reader's modules, joined when the server started (src/static_files/bundle.rs).\n",
    );
    for (i, (name, module)) in order.iter().enumerate() {
        out.push_str(&format!("const {PREFIX}{i} = (() => {{\n// {name}\n"));
        for import in &module.imports {
            if let Some(binding) = &import.binding {
                let from = format!("{PREFIX}{}", index[import.from.as_str()]);
                out.push_str(&binding.replace("{module}", &from));
                out.push('\n');
            }
        }
        out.push_str(&module.body);
        let exports: Vec<String> = module
            .exports
            .iter()
            .map(|e| match e.as_str() {
                "default" => format!("default: {PREFIX}default"),
                name => name.to_string(),
            })
            .collect();
        out.push_str(&format!(
            "return Object.freeze({{ __proto__: null, {} }});\n}})();\n",
            exports.join(", ")
        ));
    }
    Ok(out)
}

/// Reads one module: its imports become bindings, `export ` goes.
fn parse(name: &str, text: &str) -> anyhow::Result<Module> {
    ensure!(
        !text.contains(PREFIX),
        "uses the bundle's names ({PREFIX}…)"
    );
    ensure!(!text.contains("import.meta"), "uses import.meta");
    let folder = name.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut module = Module {
        imports: Vec::new(),
        body: String::new(),
        exports: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line}", n + 1);
        let top_level = !line.starts_with([' ', '\t', '}', ')', ']', '/', '*']);
        ensure!(
            !(top_level && line.contains("await ")),
            "a top-level await ({})",
            at()
        );
        if line.starts_with("import") {
            module.imports.push(import(folder, line).with_context(at)?);
        } else if let Some(rest) = line.strip_prefix("export ") {
            let (kept, export) = export(rest).with_context(at)?;
            module.exports.push(export);
            module.body.push_str(&kept);
            module.body.push('\n');
        } else {
            module.body.push_str(line);
            module.body.push('\n');
        }
    }
    Ok(module)
}

/// `import …;` as an import of a module and the statement binding its names.
fn import(folder: &str, line: &str) -> anyhow::Result<Import> {
    let statement = line.trim_end().trim_end_matches(';');
    let (clause, specifier) = match statement.strip_prefix("import \"") {
        Some(rest) => ("", rest),
        None => statement
            .strip_prefix("import ")
            .and_then(|rest| rest.split_once(" from \""))
            .context("not an import this bundler reads")?,
    };
    let specifier = specifier
        .strip_suffix('"')
        .context("the module is not a plain string")?;
    let from = resolve(folder, specifier)?;
    let binding = if clause.is_empty() {
        None
    } else if let Some(name) = clause.strip_prefix("* as ") {
        Some(format!("const {} = {{module}};", identifier(name)?))
    } else if let Some(names) = clause.strip_prefix('{').and_then(|c| c.strip_suffix('}')) {
        let mut parts = Vec::new();
        for part in names.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once(" as ") {
                Some((theirs, ours)) => {
                    parts.push(format!("{}: {}", identifier(theirs)?, identifier(ours)?))
                }
                None => parts.push(identifier(part)?.to_string()),
            }
        }
        Some(format!("const {{ {} }} = {{module}};", parts.join(", ")))
    } else {
        Some(format!(
            "const {} = {{module}}.default;",
            identifier(clause)?
        ))
    };
    Ok(Import { from, binding })
}

/// `export …` (without `export `): the line to keep and the exported name.
fn export(rest: &str) -> anyhow::Result<(String, String)> {
    if let Some(value) = rest.strip_prefix("default ") {
        return Ok((format!("const {PREFIX}default = {value}"), "default".into()));
    }
    let declaration = ["async function ", "function ", "class ", "const "]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))
        .context("not an export this bundler reads")?;
    let name: String = declaration
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    Ok((rest.to_string(), identifier(&name)?.to_string()))
}

/// A plain JavaScript name (no destructuring, nothing computed).
fn identifier(name: &str) -> anyhow::Result<&str> {
    let name = name.trim();
    let mut chars = name.chars();
    let first = chars.next().unwrap_or(' ');
    ensure!(
        (first.is_alphabetic() || first == '_' || first == '$')
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$'),
        "{name:?} is not a plain name"
    );
    Ok(name)
}

/// A relative module specifier from `folder`, as a path below the pages' root.
fn resolve(folder: &str, specifier: &str) -> anyhow::Result<String> {
    if !specifier.starts_with("./") && !specifier.starts_with("../") {
        bail!("{specifier} is not a relative module path");
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in specifier.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop().context("the module is above the pages' root")?;
            }
            name => parts.push(name),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const PAGE: &str = "<head>\n<link rel=\"modulepreload\" href=\"/static/app/main.js\">\n\
        <link rel=\"modulepreload\" href=\"/static/shared.js\">\n\
        <script type=\"module\" src=\"/static/app/main.js\" data-bundle></script>\n</head>\n";

    fn bundled(modules: &[(&str, &str)]) -> anyhow::Result<Option<String>> {
        let modules: BTreeMap<String, String> = modules
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        bundle_page(PAGE, &|name: &str| modules.get(name).cloned())
    }

    #[test]
    fn the_page_carries_its_modules_joined_dependencies_first() {
        let b = bundled(&[
            (
                "app/main.js",
                "import * as shared from \"../shared.js\";\nimport { a as b, c } from \"./lib.js\";\n\
                 import words from \"./words.js\";\nconsole.log(shared.x, b, c, words);\n",
            ),
            ("shared.js", "export const x = 1;\n"),
            (
                "app/lib.js",
                "import \"../shared.js\";\nexport function a() {}\nexport async function c() {}\n",
            ),
            ("app/words.js", "export default {\n  hi: \"hi\",\n};\n"),
        ])
        .unwrap()
        .unwrap();
        // The page carries the modules in its script element; their preloads go.
        assert!(
            b.starts_with("<head>\n<script type=\"module\">\n// The reader's modules"),
            "{b}"
        );
        assert!(b.ends_with("})();\n</script>\n</head>\n"), "{b}");
        assert!(!b.contains("modulepreload") && !b.contains("src="), "{b}");
        let at = |text: &str| b.find(text).unwrap_or_else(|| panic!("{text}"));
        // The browser's order: shared.js, then lib.js (which imports it), words.js, main.js.
        assert!(at("// shared.js") < at("// app/lib.js"));
        assert!(at("// app/lib.js") < at("// app/words.js"));
        assert!(at("// app/words.js") < at("// app/main.js"));
        assert!(b.contains("const shared = __trajet_0;"));
        assert!(b.contains("const { a: b, c } = __trajet_1;"));
        assert!(b.contains("const words = __trajet_2.default;"));
        assert!(b.contains("function a() {}\nasync function c() {}\n"));
        assert!(b.contains("{ __proto__: null, a, c }"));
        assert!(b.contains("const __trajet_default = {\n  hi: \"hi\",\n};"));
        assert!(!b.contains("export "));
        assert!(!b.contains("import "));
    }

    #[test]
    fn a_stylesheet_marked_data_inline_is_written_into_the_page() {
        let page = "<head>\n<link rel=\"stylesheet\" href=\"/static/app/app.css\" data-inline>\n\
            <link rel=\"stylesheet\" href=\"/static/other.css\">\n</head>\n";
        let read =
            |css: &'static str| move |name: &str| (name == "app/app.css").then(|| css.to_string());
        let inlined = bundle_page(page, &read("p { margin: 0 }\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            inlined,
            "<head>\n<style>\np { margin: 0 }\n</style>\n\
             <link rel=\"stylesheet\" href=\"/static/other.css\">\n</head>\n"
        );
        for (css, reason) in [
            ("p { background: url(a.png) }", "url()"),
            ("p::after { content: \"</STYLE>\" }", "</style"),
        ] {
            let error = bundle_page(page, &read(css)).unwrap_err();
            assert!(format!("{error:#}").contains(reason), "{css}: {error:#}");
        }
    }

    #[test]
    fn an_svg_icon_marked_data_inline_comes_with_the_page() {
        let page = "<link rel=\"icon\" href=\"/static/app/icon.svg\" type=\"image/svg+xml\" data-inline>\n";
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        let read = |name: &str| (name == "app/icon.svg").then(|| svg.to_string());
        let inlined = bundle_page(page, &read).unwrap().unwrap();
        let data = data_encoding::BASE64.encode(svg.as_bytes());
        assert_eq!(
            inlined,
            format!(
                "<link rel=\"icon\" href=\"data:image/svg+xml;base64,{data}\" type=\"image/svg+xml\">\n"
            )
        );
        // Only stylesheets and SVG icons are written in.
        let png = "<link rel=\"icon\" href=\"/static/app/icon.png\" data-inline>\n";
        let read = |name: &str| (name == "app/icon.png").then(String::new);
        let error = bundle_page(png, &read).unwrap_err();
        assert!(format!("{error:#}").contains("neither"), "{error:#}");
    }

    #[test]
    fn modules_holding_markup_are_left_as_they_are() {
        for text in [
            "const end = \"</script>\";\n",
            "const c = \"<!-- x\";\n",
            "const s = \"<SCRIPT>\";\n",
        ] {
            let error = bundled(&[("app/main.js", text), ("shared.js", "")])
                .err()
                .unwrap_or_else(|| panic!("bundled {text:?}"));
            assert!(
                format!("{error:#}").contains("script element"),
                "{text:?}: {error:#}"
            );
        }
    }

    #[test]
    fn a_page_without_data_bundle_is_left_alone() {
        let page = "<script type=\"module\" src=\"/static/a.js\"></script>";
        assert!(bundle_page(page, &|_: &str| None).unwrap().is_none());
    }

    #[test]
    fn forms_this_bundler_does_not_read_leave_the_modules_as_they_are() {
        let main = |text: &str| {
            bundled(&[
                ("app/main.js", text),
                ("shared.js", "export const x = 1;\n"),
            ])
        };
        for (text, reason) in [
            (
                "import {\n  x,\n} from \"../shared.js\";\n",
                "not an import",
            ),
            ("export let x = 1;\n", "not an export"),
            ("export { x };\n", "not an export"),
            ("export const { x } = y;\n", "not a plain name"),
            ("import x from \"/static/shared.js\";\n", "not a relative"),
            ("import x from \"./missing.js\";\n", "not among the pages"),
            ("const url = import.meta.url;\n", "import.meta"),
            ("const data = await fetch(\"/x\");\n", "top-level await"),
            ("const __trajet_0 = 1;\n", "the bundle's names"),
        ] {
            let error = main(text)
                .err()
                .unwrap_or_else(|| panic!("bundled {text:?}"));
            assert!(format!("{error:#}").contains(reason), "{text:?}: {error:#}");
        }
    }

    #[test]
    fn an_import_cycle_leaves_the_modules_as_they_are() {
        let error = bundled(&[
            ("app/main.js", "import { x } from \"../shared.js\";\n"),
            (
                "shared.js",
                "import \"./app/main.js\";\nexport const x = 1;\n",
            ),
        ])
        .err()
        .unwrap();
        assert!(format!("{error:#}").contains("cycle"), "{error:#}");
    }
}
