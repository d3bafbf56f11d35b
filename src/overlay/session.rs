//! OverlaySession: one websocket connection, subscribed to one LobbyActor. The
//! snapshot is written first; then every lobby frame, as encoded once by the lobby.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws;

use super::admission::Ticket;
use super::protocol::OverlayFrame;
use crate::lobby::{LobbyActor, Subscribe, Unsubscribe};

/// How often the server pings, and checks that the client still answers.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// A client silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames queued for one client before it counts as too slow and is dropped
/// (it reconnects and gets a fresh snapshot; the lobby never waits for it).
pub const CLIENT_BUFFER_FRAMES: usize = 1_024;

pub struct OverlaySession {
    /// Unique in the process; the lobby keys its subscribers by it.
    id: u64,
    /// Read by the connect log line.
    lobby_id: i64,
    /// Subscribed to in `started()`, unsubscribed from in `stopping()`.
    lobby: Addr<LobbyActor>,
    /// Last ping answer or message from the client.
    last_seen: Instant,
    /// Set by the lobby when this client fell behind; the heartbeat then closes it.
    dropped: Arc<AtomicBool>,
    /// This socket's place under the overlay limits; given back when the session goes.
    _ticket: Ticket,
}

impl OverlaySession {
    pub fn new(id: u64, lobby_id: i64, lobby: Addr<LobbyActor>, ticket: Ticket) -> Self {
        OverlaySession {
            id,
            lobby_id,
            lobby,
            last_seen: Instant::now(),
            dropped: Arc::new(AtomicBool::new(false)),
            _ticket: ticket,
        }
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
        let subscribe = Subscribe {
            session_id: self.id,
            recipient: ctx.address().recipient(),
            dropped: self.dropped.clone(),
        };
        self.lobby
            .send(subscribe)
            .into_actor(self)
            .map(|snapshot, _, ctx| match snapshot {
                Ok(frame) => write(frame, ctx),
                Err(_) => ctx.stop(),
            })
            .wait(ctx);
        tracing::debug!(
            lobby = self.lobby_id,
            session = self.id,
            "overlay connected"
        );
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.lobby.do_send(Unsubscribe {
            session_id: self.id,
        });
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
