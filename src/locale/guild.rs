//! The locale each guild was last seen with (Discord's `guild_locale`, sent on
//! every interaction in a guild), for what the bot posts there by itself: a
//! timed-out race's summary, a store-credit DM. Kept in `settings` under
//! `locale:<guild>` as Discord's code, so that every process and a restart read
//! the same; this module owns those rows.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use entity::setting;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use crate::domain::ids::GuildId;

use super::Locale;

/// How long a locale written by this process is taken as still stored: past it,
/// the next interaction writes it again (another process may have written a
/// different one meanwhile).
const WRITTEN_FOR_MINUTES: i64 = 10;
/// Most guilds whose last write this process remembers; past it, it forgets all
/// (and writes again as interactions come).
const REMEMBERED_MAX: usize = 10_000;

/// Keeps each guild's locale, writing only when it changes (or is old news).
pub struct GuildLocales {
    /// Where the locales are kept.
    db: DatabaseConnection,
    /// What this process last wrote per guild, and when; read by [`Self::seen`]
    /// to skip a write per interaction.
    written: Mutex<HashMap<GuildId, (Locale, DateTime<Utc>)>>,
}

fn key(guild: GuildId) -> String {
    format!("locale:{guild}")
}

impl GuildLocales {
    pub fn new(db: DatabaseConnection) -> Self {
        GuildLocales {
            db,
            written: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that an interaction in `guild` came with `locale` as its guild's.
    /// A failed write is logged: posts then go out in the locale stored before.
    pub async fn seen(&self, guild: GuildId, locale: Locale, now: DateTime<Utc>) {
        let fresh = |(known, at): &(Locale, DateTime<Utc>)| {
            *known == locale && now - *at < Duration::minutes(WRITTEN_FOR_MINUTES)
        };
        if self.written().get(&guild).is_some_and(fresh) {
            return;
        }
        if let Err(error) = self.store(guild, locale).await {
            tracing::warn!(%guild, %error, "guild locale not kept");
            return;
        }
        let mut written = self.written();
        if written.len() >= REMEMBERED_MAX {
            written.clear();
        }
        written.insert(guild, (locale, now));
    }

    /// The locale `guild` was last seen with; English when never seen, outside
    /// any guild, or when it cannot be read (logged).
    pub async fn of(&self, guild: Option<GuildId>) -> Locale {
        let Some(guild) = guild else {
            return Locale::En;
        };
        match setting::Entity::find_by_id(key(guild)).one(&self.db).await {
            Ok(row) => row.map_or(Locale::En, |row| Locale::from_discord(&row.value)),
            Err(error) => {
                tracing::warn!(%guild, %error, "guild locale not read; English");
                Locale::En
            }
        }
    }

    async fn store(&self, guild: GuildId, locale: Locale) -> Result<(), DbErr> {
        crate::db::settings::put(&self.db, key(guild), locale.code().to_owned()).await
    }

    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<GuildId, (Locale, DateTime<Utc>)>> {
        self.written.lock().unwrap_or_else(|p| p.into_inner())
    }
}
