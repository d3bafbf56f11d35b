//! The simulation's overlay sockets: one per lobby, read by a task of its own
//! (which answers the server's pings, so that a socket is never dropped as silent
//! between two checks), and held against the model at every check: each frame's
//! `seq` is one more than the last unless it is a snapshot (which restarts them),
//! a sale or refund moves the pot by its `pool_delta`, and what the frames leave
//! on screen (pot, race running or not, roster) must come to the model's within
//! [`FRAME_WAIT`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::minor;
use crate::overlay::Socket;

/// How long a check waits for the frames that bring a socket to the model's
/// figures, and a stopping server to close it: generous, so that only a frame
/// that never comes fails, not a busy machine.
pub const FRAME_WAIT: Duration = Duration::from_secs(15);
/// Frames kept for the report of a divergence.
const RECENT_MAX: usize = 8;

/// What an overlay shows, as its frames left it (or as the model says it must).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    /// The pot in minor units of USD.
    pub pot: i64,
    /// Whether a race runs (the window is open).
    pub racing: bool,
    /// The racers' display names, sorted.
    pub racers: Vec<String>,
    /// The goal (`/goal`) in minor units of USD, if one is set.
    pub goal: Option<i64>,
}

/// What a reader task hands on.
enum Read {
    Frame(Value),
    /// The socket closed or failed; why.
    Ended(String),
}

/// One lobby's overlay socket, and what its frames showed so far.
pub struct Overlay {
    pub code: String,
    /// Frames from the reader task, in the order they came.
    reads: mpsc::UnboundedReceiver<Read>,
    /// The reader task, aborted when the overlay is dropped.
    reader: tokio::task::JoinHandle<()>,
    /// `seq` of the last frame; `None` before the snapshot.
    seq: Option<u64>,
    /// What the socket shows now; `None` before the snapshot.
    shown: Option<Shown>,
    /// Why the socket ended, once it did.
    ended: Option<String>,
    /// The last frames (type and seq), for the report of a divergence.
    recent: VecDeque<String>,
}

impl Drop for Overlay {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Overlay {
    /// Opens the overlay socket of lobby `code` on the server at `address`.
    pub async fn connect(address: &str, code: &str) -> Result<Overlay, String> {
        let connecting = awc::Client::new()
            .ws(format!("{address}/ws/lobbies/{code}"))
            .connect();
        let (response, socket) = actix_web::rt::time::timeout(FRAME_WAIT, connecting)
            .await
            .map_err(|_| format!("the overlay of {code} did not connect in {FRAME_WAIT:?}"))?
            .map_err(|error| format!("the overlay of {code} did not connect: {error}"))?;
        if response.status() != 101 {
            return Err(format!(
                "the overlay of {code} answered {}",
                response.status()
            ));
        }
        let (sender, reads) = mpsc::unbounded_channel();
        let reader = actix_web::rt::spawn(read(socket, sender));
        Ok(Overlay {
            code: code.to_owned(),
            reads,
            reader,
            seq: None,
            shown: None,
            ended: None,
            recent: VecDeque::new(),
        })
    }

