//! The reply catalogues: one Fluent file per locale, compiled in, read once into
//! a bundle each. English (`replies/en.ftl`) is the source of truth: a message a
//! catalogue lacks is written in English, and the tests below fail when any
//! catalogue misses one of English's messages, has one English lacks, or uses a
//! placeholder English does not.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::Locale;

/// Each locale's catalogue, English first.
const CATALOGUES: [(Locale, &str); 6] = [
    (Locale::En, include_str!("replies/en.ftl")),
    (Locale::De, include_str!("replies/de.ftl")),
    (Locale::Fr, include_str!("replies/fr.ftl")),
    (Locale::EsEs, include_str!("replies/es-ES.ftl")),
    (Locale::PtBr, include_str!("replies/pt-BR.ftl")),
    (Locale::Ja, include_str!("replies/ja.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

/// A value a message is written with: text (already escaped where it came from a
/// user) or a count, which a catalogue may use to pick a plural form.
pub trait Arg {
    fn value(&self) -> FluentValue<'_>;
}

impl Arg for String {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::from(self.as_str())
    }
}

impl Arg for &str {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::from(*self)
    }
}

macro_rules! count_arg {
    ($($number:ty)+) => {$(
        impl Arg for $number {
            fn value(&self) -> FluentValue<'_> {
                FluentValue::from(*self)
            }
        }
    )+};
}
count_arg!(u16 u32 u64 usize i64);

/// Every bundle, read once. A catalogue that does not parse keeps the messages
/// that do (and the log says so); the tests keep that from shipping.
fn bundles() -> &'static [(Locale, Bundle)] {
    static READ: OnceLock<Vec<(Locale, Bundle)>> = OnceLock::new();
    READ.get_or_init(|| {
        CATALOGUES
            .iter()
            .map(|(l, text)| (*l, bundle(*l, text)))
            .collect()
    })
}

fn bundle(locale: Locale, text: &str) -> Bundle {
    let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(
            locale = locale.code(),
            ?errors,
            "reply catalogue partly unreadable"
        );
        partial
    });
    let language = locale.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![language]);
    // Discord shows text as given: no Unicode isolation marks around placeholders.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            locale = locale.code(),
            ?errors,
            "reply catalogue has clashing messages"
        );
    }
    bundle
}

fn bundle_of(locale: Locale) -> Option<&'static Bundle> {
    bundles().iter().find(|(l, _)| *l == locale).map(|(_, b)| b)
}

impl Locale {
    /// The message `id` in this locale (in English where this catalogue lacks it),
    /// written with `args`: `("name", &plain(name))`, `("count", &3)`. A message
    /// missing from English too is written as its id, and logged.
    pub fn t(self, id: &str, args: &[(&str, &dyn Arg)]) -> String {
        let found = [self, Locale::En].into_iter().find_map(|locale| {
            let bundle = bundle_of(locale)?;
            let pattern = bundle.get_message(id)?.value()?;
            Some((locale, bundle, pattern))
        });
        let Some((locale, bundle, pattern)) = found else {
            tracing::error!(id, "reply message missing from the English catalogue");
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.value());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(
                id,
                locale = locale.code(),
                ?errors,
                "reply message written with errors"
            );
        }
        text.into_owned()
    }
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
