//! The lobby card as a picture for the README: the card's real JSON (as the
//! interactions endpoint answers a button press) drawn by a small HTML mock of a
//! Discord message in headless Chromium. The picture lands in
//! `target/test-output/`, and in `docs/lobby-card.png` with
//! `COZYKART_UPDATE_DOCS=1`.

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::{spawn_app, Engine};
use crate::lobby_card::{create_card, press};
use crate::signing::*;
use crate::webdriver::{self, Browser};

const RACERS: [(&str, &str); 3] = [
    ("1100000000000000011", "join"),
    ("1100000000000000012", "join"),
    ("1100000000000000013", "join"),
];
/// The picture committed beside the README.
const DOCS_PICTURE: &str = "docs/lobby-card.png";

#[actix_web::test]
async fn the_lobby_card_is_drawn_for_the_readme() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCS_PICTURE);
    assert!(
        std::fs::read(&committed).is_ok_and(|png| png.starts_with(b"\x89PNG")),
        "{DOCS_PICTURE} is missing"
    );
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Engine::Sqlite, &full_config("[commission]\nhold_days = 0")).await;
    let (_, code) = create_card(&app, "Friday Cup").await;
    for (racer, action) in RACERS {
        press(&app, &code, action, racer, false).await;
    }
    press(&app, &code, "start", HOST, false).await;
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_picture", "pi_picture", 4500, "usd", now, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    // A press redraws the card: it now shows the racers, the race and the pot.
    let card = press(&app, &code, "join", "1100000000000000014", false).await;
    assert_eq!(card["type"], 7, "{card}");

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("card.html");
    // The README shows a public address, not this test's port.
    let html = mock(&card["data"]).replace(&app.address, "https://kart.example.org");
    std::fs::write(&page, html).unwrap();
    let browser = Browser::start().await;
    browser.set_viewport(760, 330).await;
    browser
        .navigate(&format!("file://{}", page.display()))
        .await;
    let drawn = browser
        .execute(
            "return document.querySelectorAll('.field').length;",
            Vec::new(),
        )
        .await;
    assert!(drawn.as_u64().is_some_and(|n| n >= 3), "{drawn}");
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("lobby-card.png"), &png).unwrap();
    if std::env::var("COZYKART_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&committed, &png).unwrap();
    }
}

/// A Discord message holding the card: colour bar, title, description, fields
/// (inline ones side by side) and the row of buttons, greyed when disabled.
fn mock(data: &Value) -> String {
    let embed = &data["embeds"][0];
    let color = embed["color"].as_u64().unwrap_or(0x5865f2);
    let mut fields = String::new();
    for field in embed["fields"].as_array().into_iter().flatten() {
        let inline = if field["inline"] == true {
            " inline"
        } else {
            ""
        };
        fields.push_str(&format!(
            "<div class=\"field{inline}\"><div class=\"name\">{}</div><div>{}</div></div>",
            text(&field["name"]),
            text(&field["value"]).replace('\n', "<br>")
        ));
    }
    let mut buttons = String::new();
    for button in data["components"][0]["components"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let style = button["style"].as_u64().unwrap_or(2);
        let disabled = if button["disabled"] == true {
            " disabled"
        } else {
            ""
        };
        buttons.push_str(&format!(
            "<span class=\"button s{style}{disabled}\">{}</span>",
            text(&button["label"])
        ));
    }
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; padding: 24px; background: #313338; color: #dbdee1;
  font: 15px/1.4 "DejaVu Sans", sans-serif; }}
.author {{ color: #f2f3f5; font-weight: 600; margin-bottom: 4px; }}
.tag {{ background: #5865f2; color: white; font-size: 11px; padding: 1px 4px; border-radius: 3px; }}
.embed {{ max-width: 520px; background: #2b2d31; border-left: 4px solid #{color:06x};
  border-radius: 4px; padding: 10px 16px 14px 12px; margin-top: 6px; }}
.title {{ color: #f2f3f5; font-weight: 700; margin-bottom: 6px; }}
.fields {{ display: flex; flex-wrap: wrap; gap: 8px 16px; margin-top: 8px; }}
.field {{ flex: 1 1 100%; }} .field.inline {{ flex: 1 1 40%; }}
.name {{ color: #f2f3f5; font-weight: 600; font-size: 13px; }}
.buttons {{ margin-top: 8px; display: flex; gap: 8px; }}
.button {{ padding: 4px 16px; border-radius: 3px; color: white; font-weight: 500; }}
.s1 {{ background: #5865f2; }} .s2 {{ background: #4e5058; }}
.s3 {{ background: #248046; }} .s4 {{ background: #da373c; }}
.disabled {{ opacity: 0.5; }}
</style></head><body>
<div class="author">Cozy-Kart <span class="tag">APP</span></div>
<div>{content}</div>
<div class="embed"><div class="title">{title}</div><div>{description}</div>
<div class="fields">{fields}</div></div>
<div class="buttons">{buttons}</div>
</body></html>"#,
        content = text(&data["content"]),
        title = text(&embed["title"]),
        description = text(&embed["description"]),
    )
}

/// A string of the card as HTML, its Discord markdown (bold, code) drawn plainly.
fn text(value: &Value) -> String {
    let raw = value.as_str().unwrap_or_default();
    let escaped = raw
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut out = String::new();
    for (i, part) in escaped.split("**").enumerate() {
        out.push_str(if i % 2 == 1 { "<b>" } else { "" });
        out.push_str(part);
        out.push_str(if i % 2 == 1 { "</b>" } else { "" });
    }
    // Discord draws `<t:UNIX:R>` in the reader's own words, and emoji from its own
    // font (which a bare Chromium lacks).
    let out = out.replace(['`', '\\'], "");
    let out = match (out.find("&lt;t:"), out.find(":R&gt;")) {
        (Some(start), Some(end)) if start < end => {
            format!(
                "{}a minute ago{}",
                &out[..start],
                &out[end + ":R&gt;".len()..]
            )
        }
        _ => out,
    };
    out.chars().filter(|c| (*c as u32) < 0x2190).collect()
}
