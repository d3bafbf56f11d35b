//! The real `cozykart` binary as a child process (the crash test, several
//! processes on one database): start it on a port, wait until it answers, sign
//! commands as Discord does, deliver webhooks with bounded concurrency.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entity::sale;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::TestDb;
use crate::signing::{interaction, sign_discord, stripe_signature, ADMIN_TOKEN};

/// Concurrent webhook deliveries in flight.
const IN_FLIGHT: usize = 16;

pub struct Server {
    child: Child,
    pub address: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    pub async fn start(db: &TestDb, port: u16) -> Server {
        Server::start_with(db, port, &[]).await
    }

    /// Starts the binary with extra `COZYKART__...` settings.
    pub async fn start_with(db: &TestDb, port: u16, env: &[(&str, &str)]) -> Server {
        let public_key =
            serde_json::from_slice::<Value>(include_bytes!("../fixtures/discord/signatures.json"))
                .unwrap()["public_key_hex"]
                .as_str()
                .unwrap()
                .to_owned();
        let child = Command::new(env!("CARGO_BIN_EXE_cozykart"))
            .arg("serve")
            .env("COZYKART__DATABASE__URL", &db.url)
            .env("COZYKART__HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("COZYKART__DISCORD__PUBLIC_KEY", public_key)
            .env("COZYKART__SHOPS__MAIN__PROVIDER", "stripe")
            .env(
                "COZYKART__SHOPS__MAIN__SECRET",
                crate::signing::STRIPE_SECRET,
            )
            .env("COZYKART__ADMIN__TOKEN", ADMIN_TOKEN)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        Server::serving(child, port).await
    }

    /// A server started as `child` on `port`, once it answers there.
    pub async fn serving(child: Child, port: u16) -> Server {
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            let probe = awc::Client::new()
                .get(format!("{}/healthz", server.address))
                .send()
                .await;
            if matches!(probe, Ok(ref r) if r.status() == 200) {
                break server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not come up"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (bounded) for a clean exit.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }

    pub async fn command(&self, name: &str, options: Value, user: &str) {
        // The child runs on the system clock: sign now, as Discord would.
        let status = self.command_signed_at(name, options, user, 0).await;
        assert_eq!(status, 200);
    }

    /// Sends a command signed `age_seconds` before the system clock; the status.
    pub async fn command_signed_at(
        &self,
        name: &str,
        options: Value,
        user: &str,
        age_seconds: i64,
    ) -> u16 {
        self.send_command(name, options, user, age_seconds, false)
            .await
            .0
    }

    /// Sends a command signed now; the reply's `data` (its content, flags).
    pub async fn reply(&self, name: &str, options: Value, user: &str) -> Value {
        let (status, reply) = self.send_command(name, options, user, 0, false).await;
        assert_eq!(status, 200, "{reply}");
        reply["data"].clone()
    }

    /// [`Self::reply`] to a member with the guild's admin rights.
    pub async fn reply_as_admin(&self, name: &str, options: Value, user: &str) -> Value {
        let (status, reply) = self.send_command(name, options, user, 0, true).await;
        assert_eq!(status, 200, "{reply}");
        reply["data"].clone()
    }

    async fn send_command(
        &self,
        name: &str,
        options: Value,
        user: &str,
        age_seconds: i64,
        admin: bool,
    ) -> (u16, Value) {
        let body = interaction(name, options, user, "Racer", admin);
        let timestamp = (chrono::Utc::now().timestamp() - age_seconds).to_string();
        let signature = sign_discord(&body, &timestamp);
        let mut response = awc::Client::new()
            .post(format!("{}/discord/interactions", self.address))
            .insert_header(("X-Signature-Ed25519", signature))
            .insert_header(("X-Signature-Timestamp", timestamp))
            .send_body(body)
            .await
            .expect("interaction answered");
        let reply = response.json::<Value>().await.unwrap_or(Value::Null);
        (response.status().as_u16(), reply)
    }

    /// `GET` a public path; the status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut response = awc::Client::new()
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("server answers");
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    /// An admin API call with the test token; the status and JSON body.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let client = awc::Client::new();
        let url = format!("{}{path}", self.address);
        let request = match method {
            "POST" => client.post(url),
            _ => client.get(url),
        }
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")));
        let mut response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .expect("server answers");
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Delivers events with bounded concurrency; returns the ids answered 200.
pub async fn deliver(address: &str, events: &[(String, Vec<u8>)]) -> Vec<String> {
    use futures_util::StreamExt;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    futures_util::stream::iter(events.iter().cloned())
        .map(|(id, body)| {
            let client = client.clone();
            let url = format!("{address}/webhooks/stripe/main");
            async move {
                let signature = stripe_signature(&body, chrono::Utc::now().timestamp());
                let answer = client
                    .post(url)
                    .insert_header(("Stripe-Signature", signature))
                    .send_body(body)
                    .await;
                matches!(answer, Ok(ref r) if r.status() == 200).then_some(id)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|acked| async move { acked })
        .collect()
        .await
}

pub async fn recorded(db: &DatabaseConnection, ids: &[String]) -> u64 {
    let mut found = 0;
    for chunk in ids.chunks(500) {
        found += sale::Entity::find()
            .filter(sale::Column::ProviderSaleId.is_in(chunk.iter().cloned()))
            .count(db)
            .await
            .unwrap();
    }
    found
}

/// Runs `cozykart serve` expecting it to refuse to start; what it printed.
pub async fn refused(db: &TestDb, port: u16) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_cozykart"))
        .arg("serve")
        .env("COZYKART__DATABASE__URL", &db.url)
        .env("COZYKART__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let output = actix_web::rt::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("the second server stops by itself")
        .expect("the binary runs");
    assert!(!output.status.success(), "a second server must not start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}
