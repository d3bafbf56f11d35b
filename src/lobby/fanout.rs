//! A lobby's overlay fan-out: its subscribed sessions and its `seq`. Each event
//! is stamped with the next `seq`, encoded once and offered to every session;
//! owned by the LobbyActor, which is the only one to push. A racer's own overlay
//! (`?racer=`) gets the same event with their share added, encoded once per racer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix::Recipient;

use super::messages::Subscribe;
use crate::domain::ids::UserId;
use crate::protocol::{OverlayEvent, OverlayFrame, RacerShare};

/// One overlay session, and the flag that tells it it was dropped.
struct Subscriber {
    recipient: Recipient<OverlayFrame>,
    dropped: Arc<AtomicBool>,
    /// The racer (Discord id) whose share this overlay shows, if any.
    racer: Option<UserId>,
}

#[derive(Default)]
pub(super) struct Overlays {
    /// By session id; read by every push.
    subscribers: HashMap<u64, Subscriber>,
    /// Sequence number of the last event pushed; snapshots carry it.
    seq: u64,
}

impl Overlays {
    /// No subscriber yet; the lobby's last event was number `seq`.
    pub(super) fn starting_at(seq: u64) -> Self {
        Overlays {
            subscribers: HashMap::new(),
            seq,
        }
    }

    pub(super) fn subscribe(&mut self, msg: Subscribe) {
        let subscriber = Subscriber {
            recipient: msg.recipient,
            dropped: msg.dropped,
            racer: msg.racer,
        };
        self.subscribers.insert(msg.session_id, subscriber);
    }

    pub(super) fn unsubscribe(&mut self, session_id: u64) {
        self.subscribers.remove(&session_id);
    }

    /// Whether no overlay is subscribed.
    pub(super) fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }

    /// A snapshot's frame: the state as of the last event, so it carries that
    /// event's `seq` and takes no new one.
    pub(super) fn snapshot_frame(
        &self,
        snapshot: &OverlayEvent,
        racer: Option<RacerShare>,
    ) -> OverlayFrame {
        match racer {
            Some(racer) => snapshot.encode_for(self.seq, &racer),
            None => snapshot.encode(self.seq),
        }
    }

    /// Stamps the next `seq` on an event, encodes it once and pushes it to every
    /// subscriber. A subscriber whose mailbox is full is dropped: a slow overlay
    /// must never hold the lobby back (it reconnects and gets a snapshot).
    /// `share_of` gives a racer's name and share for their own overlays.
    pub(super) fn push(&mut self, event: OverlayEvent, share_of: impl Fn(UserId) -> RacerShare) {
        self.seq += 1;
        self.send_all(&event, self.seq, share_of);
    }

    /// Offers `event` numbered `seq` to every subscriber (encoded once, and once
    /// per racer for racers' own overlays), dropping those that cannot take it.
    fn send_all(
        &mut self,
        event: &OverlayEvent,
        seq: u64,
        share_of: impl Fn(UserId) -> RacerShare,
    ) {
        let frame = event.encode(seq);
        let mut racer_frames: HashMap<UserId, OverlayFrame> = HashMap::new();
        self.subscribers.retain(|_, subscriber| {
            let frame = match &subscriber.racer {
                None => frame.clone(),
                Some(racer) => racer_frames
                    .entry(*racer)
                    .or_insert_with(|| event.encode_for(seq, &share_of(*racer)))
                    .clone(),
            };
            let delivered = subscriber.recipient.try_send(frame).is_ok();
            if !delivered {
                subscriber.dropped.store(true, Ordering::Relaxed);
            }
            delivered
        });
    }

    /// Sequence number of the last event pushed.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    /// After the lobby was read again from the database: its seq is the
    /// database's, and every subscriber gets a fresh snapshot carrying it (an
    /// overlay takes a snapshot at any time as its new starting point).
    pub(super) fn resync(
        &mut self,
        seq: u64,
        snapshot: &OverlayEvent,
        share_of: impl Fn(UserId) -> RacerShare,
    ) {
        self.seq = seq;
        self.send_all(snapshot, seq, share_of);
    }

    /// Tells every session to close its socket, and forgets them (graceful stop).
    pub(super) fn close_all(&mut self) {
        for (_, subscriber) in self.subscribers.drain() {
            let _ = subscriber.recipient.try_send(OverlayFrame::Close);
        }
    }
}
