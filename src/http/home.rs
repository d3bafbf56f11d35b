//! `GET /`: a small page for people who open the server's address, saying what
//! it is and linking its probes, its public API and the overlays of its lobbies.
//! No inline script or style, so a `default-src 'self'` policy holds.

use std::fmt::Write as _;

use actix_web::{web, HttpResponse};

use crate::services::Services;

/// Lobbies linked on the page; the full list is `/api/lobbies`.
pub const LOBBIES_LISTED_MAX: usize = 20;

pub async fn home(services: web::Data<Services>) -> HttpResponse {
    let lobbies = services.lobbies.all();
    let mut items = String::new();
    for entry in lobbies.iter().take(LOBBIES_LISTED_MAX) {
        let code = escape(entry.code.as_str());
        let _ = write!(
            items,
            "<li><a href=\"/overlay/{code}\">overlay of {code}</a> \
             (<a href=\"/overlay/{code}/setup\">settings</a>)</li>"
        );
    }
    if items.is_empty() {
        items.push_str(
            "<li>No lobby yet: create one with <code>/lobby create</code> in Discord, \
             or run <code>cozykart demo</code>.</li>",
        );
    }
    let more = lobbies.len().saturating_sub(LOBBIES_LISTED_MAX);
    if more > 0 {
        let _ = write!(
            items,
            "<li>and {more} more: <a href=\"/api/lobbies\">/api/lobbies</a></li>"
        );
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PAGE.replace("{lobbies}", &items))
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cozy-Kart</title>
</head>
<body>
<h1>Cozy-Kart</h1>
<p>This is a Cozy-Kart server: it runs kart-race lobbies for a Discord community and
shares the merch sales made while a race runs among its racers. Racers and hosts use
it through Discord's slash commands; streamers add a lobby's overlay to OBS as a
browser source (1920x1080).</p>
<h2>Overlays</h2>
<ul>
{lobbies}
</ul>
<p>One browser source for every race: <code>/overlay/host/&lt;Discord user id&gt;</code>
or <code>/overlay/channel/&lt;Discord channel id&gt;</code>.</p>
<h2>Health</h2>
<ul>
<li><a href="/healthz">/healthz</a>: the server answers</li>
<li><a href="/readyz">/readyz</a>: the database and the ledger answer</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/api/lobbies">/api/lobbies</a>: the lobbies as JSON</li>
</ul>
</body>
</html>
"#;

/// Text made safe inside HTML elements and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            super::escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
