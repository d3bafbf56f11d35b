//! Discord's REST API as the simulation's server reaches it: the codes of store
//! credit and gift cards sent by DM, and the summaries of races that timed out
//! posted in their guild's channel, both through the outbox. The stand-in fails
//! or answers late when told, and keeps a message once per nonce (Discord
//! enforces the nonce the outbox sends, answering a repeat with the first
//! message). At the end of a schedule every code and summary must have arrived
//! once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;
use entity::discord_outbox;
use entity::sea_orm_active_enums::OutboxState;
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::{Sim, GUILDS};
use crate::stand_in::StandIn;
use crate::store_credit::{RequestFaults, BOT};

/// A message Discord took.
#[derive(Clone, Debug)]
pub(super) struct Message {
    pub(super) channel: String,
    pub(super) content: String,
}

/// Discord's REST API for DMs and channel messages, with [`RequestFaults`] on
/// the messages.
pub(super) struct FaultyDiscord {
    stand_in: StandIn,
    /// Messages taken, by nonce.
    taken: Arc<Mutex<BTreeMap<String, Message>>>,
    pub(super) faults: RequestFaults,
}

/// The DM channel Discord opens for `user` (a snowflake of its own).
fn dm_channel(user: &str) -> String {
    format!("13{}", &user[2..])
}

impl FaultyDiscord {
    pub(super) fn start() -> FaultyDiscord {
        let taken: Arc<Mutex<BTreeMap<String, Message>>> = Arc::default();
        let faults = RequestFaults::default();
        let (kept, injected) = (taken.clone(), faults.clone());
        let stand_in = StandIn::start(move |seen| {
            if seen.authorization != format!("Bot {BOT}") {
                return HttpResponse::Unauthorized().json(json!({"message": "401: Unauthorized"}));
            }
            let path = seen.path.as_str();
            if seen.method == "POST" && path == "/api/v10/users/@me/channels" {
                let user = seen.body["recipient_id"].as_str().unwrap_or_default();
                return match user.len() {
                    17..=20 => HttpResponse::Ok().json(json!({"id": dm_channel(user), "type": 1})),
                    _ => HttpResponse::BadRequest().json(json!({"message": "bad user", "code": 0})),
                };
            }
            let channel = path
                .strip_prefix("/api/v10/channels/")
                .and_then(|rest| rest.strip_suffix("/messages"));
            let (Some(channel), "POST") = (channel, seen.method.as_str()) else {
                return HttpResponse::NotFound()
                    .json(json!({"message": "404: Not Found", "code": 0}));
            };
            if injected.before_request() {
                return HttpResponse::InternalServerError()
                    .json(json!({"message": "Discord had a hiccup", "code": 0}));
            }
            let nonce = seen.body["nonce"].as_str().unwrap_or_default().to_owned();
            let mut taken = kept.lock().unwrap();
            let id = 1_310_000_000_000_000_000u64 + taken.len() as u64;
            taken.entry(nonce.clone()).or_insert_with(|| Message {
                channel: channel.to_owned(),
                content: seen.body["content"].as_str().unwrap_or_default().to_owned(),
            });
            HttpResponse::Ok()
                .json(json!({"id": id.to_string(), "channel_id": channel, "nonce": nonce}))
        });
        FaultyDiscord {
            stand_in,
            taken,
            faults,
        }
    }

    /// The `[discord]` lines that send the bot's posts here.
    pub(super) fn config(&self) -> String {
        format!(
            "bot_token = \"{BOT}\"\napi_base = \"{}\"\ngateway = false",
            self.stand_in.base
        )
    }

    pub(super) async fn stop(&self) {
        self.stand_in.handle.stop(false).await;
    }

    fn taken(&self) -> Vec<Message> {
        self.taken.lock().unwrap().values().cloned().collect()
    }
}

impl Sim {
    /// Now and then Discord fails the bot's next post, or answers late: the
    /// outbox must try again later and post it once.
    pub(super) fn maybe_trouble_discord(&mut self) {
        use std::sync::atomic::Ordering;
        let (fail, slow) = (self.rng.gen_bool(0.05), self.rng.gen_bool(0.05));
        let faults = &self.discord.faults;
        faults.fail.store(usize::from(fail), Ordering::SeqCst);
        let late = if slow { self.rng.gen_range(50..400) } else { 0 };
        faults.slow_ms.store(late, Ordering::SeqCst);
        self.injected.discord_failures += u64::from(fail);
        if fail || slow {
            self.log.push(format!(
                "Discord {}answers {late} ms late",
                if fail {
                    "fails its next post, and "
                } else {
                    ""
                }
            ));
        }
    }

    /// Every summary still owed is queued, and every post the outbox holds is
    /// sent as the hours pass (the drain is asked with a later time for each
    /// round, past every back-off), then
    /// Discord must hold each code once by DM to its racer and each timed-out
    /// race's summary once in its guild's channel, and nothing else.
    pub(super) async fn check_discord(&mut self) {
        self.discord.faults.clear();
        // A summary whose post was not queued when its race closed (a restart or
        // a cut in between) is queued by the server's sweep, which runs on a
        // real-time timer: the schedule asks for the sweep the timer would make.
        if let Err(error) = cozykart::commands::announce_owed(&self.app().state).await {
            self.diverged(format!("owed race summaries could not be read: {error}"));
        }
        let rest = self.app().state.rest.clone().expect("a bot token");
        let mut later = self.app().clock.now();
        for _ in 0..12 {
            later += chrono::Duration::hours(1);
            if let Err(error) = cozykart::discord::outbox::drain(&self.app().db, &rest, later).await
            {
                self.diverged(format!("the outbox could not be drained: {error}"));
            }
            let waiting = discord_outbox::Entity::find()
                .filter(discord_outbox::Column::State.eq(OutboxState::Pending))
                .count(&self.app().db)
                .await;
            if matches!(waiting, Ok(0)) {
                break;
            }
        }
        let taken = self.discord.taken();
        let mut expected: Vec<(String, String)> = self
            .model
            .codes
            .iter()
            .map(|(racer, code)| (dm_channel(racer), code.clone()))
            .collect();
        for lobby in &self.model.lobbies {
            let channel = GUILDS[lobby.guild].1.to_owned();
            let title = format!("(`{}`)", lobby.code);
            expected.extend((0..lobby.timeouts).map(|_| (channel.clone(), title.clone())));
        }
        let mut unmatched = taken.clone();
        for (channel, needle) in &expected {
            let found = unmatched
                .iter()
                .position(|m| &m.channel == channel && m.content.contains(needle.as_str()));
            match found {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => self.diverged(format!(
                    "Discord never got `{needle}` in channel {channel}; it got {taken:?}"
                )),
            }
        }
        if !unmatched.is_empty() {
            self.diverged(format!(
                "Discord got posts the model did not expect (or twice): {unmatched:?}"
            ));
        }
    }
}
