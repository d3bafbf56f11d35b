//! The first hour of an operator, through the real binary: configuration that
//! refuses unknown keys (from a file or the environment) naming the nearest known
//! one, `verify` and `export` that never create a database, a host name in
//! `http.bind`, the banner, and logs fit for a pipe (no ANSI) or a shipper (JSON).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::child::free_port;

/// Bounds each wait on the child, so that a broken binary fails the test instead
/// of hanging it; never a measure of speed.
const CHILD_WAIT: Duration = Duration::from_secs(60);

/// The binary with a clean configuration: none of the test runner's own
/// `COZYKART__` variables, logs at `info`.
fn cozykart(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cozykart"));
    for (name, _) in std::env::vars() {
        if name.starts_with("COZYKART_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Runs a command that must fail; its stderr.
async fn refused(mut command: Command) -> String {
    let output = tokio::time::timeout(CHILD_WAIT, command.output())
        .await
        .expect("the command stops by itself")
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "must be refused; stderr:\n{stderr}"
    );
    stderr
}

#[actix_web::test]
async fn an_unknown_key_in_a_file_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cozykart.toml");
    std::fs::write(&file, "[commission]\nrat = \"0.3\"\n").unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("k.db").display());
    for args in [
        &["serve"][..],
        &["migrate"],
        &["verify"],
        &["demo"],
        &["export", "--year", "2026"],
    ] {
        let mut command = cozykart(args);
        command
            .env("COZYKART_CONFIG", &file)
            .env("COZYKART__DATABASE__URL", &database);
        let stderr = refused(command).await;
        assert!(
            stderr.contains(
                "unknown configuration key commission.rat; did you mean commission.rate?"
            ),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("k.db").exists(), "nothing ran");
}

#[actix_web::test]
async fn an_unknown_key_in_the_environment_is_refused_naming_the_variable() {
    let mut command = cozykart(&["serve"]);
    command.env("COZYKART__COMMISION__RATE", "0.3");
    let stderr = refused(command).await;
    assert!(
        stderr.contains("unknown configuration key commision.rate; did you mean commission.rate?"),
        "{stderr}"
    );
    assert!(stderr.contains("COZYKART__COMMISION__RATE"), "{stderr}");

    let mut shop = cozykart(&["verify"]);
    shop.env("COZYKART__SHOPS__MERCH__PROVIDER", "kofi")
        .env("COZYKART__SHOPS__MERCH__SECRET", "token")
        .env("COZYKART__SHOPS__MERCH__KOFI_TYPE", "Shop Order");
    let stderr = refused(shop).await;
    assert!(
        stderr.contains("shops.merch.kofi_type; did you mean shops.merch.kofi_types?"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn verify_and_export_refuse_a_missing_database_and_create_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cozykart.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    for args in [&["verify"][..], &["export", "--year", "2026"]] {
        let mut command = cozykart(args);
        command.env("COZYKART__DATABASE__URL", &url);
        let stderr = refused(command).await;
        assert!(stderr.contains("does not exist"), "{args:?}: {stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(!path.exists(), "{args:?} created the database");
    }
}

#[actix_web::test]
async fn verify_and_export_say_which_database_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("cozykart.db").display()
    );
    let mut migrate = cozykart(&["migrate"]);
    migrate.env("COZYKART__DATABASE__URL", &url);
    assert!(migrate.output().await.unwrap().status.success());
    for args in [&["verify"][..], &["export", "--year", "2026"]] {
        let mut command = cozykart(args);
        command.env("COZYKART__DATABASE__URL", &url);
        let output = command.output().await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("database: {url}")), "{stderr}");
    }
}

/// A server started with `http.bind = localhost:<port>` and stdout and stderr
/// piped, as under a service manager writing to files.
fn serve(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> (Child, u16) {
    let port = free_port();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("k.db").display());
    let mut command = cozykart(&["serve"]);
    command
        .env("COZYKART__DATABASE__URL", &url)
        .env("COZYKART__HTTP__BIND", format!("localhost:{port}"))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    (command.spawn().expect("server starts"), port)
}

