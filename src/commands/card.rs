//! The lobby card: one message showing a lobby (name, code, state, racers, pot,
//! overlay link) in the lobby's colour, with Join, Leave, Start and End buttons.
//! `/lobby create` answers with it and every button press redraws it in place.

use crate::discord::{card_buttons, Reply, ReplyEmbed};
use crate::lobby::{LobbyState, LobbyView, RaceSummary};
use crate::locale::Locale;
use crate::services::Services;

use super::summary::with_summary;
use super::{lobby_colour, lobby_title, plain, pot_text, relative_time};

/// What the lobby is doing, for people.
fn state_text(view: &LobbyView, locale: Locale) -> String {
    match (view.state, view.opened_at) {
        (LobbyState::Open, Some(at)) => {
            locale.t("card-racing-since", &[("since", &relative_time(at))])
        }
        (LobbyState::Open, None) => locale.t("card-racing", &[]),
        (LobbyState::Idle, _) => locale.t("card-idle", &[]),
        (LobbyState::Closed, _) => locale.t("card-closed", &[]),
    }
}

/// The card's embed in `locale`: name, code and state, racers, pot and the
/// overlay link.
pub fn card_embed(services: &Services, view: &LobbyView, locale: Locale) -> ReplyEmbed {
    let racers = if view.racers.is_empty() {
        locale.t("card-nobody", &[])
    } else {
        let names: Vec<String> = view.racers.iter().map(|r| plain(&r.display_name)).collect();
        names.join(", ")
    };
    let code = view.code.to_string();
    let description = locale.t(
        "card-description",
        &[("code", &code), ("state", &state_text(view, locale))],
    );
    let racers_title = locale.t(
        "card-racers",
        &[
            ("count", &view.racers.len()),
            ("max", &services.config.commission.max_racers),
        ],
    );
    ReplyEmbed::new(super::plain(&view.name))
        .description(description)
        .colour(lobby_colour(&view.code))
        .field(racers_title, racers, false)
        .field(locale.t("card-pot", &[]), pot_text(locale, &view.pot), true)
        .field(
            locale.t("card-overlay", &[]),
            format!("{}/overlay/{}", services.config.http.public_url, view.code),
            true,
        )
}

/// The card as a message with its buttons, in `locale`; after a race, with that
/// race's summary.
pub async fn card_reply(
    services: &Services,
    view: &LobbyView,
    finished: Option<&RaceSummary>,
    locale: Locale,
) -> Reply {
    let mut embed = card_embed(services, view, locale);
    if let Some(summary) = finished {
        embed = with_summary(services, embed, view.id.get(), &summary.totals, locale).await;
    }
    let racing = view.state == LobbyState::Open;
    Reply::public(locale.t("card-content", &[("lobby", &lobby_title(view))]))
        .with_embed(embed)
        .with_buttons(card_buttons(view.code.as_str(), racing, locale))
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