    /// Reads what has come, then waits (at most [`FRAME_WAIT`]) until the socket
    /// shows `want`. Every frame read must follow the last (see [`Self::apply`]).
    pub async fn settle(&mut self, want: &Shown) -> Result<(), String> {
        let deadline = Instant::now() + FRAME_WAIT;
        loop {
            while let Ok(read) = self.reads.try_recv() {
                self.apply(read)?;
            }
            if self.shown.as_ref() == Some(want) {
                return Ok(());
            }
            if let Some(why) = &self.ended {
                return Err(format!(
                    "the socket ended ({why}) showing {:?}, the model {want:?}; {}",
                    self.shown,
                    self.recent()
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match actix_web::rt::time::timeout(left, self.reads.recv()).await {
                Ok(Some(read)) => self.apply(read)?,
                Ok(None) => self.ended = Some("its reader stopped".to_owned()),
                Err(_) => {
                    return Err(format!(
                        "no frame brought it to the model in {FRAME_WAIT:?}: it shows {:?}, \
                         the model {want:?}; {}",
                        self.shown,
                        self.recent()
                    ))
                }
            }
        }
    }

    /// Waits a moment for frames nobody asked for (a sale counted twice, a late
    /// frame), then [`Self::settle`]s: for the end of a schedule.
    pub async fn settle_quietly(&mut self, want: &Shown) -> Result<(), String> {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        self.settle(want).await
    }

    /// Reads until the socket ends, as a stopping server must end it; every frame
    /// before must still follow the last.
    pub async fn expect_end(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + FRAME_WAIT;
        while self.ended.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match actix_web::rt::time::timeout(left, self.reads.recv()).await {
                Ok(Some(read)) => self.apply(read)?,
                Ok(None) => self.ended = Some("its reader stopped".to_owned()),
                Err(_) => {
                    return Err(format!(
                        "still open {FRAME_WAIT:?} after its server stopped; {}",
                        self.recent()
                    ))
                }
            }
        }
        Ok(())
    }

    /// Takes one frame: a snapshot starts the count again and says all there is
    /// to show; any other frame must carry the next `seq` and changes what it
    /// is about.
    fn apply(&mut self, read: Read) -> Result<(), String> {
        let frame = match read {
            Read::Frame(frame) => frame,
            Read::Ended(why) => {
                self.ended = Some(why);
                return Ok(());
            }
        };
        let kind = frame["type"].as_str().unwrap_or("(no type)").to_owned();
        let seq = frame["seq"].as_u64();
        if self.recent.len() == RECENT_MAX {
            self.recent.pop_front();
        }
        self.recent.push_back(format!("{kind} {seq:?}"));
        let Some(seq) = seq else {
            return Err(format!("a {kind} frame without a seq: {frame}"));
        };
        if kind == "snapshot" {
            self.seq = Some(seq);
            self.shown = Some(Shown {
                pot: pot(&frame["pot"])?,
                racing: frame["lobby"]["state"] == "open",
                racers: names(&frame["racers"]),
                goal: goal(&frame["goal"])?,
            });
            return Ok(());
        }
        let (Some(last), Some(shown)) = (self.seq, self.shown.as_mut()) else {
            return Err(format!("a {kind} frame (seq {seq}) before the snapshot"));
        };
        if seq != last + 1 {
            let what = if seq <= last { "a repeat" } else { "a gap" };
            return Err(format!(
                "{kind} frame with seq {seq} after {last} ({what}); {}",
                self.recent()
            ));
        }
        self.seq = Some(seq);
        match kind.as_str() {
            "sale" if frame["test"] == true => {}
            "sale" | "refund" => {
                // The pot after it is the pot before it and the frame's part.
                let after = pot(&frame["pot"])?;
                let delta = frame["pool_delta"].as_str().map(minor);
                if delta != Some(after - shown.pot) || frame["currency"] != "USD" {
                    return Err(format!(
                        "{kind} frame (seq {seq}) takes the pot from {} to {after} with a \
                         pool_delta of {} {}",
                        shown.pot, frame["pool_delta"], frame["currency"]
                    ));
                }
                shown.pot = after;
            }
            "window_opened" => {
                shown.racing = true;
                shown.pot = 0;
            }
            "window_closed" => {
                let totals = pot(&frame["totals"])?;
                if totals != shown.pot {
                    return Err(format!(
                        "window_closed (seq {seq}) with totals {totals} while the pot shown \
                         is {}",
                        shown.pot
                    ));
                }
                shown.racing = false;
            }
            "roster" => shown.racers = names(&frame["racers"]),
            "goal" => shown.goal = goal(&frame["goal"])?,
            "sale_updated" => {}
            _ => return Err(format!("an unknown frame: {frame}")),
        }
        Ok(())
    }

    fn recent(&self) -> String {
        let frames: Vec<&str> = self.recent.iter().map(String::as_str).collect();
        format!("last frames: [{}]", frames.join(", "))
    }
}

/// Reads the socket until it ends, answering pings, and hands on every text frame.
async fn read(mut socket: Socket, frames: mpsc::UnboundedSender<Read>) {
    loop {
        let read = match socket.next().await {
            None => Read::Ended("the stream ended".to_owned()),
            Some(Err(error)) => Read::Ended(format!("protocol error: {error}")),
            Some(Ok(Frame::Close(reason))) => Read::Ended(format!("closed with {reason:?}")),
            Some(Ok(Frame::Ping(bytes))) => match socket.send(Message::Pong(bytes)).await {
                Ok(()) => continue,
                Err(error) => Read::Ended(format!("a pong failed: {error}")),
            },
            Some(Ok(Frame::Text(bytes))) => match serde_json::from_slice(&bytes) {
                Ok(frame) => Read::Frame(frame),
                Err(error) => Read::Ended(format!("a frame that is not JSON: {error}")),
            },
            Some(Ok(_)) => continue,
        };
        let ended = matches!(read, Read::Ended(_));
        if frames.send(read).is_err() || ended {
            return;
        }
    }
}

/// A goal (`{"amount": "50.00", "currency": "USD"}`, or `null`) in minor units
/// of USD.
fn goal(goal: &Value) -> Result<Option<i64>, String> {
    if goal.is_null() {
        return Ok(None);
    }
    match (goal["amount"].as_str(), goal["currency"].as_str()) {
        (Some(amount), Some("USD")) => Ok(Some(minor(amount))),
        _ => Err(format!("a goal the model cannot hold: {goal}")),
    }
}

/// A pot (`{"USD": "5.00"}`) in minor units of USD; no other currency is sold.
fn pot(pot: &Value) -> Result<i64, String> {
    let Some(currencies) = pot.as_object() else {
        return Err(format!("a pot that is not a map: {pot}"));
    };
    let mut usd = 0;
    for (currency, amount) in currencies {
        let amount = amount.as_str().map(minor);
        match (currency.as_str(), amount) {
            ("USD", Some(amount)) => usd = amount,
            (_, Some(0)) => {}
            _ => return Err(format!("a pot the model cannot hold: {pot}")),
        }
    }
    Ok(usd)
}

/// The display names of a frame's `racers`, sorted.
fn names(racers: &Value) -> Vec<String> {
    let mut names: Vec<String> = racers
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["display_name"].as_str().unwrap_or("(no name)").to_owned())
        .collect();
    names.sort();
    names
}
