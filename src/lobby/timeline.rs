//! The window and roster history the SalesRouter attributes from, held in
//! memory (DESIGN section 7): loaded from the lobby tables at start-up, kept
//! current by each LobbyActor right after its own change commits, so that a sale
//! costs no read before the ledger. It forgets what no sale can reach any more: a
//! sale's time is never earlier than `max_delay` before its arrival.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Duration, Utc};
use entity::{lobby_window, roster_membership};

use crate::domain::ids::{LobbyId, UserId};
use crate::domain::race;

/// One window open during a sale's second, with one racer on its roster then
/// (`None`: nobody was).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDuring {
    pub lobby_id: LobbyId,
    pub opened_at: DateTime<Utc>,
    pub racer: Option<UserId>,
}

/// One interval of a lobby's history: a window, or a racer's time on the roster.
#[derive(Clone, Debug)]
struct Span {
    /// Row id of the window or the roster membership.
    id: i64,
    from: DateTime<Utc>,
    /// `None` while it lasts.
    to: Option<DateTime<Utc>>,
}

impl Span {
    /// Whether a sale stamped `sold_at` counts for it: the domain's one rule.
    fn counts(&self, sold_at: DateTime<Utc>) -> bool {
        race::Span {
            from: self.from,
            to: self.to,
        }
        .counts(sold_at)
    }

    fn ended_before(&self, bound: DateTime<Utc>) -> bool {
        self.to.is_some_and(|to| to < bound)
    }
}

#[derive(Default, Debug)]
struct History {
    windows: Vec<Span>,
    /// Roster intervals with the racer.
    stints: Vec<(Span, UserId)>,
}

impl History {
    /// Adds a window, or replaces the one with its id.
    fn window(&mut self, window: Span) {
        self.windows.retain(|known| known.id != window.id);
        self.windows.push(window);
    }

    /// Adds a roster interval, or replaces the one with its id.
    fn stint(&mut self, stint: Span, racer: UserId) {
        self.stints.retain(|(known, _)| known.id != stint.id);
        self.stints.push((stint, racer));
    }

    fn forget_before(&mut self, bound: DateTime<Utc>) {
        self.windows.retain(|w| !w.ended_before(bound));
        self.stints.retain(|(s, _)| !s.ended_before(bound));
    }
}

/// Every lobby's recent window and roster history; shared by the lobby actors
/// (writers) and the SalesRouter (reader).
#[derive(Debug)]
pub struct Timeline {
    lobbies: RwLock<HashMap<LobbyId, History>>,
    /// How far back a sale's time can reach: `commission.max_delay_minutes` plus
    /// a margin for the clamp's second.
    reach: Duration,
}

impl Timeline {
    /// An empty timeline that keeps what a sale up to `max_delay_minutes` late
    /// can still reach.
    pub fn new(max_delay_minutes: u32) -> Self {
        Timeline {
            lobbies: RwLock::new(HashMap::new()),
            reach: Duration::minutes(i64::from(max_delay_minutes) + 1),
        }
    }

    /// How far back history must be loaded at start-up (`now - reach`).
    pub fn horizon(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.reach
    }

    /// Fills the timeline from stored rows (start-up, or a lobby reloaded). A
    /// row holding text that is no id is left out, and the log says so.
    pub fn load(
        &self,
        windows: impl IntoIterator<Item = lobby_window::Model>,
        stints: impl IntoIterator<Item = roster_membership::Model>,
    ) {
        let mut lobbies = self.write();
        for w in windows {
            let Ok(lobby_id) = LobbyId::try_from(w.lobby_id) else {
                tracing::warn!(window = w.id, "stored window of no lobby; left out");
                continue;
            };
            lobbies.entry(lobby_id).or_default().window(Span {
                id: w.id,
                from: w.opened_at,
                to: w.closed_at,
            });
        }
        for m in stints {
            let ids = LobbyId::try_from(m.lobby_id).and_then(|l| Ok((l, m.discord_id.parse()?)));
            let Ok((lobby_id, racer)) = ids else {
                tracing::warn!(membership = m.id, "stored roster row holds no id; left out");
                continue;
            };
            let stint = Span {
                id: m.id,
                from: m.joined_at,
                to: m.left_at,
            };
            lobbies.entry(lobby_id).or_default().stint(stint, racer);
        }
    }

    /// Replaces one lobby's history with what the database has (a lobby read again
    /// after a missed change).
    pub fn reload_lobby(
        &self,
        lobby_id: LobbyId,
        windows: Vec<lobby_window::Model>,
        stints: Vec<roster_membership::Model>,
    ) {
        self.write().remove(&lobby_id);
        self.load(windows, stints);
    }

    /// A window opened (after its row committed).
    pub fn opened(&self, lobby_id: LobbyId, window_id: i64, at: DateTime<Utc>) {
        let window = Span {
            id: window_id,
            from: at,
            to: None,
        };
        self.write().entry(lobby_id).or_default().window(window);
    }

    /// A window closed (after its row committed); forgets what no sale can reach.
    pub fn closed(&self, lobby_id: LobbyId, window_id: i64, at: DateTime<Utc>) {
        let mut lobbies = self.write();
        let history = lobbies.entry(lobby_id).or_default();
        if let Some(window) = history.windows.iter_mut().find(|w| w.id == window_id) {
            window.to = Some(at);
        }
        history.forget_before(at - self.reach);
    }

    /// A racer joined (after the membership row committed).
    pub fn joined(&self, lobby_id: LobbyId, membership_id: i64, racer: UserId, at: DateTime<Utc>) {
        let stint = Span {
            id: membership_id,
            from: at,
            to: None,
        };
        self.write()
            .entry(lobby_id)
            .or_default()
            .stint(stint, racer);
    }

