//! The lobby's goal (`/goal`): written through the store, then shown to overlays.

use actix::prelude::*;

use super::LobbyActor;
use crate::lobby::messages::SetGoal;
use crate::lobby::{store, LobbyError, LobbyView};
use crate::protocol::OverlayEvent;

impl Handler<SetGoal> for LobbyActor {
    type Result = AtomicResponse<LobbyActor, Result<LobbyView, LobbyError>>;

    fn handle(&mut self, msg: SetGoal, _: &mut Context<Self>) -> Self::Result {
        let (db, lobby_id, goal) = (self.db.clone(), self.row.id, msg.goal);
        AtomicResponse::new(Box::pin(
            async move { store::set_goal(&db, lobby_id, goal).await }
                .into_actor(self)
                .map(move |result, actor, _| {
                    result?;
                    actor.goal = goal;
                    actor.tell(OverlayEvent::Goal { goal });
                    Ok(actor.view())
                }),
        ))
    }
}
