use serde_json::json;

use crate::excerpts::{ExcerptPolicy, Limit, MAX_CHARACTERS, MAX_WORDS};

#[test]
fn each_policy_kind_parses_from_the_spec_json() {
    let cases = [
        (json!({"chapters": 3}), Limit::Chapters(3)),
        (json!({"percent": 10}), Limit::Percent(10)),
        (json!({"words": 5000}), Limit::Words(5000)),
        (json!({"characters": 30000}), Limit::Characters(30000)),
    ];
    for (value, limit) in cases {
        let policy = ExcerptPolicy::parse_json(&value).unwrap();
        assert_eq!(policy.limit(), limit);
        assert_eq!(serde_json::to_value(policy).unwrap(), value);
    }
}

#[test]
fn out_of_range_values_are_refused_with_the_policy_code() {
    let bad = [
        json!({"percent": 0}),
        json!({"percent": 101}),
        json!({"percent": 1000}),
        json!({"chapters": 0}),
        json!({"words": 0}),
        json!({"characters": 0}),
        json!({"words": MAX_WORDS + 1}),
        json!({"characters": MAX_CHARACTERS + 1}),
        json!({"chapters": 100_001}),
        json!({"words": -5}),
        json!({"words": 2.5}),
        json!({"words": "5000"}),
    ];
    for value in bad {
        let err = ExcerptPolicy::parse_json(&value).unwrap_err();
        assert_eq!(err.code(), "excerpt-policy-invalid", "{value}");
    }
}

#[test]
fn unknown_or_several_kinds_are_refused() {
    for value in [
        json!({"paragraphs": 3}),
        json!({"words": 10, "percent": 10}),
        json!({}),
        json!("percent"),
        json!(null),
    ] {
        assert!(ExcerptPolicy::parse_json(&value).is_err(), "{value}");
    }
}

#[test]
fn the_serde_path_validates_too() {
    let err = serde_json::from_str::<ExcerptPolicy>(r#"{"percent": 0}"#).unwrap_err();
    assert!(err.to_string().contains("between 1 and 100"), "{err}");
    let ok: ExcerptPolicy = serde_json::from_str(r#"{"percent": 100}"#).unwrap();
    assert_eq!(ok.limit(), Limit::Percent(100));
}

#[test]
fn form_fields_parse_with_or_without_a_percent_sign() {
    let parse = ExcerptPolicy::parse_field;
    assert_eq!(parse("percent", "10%").unwrap().limit(), Limit::Percent(10));
    assert_eq!(
        parse("percent", " 25 % ").unwrap().limit(),
        Limit::Percent(25)
    );
    assert_eq!(parse("chapters", "2").unwrap().limit(), Limit::Chapters(2));
    assert_eq!(parse("words", "5000").unwrap().limit(), Limit::Words(5000));
    let chars = parse("characters", "30000").unwrap().limit();
    assert_eq!(chars, Limit::Characters(30000));
    assert_eq!(parse("pages", "8").unwrap().limit(), Limit::Pages(8));
}

#[test]
fn bad_form_fields_are_refused_with_the_policy_code() {
    let parse = ExcerptPolicy::parse_field;
    for (name, value) in [
        ("percent", "ten"),
        ("percent", "300"),
        ("percent", "0"),
        ("chapters", "99999999999"),
        ("words", "-1"),
        ("words", ""),
        ("paragraphs", "3"),
        ("pages", "0"),
        ("words", "10%"),
    ] {
        let err = parse(name, value).unwrap_err();
        assert_eq!(err.code(), "excerpt-policy-invalid", "{name}={value}");
    }
}

#[test]
fn the_default_is_ten_percent_of_the_words() {
    assert_eq!(ExcerptPolicy::default().limit(), Limit::Percent(10));
}

#[test]
fn policies_read_as_a_phrase() {
    let phrase = |v| ExcerptPolicy::parse_json(&v).unwrap().to_string();
    assert_eq!(phrase(json!({"chapters": 1})), "first chapter");
    assert_eq!(phrase(json!({"chapters": 3})), "first 3 chapters");
    assert_eq!(phrase(json!({"percent": 10})), "first 10 % of the words");
    assert_eq!(phrase(json!({"words": 5000})), "first 5000 words");
    assert_eq!(phrase(json!({"characters": 9})), "first 9 characters");
}
