//! OverlaySession: one websocket connection, subscribed to one LobbyActor. The
//! snapshot is written first; then every lobby frame, as encoded once by the lobby.
//! A session that follows a host or a channel moves to its next lobby by itself:
//! it writes `lobby_changed`, then the new lobby's snapshot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws;

use super::admission::Ticket;
use crate::domain::ids::UserId;
use crate::lobby::following::{FollowKey, FollowNews, Following};
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{Subscribe, Unsubscribe};
use crate::protocol::{OverlayEvent, OverlayFrame};

/// How often the server pings, and checks that the client still answers.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// A client silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames queued for one client before it counts as too slow and is dropped
/// (it reconnects and gets a fresh snapshot; the lobby never waits for it).
pub const CLIENT_BUFFER_FRAMES: usize = 1_024;

/// What a session shows: one lobby, or whatever lobby a host or channel runs.
pub enum Target {
    Lobby(LobbyEntry),
    Follow(FollowKey, Arc<Following>),
}

/// Who a session is: its id, whose share it shows, and its place under the limits.
pub struct Viewer {
    /// Unique in the process; lobbies and the following index key sessions by it.
    pub id: u64,
    /// A racer's Discord id (`?racer=`): their share is added to every frame.
    pub racer: Option<UserId>,
    /// This socket's place under the overlay limits (its lobby, or what it
    /// follows), held for as long as it lives.
    pub ticket: Ticket,
}

pub struct OverlaySession {
    viewer: Viewer,
    /// Set in `started()`: what this session shows.
    target: Option<Target>,
    /// The lobby subscribed to now; unsubscribed from in `stopping()` and on a move.
    lobby: Option<LobbyEntry>,
    /// Last ping answer or message from the client.
    last_seen: Instant,
    /// Set by the lobby when this client fell behind; the heartbeat then closes it.
    dropped: Arc<AtomicBool>,
}

impl OverlaySession {
    pub fn new(target: Target, viewer: Viewer) -> Self {
        OverlaySession {
            viewer,
            target: Some(target),
            lobby: None,
            last_seen: Instant::now(),
            dropped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Subscribes to a lobby; its snapshot is written before any other frame.
    fn subscribe(&mut self, entry: LobbyEntry, ctx: &mut ws::WebsocketContext<Self>) {
        let subscribe = Subscribe {
            session_id: self.viewer.id,
            recipient: ctx.address().recipient(),
            dropped: self.dropped.clone(),
            racer: self.viewer.racer,
        };
        tracing::debug!(
            lobby = %entry.id,
            session = self.viewer.id,
            "overlay subscribed"
        );
        entry
            .addr
            .send(subscribe)
            .into_actor(self)
            .map(|snapshot, _, ctx| match snapshot {
                Ok(frame) => write(frame, ctx),
                Err(_) => ctx.stop(),
            })
            .wait(ctx);
        self.lobby = Some(entry);
    }

    /// Leaves the current lobby (if any) for `entry`, announced with `lobby_changed`.
    fn move_to(&mut self, entry: LobbyEntry, ctx: &mut ws::WebsocketContext<Self>) {
        if let Some(old) = self.lobby.take() {
            old.addr.do_send(Unsubscribe {
                session_id: self.viewer.id,
            });
        }
        let changed = OverlayEvent::LobbyChanged {
            code: Some(entry.code.clone()),
        };
        write(changed.encode_unsequenced(), ctx);
        self.subscribe(entry, ctx);
    }
}

impl Actor for OverlaySession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(CLIENT_BUFFER_FRAMES);
        metrics::gauge!("cozykart_websocket_clients").increment(1.0);
        ctx.run_interval(HEARTBEAT_INTERVAL, |session, ctx| {
            if session.dropped.load(Ordering::Relaxed)
                || session.last_seen.elapsed() > CLIENT_TIMEOUT
            {
                ctx.close(Some(ws::CloseCode::Again.into()));
                ctx.stop();
                return;
            }
            ctx.ping(b"");
        });
        match &self.target {
            Some(Target::Lobby(entry)) => self.subscribe(entry.clone(), ctx),
            Some(Target::Follow(key, following)) => {
                let recipient = ctx.address().recipient();
                match following.follow(key, self.viewer.id, recipient) {
                    Ok(Some(entry)) => self.move_to(entry, ctx),
                    Ok(None) => {
                        let none = OverlayEvent::LobbyChanged { code: None };
                        write(none.encode_unsequenced(), ctx);
                    }
                    Err(refused) => {
                        tracing::warn!(?key, %refused, "following overlay refused");
                        ctx.close(Some(ws::CloseCode::Again.into()));
                        ctx.stop();
                    }
                }
            }
            None => ctx.stop(),
        }
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        if let Some(lobby) = self.lobby.take() {
            lobby.addr.do_send(Unsubscribe {
                session_id: self.viewer.id,
            });
        }
        if let Some(Target::Follow(key, following)) = &self.target {
            following.unfollow(key, self.viewer.id);
        }
        metrics::gauge!("cozykart_websocket_clients").decrement(1.0);
        Running::Stop
    }
}

impl Handler<OverlayFrame> for OverlaySession {
    type Result = ();

    fn handle(&mut self, frame: OverlayFrame, ctx: &mut Self::Context) {
        write(frame, ctx);
    }
}

impl Handler<FollowNews> for OverlaySession {
    type Result = ();

    fn handle(&mut self, news: FollowNews, ctx: &mut Self::Context) {
        match news {
            FollowNews::Moved(entry) if self.lobby.as_ref().map(|l| l.id) != Some(entry.id) => {
                self.move_to(entry, ctx)
            }
            FollowNews::Moved(_) => {}
            FollowNews::Close => write(OverlayFrame::Close, ctx),
        }
    }
}

/// Writes a lobby's frame to the socket: its text, or a close (server going away).
fn write(frame: OverlayFrame, ctx: &mut ws::WebsocketContext<OverlaySession>) {
    match frame {
        OverlayFrame::Text(text) => ctx.text(&*text),
        OverlayFrame::Close => {
            ctx.close(Some(ws::CloseCode::Away.into()));
            ctx.stop();
        }
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for OverlaySession {
    fn handle(&mut self, message: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        match message {
            Ok(ws::Message::Ping(bytes)) => {
                self.last_seen = Instant::now();
                ctx.pong(&bytes);
            }
            Ok(ws::Message::Pong(_)) | Ok(ws::Message::Text(_)) => self.last_seen = Instant::now(),
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                ctx.stop();
            }
            Ok(_) => {}
            Err(_) => ctx.stop(),
        }
    }
}
