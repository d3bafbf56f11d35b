//! A buyer's name made safe to draw: no control, format (bidi overrides,
//! zero-width joiners) or unassigned characters, runs of combining marks cut, at
//! most [`NAME_MAX_CHARS`] characters. Done before any other rule looks at it.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Longest name an overlay shows, in characters.
pub const NAME_MAX_CHARS: usize = 24;

/// Combining marks kept after one base character: enough for any written
/// language's accents, too few to stack a "Zalgo" tower over the pot.
pub const MARKS_PER_BASE_MAX: usize = 2;

/// The name cleaned, or `None` when nothing drawable is left.
pub fn clean(name: &str) -> Option<String> {
    let mut kept = String::new();
    let mut marks_in_run = 0;
    let mut chars = 0;
    let mut last_space = true;
    for c in name.nfc() {
        // A tab or a line break (controls) separates words like a space does.
        let group = if c.is_whitespace() {
            GeneralCategoryGroup::Separator
        } else {
            c.general_category_group()
        };
        match group {
            GeneralCategoryGroup::Other => continue,
            GeneralCategoryGroup::Separator => {
                // Any space, line or paragraph separator is one plain space.
                if last_space {
                    continue;
                }
                if chars == NAME_MAX_CHARS {
                    break;
                }
                kept.push(' ');
                chars += 1;
                last_space = true;
                marks_in_run = 0;
            }
            GeneralCategoryGroup::Mark => {
                if chars == 0 || last_space || marks_in_run == MARKS_PER_BASE_MAX {
                    continue;
                }
                kept.push(c);
                marks_in_run += 1;
            }
            _ => {
                if chars == NAME_MAX_CHARS {
                    break;
                }
                kept.push(c);
                chars += 1;
                last_space = false;
                marks_in_run = 0;
            }
        }
    }
    let trimmed = kept.trim_end();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_control_characters_are_removed() {
        assert_eq!(
            clean("\u{202E}Ada\u{202C} \u{200F}Lovelace\u{0007}"),
            Some("Ada Lovelace".into())
        );
        assert_eq!(clean("  \t\n Ada \r\n "), Some("Ada".into()));
        assert_eq!(clean("Ada\nLovelace"), Some("Ada Lovelace".into()));
        assert_eq!(clean("\u{202E}\u{2066}\u{200B}"), None);
        assert_eq!(clean(""), None);
    }

    #[test]
    fn combining_mark_floods_are_cut_and_accents_kept() {
        let zalgo = format!("X{}oe", "\u{0336}\u{0301}\u{0308}".repeat(40));
        let cleaned = clean(&zalgo).unwrap();
        assert_eq!(cleaned.chars().count(), 3 + MARKS_PER_BASE_MAX);
        assert!(cleaned.starts_with('X') && cleaned.ends_with("oe"));
        // Precomposed or decomposed, an accented name stays as written.
        assert_eq!(clean("Jose\u{0301}"), Some("José".into()));
        assert_eq!(clean("Nguyễn"), Some("Nguyễn".into()));
        // A mark with nothing to sit on goes.
        assert_eq!(clean("\u{0301}\u{0301}Bo"), Some("Bo".into()));
    }

    #[test]
    fn names_are_cut_to_the_limit() {
        let long = "A".repeat(100);
        assert_eq!(clean(&long).unwrap().chars().count(), NAME_MAX_CHARS);
        assert_eq!(clean("山田太郎").as_deref(), Some("山田太郎"));
        let spaced = format!("{} B", "x".repeat(NAME_MAX_CHARS));
        assert_eq!(clean(&spaced).unwrap(), "x".repeat(NAME_MAX_CHARS));
    }
}