    /// A racer left (after the row committed); forgets what no sale can reach.
    pub fn left(&self, lobby_id: LobbyId, membership_id: i64, at: DateTime<Utc>) {
        let mut lobbies = self.write();
        let history = lobbies.entry(lobby_id).or_default();
        if let Some((stint, _)) = history
            .stints
            .iter_mut()
            .find(|(s, _)| s.id == membership_id)
        {
            stint.to = Some(at);
        }
        history.forget_before(at - self.reach);
    }

    /// The windows open during the second of `sold_at`, each with the racers on
    /// its roster then (`racer: None` when nobody was); `only` narrows it to one
    /// lobby. A window or a roster interval counts when it overlaps `[S, S+1)`:
    /// provider times have whole-second resolution.
    pub fn open_during_second(
        &self,
        sold_at: DateTime<Utc>,
        only: Option<LobbyId>,
    ) -> Vec<OpenDuring> {
        let lobbies = self.lobbies.read().unwrap_or_else(|p| p.into_inner());
        let mut open = Vec::new();
        let mut add = |lobby_id: LobbyId, history: &History| {
            for window in history.windows.iter().filter(|w| w.counts(sold_at)) {
                let before = open.len();
                open.extend(
                    history
                        .stints
                        .iter()
                        .filter(|(s, _)| s.counts(sold_at))
                        .map(|(_, racer)| OpenDuring {
                            lobby_id,
                            opened_at: window.from,
                            racer: Some(*racer),
                        }),
                );
                if open.len() == before {
                    open.push(OpenDuring {
                        lobby_id,
                        opened_at: window.from,
                        racer: None,
                    });
                }
            }
        };
        match only {
            Some(id) => {
                if let Some(history) = lobbies.get(&id) {
                    add(id, history);
                }
            }
            None => lobbies.iter().for_each(|(id, h)| add(*id, h)),
        }
        open
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<LobbyId, History>> {
        self.lobbies.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 9, h, m, s).unwrap()
    }

    fn join(timeline: &Timeline, membership: i64, lobby: i64, racer: &str, at: DateTime<Utc>) {
        timeline.joined(id(lobby), membership, racer.parse().unwrap(), at);
    }

    fn id(n: i64) -> LobbyId {
        LobbyId::try_from(n).unwrap()
    }

    fn user(text: &str) -> Option<UserId> {
        Some(text.parse().unwrap())
    }

    fn racers(open: &[OpenDuring], lobby_id: i64) -> Vec<Option<UserId>> {
        let mut racers: Vec<_> = open
            .iter()
            .filter(|o| o.lobby_id == id(lobby_id))
            .map(|o| o.racer)
            .collect();
        racers.sort();
        racers
    }

    #[test]
    fn a_sale_sees_the_windows_and_rosters_of_its_second() {
        let timeline = Timeline::new(60);
        join(&timeline, 1, 7, "11", at(9, 0, 0));
        join(&timeline, 2, 7, "12", at(9, 0, 0));
        timeline.opened(id(7), 10, at(9, 1, 0));
        timeline.left(id(7), 2, at(9, 5, 0) + Duration::milliseconds(400));
        timeline.closed(id(7), 10, at(9, 10, 0));

        assert!(timeline.open_during_second(at(9, 0, 59), None).is_empty());
        let both = timeline.open_during_second(at(9, 1, 0) + Duration::milliseconds(900), None);
        assert_eq!(racers(&both, 7), [user("11"), user("12")]);
        assert!(both.iter().all(|o| o.opened_at == at(9, 1, 0)));
        // 12 left during 9:05:00, so a sale of that second still counts 12.
        assert_eq!(
            racers(&timeline.open_during_second(at(9, 5, 0), None), 7).len(),
            2
        );
        assert_eq!(
            racers(&timeline.open_during_second(at(9, 5, 1), Some(id(7))), 7),
            [user("11")]
        );
        // The closing second still counts; the next does not.
        assert_eq!(timeline.open_during_second(at(9, 10, 0), None).len(), 1);
        assert!(timeline.open_during_second(at(9, 10, 1), None).is_empty());
    }

    #[test]
    fn an_empty_roster_is_one_row_without_racer_and_only_narrows() {
        let timeline = Timeline::new(60);
        timeline.opened(id(1), 1, at(9, 0, 0));
        timeline.opened(id(2), 2, at(9, 0, 0));
        join(&timeline, 5, 2, "13", at(8, 0, 0));
        let all = timeline.open_during_second(at(9, 30, 0), None);
        assert_eq!(racers(&all, 1), [None]);
        assert_eq!(racers(&all, 2), [user("13")]);
        let only = timeline.open_during_second(at(9, 30, 0), Some(id(2)));
        assert!(only.iter().all(|o| o.lobby_id == id(2)));
    }

    #[test]
    fn history_out_of_reach_is_forgotten() {
        let timeline = Timeline::new(60);
        timeline.opened(id(1), 1, at(8, 0, 0));
        timeline.closed(id(1), 1, at(8, 30, 0));
        timeline.opened(id(1), 2, at(10, 0, 0));
        // Closing the second race drops the first (closed 2 h before).
        timeline.closed(id(1), 2, at(10, 30, 0));
        let lobbies = timeline.lobbies.read().unwrap();
        let ids: Vec<i64> = lobbies[&id(1)].windows.iter().map(|w| w.id).collect();
        assert_eq!(ids, [2]);
    }
}
