//! Who may open an overlay websocket: at most `overlay.max_clients_per_lobby`
//! sockets per place (a lobby, or the host or channel a socket follows) and
//! `overlay.max_clients_per_address` per remote address, so that one flood cannot
//! take every socket (or all memory) of the server, nor shut out another
//! streamer's overlay. A socket holds its [`Ticket`] for as long as it lives;
//! dropping it gives the place back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::domain::ids::LobbyId;
use crate::lobby::following::FollowKey;

/// What a socket counts against, besides its address: the lobby it shows, or the
/// host or channel it follows (whichever lobby that runs, and before it runs one),
/// never a bucket shared with other hosts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    Lobby(LobbyId),
    Followed(FollowKey),
}

/// Counts sockets open per lobby and per address; shared by every HTTP worker.
pub struct Admission {
    /// 0 turns a limit off.
    max_per_lobby: usize,
    max_per_address: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    per_place: HashMap<Place, usize>,
    per_address: HashMap<IpAddr, usize>,
}

/// Why a socket was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this lobby, host or channel already has {0} overlay clients")]
    PlaceFull(usize),
    #[error("this address already has {0} overlay clients")]
    AddressFull(usize),
}

/// One admitted socket's place; given back when dropped.
pub struct Ticket {
    admission: Arc<Admission>,
    place: Place,
    address: Option<IpAddr>,
}

impl Admission {
    pub fn new(max_per_lobby: usize, max_per_address: usize) -> Arc<Self> {
        Arc::new(Admission {
            max_per_lobby,
            max_per_address,
            open: Mutex::new(Open::default()),
        })
    }

    /// A place for one more socket at `place` from `address`, if both limits allow.
    pub fn admit(
        self: &Arc<Self>,
        place: Place,
        address: Option<IpAddr>,
    ) -> Result<Ticket, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let in_place = open.per_place.get(&place).copied().unwrap_or(0);
        if self.max_per_lobby > 0 && in_place >= self.max_per_lobby {
            return Err(Refused::PlaceFull(self.max_per_lobby));
        }
        if let Some(address) = address {
            let from_address = open.per_address.get(&address).copied().unwrap_or(0);
            if self.max_per_address > 0 && from_address >= self.max_per_address {
                return Err(Refused::AddressFull(self.max_per_address));
            }
            *open.per_address.entry(address).or_default() += 1;
        }
        *open.per_place.entry(place.clone()).or_default() += 1;
        Ok(Ticket {
            admission: self.clone(),
            place,
            address,
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        release(&mut open.per_place, &self.place);
        if let Some(address) = &self.address {
            release(&mut open.per_address, address);
        }
    }
}

/// One place fewer under `key`; the entry goes when it reaches zero, so the maps
/// hold only what is open.
fn release<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(count) = counts.get_mut(key) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lobby(id: i64) -> Place {
        Place::Lobby(LobbyId::try_from(id).unwrap())
    }

    fn host(id: &str) -> Place {
        Place::Followed(FollowKey::parse("host", id).unwrap())
    }

    #[test]
    fn limits_hold_and_places_come_back() {
        let admission = Admission::new(2, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = admission.admit(lobby(1), Some(a)).unwrap();
        let _second = admission.admit(lobby(1), Some(b)).unwrap();
        assert_eq!(
            admission.admit(lobby(1), Some(a)).err(),
            Some(Refused::PlaceFull(2))
        );
        let _other_lobby = admission.admit(lobby(2), Some(a)).unwrap();
        let _third_of_a = admission.admit(lobby(3), Some(a)).unwrap();
        assert_eq!(
            admission.admit(lobby(4), Some(a)).err(),
            Some(Refused::AddressFull(3))
        );
        drop(first);
        assert!(admission.admit(lobby(1), Some(a)).is_ok());
        let unlimited = Admission::new(0, 0);
        let kept: Vec<_> = (0..100)
            .map(|_| unlimited.admit(lobby(1), Some(a)).unwrap())
            .collect();
        assert_eq!(kept.len(), 100);
    }

    #[test]
    fn follow_sockets_of_other_hosts_never_fill_a_shared_place() {
        let admission = Admission::new(2, 0);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        // Many hosts with no lobby yet: each counts under its own id only.
        let flood: Vec<_> = (0..50)
            .map(|n| {
                admission
                    .admit(host(&format!("{}", 1000 + n)), Some(a))
                    .unwrap()
            })
            .collect();
        assert_eq!(flood.len(), 50);
        let _real = admission.admit(host("42"), Some(a)).unwrap();
        let _again = admission.admit(host("42"), Some(a)).unwrap();
        assert_eq!(
            admission.admit(host("42"), Some(a)).err(),
            Some(Refused::PlaceFull(2))
        );
        assert!(admission.admit(lobby(9), Some(a)).is_ok());
    }
}
