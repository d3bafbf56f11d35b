//! Who may open an overlay websocket: at most `overlay.max_clients_per_lobby`
//! sockets per lobby and `overlay.max_clients_per_address` per remote address, so
//! that one flood cannot take every socket (or all memory) of the server. A socket
//! holds its [`Ticket`] for as long as it lives; dropping it gives the place back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts sockets open per lobby and per address; shared by every HTTP worker.
pub struct Admission {
    /// 0 turns a limit off.
    max_per_lobby: usize,
    max_per_address: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    per_lobby: HashMap<i64, usize>,
    per_address: HashMap<IpAddr, usize>,
}

/// Why a socket was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this lobby already has {0} overlay clients")]
    LobbyFull(usize),
    #[error("this address already has {0} overlay clients")]
    AddressFull(usize),
}

/// One admitted socket's place; given back when dropped.
pub struct Ticket {
    admission: Arc<Admission>,
    lobby_id: i64,
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

    /// A place for one more socket of `lobby_id` from `address`, if both limits allow.
    pub fn admit(
        self: &Arc<Self>,
        lobby_id: i64,
        address: Option<IpAddr>,
    ) -> Result<Ticket, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let in_lobby = open.per_lobby.get(&lobby_id).copied().unwrap_or(0);
        if self.max_per_lobby > 0 && in_lobby >= self.max_per_lobby {
            return Err(Refused::LobbyFull(self.max_per_lobby));
        }
        if let Some(address) = address {
            let from_address = open.per_address.get(&address).copied().unwrap_or(0);
            if self.max_per_address > 0 && from_address >= self.max_per_address {
                return Err(Refused::AddressFull(self.max_per_address));
            }
            *open.per_address.entry(address).or_default() += 1;
        }
        *open.per_lobby.entry(lobby_id).or_default() += 1;
        Ok(Ticket {
            admission: self.clone(),
            lobby_id,
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
        release(&mut open.per_lobby, &self.lobby_id);
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

    #[test]
    fn limits_hold_and_places_come_back() {
        let admission = Admission::new(2, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = admission.admit(1, Some(a)).unwrap();
        let _second = admission.admit(1, Some(b)).unwrap();
        assert_eq!(
            admission.admit(1, Some(a)).err(),
            Some(Refused::LobbyFull(2))
        );
        let _other_lobby = admission.admit(2, Some(a)).unwrap();
        let _third_of_a = admission.admit(3, Some(a)).unwrap();
        assert_eq!(
            admission.admit(4, Some(a)).err(),
            Some(Refused::AddressFull(3))
        );
        drop(first);
        assert!(admission.admit(1, Some(a)).is_ok());
        let unlimited = Admission::new(0, 0);
        let kept: Vec<_> = (0..100)
            .map(|_| unlimited.admit(1, Some(a)).unwrap())
            .collect();
        assert_eq!(kept.len(), 100);
    }
}
