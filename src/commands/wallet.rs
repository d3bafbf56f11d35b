//! Money commands: `/wallet`, `/leaderboard`, `/payout`, `/commission`.

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::ledger::{read, LedgerError};
use crate::money::Rate;
use crate::payout::{PayoutForm, PayoutFormError};
use crate::services::Services;

use super::plain;

/// Allocations listed in a wallet.
const WALLET_RECENT: u64 = 5;
/// Racers listed on a leaderboard.
const LEADERBOARD_SIZE: u64 = 10;

fn unavailable(error: impl std::fmt::Display) -> Reply {
    tracing::error!(error = ?error.to_string(), "command could not read the ledger");
    Reply::refusal("The ledger is not answering right now; please try again.")
}

pub async fn wallet(services: &Services, caller: &Caller) -> Reply {
    let guild = Some(caller.guild_key());
    let balances = match read::balances(&services.db, &caller.user_id, guild).await {
        Ok(balances) => balances,
        Err(error) => return unavailable(error),
    };
    let recent =
        match read::recent_allocations(&services.db, &caller.user_id, guild, WALLET_RECENT).await {
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
    let earners = match read::leaderboard(&services.db, caller.guild_key(), LEADERBOARD_SIZE).await
    {
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
        guild_id: Some(caller.guild_key().to_owned()),
        ..form
    };
    let held = match read::holdings(&services.db, &form.discord_id).await {
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
    let request = order.request(
        caller.user_id.clone(),
        &services.config.commission.payout_thresholds,
        services.clock.now(),
        caller
            .interaction_id
            .as_ref()
            .map(|id| format!("interaction:{id}")),
    );
    match services.ledger.record_payout(request).await {
        Ok(record) => Reply::public(format!(
            "🎉 Congratulations {}! You were paid {} ({}).",
            plain(user_name),
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
