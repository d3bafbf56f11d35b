//! Money commands: `/wallet`, `/leaderboard`, `/payout`, `/commission`.

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::ledger::{read, LedgerError, PayoutMethod, PayoutRequest};
use crate::money::{Currency, Money, Rate};
use crate::services::Services;

use super::plain;

/// Allocations listed in a wallet.
const WALLET_RECENT: u64 = 5;
/// Racers listed on a leaderboard.
const LEADERBOARD_SIZE: u64 = 10;

fn unavailable(error: impl std::fmt::Display) -> Reply {
    tracing::error!(%error, "command could not read the ledger");
    Reply::refusal("The ledger is not answering right now; please try again.")
}

pub async fn wallet(services: &Services, caller: &Caller) -> Reply {
    let balances = match read::balances(&services.db, &caller.user_id).await {
        Ok(balances) => balances,
        Err(error) => return unavailable(error),
    };
    let recent = match read::recent_allocations(&services.db, &caller.user_id, WALLET_RECENT).await
    {
        Ok(recent) => recent,
        Err(error) => return unavailable(error),
    };
    let mut embed = ReplyEmbed::new("Your Cozy-Kart wallet");
    if balances.is_empty() {
        embed = embed.description("No earnings yet: join a lobby and race while the shop is open!");
    }
    for b in &balances {
        embed = embed.field(
            b.currency.clone(),
            format!(
                "available **{}**\npending {}\nlifetime paid {}",
                b.available.amount(),
                b.pending.amount(),
                b.paid.amount()
            ),
            true,
        );
    }
    if !recent.is_empty() {
        let lines: Vec<String> = recent
            .iter()
            .map(|a| {
                format!(
                    "sale #{}: {} {} ({})",
                    a.sale_id,
                    a.currency,
                    a.amount.amount(),
                    a.status
                )
            })
            .collect();
        embed = embed.field("Recent sales that paid you", lines.join("\n"), false);
    }
    Reply::ephemeral("").with_embed(embed)
}

pub async fn leaderboard(services: &Services, caller: &Caller) -> Reply {
    let lobby_ids: Vec<i64> = services
        .lobbies
        .all()
        .into_iter()
        .filter(|l| l.guild_id == caller.guild_id)
        .map(|l| l.id)
        .collect();
    let earners = match read::leaderboard(&services.db, &lobby_ids, LEADERBOARD_SIZE).await {
        Ok(earners) => earners,
        Err(error) => return unavailable(error),
    };
    if earners.is_empty() {
        return Reply::public("No earnings in this server yet. Start a race!");
    }
    let lines: Vec<String> = earners
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{}. {} — {}", i + 1, plain(&e.display_name), e.earned))
        .collect();
    Reply::public("").with_embed(ReplyEmbed::new("Top earners").description(lines.join("\n")))
}

/// `/payout` options as typed.
pub struct PayoutCommand {
    pub user_id: String,
    pub user_name: String,
    pub amount: String,
    pub currency: Option<String>,
    pub method: Option<String>,
    pub note: Option<String>,
    pub force: bool,
}

/// The currency to pay in: as given, else the racer's only currency.
async fn payout_currency(services: &Services, request: &PayoutCommand) -> Result<Currency, Reply> {
    if let Some(code) = &request.currency {
        return Currency::parse(code).map_err(|e| Reply::refusal(format!("Refused: {e}.")));
    }
    let balances = read::balances(&services.db, &request.user_id)
        .await
        .map_err(unavailable)?;
    match balances.as_slice() {
        [only] => {
            Currency::parse(&only.currency).map_err(|e| Reply::refusal(format!("Refused: {e}.")))
        }
        [] => Err(Reply::refusal(format!(
            "{} has no earnings to pay out.",
            plain(&request.user_name)
        ))),
        _ => Err(Reply::refusal(
            "This racer has earnings in several currencies; say which with the `currency` option.",
        )),
    }
}

pub async fn payout(services: &Services, caller: &Caller, request: PayoutCommand) -> Reply {
    if !caller.is_admin {
        return Reply::refusal("Only admins (Manage Server or the admin role) can pay racers out.");
    }
    let currency = match payout_currency(services, &request).await {
        Ok(currency) => currency,
        Err(reply) => return reply,
    };
    let amount = match Money::parse(&request.amount, currency) {
        Ok(amount) => amount,
        Err(e) => {
            return Reply::refusal(format!(
                "Refused: `{}` is not a valid amount: {e}.",
                plain(&request.amount)
            ))
        }
    };
    let method = request
        .method
        .as_deref()
        .and_then(PayoutMethod::parse)
        .unwrap_or(PayoutMethod::Manual);
    let payout = PayoutRequest {
        discord_id: request.user_id.clone(),
        amount,
        method,
        note: request.note.clone(),
        force: request.force,
        requested_by: caller.user_id.clone(),
        threshold: services.config.commission.payout_threshold,
        at: services.clock.now(),
    };
    match services.ledger.record_payout(payout).await {
        Ok(record) => Reply::public(format!(
            "🎉 Congratulations {}! You were paid {} ({}).",
            plain(&request.user_name),
            record.amount,
            record.method.replace('_', " ")
        )),
        Err(LedgerError::Payout(refusal)) => Reply::refusal(format!("Refused: {refusal}.")),
        Err(error) => unavailable(error),
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
    if let Err(error) = services.rates.set(caller.guild_id.as_deref(), rate).await {
        return unavailable(error);
    }
    Reply::public(format!(
        "Commission rate is now {} % of each sale.",
        (rate.value() * rust_decimal::Decimal::from(100)).normalize()
    ))
}
