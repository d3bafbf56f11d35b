//! Money commands: `/wallet`, `/leaderboard`, `/payout`, `/commission`.
//! (`/cashout` and how a payout is answered are in `cashout`.)

use std::collections::{BTreeMap, HashMap};

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::domain::ids::guild_column;
use crate::ledger::read::{self, Held, Wallets};
use crate::ledger::{LedgerError, Requester};
use crate::lobby::store;
use crate::locale::{Arg, Locale};
use crate::money::Rate;
use crate::payout::{PayoutForm, PayoutFormError};
use crate::services::Services;

use super::race::refused;
use super::{cashout, plain, refusal, relative_time, short_date};

/// Allocations listed in a wallet.
const WALLET_RECENT: u64 = 5;
/// Racers listed per currency on a leaderboard.
const LEADERBOARD_SIZE: u64 = 10;
/// Colour of replies about money rather than one lobby.
const WALLET_COLOUR: u32 = 0x57F287;

pub(super) fn unavailable(error: impl std::fmt::Display, locale: Locale) -> Reply {
    tracing::error!(error = ?error.to_string(), "command could not read the ledger");
    Reply::refusal(locale.t("ledger-unavailable", &[]))
}

/// "1.00 becomes available <t:…:R>", and when the rest does if later.
fn held_text(held: &Held, locale: Locale) -> String {
    let amount = locale.amount(held.next_amount);
    let at = relative_time(held.next_at);
    if held.last_at == held.next_at {
        locale.t("held-when", &[("amount", &amount), ("at", &at)])
    } else {
        let last = relative_time(held.last_at);
        let args: [(&str, &dyn Arg); 3] = [("amount", &amount), ("at", &at), ("last", &last)];
        locale.t("held-when-all", &args)
    }
}

/// One currency of a wallet: available, pending (and when it becomes
/// available), lifetime paid, and what is being issued as store credit.
fn balance_text(b: &read::BalanceView, held: Option<&Held>, locale: Locale) -> String {
    let line = |id: &str, amount| locale.t(id, &[("amount", &locale.amount(amount))]);
    let pending = match held {
        Some(held) => locale.t(
            "wallet-pending-held",
            &[
                ("amount", &locale.amount(b.pending)),
                ("held", &held_text(held, locale)),
            ],
        ),
        None => line("wallet-pending", b.pending),
    };
    let mut lines = vec![
        line("wallet-available", b.available),
        pending,
        line("wallet-paid", b.paid),
    ];
    if b.reserved.is_positive() {
        lines.push(line("wallet-issuing", b.reserved));
    }
    lines.join("\n")
}

pub async fn wallet(services: &Services, caller: &Caller) -> Reply {
    let (racer, wallets) = (caller.user_id, Wallets::In(caller.guild_id));
    let (db, locale) = (&services.db, caller.locale);
    let balances = match read::balances(db, racer, wallets).await {
        Ok(balances) => balances,
        Err(error) => return unavailable(error, locale),
    };
    let held = match read::held(db, racer, caller.guild_id).await {
        Ok(held) => held,
        Err(error) => return unavailable(error, locale),
    };
    let recent = match read::recent_allocations(db, racer, wallets, WALLET_RECENT).await {
        Ok(recent) => recent,
        Err(error) => return unavailable(error, locale),
    };
    let mut embed = ReplyEmbed::new(locale.t("wallet-title", &[])).colour(WALLET_COLOUR);
    if balances.is_empty() {
        embed = embed.description(locale.t("wallet-empty", &[]));
    }
    for b in &balances {
        let text = balance_text(b, held.get(&b.currency), locale);
        embed = embed.field(b.currency.clone(), text, true);
    }
    if !recent.is_empty() {
        let names = lobby_names(services, caller).await;
        let lines: Vec<String> = recent
            .iter()
            .map(|a| {
                let lobby = names.get(&a.lobby_id).map_or_else(
                    || locale.t("wallet-lobby-unnamed", &[("id", &a.lobby_id)]),
                    |n| plain(n),
                );
                let args: [(&str, &dyn Arg); 4] = [
                    ("lobby", &lobby),
                    ("date", &short_date(a.created_at)),
                    ("money", &locale.money(a.amount)),
                    ("status", &allocation_status(&a.status, locale)),
                ];
                locale.t("wallet-recent-line", &args)
            })
            .collect();
        embed = embed.field(locale.t("wallet-recent", &[]), lines.join("\n"), false);
    }
    match read::credit_codes(db, racer, caller.guild_id).await {
        Ok(codes) if !codes.is_empty() => {
            let lines: Vec<String> = codes
                .iter()
                .map(|c| {
                    let args: [(&str, &dyn Arg); 4] = [
                        ("code", &c.code),
                        ("money", &locale.money(c.amount)),
                        ("shop", &plain(&c.shop)),
                        ("date", &short_date(c.at)),
                    ];
                    locale.t("wallet-code-line", &args)
                })
                .collect();
            embed = embed.field(locale.t("wallet-codes", &[]), lines.join("\n"), false);
        }
        Ok(_) => {}
        Err(error) => return unavailable(error, locale),
    }
    if let Some(link) = racer_overlay(services, caller).await {
        embed = embed.field(locale.t("wallet-overlay", &[]), link, false);
    }
    Reply::ephemeral("").with_embed(embed)
}

