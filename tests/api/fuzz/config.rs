//! Configuration: any TOML is read or refused by the key at fault, never with a
//! secret in the message.

use cozykart::config::{Config, ConfigError};
use cozykart::money::Currency;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{config, tricky_string};

const CONFIG_SECRET: &str = "whsec_fuzz_ConfigSecretMustNotLeak";

#[rustfmt::skip]
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("http", "bind"), ("http", "public_url"), ("database", "url"), ("discord", "public_key"),
    ("discord", "guild_id"), ("discord", "admin_role"), ("admin", "token"),
    ("commission", "rate"), ("commission", "max_racers"), ("commission", "hold_days"),
    ("commission", "payout_threshold"), ("commission", "untagged"),
    ("commission", "max_window_minutes"), ("commission", "max_delay_minutes"),
    ("commission", "payout_thresholds"), ("commission.payout_thresholds", "JPY"),
    ("commission.payout_thresholds", "kwd"), ("commission.payout_thresholds", "XXX"),
    ("shops.main", "provider"), ("shops.main", "guild_id"), ("shops.main", "checkout_url"),
    ("shops.main", "kofi_types"), ("shops.main", "previous_secret"),
];

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(
            &[
                "0",
                "-1",
                "65",
                "nan",
                "inf",
                "-inf",
                "1e400",
                "0.2",
                "1.5",
                "true",
                "[]",
                "[1, \"a\"]",
                "{}",
                "{ a = 1 }",
                "1979-05-27T07:32:00Z",
                "18446744073709551616",
                "\"\"",
                "\"  \"",
                "\"0.20\"",
                "\"NaN\"",
                "\"split\"",
                "\"stripe\"",
                "\"kofi\"",
                "\"127.0.0.1:0\"",
                "\"sqlite::memory:\"",
                "\"99999999999999999999.99\"",
                "\"-0.00\"",
                "\"1e9\"",
            ][..],
        )
        .prop_map(str::to_owned),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        tricky_string().prop_map(|s| Value::from(s).to_string()),
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    let assignment = (prop::sample::select(CONFIG_KEYS), toml_value())
        .prop_map(|((table, key), value)| format!("[{table}]\n{key} = {value}\n"));
    let shop = (
        prop_oneof![Just("main".to_owned()), ".{0,12}"],
        prop::sample::select(&["stripe", "shopify", "kofi", "paypal", ""][..]),
    )
        .prop_map(|(name, provider)| {
            format!(
                "[shops.{}]\nprovider = \"{provider}\"\nsecret = \"{CONFIG_SECRET}\"\n",
                Value::from(name)
            )
        });
    prop_oneof![
        4 => (shop, prop::collection::vec(assignment, 0..4))
            .prop_map(|(shop, rest)| format!("{shop}{}", rest.concat())),
        1 => ".{0,120}",
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn config_from_toml_never_panics_and_names_the_key(text in config_text()) {
        match Config::from_toml(&text) {
            Ok(config) => {
                let c = &config.commission;
                prop_assert!(c.rate.value() >= Decimal::ZERO && c.rate.value() <= Decimal::ONE);
                prop_assert!((1..=64).contains(&c.max_racers));
                for currency in Currency::all() {
                    let threshold = c.payout_thresholds.for_currency(currency);
                    prop_assert!(!threshold.is_negative() && threshold.currency() == currency);
                }
                for shop in config.shops.values() {
                    prop_assert!(!shop.secrets.is_empty());
                    prop_assert!(shop.secrets.iter().all(|s| !s.trim().is_empty()));
                }
            }
            Err(err) => {
                let message = err.to_string();
                prop_assert!(!message.contains(CONFIG_SECRET), "secret in {message}");
                if let ConfigError::Invalid { key, .. } = &err {
                    prop_assert!(!key.is_empty());
                }
            }
        }
    }
}
