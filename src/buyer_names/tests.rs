use super::*;
use crate::money::Currency;

fn usd(amount: &str) -> Money {
    Money::parse(amount, Currency::parse("USD").unwrap()).unwrap()
}

fn names(rules: NameRules) -> BuyerNames {
    BuyerNames::new(rules, HashMap::new())
}

fn word(text: &str) -> BlockedWord {
    BlockedWord::parse(text).unwrap()
}

#[test]
fn public_names_are_cleaned_and_private_ones_stay_hidden() {
    let names = names(NameRules::default());
    let shown = |buyer| names.shown(Some(guild(1)), buyer, usd("5.00"));
    assert_eq!(shown(Some("\u{202E}Ada")).as_deref(), Some("Ada"));
    assert_eq!(shown(None), None);
    assert_eq!(shown(Some("\u{202E}\u{200B}")), None);
}

fn guild(n: u64) -> crate::domain::ids::GuildId {
    crate::domain::ids::GuildId::try_from(n).unwrap()
}

#[test]
fn blocked_words_hide_the_name_and_guilds_change_the_list() {
    let names = names(NameRules::default());
    let shown = |buyer| names.shown(Some(guild(1)), Some(buyer), usd("5.00"));
    assert_eq!(shown("Sh1t Happens"), None);
    assert_eq!(shown("Mario"), Some("Mario".into()));
    names.update(guild(1), |g| {
        g.blocked.insert(word("mar*"));
    });
    assert_eq!(shown("Mario"), None);
    assert_eq!(
        names
            .shown(Some(guild(2)), Some("Mario"), usd("5.00"))
            .as_deref(),
        Some("Mario")
    );
    names.update(guild(1), |g| {
        g.allowed.insert(word("*shit*"));
    });
    assert_eq!(shown("Sh1t Happens").as_deref(), Some("Sh1t Happens"));
}

#[test]
fn modes_and_the_minimum_amount_apply() {
    let rules = NameRules {
        mode: NameMode::Initials,
        blocked: Vec::new(),
        min_amount: Decimal::new(300, 2),
    };
    let names = names(rules);
    assert_eq!(
        names.shown(None, Some("Jane Doe"), usd("3.00")).as_deref(),
        Some("J. D.")
    );
    assert_eq!(names.shown(None, Some("Jane Doe"), usd("2.99")), None);
    names.update(guild(1), |g| g.mode = Some(NameMode::Off));
    assert_eq!(
        names.shown(Some(guild(1)), Some("Jane Doe"), usd("9.00")),
        None
    );
    names.update(guild(1), |g| g.mode = Some(NameMode::Public));
    assert_eq!(
        names
            .shown(Some(guild(1)), Some("Jane Doe"), usd("9.00"))
            .as_deref(),
        Some("Jane Doe")
    );
}