/// An allocation's status (`pending`, `available`, `reversed`) for people.
fn allocation_status(status: &str, locale: Locale) -> String {
    match status {
        "pending" => locale.t("allocation-pending", &[]),
        "available" => locale.t("allocation-available", &[]),
        "reversed" => locale.t("allocation-reversed", &[]),
        other => other.to_owned(),
    }
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
    let (guild, locale) = (caller.guild_id, caller.locale);
    let currencies = match read::earned_currencies(&services.db, guild).await {
        Ok(currencies) => currencies,
        Err(error) => return unavailable(error, locale),
    };
    let mut boards = BTreeMap::new();
    for currency in currencies {
        match read::leaderboard(&services.db, guild, &currency, LEADERBOARD_SIZE).await {
            Ok(earners) if !earners.is_empty() => {
                boards.insert(currency, earners);
            }
            Ok(_) => {}
            Err(error) => return unavailable(error, locale),
        }
    }
    if boards.is_empty() {
        return Reply::public(locale.t("leaderboard-empty", &[]));
    }
    let sections: Vec<String> = boards
        .iter()
        .map(|(currency, earners)| {
            let lines: Vec<String> = earners
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let args: [(&str, &dyn Arg); 4] = [
                        ("rank", &(i + 1)),
                        ("name", &plain(&e.display_name)),
                        ("amount", &locale.amount(e.earned)),
                        ("currency", currency),
                    ];
                    locale.t("leaderboard-line", &args)
                })
                .collect();
            format!("**{currency}**\n{}", lines.join("\n"))
        })
        .collect();
    Reply::public("").with_embed(
        ReplyEmbed::new(locale.t("leaderboard-title", &[]))
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
    let locale = caller.locale;
    if !caller.is_admin {
        return Reply::refusal(locale.t("payout-admin-only", &[]));
    }
    // An admin pays out of their own guild's wallet only.
    let form = PayoutForm {
        guild_id: Some(guild_column(caller.guild_id)),
        ..form
    };
    let held = match form.racer() {
        Ok(racer) => read::holdings(&services.db, racer).await,
        Err(error) => return refused(caller, refusal::payout_form(locale, &error)),
    };
    let held = match held {
        Ok(held) => held,
        Err(error) => return unavailable(error, locale),
    };
    let order = match form.parse(&held) {
        Ok(order) => order,
        Err(PayoutFormError::NoEarnings) => {
            let name = plain(user_name);
            return Reply::refusal(locale.t("payout-no-earnings", &[("name", &name)]));
        }
        Err(error) => {
            return refused(caller, plain(&refusal::payout_form(locale, &error)));
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
        Ok(paid) => cashout::paid_reply(&paid, user_name, locale),
        Err(cashout::Refused::Ledger(LedgerError::Payout(why))) => {
            let reason = refusal::payout(locale, &why);
            let mut text = locale.t("refused", &[("reason", &reason)]);
            let held = read::held(&services.db, racer, caller.guild_id).await;
            if let Some(held) = held.ok().and_then(|h| h.get(currency.code()).cloned()) {
                let more = locale.t(
                    "payout-held",
                    &[
                        ("money", &locale.money(held.amount)),
                        ("held", &held_text(&held, locale)),
                    ],
                );
                text.push(' ');
                text.push_str(&more);
            }
            Reply::refusal(text)
        }
        Err(why) => cashout::refused_reply(why, locale),
    }
}

pub async fn commission(services: &Services, caller: &Caller, rate: &str) -> Reply {
    let locale = caller.locale;
    if !caller.is_admin {
        return Reply::refusal(locale.t("commission-admin-only", &[]));
    }
    let rate = match Rate::parse(rate) {
        Ok(rate) => rate,
        Err(e) => return refused(caller, refusal::money(locale, &e)),
    };
    if let Err(error) = services.rates.set(caller.guild_id, rate).await {
        return unavailable(error, locale);
    }
    let percent = (rate.value() * rust_decimal::Decimal::from(100)).normalize();
    let percent = locale.decimal(percent);
    Reply::public(locale.t("commission-set", &[("percent", &percent)]))
}
