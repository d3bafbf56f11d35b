use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use super::*;

/// A catalogue's messages, each with the placeholders (`$name`) it uses.
fn messages(locale: Locale, text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = match fluent_syntax::parser::parse(text) {
        Ok(resource) => resource,
        Err((_, errors)) => panic!("{}: {errors:?}", locale.code()),
    };
    let mut found = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(message) => {
                let mut names = BTreeSet::new();
                let pattern = message.value.as_ref();
                assert!(
                    pattern.is_some(),
                    "{}: {} is empty",
                    locale.code(),
                    message.id.name
                );
                pattern
                    .into_iter()
                    .for_each(|p| placeholders(p, &mut names));
                let id = message.id.name.to_owned();
                assert!(
                    found.insert(id.clone(), names).is_none(),
                    "{}: {id} twice",
                    locale.code()
                );
            }
            Entry::Junk { content } => panic!("{}: unreadable: {content}", locale.code()),
            Entry::Term(term) => {
                panic!("{}: term -{} (none are used)", locale.code(), term.id.name)
            }
            _ => {}
        }
    }
    found
}

fn placeholders(pattern: &Pattern<&str>, names: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            in_expression(expression, names);
        }
    }
}

fn in_expression(expression: &Expression<&str>, names: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            inline(selector, names);
            variants.iter().for_each(|v| placeholders(&v.value, names));
        }
        Expression::Inline(expression) => inline(expression, names),
    }
}

fn inline(expression: &InlineExpression<&str>, names: &mut BTreeSet<String>) {
    match expression {
        InlineExpression::VariableReference { id } => {
            names.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            arguments.positional.iter().for_each(|a| inline(a, names));
            arguments.named.iter().for_each(|a| inline(&a.value, names));
        }
        InlineExpression::Placeable { expression } => in_expression(expression, names),
        _ => {}
    }
}

#[test]
fn every_catalogue_has_exactly_englishs_messages_and_placeholders() {
    let english = messages(Locale::En, CATALOGUES[0].1);
    let mut problems = Vec::new();
    for (locale, text) in &CATALOGUES[1..] {
        let code = locale.code();
        let theirs = messages(*locale, text);
        for id in english.keys().filter(|id| !theirs.contains_key(*id)) {
            problems.push(format!("{code}: misses {id}"));
        }
        for (id, names) in &theirs {
            let Some(known) = english.get(id) else {
                problems.push(format!("{code}: has {id}, which English lacks"));
                continue;
            };
            for name in names.difference(known) {
                problems.push(format!("{code}: {id} uses ${name}, which English does not"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.t("id", …)` in the code of `src/` names a message English has.
#[test]
fn every_message_the_code_asks_for_is_in_english() {
    let english = messages(Locale::En, CATALOGUES[0].1);
    let mut files = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut asked = 0;
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (at, _) in code.match_indices(".t(") {
            let rest = code[at + 3..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else {
                continue;
            };
            let id = &rest[..rest.find('"').unwrap_or(0)];
            asked += 1;
            if !english.contains_key(id) {
                missing.push(format!("{}: {id}", file.display()));
            }
        }
    }
    assert!(asked > 50, "only {asked} messages asked for");
    assert!(missing.is_empty(), "not in en.ftl:\n{}", missing.join("\n"));
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.to_string_lossy().ends_with("_tests.rs")
        {
            files.push(path);
        }
    }
}

#[test]
fn every_catalogue_reads_without_errors() {
    for (locale, text) in CATALOGUES {
        assert!(
            FluentResource::try_new(text.to_owned()).is_ok(),
            "{}",
            locale.code()
        );
        let mut bundle = FluentBundle::new_concurrent(vec![]);
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
        assert!(bundle.add_resource(resource).is_ok(), "{}", locale.code());
    }
}

#[test]
fn messages_are_written_with_their_values_and_fall_back_to_english() {
    let lobby = "**Cup** (`K7QX`)".to_owned();
    assert_eq!(
        Locale::En.t("race-left", &[("name", &"Ana"), ("lobby", &lobby)]),
        "Ana left **Cup** (`K7QX`)."
    );
    // No isolation marks around the values.
    assert!(!Locale::De
        .t("race-left", &[("name", &"Ana"), ("lobby", &lobby)])
        .contains('\u{2068}'));
    assert_eq!(Locale::Ja.t("no-such-message", &[]), "no-such-message");
}

#[test]
fn counts_pick_their_plural_form() {
    let lobby = "**Cup** (`K7QX`)".to_owned();
    let timed_out = |locale: Locale, minutes: u32| {
        locale.t(
            "race-timed-out",
            &[("lobby", &lobby), ("minutes", &minutes)],
        )
    };
    assert_eq!(
        timed_out(Locale::En, 45),
        "⏱️ The race in **Cup** (`K7QX`) ended by itself after 45 minutes."
    );
    assert!(timed_out(Locale::En, 1).ends_with("after 1 minute."));
    assert!(timed_out(Locale::De, 45).contains("nach 45 Minuten von selbst"));
    assert!(timed_out(Locale::De, 1).contains("nach 1 Minute von selbst"));
}

#[test]
fn discord_locale_codes_pick_a_catalogue_or_english() {
    assert_eq!(Locale::from_discord("de"), Locale::De);
    assert_eq!(Locale::from_discord("pt-BR"), Locale::PtBr);
    assert_eq!(Locale::from_discord("es-ES"), Locale::EsEs);
    assert_eq!(Locale::from_discord("ja"), Locale::Ja);
    for other in ["en-US", "en-GB", "ko", "es-419", "pt", "", "xx-🦀"] {
        assert_eq!(Locale::from_discord(other), Locale::En, "{other}");
    }
    for locale in Locale::ALL {
        assert_eq!(Locale::from_discord(locale.code()), locale);
    }
}
