//! A running lobby as others hold it: its identity (id, code, guild, host,
//! channel) and its actor's address. Made by the registry, kept by the following
//! index and by overlay sessions.

use actix::Addr;

use super::LobbyActor;
use crate::domain::ids::{BadId, ChannelId, GuildId, LobbyCode, LobbyId, UserId};

#[derive(Clone)]
pub struct LobbyEntry {
    pub id: LobbyId,
    pub code: LobbyCode,
    pub guild_id: Option<GuildId>,
    /// Read by overlays that follow a host or a channel.
    pub host_id: UserId,
    pub channel_id: Option<ChannelId>,
    pub addr: Addr<LobbyActor>,
}

impl LobbyEntry {
    pub fn new(identity: &LobbyIdentity, addr: Addr<LobbyActor>) -> Self {
        LobbyEntry {
            id: identity.id,
            code: identity.code.clone(),
            guild_id: identity.guild_id,
            host_id: identity.host_id,
            channel_id: identity.channel_id,
            addr,
        }
    }
}

/// Who a lobby is, as its row says, each id parsed: what its actor and every
/// entry for it are built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobbyIdentity {
    pub id: LobbyId,
    pub code: LobbyCode,
    pub guild_id: Option<GuildId>,
    pub host_id: UserId,
    pub channel_id: Option<ChannelId>,
}

impl LobbyIdentity {
    /// The ids of a lobby row; a row holding text that is no id is refused.
    pub fn of_row(row: &entity::lobby::Model) -> Result<Self, BadId> {
        Ok(LobbyIdentity {
            id: LobbyId::try_from(row.id)?,
            code: row.code.parse()?,
            guild_id: row.guild_id.as_deref().map(str::parse).transpose()?,
            host_id: row.host_id.parse()?,
            channel_id: row.channel_id.as_deref().map(str::parse).transpose()?,
        })
    }
}
