//! Money commands: `/wallet`, `/leaderboard`, `/payout`, `/commission`.
//! (`/cashout` and how a payout is answered are in `cashout`.)

use std::collections::{BTreeMap, HashMap};

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::domain::ids::guild_column;
use crate::ledger::read::{self, Held, Wallets};
use crate::ledger::{LedgerError, Requester};
use crate::lobby::store;
use crate::money::Rate;
use crate::payout::{PayoutForm, PayoutFormError};
use crate::services::Services;

use super::{cashout, plain, relative_time};

/// Allocations listed in a wallet.
const WALLET_RECENT: u64 = 5;
/// Racers listed per currency on a leaderboard.
const LEADERBOARD_SIZE: u64 = 10;
/// Colour of replies about money rather than one lobby.
const WALLET_COLOUR: u32 = 0x57F287;

pub(super) fn unavailable(error: impl std::fmt::Display) -> Reply {
    tracing::error!(error = ?error.to_string(), "command could not read the ledger");
    Reply::refusal("The ledger is not answering right now; please try again.")
}

/// "1.00 becomes available <t:…:R>", and when the rest does if later.
fn held_text(held: &Held) -> String {
    let mut text = format!(
        "{} becomes available {}",
        held.next_amount.amount(),
        relative_time(held.next_at)
    );
    if held.last_at != held.next_at {
        text.push_str(&format!(", all of it {}", relative_time(held.last_at)));
    }
    text
}

pub async fn wallet(services: &Services, caller: &Caller) -> Reply {
    let (racer, wallets) = (caller.user_id, Wallets::In(caller.guild_id));
    let db = &services.db;
    let balances = match read::balances(db, racer, wallets).await {
        Ok(balances) => balances,
        Err(error) => return unavailable(error),
    };
    let held = match read::held(db, racer, caller.guild_id).await {
        Ok(held) => held,
        Err(error) => return unavailable(error),
    };
    let recent = match read::recent_allocations(db, racer, wallets, WALLET_RECENT).await {
        Ok(recent) => recent,
        Err(error) => return unavailable(error),
    };
    let mut embed = ReplyEmbed::new("Your Cozy-Kart wallet").colour(WALLET_COLOUR);
    if balances.is_empty() {
        embed = embed.description("No earnings yet: join a lobby and race while the shop is open!");
    }
    for b in &balances {
        let mut pending = format!("pending {}", b.pending.amount());
        if let Some(held) = held.get(&b.currency) {
            pending.push_str(&format!(" ({})", held_text(held)));
        }
        let mut text = format!(
            "available **{}**\n{pending}\nlifetime paid {}",
            b.available.amount(),
            b.paid.amount()
        );
        if b.reserved.is_positive() {
            text.push_str(&format!("\nbeing issued {}", b.reserved.amount()));
        }
        embed = embed.field(b.currency.clone(), text, true);
    }
    if !recent.is_empty() {
        let names = lobby_names(services, caller).await;
        let lines: Vec<String> = recent
            .iter()
            .map(|a| {
                let lobby = names
                    .get(&a.lobby_id)
                    .map_or_else(|| format!("lobby #{}", a.lobby_id), |n| plain(n));
                format!(
                    "{lobby}, <t:{}:d>: {} {} ({})",
                    a.created_at.timestamp(),
                    a.currency,
                    a.amount.amount(),
                    a.status
                )
            })
            .collect();
        embed = embed.field("Last sales that paid you", lines.join("\n"), false);
    }
    match read::credit_codes(db, racer, caller.guild_id).await {
        Ok(codes) if !codes.is_empty() => {
            let lines: Vec<String> = codes
                .iter()
                .map(|c| {
                    format!(
                        "`{}`: {} at {}, <t:{}:d>",
                        c.code,
                        c.amount,
                        plain(&c.shop),
                        c.at.timestamp()
                    )
                })
                .collect();
            embed = embed.field("Your store credit codes", lines.join("\n"), false);
        }
        Ok(_) => {}
        Err(error) => return unavailable(error),
    }
    if let Some(link) = racer_overlay(services, caller).await {
        embed = embed.field("Your racer overlay", link, false);
    }
    Reply::ephemeral("").with_embed(embed)
}

/// The link of the caller's own racer overlay (their share added) for the
/// channel's lobby, when they are on its roster. Only ever in a private reply:
/// the link holds their Discord id.
async fn racer_overlay(services: &Services, caller: &Caller) -> Option<String> {
    let channel = caller.channel_id?;
    let entry = services.lobbies.in_channel(channel).await.ok()??;
    if entry.guild_id != caller.guild_id {
        return None;
    }
    let view = entry.addr.send(crate::lobby::Snapshot).await.ok()?;
    view.racers
        .iter()
        .any(|r| r.discord_id == caller.user_id)
        .then(|| {
            format!(
                "{}/overlay/{}?racer={}",
                services.config.http.public_url, view.code, caller.user_id
            )
        })
}

