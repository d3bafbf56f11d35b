//! The slash commands in Discord's users' languages: each command's, subcommand's
//! and option's name and description in the catalogues `i18n/<locale>.json`
//! (compiled into the binary), added to the definitions as Discord's
//! `name_localizations` and `description_localizations`. Discord shows them in the
//! member's client language; an interaction still names every option by its
//! English `name`, so nothing the parser reads changes.
//!
//! A catalogue's keys are the path of a command or option and the field:
//! `goal.amount.description`. An option shared by many commands (`lobby`) may be
//! written once as `*.lobby.name`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Discord's locale codes with their catalogues.
pub const CATALOGUES: [(&str, &str); 5] = [
    ("de", include_str!("i18n/de.json")),
    ("fr", include_str!("i18n/fr.json")),
    ("es-ES", include_str!("i18n/es-ES.json")),
    ("pt-BR", include_str!("i18n/pt-BR.json")),
    ("ja", include_str!("i18n/ja.json")),
];

type Catalogue = BTreeMap<String, String>;

/// Every catalogue, read once. One that cannot be read is left out (and the log
/// says so); the test `every_catalogue_reads_and_holds_every_key` keeps that from
/// shipping.
fn catalogues() -> &'static [(&'static str, Catalogue)] {
    static READ: OnceLock<Vec<(&'static str, Catalogue)>> = OnceLock::new();
    READ.get_or_init(|| {
        CATALOGUES
            .iter()
            .filter_map(|(locale, text)| match serde_json::from_str(text) {
                Ok(catalogue) => Some((*locale, catalogue)),
                Err(error) => {
                    tracing::error!(locale, %error, "command catalogue unreadable; left out");
                    None
                }
            })
            .collect()
    })
}

/// A catalogue's text for `field` of the command or option at `path`: its own,
/// else the shared one of an option of that name.
fn text<'a>(catalogue: &'a Catalogue, path: &str, field: &str) -> Option<&'a String> {
    catalogue.get(&key(catalogue, path, field)?)
}

/// The key [`text`] reads, if the catalogue has one.
fn key(catalogue: &Catalogue, path: &str, field: &str) -> Option<String> {
    let own = format!("{path}.{field}");
    if catalogue.contains_key(&own) {
        return Some(own);
    }
    let (_, last) = path.rsplit_once('.')?;
    let shared = format!("*.{last}.{field}");
    catalogue.contains_key(&shared).then_some(shared)
}

/// The definitions (as serialised for Discord) with every name and description
/// given in every catalogue that has them.
pub fn localize(definitions: Vec<Value>) -> Vec<Value> {
    definitions
        .into_iter()
        .map(|mut command| {
            localize_at(&mut command, "");
            command
        })
        .collect()
}

fn localize_at(node: &mut Value, parent: &str) {
    let Some(name) = node.get("name").and_then(Value::as_str) else {
        return;
    };
    let path = if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    };
    for field in ["name", "description"] {
        let texts: Map<String, Value> = catalogues()
            .iter()
            .filter_map(|(locale, catalogue)| {
                text(catalogue, &path, field)
                    .map(|t| ((*locale).to_owned(), Value::from(t.as_str())))
            })
            .collect();
        if !texts.is_empty() {
            node[format!("{field}_localizations")] = Value::Object(texts);
        }
    }
    if let Some(options) = node.get_mut("options").and_then(Value::as_array_mut) {
        for option in options {
            localize_at(option, &path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every command's and option's path in the English definitions.
    fn paths(node: &Value, parent: &str, found: &mut Vec<String>) {
        let name = node["name"].as_str().unwrap();
        let path = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        for option in node["options"].as_array().into_iter().flatten() {
            paths(option, &path, found);
        }
        found.push(path);
    }

    #[test]
    fn every_catalogue_reads_and_holds_every_key() {
        let english = super::super::register::english_definitions();
        let mut all = Vec::new();
        for command in &english {
            paths(&serde_json::to_value(command).unwrap(), "", &mut all);
        }
        for (locale, text_of) in CATALOGUES {
            let catalogue: Catalogue =
                serde_json::from_str(text_of).unwrap_or_else(|e| panic!("{locale}: {e}"));
            let mut used = BTreeSet::new();
            for path in &all {
                for field in ["name", "description"] {
                    let found = key(&catalogue, path, field);
                    assert!(found.is_some(), "{locale} misses {path}.{field}");
                    used.extend(found);
                }
            }
            let unused: Vec<_> = catalogue.keys().filter(|k| !used.contains(*k)).collect();
            assert!(
                unused.is_empty(),
                "{locale} holds keys no command has: {unused:?}"
            );
        }
    }

    #[test]
    fn localised_names_are_what_discord_takes() {
        for command in crate::discord::command_definitions() {
            let mut stack = vec![command];
            while let Some(node) = stack.pop() {
                for (locale, name) in node["name_localizations"].as_object().unwrap() {
                    let name = name.as_str().unwrap();
                    let ok = (1..=32).contains(&name.chars().count())
                        && name
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                        && name.to_lowercase() == name;
                    assert!(ok, "{locale}: {name:?}");
                }
                for (locale, text) in node["description_localizations"].as_object().unwrap() {
                    let text = text.as_str().unwrap();
                    assert!(
                        (1..=100).contains(&text.chars().count()),
                        "{locale}: {text:?}"
                    );
                }
                // Names of one level are distinct in every language.
                let options = node["options"].as_array().cloned().unwrap_or_default();
                for (locale, _) in CATALOGUES {
                    let names: Vec<&str> = options
                        .iter()
                        .map(|o| o["name_localizations"][locale].as_str().unwrap())
                        .collect();
                    let distinct: BTreeSet<_> = names.iter().collect();
                    assert_eq!(distinct.len(), names.len(), "{locale}: {names:?}");
                }
                stack.extend(options);
            }
        }
    }

    #[test]
    fn a_command_reads_in_german_and_japanese() {
        let definitions = crate::discord::command_definitions();
        let join = definitions.iter().find(|c| c["name"] == "join").unwrap();
        assert_eq!(join["name_localizations"]["de"], "beitreten");
        assert_eq!(join["name_localizations"]["ja"], "参加");
        let lobby = &join["options"][0];
        assert_eq!(lobby["name"], "lobby");
        assert_eq!(lobby["name_localizations"]["fr"], "salon");
    }
}
