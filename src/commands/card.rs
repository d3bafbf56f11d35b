//! The lobby card: one message showing a lobby (name, code, state, racers, pot,
//! overlay link) in the lobby's colour, with Join, Leave, Start and End buttons.
//! `/lobby create` answers with it and every button press redraws it in place.

use crate::discord::{card_buttons, Reply, ReplyEmbed};
use crate::lobby::{LobbyState, LobbyView, RaceSummary};
use crate::services::Services;

use super::summary::with_summary;
use super::{lobby_colour, lobby_title, plain, pot_text, relative_time};

/// What the lobby is doing, for people.
fn state_text(view: &LobbyView) -> String {
    match (view.state, view.opened_at) {
        (LobbyState::Open, Some(at)) => format!("🏁 racing, started {}", relative_time(at)),
        (LobbyState::Open, None) => "🏁 racing".to_owned(),
        (LobbyState::Idle, _) => "waiting for the start".to_owned(),
        (LobbyState::Closed, _) => "race over; Start runs the next one".to_owned(),
    }
}

/// The card's embed: name, code and state, racers, pot and the overlay link.
pub fn card_embed(services: &Services, view: &LobbyView) -> ReplyEmbed {
    let racers = if view.racers.is_empty() {
        "nobody yet".to_owned()
    } else {
        let names: Vec<String> = view.racers.iter().map(|r| plain(&r.display_name)).collect();
        names.join(", ")
    };
    ReplyEmbed::new(super::plain(&view.name))
        .description(format!("Lobby `{}`: {}", view.code, state_text(view)))
        .colour(lobby_colour(&view.code))
        .field(
            format!(
                "Racers ({}/{})",
                view.racers.len(),
                services.config.commission.max_racers
            ),
            racers,
            false,
        )
        .field("Racers' pot", pot_text(&view.pot), true)
        .field(
            "Overlay",
            format!("{}/overlay/{}", services.config.http.public_url, view.code),
            true,
        )
}

/// The card as a message with its buttons; after a race, with that race's summary.
pub async fn card_reply(
    services: &Services,
    view: &LobbyView,
    finished: Option<&RaceSummary>,
) -> Reply {
    let mut embed = card_embed(services, view);
    if let Some(summary) = finished {
        embed = with_summary(services, embed, view.id.get(), &summary.totals).await;
    }
    Reply::public(format!(
        "Lobby {}: press **Join** to race (or `/join`); the host presses **Start** when the race begins.",
        lobby_title(view)
    ))
    .with_embed(embed)
    .with_buttons(card_buttons(view.code.as_str(), view.state == LobbyState::Open))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lobby_keeps_its_colour() {
        let code = |text: &str| text.parse::<crate::domain::ids::LobbyCode>().unwrap();
        assert_eq!(lobby_colour(&code("K7QX")), lobby_colour(&code("k7qx")));
        let colours: std::collections::HashSet<u32> = ["K7QX", "AB22", "ZZZZ", "M3N4", "Q9RS"]
            .iter()
            .map(|text| lobby_colour(&code(text)))
            .collect();
        assert!(colours.len() > 1, "{colours:?}");
        assert!(colours.iter().all(|c| super::super::PALETTE.contains(c)));
    }
}
