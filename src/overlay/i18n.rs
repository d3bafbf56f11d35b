//! The words of the overlay and its settings page in the viewer's language:
//! one catalogue per language (`overlay-client/i18n/<lang>.json`, compiled into
//! the binary), served one by one and all together as the module `catalogues.js`,
//! which `i18n.js` imports to pick the `locale` parameter's catalogue, then its
//! base language's, then English.

use std::sync::OnceLock;

use actix_web::{web, HttpResponse};

/// Every catalogue, English first (the one every other falls back to).
pub const CATALOGUES: [(&str, &str); 6] = [
    ("en", include_str!("../../overlay-client/i18n/en.json")),
    ("de", include_str!("../../overlay-client/i18n/de.json")),
    ("fr", include_str!("../../overlay-client/i18n/fr.json")),
    ("es", include_str!("../../overlay-client/i18n/es.json")),
    (
        "pt-BR",
        include_str!("../../overlay-client/i18n/pt-BR.json"),
    ),
    ("ja", include_str!("../../overlay-client/i18n/ja.json")),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (lang, catalogue) in CATALOGUES {
        let serve = move || async move {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(catalogue)
        };
        cfg.route(
            &format!("/overlay-assets/i18n/{lang}.json"),
            web::get().to(serve),
        );
    }
    cfg.route("/overlay-assets/catalogues.js", web::get().to(script));
}

/// `catalogues.js`: an ES module whose default export is every catalogue by language.
async fn script() -> HttpResponse {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    let body = SCRIPT.get_or_init(|| {
        let entries: Vec<String> = CATALOGUES
            .iter()
            .map(|(lang, catalogue)| format!("{lang:?}: {catalogue}"))
            .collect();
        format!("export default {{{}}};\n", entries.join(",\n"))
    });
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(body.clone())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::CATALOGUES;

    fn parsed(lang: &str, text: &str) -> BTreeMap<String, String> {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{lang}.json: {e}"))
    }

    /// `{n}`, `{amount}`, `{who}` in a text.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_catalogue_has_every_key_with_its_placeholders() {
        let english = parsed("en", CATALOGUES[0].1);
        for (lang, text) in &CATALOGUES[1..] {
            let catalogue = parsed(lang, text);
            for (key, words) in &english {
                let translated = catalogue
                    .get(key)
                    .unwrap_or_else(|| panic!("{lang}.json misses {key:?}"));
                assert!(
                    !translated.trim().is_empty(),
                    "{lang}.json: {key:?} is empty"
                );
                assert_eq!(
                    placeholders(translated),
                    placeholders(words),
                    "{lang}.json: {key:?}"
                );
            }
            let extra: Vec<_> = catalogue
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(
                extra.is_empty(),
                "{lang}.json has keys English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn the_languages_asked_for_are_there() {
        let langs: Vec<&str> = CATALOGUES.iter().map(|(lang, _)| *lang).collect();
        for lang in ["en", "de", "fr", "es", "pt-BR", "ja"] {
            assert!(langs.contains(&lang), "{lang}");
        }
    }
}
