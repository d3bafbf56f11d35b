//! What the host does to the overlays alone (`/overlay hide`, `/overlay test`):
//! numbered and published like any change of the lobby, so that every process's
//! overlays see it in order, but no money, roster or window moves.

use actix::prelude::*;

use super::LobbyActor;
use crate::lobby::change::LobbyChange;
use crate::lobby::messages::{HideLatestName, SendTestSale};
use crate::lobby::{store, LobbyError};

/// The buyer a test alert shows.
pub const TEST_BUYER: &str = "Test";

impl Handler<HideLatestName> for LobbyActor {
    type Result = AtomicResponse<LobbyActor, Result<i64, LobbyError>>;

    fn handle(&mut self, msg: HideLatestName, _: &mut Context<Self>) -> Self::Result {
        let latest = self
            .recent
            .iter()
            .find(|sale| {
                self.shown_buyer(sale.buyer.as_deref(), sale.amount)
                    .is_some()
            })
            .map(|sale| sale.sale_id);
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        AtomicResponse::new(Box::pin(
            async move {
                let sale_id = latest.ok_or(LobbyError::NoNameToHide)?;
                store::hide_name(&db, &channel, lobby_id, sale_id, msg.at)
                    .await
                    .map(|numbered| (numbered, sale_id))
            }
            .into_actor(self)
            .map(|result, actor, ctx| {
                let (numbered, sale_id) = result?;
                actor.committed(Ok(numbered), ctx)?;
                Ok(sale_id)
            }),
        ))
    }
}

impl Handler<SendTestSale> for LobbyActor {
    type Result = AtomicResponse<LobbyActor, Result<(), LobbyError>>;

    fn handle(&mut self, msg: SendTestSale, _: &mut Context<Self>) -> Self::Result {
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        let change = LobbyChange::TestSale {
            amount: msg.amount,
            pool_delta: msg.pool_delta,
        };
        AtomicResponse::new(Box::pin(
            async move { store::overlay_only(&db, &channel, lobby_id, change).await }
                .into_actor(self)
                .map(|result, actor, ctx| {
                    actor.committed(result, ctx)?;
                    Ok(())
                }),
        ))
    }
}
