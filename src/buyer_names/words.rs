//! Blocked words: the patterns a streamer does not want on stream, and the one
//! normal form both a pattern and a name are compared in (NFKC, case-folded,
//! accents stripped, common letter-for-digit swaps undone), so that `Fück`,
//! `FUCK` and `f4ck` meet the same pattern. `*` in a pattern stands for any run
//! of letters.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// The list that ships with the binary, used where `overlay.blocked_words` is
/// not set: common English slurs and obscenities, one pattern a line.
pub const DEFAULT_BLOCKED_WORDS: &str = include_str!("blocked_words.txt");

/// Longest pattern, in characters (also the Discord option's `max_length`).
pub const WORD_MAX_CHARS: usize = 32;

/// Why a blocked word was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WordError {
    #[error("a blocked word needs at least two letters or digits")]
    TooShort,
    #[error("a blocked word has at most {WORD_MAX_CHARS} characters")]
    TooLong,
    #[error("a blocked word holds only letters, digits, spaces, - ' and the * wildcard")]
    Characters,
}

/// One blocked pattern in normal form (`*` kept as the wildcard).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockedWord(String);

impl BlockedWord {
    /// A pattern as typed (by an admin or in the configuration), checked and
    /// brought to normal form.
    pub fn parse(text: &str) -> Result<BlockedWord, WordError> {
        let text = text.trim();
        if text.chars().count() > WORD_MAX_CHARS {
            return Err(WordError::TooLong);
        }
        let allowed =
            |c: char| c.is_alphanumeric() || matches!(c, '*' | ' ' | '-' | '\'' | '@' | '$');
        if !text.chars().all(allowed) {
            return Err(WordError::Characters);
        }
        let pattern: String = text
            .split('*')
            .map(|part| normalise(part).replace(' ', ""))
            .collect::<Vec<_>>()
            .join("*");
        if pattern.chars().filter(|c| *c != '*').count() < 2 {
            return Err(WordError::TooShort);
        }
        Ok(BlockedWord(pattern))
    }

    /// The pattern as stored and shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this pattern matches a whole word of the name, or the whole name
    /// read without its separators (`f.u.c.k`). Never a part of a word unless the
    /// pattern says so with `*`: `ass` does not block "Cassandra".
    pub fn matches(&self, name: &NormalName) -> bool {
        name.words.iter().any(|word| wildcard(&self.0, word)) || wildcard(&self.0, &name.joined)
    }
}

/// A name in normal form, split into its words.
pub struct NormalName {
    words: Vec<String>,
    joined: String,
}

impl NormalName {
    pub fn of(name: &str) -> NormalName {
        let normal = normalise(name);
        let words: Vec<String> = normal
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let joined = words.concat();
        NormalName { words, joined }
    }
}

/// NFKC, case-folded, accents stripped, digits and symbols read as the letters
/// they stand in for.
pub fn normalise(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    folded
        .nfd()
        .filter(|c| c.general_category_group() != GeneralCategoryGroup::Mark)
        .map(unswap)
        .collect::<String>()
        .nfc()
        .collect()
}

/// The letter a digit or symbol commonly stands for in a name.
fn unswap(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        'ß' => 's',
        other => other,
    }
}

/// `*`-wildcard match of a whole text.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The default list, parsed (a line that is not a valid pattern is skipped; a
/// unit test keeps the file clean).
pub fn default_words() -> Vec<BlockedWord> {
    DEFAULT_BLOCKED_WORDS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| BlockedWord::parse(line).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(pattern: &str, name: &str) -> bool {
        BlockedWord::parse(pattern)
            .unwrap()
            .matches(&NormalName::of(name))
    }

    #[test]
    fn words_match_case_accents_and_swaps() {
        assert!(blocks("poop", "POOP"));
        assert!(blocks("poop", "Mr Pööp"));
        assert!(blocks("poop", "p00p"));
        assert!(blocks("poop", "p.o.o.p"));
        assert!(blocks("poop", "ｐｏｏｐ"));
        assert!(blocks("toast", "70457"));
        assert!(!blocks("poop", "poopy"));
        assert!(!blocks("ass", "Cassandra"));
    }

    #[test]
    fn wildcards_stand_for_any_letters() {
        assert!(blocks("poop*", "poopyhead"));
        assert!(blocks("*poop*", "superpoopy"));
        assert!(blocks("*head", "poopyhead"));
        assert!(blocks("p*p", "pop"));
        assert!(!blocks("p*p", "pa"));
        assert!(!blocks("poop*", "apoop"));
    }

    #[test]
    fn patterns_are_checked() {
        assert_eq!(BlockedWord::parse("*"), Err(WordError::TooShort));
        assert_eq!(BlockedWord::parse("a"), Err(WordError::TooShort));
        assert_eq!(BlockedWord::parse("<@123>"), Err(WordError::Characters));
        assert_eq!(BlockedWord::parse("`x`"), Err(WordError::Characters));
        assert_eq!(
            BlockedWord::parse(&"x".repeat(WORD_MAX_CHARS + 1)),
            Err(WordError::TooLong)
        );
        assert_eq!(BlockedWord::parse(" P00P* ").unwrap().as_str(), "poop*");
    }

    #[test]
    fn the_default_list_parses_whole() {
        let lines = DEFAULT_BLOCKED_WORDS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(default_words().len(), lines);
        assert!(lines >= 20);
    }
}
