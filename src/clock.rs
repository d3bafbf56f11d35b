//! The server's notion of "now", injected so that tests can pin it to a signed
//! fixture's timestamp or move it forward without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Source of the current time. Cheap to clone; every clone sees the same time.
#[derive(Clone)]
pub struct Clock {
    /// `None` reads the system clock; `Some` is a manual clock shared by all clones.
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that only moves when told to (tests).
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock {
            manual: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(at) => *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Sets a manual clock; no effect on the system clock.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Some(at) = &self.manual {
            *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// Runs `duty` now and then every `period`, until it answers `false`: the loop
/// of every housekeeping task (pruning old claims, retiring lobbies at rest). A
/// tick missed while a run was slow is not made up.
pub async fn every<F, Run>(period: std::time::Duration, mut duty: F)
where
    F: FnMut() -> Run,
    Run: std::future::Future<Output = bool>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if !duty().await {
            return;
        }
    }
}
