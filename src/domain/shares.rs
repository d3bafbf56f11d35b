//! Shares and splits: attribution (DESIGN section 3) as a pure function of the sale and the lobbies
//! whose windows were open at its time: tagged sale, untagged under the `split`,
//! `latest` or `house` policy, or nobody. Shares are exact to the minor unit.

use chrono::{DateTime, Utc};

use super::ids::{GuildId, LobbyId, UserId};
use crate::money::Money;

/// How an untagged sale is shared when several windows of the guild are open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UntaggedPolicy {
    Split,
    Latest,
    House,
}

/// One racer's share of a sale, through one lobby.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub lobby_id: LobbyId,
    /// The lobby's guild: whose wallet the share goes to.
    pub guild: Option<GuildId>,
    pub racer: UserId,
    pub amount: Money,
}

/// A lobby whose window was open at the sale's time, with the roster then.
#[derive(Clone, Debug)]
pub struct OpenLobby {
    pub lobby_id: LobbyId,
    /// The lobby's guild: whose wallets its racers earn in.
    pub guild: Option<GuildId>,
    pub opened_at: DateTime<Utc>,
    /// Racers on the roster at the sale's time (any order; sorted here).
    pub racers: Vec<UserId>,
}

/// What the sale's tag resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// No tag, or one naming no known lobby: untagged rules apply.
    None,
    /// The sale names this lobby.
    Lobby(LobbyId),
}

/// The lobbies that earn a share of the sale, by id: the tagged one if its window
/// was open, else the open ones the untagged policy picks. Empty: the house keeps
/// the pool.
pub fn earning_lobbies(tag: Tag, open: &[OpenLobby], policy: UntaggedPolicy) -> Vec<&OpenLobby> {
    let mut earning: Vec<&OpenLobby> = match tag {
        Tag::Lobby(id) => open.iter().filter(|l| l.lobby_id == id).collect(),
        Tag::None => match policy {
            UntaggedPolicy::House => Vec::new(),
            UntaggedPolicy::Split => open.iter().collect(),
            UntaggedPolicy::Latest => open
                .iter()
                .max_by_key(|l| (l.opened_at, l.lobby_id))
                .into_iter()
                .collect(),
        },
    };
    earning.sort_by_key(|l| l.lobby_id);
    earning.dedup_by_key(|l| l.lobby_id);
    earning
}

/// Splits `pool` evenly across the earning lobbies, then each part across the
/// racers on that lobby's roster. A lobby with nobody on it leaves its part with
/// the house.
pub fn share_out(pool: Money, sale_id: &str, earning: &[&OpenLobby]) -> Vec<Share> {
    if earning.is_empty() || pool.is_zero() {
        return Vec::new();
    }
    let parts = pool.split(earning.len(), sale_id);
    let mut shares = Vec::new();
    for (lobby, part) in earning.iter().zip(parts) {
        // In the order of their decimal text, as racers were ordered when ids were
        // text: the same sale splits the same way (who gets a leftover cent) as
        // it did then, so that a twin delivered after an upgrade finds its shares.
        let mut racers = lobby.racers.clone();
        racers.sort_by_key(|racer| racer.to_string());
        racers.dedup();
        let seed = format!("{sale_id}:{}", lobby.lobby_id);
        for (racer, amount) in racers.iter().zip(part.split(racers.len(), &seed)) {
            if !amount.is_zero() {
                shares.push(Share {
                    lobby_id: lobby.lobby_id,
                    guild: lobby.guild,
                    racer: *racer,
                    amount,
                });
            }
        }
    }
    shares
}

