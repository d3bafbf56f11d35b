//! The ids the product passes around, each a type of its own and each built only
//! by parsing, so that a channel id never stands where a user id belongs and text
//! that is no id never gets past the edge that read it.
//!
//! Discord's ids are snowflakes: unsigned 64-bit numbers, written in JSON and in
//! our columns as decimal text. "No guild" (a command outside any server) is
//! `Option<GuildId>::None`; the columns that key money by guild store it as `''`
//! ([`guild_column`], [`guild_from_column`]), and nothing else sees that text.

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text that is not the id it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadId {
    pub kind: &'static str,
    pub text: String,
}

impl fmt::Display for BadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a {}", self.text, self.kind)
    }
}

impl std::error::Error for BadId {}

/// Reads a snowflake: 1 to 20 decimal digits, not zero, within `u64`.
fn snowflake(text: &str, kind: &'static str) -> Result<NonZeroU64, BadId> {
    let bad = || BadId {
        kind,
        text: text.chars().take(40).collect(),
    };
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse::<NonZeroU64>().map_err(|_| bad())
}

macro_rules! snowflake_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(NonZeroU64);

        impl $name {
            pub fn get(self) -> u64 {
                self.0.get()
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(text: &str) -> Result<Self, BadId> {
                snowflake(text, $kind).map($name)
            }
        }

        /// A number another library already holds as a snowflake (serenity's ids).
        impl From<NonZeroU64> for $name {
            fn from(id: NonZeroU64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for NonZeroU64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl TryFrom<u64> for $name {
            type Error = BadId;
            fn try_from(id: u64) -> Result<Self, BadId> {
                NonZeroU64::new(id).map($name).ok_or_else(|| BadId {
                    kind: $kind,
                    text: id.to_string(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

snowflake_id!(
    /// A Discord server.
    GuildId,
    "guild id"
);
snowflake_id!(
    /// A Discord user: a host, a racer, an admin.
    UserId,
    "user id"
);
snowflake_id!(
    /// A Discord channel a lobby was created in.
    ChannelId,
    "channel id"
);
snowflake_id!(
    /// Discord's id of one interaction: every delivery of the same interaction
    /// carries it, so it keys what must happen at most once (a payout).
    InteractionId,
    "interaction id"
);

/// A guild as the columns that key money by guild store it: `''` for none.
pub fn guild_column(guild: Option<GuildId>) -> String {
    guild.map(|g| g.to_string()).unwrap_or_default()
}

/// The inverse of [`guild_column`].
pub fn guild_from_column(text: &str) -> Result<Option<GuildId>, BadId> {
    if text.is_empty() {
        Ok(None)
    } else {
        text.parse().map(Some)
    }
}

/// A lobby's number, the database's key for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LobbyId(i64);

impl LobbyId {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl FromStr for LobbyId {
    type Err = BadId;
    fn from_str(text: &str) -> Result<Self, BadId> {
        let bad = || BadId {
            kind: "lobby id",
            text: text.chars().take(40).collect(),
        };
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(LobbyId(id)),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<i64> for LobbyId {
    type Error = BadId;
    fn try_from(id: i64) -> Result<Self, BadId> {
        if id > 0 {
            Ok(LobbyId(id))
        } else {
            Err(BadId {
                kind: "lobby id",
                text: id.to_string(),
            })
        }
    }
}

impl fmt::Display for LobbyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Characters of lobby codes: no 0/O, 1/I/L, so a viewer can read one off a
/// stream.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a lobby code.
pub const CODE_LENGTH: usize = 4;

/// A lobby's short public code (`K7QX`): exactly [`CODE_LENGTH`] characters of
/// [`CODE_ALPHABET`], at least one a letter, so that a code never reads as a
/// [`LobbyId`]. Parsing takes any case and one leading `#`, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LobbyCode(String);

impl LobbyCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fresh code drawn by `draw` (an index into [`CODE_ALPHABET`] per call),
    /// drawn again until it holds a letter.
    pub fn generate(mut draw: impl FnMut(usize) -> usize) -> LobbyCode {
        loop {
            let code: String = (0..CODE_LENGTH)
                .map(|_| CODE_ALPHABET[draw(CODE_ALPHABET.len()) % CODE_ALPHABET.len()] as char)
                .collect();
            if let Ok(code) = code.parse() {
                return code;
            }
        }
    }
}

impl FromStr for LobbyCode {
    type Err = BadId;
    fn from_str(text: &str) -> Result<Self, BadId> {
        let upper = text.strip_prefix('#').unwrap_or(text).to_ascii_uppercase();
        let ok = upper.len() == CODE_LENGTH
            && upper.bytes().all(|b| CODE_ALPHABET.contains(&b))
            && upper.bytes().any(|b| b.is_ascii_alphabetic());
        if ok {
            Ok(LobbyCode(upper))
        } else {
            Err(BadId {
                kind: "lobby code",
                text: text.chars().take(40).collect(),
            })
        }
    }
}

impl fmt::Display for LobbyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for LobbyCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LobbyCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What names a lobby where either is accepted (`{lobby}` in a route, a command's
/// `lobby` option): its number, or its code in any case with an optional `#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LobbyKey {
    Id(LobbyId),
    Code(LobbyCode),
}

impl FromStr for LobbyKey {
    type Err = BadId;
    fn from_str(text: &str) -> Result<Self, BadId> {
        let key = text.trim().trim_start_matches('#');
        if let Ok(id) = key.parse() {
            return Ok(LobbyKey::Id(id));
        }
        key.parse().map(LobbyKey::Code).map_err(|_| BadId {
            kind: "lobby id or code",
            text: text.chars().take(40).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_are_decimal_digits_within_u64_and_not_zero() {
        assert_eq!(
            "1200000000000000001".parse::<GuildId>().unwrap().get(),
            1_200_000_000_000_000_001
        );
        assert_eq!(
            u64::MAX.to_string().parse::<UserId>().unwrap().get(),
            u64::MAX
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            " 1",
            "1e3",
            "18446744073709551616",
            "１２",
        ] {
            assert!(bad.parse::<UserId>().is_err(), "{bad:?}");
        }
        assert!(UserId::try_from(0).is_err());
    }

    #[test]
    fn no_guild_is_the_empty_column_and_nothing_else() {
        assert_eq!(guild_column(None), "");
        let guild: GuildId = "7".parse().unwrap();
        assert_eq!(guild_column(Some(guild)), "7");
        assert_eq!(guild_from_column("").unwrap(), None);
        assert_eq!(guild_from_column("7").unwrap(), Some(guild));
        assert!(guild_from_column("x").is_err());
    }

    #[test]
    fn ids_are_json_text_and_lobby_ids_numbers() {
        let user: UserId = "42".parse().unwrap();
        assert_eq!(serde_json::to_string(&user).unwrap(), r#""42""#);
        assert_eq!(serde_json::from_str::<UserId>(r#""42""#).unwrap(), user);
        assert!(serde_json::from_str::<UserId>(r#""forty""#).is_err());
        let lobby = LobbyId::try_from(5).unwrap();
        assert_eq!(serde_json::to_string(&lobby).unwrap(), "5");
        let code: LobbyCode = "#k7qx".parse().unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""K7QX""#);
    }

    #[test]
    fn codes_hold_a_letter_and_only_readable_characters() {
        assert_eq!("k7qx".parse::<LobbyCode>().unwrap().as_str(), "K7QX");
        for bad in [
            "", "K7Q", "K7QXY", "2345", "K0QX", "KIQX", "K7Q_", " K7QX", "##K7QX",
        ] {
            assert!(bad.parse::<LobbyCode>().is_err(), "{bad:?}");
        }
        let mut n = 0;
        let code = LobbyCode::generate(|len| {
            n += 1;
            // The first draw is all digits ("2222"), so it must draw again.
            if n <= CODE_LENGTH {
                23
            } else {
                n % len
            }
        });
        assert!(code.as_str().bytes().any(|b| b.is_ascii_alphabetic()));
    }

    #[test]
    fn a_key_is_an_id_when_it_reads_as_one_else_a_code() {
        assert_eq!("12".parse::<LobbyKey>().unwrap(), LobbyKey::Id(LobbyId(12)));
        assert_eq!(
            "#k7qx".parse::<LobbyKey>().unwrap(),
            LobbyKey::Code(LobbyCode("K7QX".into()))
        );
        assert!("nope!".parse::<LobbyKey>().is_err());
        assert!("0".parse::<LobbyKey>().is_err());
    }
}
