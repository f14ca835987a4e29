//! The French and English message files of the pages (`static/**/fr.js` and
//! `en.js`, `*.fr.js` and `*.en.js`) say the same things: the same keys, and
//! for each key the same `{name}` placeholders, so neither language shows a
//! raw key or an unfilled placeholder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every message file below `static/` in `language`, by the name it has once
/// the language is taken out (`console/i18n/common.js`, `reader/i18n.js`).
fn message_files(language: &str) -> BTreeMap<String, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    let (alone, suffix) = (format!("{language}.js"), format!(".{language}.js"));
    let mut found = BTreeMap::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy();
            let name = path.file_name().unwrap().to_string_lossy();
            let pair = if name == alone {
                format!(
                    "{}.js",
                    relative.strip_suffix(&format!("/{alone}")).unwrap()
                )
            } else if let Some(stem) = relative.strip_suffix(&suffix) {
                format!("{stem}.js")
            } else {
                continue;
            };
            found.insert(pair, path);
        }
    }
    found
}

#[derive(Debug, PartialEq)]
enum Token {
    Text(String),
    Colon,
    Comma,
    Other,
}

/// The string literals and the punctuation between them; comments dropped.
fn tokens(source: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '\'' | '`' => {
                let quote = c;
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => text.extend(chars.next()),
                        c if c == quote => break,
                        c => text.push(c),
                    }
                }
                out.push(Token::Text(text));
            }
            ':' => out.push(Token::Colon),
            ',' => out.push(Token::Comma),
            '+' => {}
            c if c.is_whitespace() => {}
            _ => out.push(Token::Other),
        }
    }
    out
}

/// Each message key with the placeholders of its text.
fn messages(path: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let source = std::fs::read_to_string(path).unwrap();
    let tokens = tokens(&source);
    let mut messages = BTreeMap::new();
    let mut i = 0;
    while i + 1 < tokens.len() {
        if let (Token::Text(key), Token::Colon) = (&tokens[i], &tokens[i + 1]) {
            let mut placeholders = BTreeSet::new();
            i += 2;
            while let Some(Token::Text(text)) = tokens.get(i) {
                placeholders.extend(placeholders_of(text));
                i += 1;
            }
            let before = messages.insert(key.clone(), placeholders);
            assert!(
                before.is_none(),
                "{}: {key} is defined twice",
                path.display()
            );
        } else {
            i += 1;
        }
    }
    assert!(
        !messages.is_empty(),
        "{}: no messages found",
        path.display()
    );
    messages
}

/// The `{name}` placeholders of a message.
fn placeholders_of(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name)
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_french_message_file_has_its_english_twin_and_back() {
    let french: BTreeSet<String> = message_files("fr").into_keys().collect();
    let english: BTreeSet<String> = message_files("en").into_keys().collect();
    assert_eq!(french, english);
    assert!(
        french.len() >= 4,
        "the reader and the consoles' common, publisher and operator messages: {french:?}"
    );
}

#[test]
fn french_and_english_messages_have_the_same_keys_and_placeholders() {
    let english = message_files("en");
    let mut problems = Vec::new();
    for (pair, french) in message_files("fr") {
        let Some(english) = english.get(&pair) else {
            continue;
        };
        let (fr, en) = (messages(&french), messages(english));
        for key in fr.keys().filter(|k| !en.contains_key(*k)) {
            problems.push(format!("{pair}: {key} is only in French"));
        }
        for key in en.keys().filter(|k| !fr.contains_key(*k)) {
            problems.push(format!("{pair}: {key} is only in English"));
        }
        for (key, placeholders) in &fr {
            if let Some(other) = en.get(key)
                && other != placeholders
            {
                problems.push(format!(
                    "{pair}: {key} fills {placeholders:?} in French, {other:?} in English"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_message_reader_finds_keys_placeholders_and_ignores_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.fr.js");
    std::fs::write(
        &path,
        "// \"comment\": \"{no}\"\nexport default {\n  \"a.b\": \"Bonjour {name}, à {time}\",\n  \
         \"long\":\n    \"un \\\"mot\\\" : {n}\" + \"{m}\",\n  /* \"gone\": 1 */ \"plain\": 'rien',\n};\n",
    )
    .unwrap();
    let found = messages(&path);
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found["a.b"], set(&["name", "time"]));
    assert_eq!(found["long"], set(&["n", "m"]));
    assert_eq!(found["plain"], set(&[]));
}