/// [`earning_lobbies`] then [`share_out`]: the whole attribution of one sale.
pub fn attribute(
    pool: Money,
    sale_id: &str,
    tag: Tag,
    open: &[OpenLobby],
    policy: UntaggedPolicy,
) -> Vec<Share> {
    share_out(pool, sale_id, &earning_lobbies(tag, open, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use chrono::TimeZone;

    fn usd(text: &str) -> Money {
        Money::parse(text, Currency::parse("USD").unwrap()).unwrap()
    }

    fn id(n: i64) -> LobbyId {
        LobbyId::try_from(n).unwrap()
    }

    fn lobby(n: i64, opened_minute: u32, racers: &[&str]) -> OpenLobby {
        OpenLobby {
            lobby_id: id(n),
            guild: Some(GuildId::try_from(1 + n as u64 % 2).unwrap()),
            opened_at: Utc
                .with_ymd_and_hms(2026, 1, 1, 12, opened_minute, 0)
                .unwrap(),
            racers: racers.iter().map(|r| r.parse().unwrap()).collect(),
        }
    }

    fn total(shares: &[Share]) -> i64 {
        shares.iter().map(|s| s.amount.minor()).sum()
    }

    #[test]
    fn tagged_sale_goes_to_its_open_lobby_only() {
        let open = [lobby(1, 0, &["11", "12"]), lobby(2, 5, &["13"])];
        let shares = attribute(
            usd("4.00"),
            "s",
            Tag::Lobby(id(2)),
            &open,
            UntaggedPolicy::Split,
        );
        assert_eq!(shares.len(), 1);
        assert_eq!((shares[0].lobby_id, shares[0].amount), (id(2), usd("4.00")));
    }

    #[test]
    fn tagged_sale_to_a_closed_lobby_stays_with_the_house() {
        let open = [lobby(1, 0, &["11"])];
        assert!(attribute(
            usd("4.00"),
            "s",
            Tag::Lobby(id(9)),
            &open,
            UntaggedPolicy::Split
        )
        .is_empty());
    }

    #[test]
    fn untagged_split_divides_across_lobbies_then_racers() {
        let open = [lobby(1, 0, &["11", "12"]), lobby(2, 5, &["13"])];
        let shares = attribute(usd("5.01"), "s", Tag::None, &open, UntaggedPolicy::Split);
        assert_eq!(total(&shares), 501);
        let lobby2: i64 = shares
            .iter()
            .filter(|s| s.lobby_id == id(2))
            .map(|s| s.amount.minor())
            .sum();
        assert!(lobby2 == 250 || lobby2 == 251, "{lobby2}");
    }

    #[test]
    fn untagged_latest_picks_the_most_recent_window() {
        let open = [lobby(1, 0, &["11"]), lobby(2, 5, &["13"])];
        let shares = attribute(usd("3.00"), "s", Tag::None, &open, UntaggedPolicy::Latest);
        assert!(shares.iter().all(|s| s.lobby_id == id(2)));
        assert_eq!(total(&shares), 300);
    }

    #[test]
    fn untagged_house_policy_and_no_window_keep_everything() {
        let open = [lobby(1, 0, &["11"])];
        assert!(attribute(usd("3.00"), "s", Tag::None, &open, UntaggedPolicy::House).is_empty());
        assert!(attribute(usd("3.00"), "s", Tag::None, &[], UntaggedPolicy::Split).is_empty());
    }

    #[test]
    fn empty_roster_part_stays_with_the_house() {
        let open = [lobby(1, 0, &["11"]), lobby(2, 5, &[])];
        let shares = attribute(usd("4.00"), "s", Tag::None, &open, UntaggedPolicy::Split);
        assert_eq!(total(&shares), 200);
        assert!(shares.iter().all(|s| s.lobby_id == id(1)));
    }

    #[test]
    fn racers_split_in_the_order_of_their_text_as_before_ids_were_typed() {
        // "10" sorts before "9" as text: the first share of the split is its.
        let open = [lobby(1, 0, &["9", "10"])];
        let shares = attribute(usd("0.03"), "pi_1", Tag::None, &open, UntaggedPolicy::Split);
        let parts = usd("0.03").split(2, "pi_1:1");
        let of = |racer: &str| {
            shares
                .iter()
                .find(|s| s.racer == racer.parse().unwrap())
                .map(|s| s.amount)
        };
        assert_eq!((of("10"), of("9")), (Some(parts[0]), Some(parts[1])));
    }
}