/// Names of the caller guild's lobbies by id; empty if they cannot be read.
async fn lobby_names(services: &Services, caller: &Caller) -> HashMap<i64, String> {
    match store::lobbies_of_guild(&services.db, caller.guild_id).await {
        Ok(lobbies) => lobbies.into_iter().map(|l| (l.id, l.name)).collect(),
        Err(error) => {
            tracing::warn!(%error, "lobby names not read for a wallet");
            HashMap::new()
        }
    }
}

/// Top earners of the caller's guild, ranked separately in each currency.
pub async fn leaderboard(services: &Services, caller: &Caller) -> Reply {
    let guild = caller.guild_id;
    let currencies = match read::earned_currencies(&services.db, guild).await {
        Ok(currencies) => currencies,
        Err(error) => return unavailable(error),
    };
    let mut boards = BTreeMap::new();
    for currency in currencies {
        match read::leaderboard(&services.db, guild, &currency, LEADERBOARD_SIZE).await {
            Ok(earners) if !earners.is_empty() => {
                boards.insert(currency, earners);
            }
            Ok(_) => {}
            Err(error) => return unavailable(error),
        }
    }
    if boards.is_empty() {
        return Reply::public("No earnings in this server yet. Start a race!");
    }
    let sections: Vec<String> = boards
        .iter()
        .map(|(currency, earners)| {
            let lines: Vec<String> = earners
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    format!(
                        "{}. {} — {} {}",
                        i + 1,
                        plain(&e.display_name),
                        e.earned.amount(),
                        currency
                    )
                })
                .collect();
            format!("**{currency}**\n{}", lines.join("\n"))
        })
        .collect();
    Reply::public("").with_embed(
        ReplyEmbed::new("Top earners")
            .description(sections.join("\n\n"))
            .colour(WALLET_COLOUR),
    )
}

pub async fn payout(
    services: &Services,
    caller: &Caller,
    user_name: &str,
    form: PayoutForm,
) -> Reply {
    if !caller.is_admin {
        return Reply::refusal("Only admins (Manage Server or the admin role) can pay racers out.");
    }
    // An admin pays out of their own guild's wallet only.
    let form = PayoutForm {
        guild_id: Some(guild_column(caller.guild_id)),
        ..form
    };
    let held = match form.racer() {
        Ok(racer) => read::holdings(&services.db, racer).await,
        Err(refusal) => return Reply::refusal(format!("Refused: {refusal}.")),
    };
    let held = match held {
        Ok(held) => held,
        Err(error) => return unavailable(error),
    };
    let order = match form.parse(&held) {
        Ok(order) => order,
        Err(PayoutFormError::NoEarnings) => {
            return Reply::refusal(format!("{} has no earnings to pay out.", plain(user_name)))
        }
        Err(refusal) => {
            return Reply::refusal(format!("Refused: {}.", plain(&refusal.to_string())))
        }
    };
    let (racer, currency) = (order.racer, order.amount.currency());
    let paid = match cashout::route(services, &order).await {
        Ok(route) => {
            cashout::pay(
                services,
                caller,
                order,
                route,
                Requester::Admin(caller.user_id),
            )
            .await
        }
        Err(refused) => Err(refused),
    };
    match paid {
        Ok(paid) => cashout::paid_reply(&paid, user_name),
        Err(cashout::Refused::Ledger(LedgerError::Payout(refusal))) => {
            let mut text = format!("Refused: {refusal}.");
            let held = read::held(&services.db, racer, caller.guild_id).await;
            if let Some(held) = held.ok().and_then(|h| h.get(currency.code()).cloned()) {
                text.push_str(&format!(
                    " {} {} more is held: {}.",
                    currency.code(),
                    held.amount.amount(),
                    held_text(&held)
                ));
            }
            Reply::refusal(text)
        }
        Err(refused) => cashout::refused_reply(refused),
    }
}

pub async fn commission(services: &Services, caller: &Caller, rate: &str) -> Reply {
    if !caller.is_admin {
        return Reply::refusal("Only admins can change the commission rate.");
    }
    let rate = match Rate::parse(rate) {
        Ok(rate) => rate,
        Err(e) => return Reply::refusal(format!("Refused: {e}.")),
    };
    if let Err(error) = services.rates.set(caller.guild_id, rate).await {
        return unavailable(error);
    }
    Reply::public(format!(
        "Commission rate is now {} % of each sale, from the next sale in this server on.",
        (rate.value() * rust_decimal::Decimal::from(100)).normalize()
    ))
}
