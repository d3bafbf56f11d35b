//! A local stand-in for an HTTP API (Discord's REST API, Stripe's, Shopify's Admin
//! GraphQL): it records every request it receives (method, path, query, every
//! header, the body as text and as JSON) and answers with what the test's `answer`
//! says, as the real API would.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The query string as sent (`code=KART-...`), empty without one.
    pub query: String,
    pub authorization: String,
    pub content_type: String,
    pub user_agent: String,
    /// Every header by its lowercased name (repeated ones joined by ", ").
    pub headers: BTreeMap<String, String>,
    /// The body as text (Stripe sends forms, not JSON).
    pub text: String,
    /// The body as JSON; `Null` when it is not JSON.
    pub body: Value,
    /// When it arrived (waits are checked on these, never on the test's own time).
    pub at: std::time::Instant,
}

pub struct StandIn {
    /// Its origin and base path: what `discord.api_base` is set to
    /// (`http://127.0.0.1:<port>/api/v10`), or another API's base.
    pub base: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    pub handle: actix_web::dev::ServerHandle,
}

/// Most polls of [`StandIn::wait_for`] (each after a 20 ms pause).
const WAIT_POLLS: usize = 500;

impl StandIn {
    /// A stand-in for Discord's REST API (base path `/api/v10`).
    pub fn start(answer: impl Fn(&Recorded) -> HttpResponse + Send + Sync + 'static) -> StandIn {
        StandIn::start_at("/api/v10", answer)
    }

    /// A stand-in whose [`StandIn::base`] ends with `base_path` (`""`: the origin).
    /// It answers every path: the test's `answer` decides what each gets.
    pub fn start_at(
        base_path: &str,
        answer: impl Fn(&Recorded) -> HttpResponse + Send + Sync + 'static,
    ) -> StandIn {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let port = listener.local_addr().unwrap().port();
        let shared = recorded.clone();
        let server = HttpServer::new(move || {
            let (shared, answer) = (shared.clone(), answer.clone());
            App::new().default_service(web::to(move |request: HttpRequest, body: web::Bytes| {
                let (shared, answer) = (shared.clone(), answer.clone());
                async move {
                    let seen = record(&request, &body);
                    shared.lock().unwrap().push(seen.clone());
                    answer(&seen)
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        StandIn {
            base: format!("http://127.0.0.1:{port}{base_path}"),
            recorded,
            handle,
        }
    }

    /// The requests received so far, in order.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// The requests once at least `count` have arrived (sent by a task of the
    /// server under test); panics if they never do.
    pub async fn wait_for(&self, count: usize) -> Vec<Recorded> {
        for _ in 0..WAIT_POLLS {
            let seen = self.recorded();
            if seen.len() >= count {
                return seen;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the stand-in received {:?}", self.recorded());
    }
}

fn header(request: &HttpRequest, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn record(request: &HttpRequest, body: &[u8]) -> Recorded {
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_ascii_lowercase())
            .and_modify(|seen| {
                seen.push_str(", ");
                seen.push_str(&value);
            })
            .or_insert(value);
    }
    Recorded {
        method: request.method().to_string(),
        path: request.path().to_owned(),
        query: request.query_string().to_owned(),
        authorization: header(request, "Authorization"),
        content_type: header(request, "Content-Type"),
        user_agent: header(request, "User-Agent"),
        headers,
        text: String::from_utf8_lossy(body).into_owned(),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
        at: std::time::Instant::now(),
    }
}
