//! When a sale counts for a race (and for a racer on its roster): the one rule.
//! Provider times have whole-second resolution, so a sale stamped in second `S`
//! counts for a span `[from, to]` (a race's window, or a racer's time on the
//! roster; both ends included) when `[S, S+1)` overlaps it. A sale paid in the
//! same second as `/start` or `/end` counts for the race, whatever the
//! sub-seconds of either time (a provider time ahead of our clock is clamped to
//! the receipt time, which has them).

use chrono::{DateTime, Duration, DurationRound, Utc};

/// A span of a lobby's history: a race's window, or a racer's time on its roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    /// `None` while it lasts.
    pub to: Option<DateTime<Utc>>,
}

/// The rule as bounds on the sale's own time: `from <= sold_at < until`. This is
/// what SQL filters by, so that a query and the rule cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoldBounds {
    pub from: DateTime<Utc>,
    /// `None`: no upper bound (the span lasts; no sale lies in the future).
    pub until: Option<DateTime<Utc>>,
}

impl Span {
    /// Whether a sale stamped `sold_at` counts for this span.
    pub fn counts(&self, sold_at: DateTime<Utc>) -> bool {
        self.sold_bounds().contains(sold_at)
    }

    /// `[S, S+1)` overlaps `[from, to]` exactly when `floor(from) <= sold_at <
    /// floor(to) + 1 s`, `S` being `floor(sold_at)`.
    pub fn sold_bounds(&self) -> SoldBounds {
        SoldBounds {
            from: whole_second(self.from),
            until: self.to.map(|to| whole_second(to) + Duration::seconds(1)),
        }
    }
}

impl SoldBounds {
    pub fn contains(&self, sold_at: DateTime<Utc>) -> bool {
        sold_at >= self.from && self.until.is_none_or(|until| sold_at < until)
    }
}

/// For a query over windows rather than sales: a window counts a sale stamped
/// `sold_at` only if it opened before this instant (`opened_at < bound`).
pub fn opened_before(sold_at: DateTime<Utc>) -> DateTime<Utc> {
    whole_second(sold_at) + Duration::seconds(1)
}

/// For a query over windows: a window counts a sale stamped `sold_at` only if it
/// had not closed before this instant (`closed_at IS NULL OR closed_at >= bound`).
pub fn closed_not_before(sold_at: DateTime<Utc>) -> DateTime<Utc> {
    whole_second(sold_at)
}

/// The second a time falls in.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::seconds(1)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap() + Duration::milliseconds(ms)
    }

    fn span(from_ms: i64, to_ms: Option<i64>) -> Span {
        Span {
            from: at(from_ms),
            to: to_ms.map(at),
        }
    }

    #[test]
    fn the_same_second_as_start_or_end_counts_whatever_the_sub_seconds() {
        let race = span(5_700, Some(9_200));
        // The second of /start: before and after its sub-second.
        assert!(race.counts(at(5_000)));
        assert!(race.counts(at(5_300)));
        assert!(!race.counts(at(4_999)));
        // Inside.
        assert!(race.counts(at(7_000)));
        // The second of /end: after its sub-second too (a clamped receipt time).
        assert!(race.counts(at(9_200)));
        assert!(race.counts(at(9_700)));
        assert!(race.counts(at(9_999)));
        assert!(!race.counts(at(10_000)));
        // A race that runs has no end.
        assert!(span(5_700, None).counts(at(86_400_000)));
        assert_eq!(opened_before(at(5_300)), at(6_000));
    }

    proptest! {
        /// The rule as written in DESIGN (`[S, S+1)` overlaps `[from, to]`) and the
        /// bounds SQL filters by give the same answer, at any sub-second.
        #[test]
        fn bounds_are_the_overlap_of_the_sales_second(
            from in 0i64..20_000,
            length in proptest::option::of(0i64..20_000),
            sold in 0i64..45_000,
        ) {
            let race = span(from, length.map(|l| from + l));
            let second = whole_second(at(sold));
            let overlaps = race.from < second + Duration::seconds(1)
                && race.to.is_none_or(|to| to >= second);
            prop_assert_eq!(race.counts(at(sold)), overlaps);
            let window_query = race.from < opened_before(at(sold))
                && race.to.is_none_or(|to| to >= closed_not_before(at(sold)));
            prop_assert_eq!(window_query, overlaps);
        }
    }
}