/// Lines read from `reader` up to and including the first that holds `until`.
async fn lines_until(reader: impl tokio::io::AsyncRead + Unpin, until: &str) -> Vec<String> {
    let mut lines = BufReader::new(reader).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            let done = line.contains(until);
            seen.push(line);
            if done {
                return true;
            }
        }
        false
    };
    let found = tokio::time::timeout(CHILD_WAIT, read).await;
    assert!(
        matches!(found, Ok(true)),
        "no line with {until:?} in {seen:?}"
    );
    seen
}

#[actix_web::test]
async fn serve_binds_a_host_name_and_prints_its_banner() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve(&dir, &[]);
    let stdout = child.stdout.take().unwrap();
    let banner = lines_until(stdout, "Next:").await.join("\n");
    for part in [
        "Cozy-Kart is serving.",
        "address",
        &format!(":{port}"),
        &format!(
            "database         sqlite://{}",
            dir.path().join("k.db").display()
        ),
        "Discord endpoint off",
        "Discord gateway  off",
        "shops            off",
        "admin API        off",
        "cozykart demo",
        "Going live",
    ] {
        assert!(banner.contains(part), "{part:?} missing from:\n{banner}");
    }
    let health = awc::Client::new()
        .get(format!("http://localhost:{port}/healthz"))
        .send()
        .await;
    assert!(
        matches!(health, Ok(ref r) if r.status() == 200),
        "{health:?}"
    );
}

#[actix_web::test]
async fn logs_in_a_pipe_carry_no_ansi_codes_and_name_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _) = serve(&dir, &[]);
    let stderr = child.stderr.take().unwrap();
    let lines = lines_until(stderr, "cozykart serving").await;
    let text = lines.join("\n");
    assert!(!text.contains('\u{1b}'), "ANSI codes in a pipe:\n{text:?}");
    assert!(text.contains("INFO"), "{text}");
    assert!(
        text.contains("sqlite://"),
        "the database is not logged:\n{text}"
    );
}

#[actix_web::test]
async fn json_logs_are_one_object_per_line_and_rust_log_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _) = serve(&dir, &[("COZYKART__LOG__FORMAT", "json")]);
    let stderr = child.stderr.take().unwrap();
    let lines = lines_until(stderr, "cozykart serving").await;
    for line in &lines {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            object["level"].is_string() && object["fields"].is_object(),
            "{line}"
        );
    }
    let serving = lines.last().unwrap();
    let serving: serde_json::Value = serde_json::from_str(serving).unwrap();
    assert_eq!(serving["fields"]["message"], "cozykart serving");
    assert!(serving["fields"]["database"]
        .as_str()
        .unwrap()
        .starts_with("sqlite://"));
    // Stopped, and waited for: the next server takes the same SQLite file, whose
    // lock the first holds until it has exited (dropped, it was only signalled,
    // and on a busy machine the next one could find the file still locked).
    child.kill().await.expect("the first server stops");

    // RUST_LOG still decides: at `warn`, start-up writes no `info` line at all.
    let (mut quiet, port) = serve(
        &dir,
        &[("COZYKART__LOG__FORMAT", "json"), ("RUST_LOG", "warn")],
    );
    let stdout = quiet.stdout.take().unwrap();
    lines_until(stdout, "Next:").await;
    let health = awc::Client::new()
        .get(format!("http://localhost:{port}/healthz"))
        .send()
        .await;
    assert!(matches!(health, Ok(ref r) if r.status() == 200));
    quiet.start_kill().unwrap();
    let mut logged = String::new();
    let mut stderr = quiet.stderr.take().unwrap();
    tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut logged)
        .await
        .unwrap();
    assert!(!logged.contains("\"INFO\""), "{logged}");
}
