//! `TCP_NODELAY` on the process's PostgreSQL connections over TCP.
//!
//! sqlx 0.9.0 opens its TCP sockets without `TCP_NODELAY` (sqlx issue #4335; fixed
//! on sqlx's main branch by PR #4336, not in a release yet), so the last segment of
//! any message longer than one segment waits for the server's delayed ACK, ~40 ms
//! on Linux. sqlx never hands out the socket, so every pool the server opens
//! (`db::connect_with`, the lobby bus's listener) runs [`after_connect`] on each
//! new connection: it looks through the process's descriptors for TCP sockets
//! whose peer is the database's address and sets the option on them. Setting it
//! again on an older connection's socket changes nothing, and matching on the peer
//! (not on what the server sees) also works through a proxy or NAT.
//!
//! Drop this module when the sqlx in `Cargo.lock` sets `TCP_NODELAY` itself; the test
//! `large_statement_round_trip_waits_for_no_delayed_ack` fails if neither does.

use std::io;
use std::net::SocketAddr;

use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, Postgres};

/// `pool` with [`after_connect`] run on each new connection when `url` goes over
/// TCP. A URL sqlx cannot read is left to sqlx to report.
pub fn on_each_connection(pool: PoolOptions<Postgres>, url: &str) -> PoolOptions<Postgres> {
    let Some((host, port)) = url
        .parse::<PgConnectOptions>()
        .ok()
        .as_ref()
        .and_then(tcp_endpoint)
    else {
        return pool;
    };
    pool.after_connect(move |_, _| {
        let host = host.clone();
        Box::pin(async move {
            after_connect(host, port).await;
            Ok(())
        })
    })
}

/// Where a pool's connections go over TCP: host and port, or `None` when they go
/// through a Unix socket (no Nagle there), chosen the way sqlx chooses.
fn tcp_endpoint(options: &PgConnectOptions) -> Option<(String, u16)> {
    if options.get_socket().is_some() || options.get_host().starts_with('/') {
        return None;
    }
    // An IPv6 literal may keep its URL brackets; the resolver wants it bare.
    let host = options.get_host().trim_matches(['[', ']']);
    Some((host.to_owned(), options.get_port()))
}

/// Sets `TCP_NODELAY` on the process's sockets connected to `host:port`. Never
/// fails the connection: a socket left without the option is slower, not wrong,
/// so a miss is logged (and the test above catches it).
async fn after_connect(host: String, port: u16) {
    match set_towards(&host, port).await {
        Ok(0) => tracing::warn!(
            host,
            port,
            "no socket to the database found: TCP_NODELAY not set (large statements wait ~40 ms)"
        ),
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(host, port, %error, "TCP_NODELAY not set on the database connection")
        }
    }
}

/// How many of the process's TCP sockets connected to `host:port` now have
/// `TCP_NODELAY`.
pub async fn set_towards(host: &str, port: u16) -> io::Result<usize> {
    let peers: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
    // A process with many overlay clients has as many descriptors to look at.
    tokio::task::spawn_blocking(move || set_on_sockets_to(&peers))
        .await
        .map_err(io::Error::other)?
}

#[cfg(target_os = "linux")]
fn set_on_sockets_to(peers: &[SocketAddr]) -> io::Result<usize> {
    let mut set = 0;
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Some(fd) = entry?.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // A descriptor that is no socket, or not connected, has no peer; one
        // closed meanwhile refuses the option, and is no connection of ours.
        if peer(fd).is_some_and(|peer| peers.contains(&peer)) && set_nodelay(fd).is_ok() {
            set += 1;
        }
    }
    Ok(set)
}

#[cfg(not(target_os = "linux"))]
fn set_on_sockets_to(_peers: &[SocketAddr]) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "the process's sockets are found through /proc (Linux only)",
    ))
}

/// The address a descriptor's socket is connected to, if it is an IP socket.
#[cfg(target_os = "linux")]
fn peer(fd: std::os::fd::RawFd) -> Option<SocketAddr> {
    // SAFETY: getpeername writes at most `len` bytes into the storage socket2
    // hands us and reads nothing else; on a descriptor that is closed meanwhile, or
    // is no socket, it fails and writes nothing.
    let (_, address) = unsafe {
        socket2::SockAddr::try_init(|storage, len| {
            if libc::getpeername(fd, storage.cast(), len) == -1 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        })
    }
    .ok()?;
    address.as_socket()
}

#[cfg(target_os = "linux")]
fn set_nodelay(fd: std::os::fd::RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: the option value is a live `c_int` of the length given; setsockopt
    // only reads it.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
