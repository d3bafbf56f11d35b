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
use crate::lobby::change::LobbyChange;

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
    /// Adds a window, or updates the one with its id. An interval's end, once
    /// known, stays: a row is only ever closed, so a change noted again out of
    /// order (at its commit, then in seq order) cannot reopen it.
    fn window(&mut self, window: Span) {
        match self.windows.iter_mut().find(|known| known.id == window.id) {
            Some(known) => known.to = known.to.or(window.to),
            None => self.windows.push(window),
        }
    }

    /// Adds a roster interval, or updates the one with its id (as [`Self::window`]).
    fn stint(&mut self, stint: Span, racer: UserId) {
        match self
            .stints
            .iter_mut()
            .find(|(known, _)| known.id == stint.id)
        {
            Some((known, _)) => known.to = known.to.or(stint.to),
            None => self.stints.push((stint, racer)),
        }
    }

    /// Moves the history by one committed change of its lobby; `reach` is how far
    /// back a sale can still be stamped. Noting a change twice changes nothing.
    fn note(&mut self, change: &LobbyChange, reach: Duration) {
        match *change {
            LobbyChange::Joined {
                membership_id,
                discord_id,
                joined_at,
                ..
            } => {
                let stint = Span {
                    id: membership_id,
                    from: joined_at,
                    to: None,
                };
                self.stint(stint, discord_id);
            }
            LobbyChange::Left {
                membership_id,
                left_at,
            } => {
                if let Some((stint, _)) =
                    self.stints.iter_mut().find(|(s, _)| s.id == membership_id)
                {
                    stint.to = Some(left_at);
                }
                self.forget_before(left_at - reach);
            }
            LobbyChange::Opened {
                window_id,
                opened_at,
            } => self.window(Span {
                id: window_id,
                from: opened_at,
                to: None,
            }),
            LobbyChange::Closed {
                window_id,
                closed_at,
                ..
            } => {
                if let Some(window) = self.windows.iter_mut().find(|w| w.id == window_id) {
                    window.to = Some(closed_at);
                }
                self.forget_before(closed_at - reach);
            }
            _ => {}
        }
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

    /// Merges stored rows into the timeline (start-up, or after changes may have
    /// been missed): a row not known is added, a known one takes the end it was
    /// given. A row holding text that is no id is left out, and the log says so.
    pub fn load(
        &self,
        windows: impl IntoIterator<Item = lobby_window::Model>,
        stints: impl IntoIterator<Item = roster_membership::Model>,
    ) {
        let read = histories(windows, stints);
        let mut lobbies = self.write();
        for (lobby_id, history) in read {
            let known = lobbies.entry(lobby_id).or_default();
            history.windows.into_iter().for_each(|w| known.window(w));
            history
                .stints
                .into_iter()
                .for_each(|(s, r)| known.stint(s, r));
        }
    }

    /// Replaces one lobby's history with what the database has (a lobby read again
    /// after a missed change), moved on by the changes committed since that read
    /// (`later`, in seq order), in one step: a sale attributed meanwhile sees
    /// either the old history or the new one, never a lobby without its race.
    pub fn reload_lobby<'a>(
        &self,
        lobby_id: LobbyId,
        windows: Vec<lobby_window::Model>,
        stints: Vec<roster_membership::Model>,
        later: impl IntoIterator<Item = &'a LobbyChange>,
    ) {
        let mut history = histories(windows, stints)
            .remove(&lobby_id)
            .unwrap_or_default();
        later
            .into_iter()
            .for_each(|change| history.note(change, self.reach));
        self.write().insert(lobby_id, history);
    }

    /// A committed change of a lobby: its window or roster moves (other changes
    /// leave the timeline as it is). The lobby notes its own changes as soon as
    /// they commit, and every change again in seq order; the second time changes
    /// nothing.
    pub fn note(&self, lobby_id: LobbyId, change: &LobbyChange) {
        self.write()
            .entry(lobby_id)
            .or_default()
            .note(change, self.reach);
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

/// Stored window and roster rows as each lobby's history. A row holding text that
/// is no id is left out, and the log says so.
fn histories(
    windows: impl IntoIterator<Item = lobby_window::Model>,
    stints: impl IntoIterator<Item = roster_membership::Model>,
) -> HashMap<LobbyId, History> {
    let mut lobbies: HashMap<LobbyId, History> = HashMap::new();
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
    lobbies
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 9, h, m, s).unwrap()
    }

    fn joined(membership_id: i64, racer: &str, joined_at: DateTime<Utc>) -> LobbyChange {
        LobbyChange::Joined {
            membership_id,
            discord_id: racer.parse().unwrap(),
            display_name: format!("racer {racer}"),
            joined_at,
        }
    }

    fn left(membership_id: i64, left_at: DateTime<Utc>) -> LobbyChange {
        LobbyChange::Left {
            membership_id,
            left_at,
        }
    }

    fn opened(window_id: i64, opened_at: DateTime<Utc>) -> LobbyChange {
        LobbyChange::Opened {
            window_id,
            opened_at,
        }
    }

    fn closed(window_id: i64, closed_at: DateTime<Utc>) -> LobbyChange {
        LobbyChange::Closed {
            window_id,
            closed_at,
            totals: crate::money::Pot::default(),
        }
    }

    fn join(timeline: &Timeline, membership: i64, lobby: i64, racer: &str, at: DateTime<Utc>) {
        timeline.note(id(lobby), &joined(membership, racer, at));
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
        timeline.note(id(7), &opened(10, at(9, 1, 0)));
        timeline.note(id(7), &left(2, at(9, 5, 0) + Duration::milliseconds(400)));
        timeline.note(id(7), &closed(10, at(9, 10, 0)));

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
        timeline.note(id(1), &opened(1, at(9, 0, 0)));
        timeline.note(id(2), &opened(2, at(9, 0, 0)));
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
        timeline.note(id(1), &opened(1, at(8, 0, 0)));
        timeline.note(id(1), &closed(1, at(8, 30, 0)));
        timeline.note(id(1), &opened(2, at(10, 0, 0)));
        // Closing the second race drops the first (closed 2 h before).
        timeline.note(id(1), &closed(2, at(10, 30, 0)));
        let lobbies = timeline.lobbies.read().unwrap();
        let ids: Vec<i64> = lobbies[&id(1)].windows.iter().map(|w| w.id).collect();
        assert_eq!(ids, [2]);
    }

    #[test]
    fn a_change_noted_again_out_of_order_reopens_nothing() {
        // A lobby notes its own change when it commits and again in seq order:
        // the join noted again after the leave keeps the racer gone.
        let timeline = Timeline::new(60);
        timeline.note(id(3), &opened(4, at(9, 0, 0)));
        timeline.note(id(3), &joined(8, "21", at(9, 0, 0)));
        timeline.note(id(3), &left(8, at(9, 1, 0)));
        timeline.note(id(3), &closed(4, at(9, 2, 0)));
        timeline.note(id(3), &joined(8, "21", at(9, 0, 0)));
        timeline.note(id(3), &opened(4, at(9, 0, 0)));
        assert_eq!(
            racers(&timeline.open_during_second(at(9, 0, 30), None), 3),
            [user("21")]
        );
        assert_eq!(
            racers(&timeline.open_during_second(at(9, 1, 30), None), 3),
            [None]
        );
        assert!(timeline.open_during_second(at(9, 3, 0), None).is_empty());
    }

    #[test]
    fn a_reload_keeps_the_changes_committed_after_its_read() {
        // The rows were read before the race started; the start committed while
        // the read ran, so the reload moves the read history on by it.
        let timeline = Timeline::new(60);
        timeline.note(id(5), &opened(9, at(9, 0, 0)));
        let membership = roster_membership::Model {
            id: 30,
            lobby_id: 5,
            discord_id: "31".into(),
            display_name: "racer 31".into(),
            joined_at: at(8, 0, 0),
            left_at: None,
        };
        let later = [opened(9, at(9, 0, 0))];
        timeline.reload_lobby(id(5), Vec::new(), vec![membership], &later);
        let open = timeline.open_during_second(at(9, 0, 10), None);
        assert_eq!(racers(&open, 5), [user("31")]);
        // Without it, what was read is all there is.
        timeline.reload_lobby(id(5), Vec::new(), Vec::new(), &[]);
        assert!(timeline.open_during_second(at(9, 0, 10), None).is_empty());
    }
}
