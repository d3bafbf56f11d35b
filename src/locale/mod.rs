//! The bot's words in its users' languages: which [`Locale`] an interaction asks
//! for, the reply catalogues (`replies/<locale>.ftl`, Fluent, English the source
//! of truth) that every reply is written from through [`Locale::t`], money as each
//! locale writes it ([`Locale::money`]), and the locale each guild was last seen
//! with, for what the bot posts by itself ([`GuildLocales`]).
//!
//! Command names and descriptions are localised apart, in `discord::locales`;
//! Discord's `<t:UNIX:R>` timestamps localise themselves in each reader's client.

mod catalogue;
mod guild;
mod money;

pub use catalogue::Arg;
pub use guild::GuildLocales;

/// A language the replies are written in. Parsed once from Discord's `locale`
/// (or `guild_locale`) at the boundary; any code without a catalogue is English.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    EsEs,
    PtBr,
    Ja,
}

impl Locale {
    /// Every locale with a catalogue, English first.
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::EsEs,
        Locale::PtBr,
        Locale::Ja,
    ];

    /// The locale for one of Discord's locale codes (`"de"`, `"pt-BR"`,
    /// `"en-US"`); English for every code without a catalogue of its own.
    pub fn from_discord(code: &str) -> Locale {
        match code.trim() {
            "de" => Locale::De,
            "fr" => Locale::Fr,
            "es-ES" => Locale::EsEs,
            "pt-BR" => Locale::PtBr,
            "ja" => Locale::Ja,
            _ => Locale::En,
        }
    }

    /// Discord's code for it (English as `en-US`), as kept for a guild.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en-US",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::EsEs => "es-ES",
            Locale::PtBr => "pt-BR",
            Locale::Ja => "ja",
        }
    }
}
