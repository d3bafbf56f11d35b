//! The lobby card's buttons (message components): their `custom_id`s, which carry
//! the action and the lobby (`lobby:<CODE>:<action>`), and their serenity builders.
//! A pressed button becomes a command in `command` ([`super::command::parse_press`]).

use serenity::builder::{CreateActionRow, CreateButton};
use serenity::model::application::ButtonStyle as SerenityStyle;

use crate::locale::Locale;

/// Prefix of every lobby card button's `custom_id`.
const PREFIX: &str = "lobby";
/// Longest lobby code a `custom_id` may carry (codes are 4 characters today).
const CODE_MAX_CHARS: usize = 16;

/// What a lobby card's button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAction {
    Join,
    Leave,
    Start,
    End,
}

impl CardAction {
    pub const ALL: [CardAction; 4] = [
        CardAction::Join,
        CardAction::Leave,
        CardAction::Start,
        CardAction::End,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardAction::Join => "join",
            CardAction::Leave => "leave",
            CardAction::Start => "start",
            CardAction::End => "end",
        }
    }

    fn parse(text: &str) -> Option<CardAction> {
        CardAction::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The button's label in `locale`.
    fn label(self, locale: Locale) -> String {
        let id = match self {
            CardAction::Join => "button-join",
            CardAction::Leave => "button-leave",
            CardAction::Start => "button-start",
            CardAction::End => "button-end",
        };
        locale.t(id, &[])
    }

    fn style(self) -> ButtonStyle {
        match self {
            CardAction::Join => ButtonStyle::Primary,
            CardAction::Leave => ButtonStyle::Secondary,
            CardAction::Start => ButtonStyle::Success,
            CardAction::End => ButtonStyle::Danger,
        }
    }
}

/// Discord's button styles used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Primary,
    Secondary,
    Success,
    Danger,
}

/// One button under a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub custom_id: String,
    pub label: String,
    pub style: ButtonStyle,
    /// Shown greyed out (Start while racing, End while not).
    pub disabled: bool,
}

/// `lobby:<CODE>:<action>`.
pub fn custom_id(code: &str, action: CardAction) -> String {
    format!("{PREFIX}:{code}:{}", action.as_str())
}

/// The lobby code and action a `custom_id` names, if it is a lobby card's.
pub fn parse_custom_id(id: &str) -> Option<(String, CardAction)> {
    let mut parts = id.split(':');
    let (prefix, code, action) = (parts.next()?, parts.next()?, parts.next()?);
    let code_ok = !code.is_empty()
        && code.len() <= CODE_MAX_CHARS
        && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if prefix != PREFIX || !code_ok || parts.next().is_some() {
        return None;
    }
    Some((code.to_ascii_uppercase(), CardAction::parse(action)?))
}

/// Join, Leave, Start and End for a lobby, labelled in `locale`; Start is greyed
/// out while the race runs and End while it does not.
pub fn card_buttons(code: &str, racing: bool, locale: Locale) -> Vec<Button> {
    CardAction::ALL
        .into_iter()
        .map(|action| Button {
            custom_id: custom_id(code, action),
            label: action.label(locale),
            style: action.style(),
            disabled: match action {
                CardAction::Start => racing,
                CardAction::End => !racing,
                CardAction::Join | CardAction::Leave => false,
            },
        })
        .collect()
}

/// One action row holding the buttons (none when empty), as serenity's builder.
pub(super) fn action_rows(buttons: &[Button]) -> Vec<CreateActionRow> {
    if buttons.is_empty() {
        return Vec::new();
    }
    let built = buttons
        .iter()
        .map(|b| {
            let style = match b.style {
                ButtonStyle::Primary => SerenityStyle::Primary,
                ButtonStyle::Secondary => SerenityStyle::Secondary,
                ButtonStyle::Success => SerenityStyle::Success,
                ButtonStyle::Danger => SerenityStyle::Danger,
            };
            CreateButton::new(b.custom_id.clone())
                .label(b.label.clone())
                .style(style)
                .disabled(b.disabled)
        })
        .collect();
    vec![CreateActionRow::Buttons(built)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_refuse_others() {
        for action in CardAction::ALL {
            let id = custom_id("K7QX", action);
            assert_eq!(parse_custom_id(&id), Some(("K7QX".into(), action)));
        }
        assert_eq!(
            parse_custom_id("lobby:k7qx:join"),
            Some(("K7QX".into(), CardAction::Join))
        );
        for bad in [
            "",
            "lobby",
            "lobby:K7QX",
            "lobby::join",
            "lobby:K7QX:fly",
            "lobby:K7QX:join:extra",
            "shop:K7QX:join",
            "lobby:K7 QX:join",
            "lobby:ABCDEFGHIJKLMNOPQ:join",
        ] {
            assert_eq!(parse_custom_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn buttons_grey_out_what_cannot_be_done() {
        let idle = card_buttons("K7QX", false, Locale::En);
        let labels: Vec<&str> = idle.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["Join", "Leave", "Start", "End"]);
        assert_eq!(
            idle.iter().map(|b| b.disabled).collect::<Vec<_>>(),
            [false, false, false, true]
        );
        let racing = card_buttons("K7QX", true, Locale::En);
        assert_eq!(
            racing.iter().map(|b| b.disabled).collect::<Vec<_>>(),
            [false, false, true, false]
        );
        let json = serde_json::to_value(action_rows(&idle)).unwrap();
        assert_eq!(json[0]["type"], 1);
        assert_eq!(json[0]["components"][0]["type"], 2);
        assert_eq!(json[0]["components"][0]["custom_id"], "lobby:K7QX:join");
        assert_eq!(json[0]["components"][0]["label"], "Join");
        assert_eq!(json[0]["components"][0]["style"], 1);
        assert_eq!(json[0]["components"][3]["style"], 4);
        assert_eq!(json[0]["components"][3]["disabled"], true);
        assert!(action_rows(&[]).is_empty());
    }

    #[test]
    fn buttons_are_labelled_in_the_callers_language() {
        let labels = |locale| {
            card_buttons("K7QX", false, locale)
                .into_iter()
                .map(|b| b.label)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(Locale::De),
            ["Beitreten", "Verlassen", "Start", "Beenden"]
        );
        assert_eq!(labels(Locale::Ja), ["参加", "退出", "開始", "終了"]);
    }
}
