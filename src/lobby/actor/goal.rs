//! The lobby's goal (`/goal`): written and numbered through the store, then
//! applied like every committed change (so every process shows it in order).

use actix::prelude::*;

use super::LobbyActor;
use crate::lobby::messages::SetGoal;
use crate::lobby::{store, LobbyError, LobbyView};

impl Handler<SetGoal> for LobbyActor {
    type Result = AtomicResponse<LobbyActor, Result<LobbyView, LobbyError>>;

    fn handle(&mut self, msg: SetGoal, _: &mut Context<Self>) -> Self::Result {
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        AtomicResponse::new(Box::pin(
            async move { store::set_goal(&db, &channel, lobby_id, msg.goal).await }
                .into_actor(self)
                .map(|result, actor, ctx| {
                    actor.committed(result, ctx)?;
                    Ok(actor.view())
                }),
        ))
    }
}
