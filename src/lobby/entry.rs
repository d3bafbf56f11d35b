//! A running lobby as others hold it: its identity (id, code, guild, host,
//! channel) and its actor's address. Made by the registry, kept by the following
//! index and by overlay sessions.

use actix::Addr;

use super::LobbyActor;

#[derive(Clone)]
pub struct LobbyEntry {
    pub id: i64,
    pub code: String,
    pub guild_id: Option<String>,
    /// Read by overlays that follow a host or a channel.
    pub host_id: String,
    pub channel_id: Option<String>,
    pub addr: Addr<LobbyActor>,
}

impl LobbyEntry {
    pub fn new(row: &entity::lobby::Model, addr: Addr<LobbyActor>) -> Self {
        LobbyEntry {
            id: row.id,
            code: row.code.clone(),
            guild_id: row.guild_id.clone(),
            host_id: row.host_id.clone(),
            channel_id: row.channel_id.clone(),
            addr,
        }
    }
}
