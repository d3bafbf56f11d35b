//! The one module that reads and writes `guild_overlay_names` and
//! `guild_blocked_words`: each guild's own name mode and words.

use std::collections::HashMap;

use entity::{guild_blocked_word, guild_overlay_names};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::words::BlockedWord;
use super::{GuildNames, NameMode};
use crate::domain::ids::GuildId;

/// Every guild's settings (read once at start-up; they are few and small).
pub async fn load_all(db: &impl ConnectionTrait) -> Result<HashMap<GuildId, GuildNames>, DbErr> {
    let guild_of = |text: &str| {
        text.parse::<GuildId>()
            .map_err(|e| DbErr::Custom(format!("stored {e}")))
    };
    let mut guilds: HashMap<GuildId, GuildNames> = HashMap::new();
    for row in guild_overlay_names::Entity::find().all(db).await? {
        guilds.entry(guild_of(&row.guild_id)?).or_default().mode =
            NameMode::parse(&row.buyer_names);
    }
    for row in guild_blocked_word::Entity::find().all(db).await? {
        let Ok(word) = BlockedWord::parse(&row.word) else {
            continue;
        };
        let guild = guilds.entry(guild_of(&row.guild_id)?).or_default();
        if row.blocked {
            guild.blocked.insert(word);
        } else {
            guild.allowed.insert(word);
        }
    }
    Ok(guilds)
}

/// Sets a guild's mode (`None`: back to the deployment's).
pub async fn set_mode(
    db: &impl ConnectionTrait,
    guild_id: GuildId,
    mode: Option<NameMode>,
) -> Result<(), DbErr> {
    let Some(mode) = mode else {
        guild_overlay_names::Entity::delete_by_id(guild_id.to_string())
            .exec(db)
            .await?;
        return Ok(());
    };
    let row = guild_overlay_names::ActiveModel {
        guild_id: Set(guild_id.to_string()),
        buyer_names: Set(mode.as_str().to_owned()),
    };
    guild_overlay_names::Entity::insert(row)
        .on_conflict(
            OnConflict::column(guild_overlay_names::Column::GuildId)
                .update_column(guild_overlay_names::Column::BuyerNames)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Records a guild's word as blocked or allowed (`None`: forgets it).
pub async fn set_word(
    db: &impl ConnectionTrait,
    guild_id: GuildId,
    word: &BlockedWord,
    blocked: Option<bool>,
) -> Result<(), DbErr> {
    let Some(blocked) = blocked else {
        guild_blocked_word::Entity::delete_many()
            .filter(guild_blocked_word::Column::GuildId.eq(guild_id.to_string()))
            .filter(guild_blocked_word::Column::Word.eq(word.as_str()))
            .exec(db)
            .await?;
        return Ok(());
    };
    let row = guild_blocked_word::ActiveModel {
        guild_id: Set(guild_id.to_string()),
        word: Set(word.as_str().to_owned()),
        blocked: Set(blocked),
    };
    guild_blocked_word::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                guild_blocked_word::Column::GuildId,
                guild_blocked_word::Column::Word,
            ])
            .update_column(guild_blocked_word::Column::Blocked)
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// How many words a guild has recorded (against [`super::GUILD_WORDS_MAX`]).
pub async fn word_count(db: &impl ConnectionTrait, guild_id: GuildId) -> Result<u64, DbErr> {
    guild_blocked_word::Entity::find()
        .filter(guild_blocked_word::Column::GuildId.eq(guild_id.to_string()))
        .count(db)
        .await
}
