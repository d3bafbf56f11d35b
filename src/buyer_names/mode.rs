//! How much of a buyer's name an overlay shows (`overlay.buyer_names`, or a
//! guild's own choice through `/overlay names`).

use std::fmt;

/// `public` (the name as cleaned), `initials` (`J. D.`) or `off` ("someone").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameMode {
    #[default]
    Public,
    Initials,
    Off,
}

impl NameMode {
    /// The mode named as in the configuration and the command's choices.
    pub fn parse(text: &str) -> Option<NameMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "public" => Some(NameMode::Public),
            "initials" => Some(NameMode::Initials),
            "off" => Some(NameMode::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NameMode::Public => "public",
            NameMode::Initials => "initials",
            NameMode::Off => "off",
        }
    }

    /// A cleaned name as this mode shows it; `None` shows "someone".
    pub fn apply(self, cleaned: &str) -> Option<String> {
        match self {
            NameMode::Public => Some(cleaned.to_owned()),
            NameMode::Initials => initials(cleaned),
            NameMode::Off => None,
        }
    }
}

impl fmt::Display for NameMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Jane Doe` -> `J. D.`: the first letter of each word (at most three), upper-cased.
fn initials(name: &str) -> Option<String> {
    let letters: Vec<String> = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(3)
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    (!letters.is_empty()).then(|| letters.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_each_word() {
        assert_eq!(
            NameMode::Initials.apply("Jane Doe").as_deref(),
            Some("J. D.")
        );
        assert_eq!(NameMode::Initials.apply("ada").as_deref(), Some("A."));
        assert_eq!(NameMode::Initials.apply("¡¡ …").as_deref(), None);
        assert_eq!(NameMode::Off.apply("Jane"), None);
        assert_eq!(NameMode::parse(" Initials "), Some(NameMode::Initials));
        assert_eq!(NameMode::parse("everyone"), None);
    }
}
