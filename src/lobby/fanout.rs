//! A lobby's overlay fan-out: its subscribed sessions and its `seq`. Each event
//! is stamped with the next `seq`, encoded once and offered to every session;
//! owned by the LobbyActor, which is the only one to push.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix::Recipient;

use super::messages::Subscribe;
use crate::overlay::protocol::{OverlayEvent, OverlayFrame};

/// One overlay session, and the flag that tells it it was dropped.
struct Subscriber {
    recipient: Recipient<OverlayFrame>,
    dropped: Arc<AtomicBool>,
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
        };
        self.subscribers.insert(msg.session_id, subscriber);
    }

    pub(super) fn unsubscribe(&mut self, session_id: u64) {
        self.subscribers.remove(&session_id);
    }

    /// A snapshot's frame: the state as of the last event, so it carries that
    /// event's `seq` and takes no new one.
    pub(super) fn snapshot_frame(&self, snapshot: &OverlayEvent) -> OverlayFrame {
        snapshot.encode(self.seq)
    }

    /// Stamps the next `seq` on an event, encodes it once and pushes it to every
    /// subscriber. A subscriber whose mailbox is full is dropped: a slow overlay
    /// must never hold the lobby back (it reconnects and gets a snapshot).
    pub(super) fn push(&mut self, event: OverlayEvent) {
        self.seq += 1;
        self.send_all(event.encode(self.seq));
    }

    /// Offers a frame to every subscriber, dropping those that cannot take it.
    fn send_all(&mut self, frame: OverlayFrame) {
        self.subscribers.retain(|_, subscriber| {
            let delivered = subscriber.recipient.try_send(frame.clone()).is_ok();
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
    pub(super) fn resync(&mut self, seq: u64, snapshot: &OverlayEvent) {
        self.seq = seq;
        self.send_all(snapshot.encode(seq));
    }

    /// Tells every session to close its socket, and forgets them (graceful stop).
    pub(super) fn close_all(&mut self) {
        for (_, subscriber) in self.subscribers.drain() {
            let _ = subscriber.recipient.try_send(OverlayFrame::Close);
        }
    }
}
