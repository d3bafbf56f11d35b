//! The overlay's static files, compiled into the binary so that the page needs
//! nothing from outside: the OBS page, its script modules and style, the
//! settings page, and the sale sound (a short chime synthesized here as a WAV
//! file).

use std::sync::OnceLock;

use actix_web::{web, HttpResponse};

const INDEX_HTML: &str = include_str!("../../overlay-client/index.html");
const SETUP_HTML: &str = include_str!("../../overlay-client/setup.html");

/// Samples per second of the sale sound.
const SOUND_RATE_HZ: u32 = 22_050;
/// Length of the sale sound.
const SOUND_MS: u32 = 420;

/// One file of `overlay-client/`, served under the same name.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            include_str!(concat!("../../overlay-client/", $name)),
            $content_type,
        )
    };
}

/// The static files under `/overlay-assets/`, with their content types. The
/// scripts are ES modules: `overlay.js` and `setup.js` are the pages' entry
/// points, and each imports the rest by relative path (`catalogues.js`, which
/// `i18n.js` imports, is written by `super::i18n`).
const FILES: [(&str, &str, &str); 23] = [
    asset!("overlay.css", CSS),
    asset!("setup.css", CSS),
    asset!("options.js", JS),
    asset!("money.js", JS),
    asset!("i18n.js", JS),
    asset!("setup.js", JS),
    asset!("overlay.js", JS),
    asset!("overlay/address.js", JS),
    asset!("overlay/celebrate.js", JS),
    asset!("overlay/checkout.js", JS),
    asset!("overlay/dom.js", JS),
    asset!("overlay/frames.js", JS),
    asset!("overlay/goal.js", JS),
    asset!("overlay/lobby.js", JS),
    asset!("overlay/motion.js", JS),
    asset!("overlay/pills.js", JS),
    asset!("overlay/pot.js", JS),
    asset!("overlay/racers.js", JS),
    asset!("overlay/sales.js", JS),
    asset!("overlay/settings.js", JS),
    asset!("overlay/share.js", JS),
    asset!("overlay/socket.js", JS),
    asset!("overlay/timer.js", JS),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (name, body, content_type) in FILES {
        let serve = move || text(body, content_type);
        cfg.route(&format!("/overlay-assets/{name}"), web::get().to(serve));
    }
    cfg.route("/overlay-assets/sale.wav", web::get().to(sound));
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

async fn text(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body)
}

/// The overlay page (the same for a lobby, a host and a channel).
pub fn overlay_page() -> HttpResponse {
    HttpResponse::Ok().content_type(HTML).body(INDEX_HTML)
}

/// The overlay page as the answer for a lobby that does not exist: a 404 whose
/// body still draws nothing but the (transparent) waiting page.
pub fn overlay_page_not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type(HTML).body(INDEX_HTML)
}

/// The settings page of a lobby's overlay.
pub fn setup_page() -> HttpResponse {
    HttpResponse::Ok().content_type(HTML).body(SETUP_HTML)
}

async fn sound() -> HttpResponse {
    static WAV: OnceLock<Vec<u8>> = OnceLock::new();
    HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header(("Cache-Control", "max-age=86400"))
        .body(WAV.get_or_init(chime).clone())
}

/// A two-note chime (E6 then A6, each fading out) as 16-bit mono PCM in a WAV file.
fn chime() -> Vec<u8> {
    let samples = SOUND_RATE_HZ * SOUND_MS / 1000;
    let mut pcm = Vec::with_capacity(samples as usize * 2);
    let second_note_at = samples / 3;
    for i in 0..samples {
        let t = f64::from(i) / f64::from(SOUND_RATE_HZ);
        let note = |hz: f64, start: u32| {
            if i < start {
                return 0.0;
            }
            let since = f64::from(i - start) / f64::from(SOUND_RATE_HZ);
            (2.0 * std::f64::consts::PI * hz * t).sin() * (-since * 9.0).exp()
        };
        let value = 0.45 * note(1318.5, 0) + 0.45 * note(1760.0, second_note_at);
        // Bounded to [-0.9, 0.9] above, so the cast cannot overflow.
        let sample = (value * f64::from(i16::MAX)) as i16;
        pcm.extend_from_slice(&sample.to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + pcm.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&SOUND_RATE_HZ.to_le_bytes());
    wav.extend_from_slice(&(SOUND_RATE_HZ * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(&pcm);
    wav
}

#[cfg(test)]
mod tests {
    use super::FILES;

    /// The paths a script imports (`import … from './x.js';`), as written.
    fn imports(script: &str) -> Vec<&str> {
        script
            .lines()
            .filter(|line| line.starts_with("import "))
            .filter_map(|line| line.split(" from '").nth(1)?.split('\'').next())
            .collect()
    }

    /// `base` (a served name such as `overlay/pot.js`) joined with `./x.js` or `../x.js`.
    fn resolve(base: &str, relative: &str) -> String {
        let mut parts: Vec<&str> = base.split('/').collect();
        parts.pop();
        for part in relative.split('/') {
            match part {
                "." => {}
                ".." => {
                    assert!(parts.pop().is_some(), "{base} imports {relative}");
                }
                name => parts.push(name),
            }
        }
        parts.join("/")
    }

    #[test]
    fn every_module_a_script_imports_is_served() {
        let served: Vec<&str> = FILES.iter().map(|(name, _, _)| *name).collect();
        let mut checked = 0;
        for (name, body, _) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            for relative in imports(body) {
                assert!(relative.starts_with('.'), "{name} imports {relative}");
                let path = resolve(name, relative);
                assert!(
                    served.contains(&path.as_str()) || path == "catalogues.js",
                    "{name} imports {path}, which is not served"
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "{checked} imports");
    }

    /// A script past this many lines is asking to be cut along a seam.
    const SCRIPT_LINES_MAX: usize = 300;

    #[test]
    fn every_script_is_small_and_says_what_it_owns() {
        for (name, body, _) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            assert!(
                body.starts_with("// ") || body.starts_with("/* "),
                "{name} opens without a comment saying what it owns"
            );
            let lines = body.lines().count();
            assert!(lines <= SCRIPT_LINES_MAX, "{name}: {lines} lines");
        }
    }

    #[test]
    fn the_pages_load_their_entry_modules() {
        for (page, entry) in [
            (super::INDEX_HTML, "/overlay-assets/overlay.js"),
            (super::SETUP_HTML, "/overlay-assets/setup.js"),
        ] {
            let tag = format!("<script type=\"module\" src=\"{entry}\"></script>");
            assert!(page.contains(&tag), "{entry}");
            assert_eq!(page.matches("<script").count(), 1, "{entry}");
        }
    }

    #[test]
    fn the_chime_is_a_short_pcm_wav() {
        let wav = super::chime();
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        let data = u32::from_le_bytes(wav[40..44].try_into().unwrap()) as usize;
        assert_eq!(wav.len(), 44 + data);
        assert_eq!(data, 2 * (22_050 * 420 / 1000));
        let loudest = wav[44..]
            .chunks(2)
            .map(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs())
            .max()
            .unwrap();
        assert!(loudest > 10_000, "{loudest}");
    }
}
