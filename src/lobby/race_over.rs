//! Races that ended, reported by their LobbyActor to whoever announces them in
//! the lobby's channel. The queue is bounded and the lobby never waits on it: a
//! full or absent queue costs an announcement (logged), never a lobby change.

use tokio::sync::mpsc;

use super::RaceSummary;

/// Ended races waiting to be announced; beyond this the newest are dropped.
pub const RACE_OVER_QUEUE: usize = 256;

/// One race that ended.
#[derive(Clone, Debug)]
pub struct RaceOver {
    pub summary: RaceSummary,
    /// `end` (a host or admin ended it) or `timeout` (it ran past
    /// `max_window_minutes`); shutdowns are not reported.
    pub reason: crate::domain::end::EndReason,
}

/// Where lobbies report ended races; `none()` reports nowhere.
#[derive(Clone, Debug, Default)]
pub struct RaceOverSink(Option<mpsc::Sender<RaceOver>>);

impl RaceOverSink {
    /// A sink and the receiving end that announces what it is sent.
    pub fn channel() -> (RaceOverSink, mpsc::Receiver<RaceOver>) {
        let (sender, receiver) = mpsc::channel(RACE_OVER_QUEUE);
        (RaceOverSink(Some(sender)), receiver)
    }

    pub fn none() -> RaceOverSink {
        RaceOverSink(None)
    }

    /// Hands the race on without waiting; a full or closed queue is logged.
    pub fn report(&self, race: RaceOver) {
        let Some(sender) = &self.0 else {
            return;
        };
        let lobby = race.summary.lobby.id;
        if let Err(error) = sender.try_send(race) {
            tracing::warn!(%lobby, %error, "race summary not queued for its channel");
        }
    }
}
