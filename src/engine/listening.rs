//! What listens inside a container, read from its `/proc/net/tcp` and `/proc/net/tcp6`:
//! when a check cannot connect, this tells "listens on 127.0.0.1 only" or "listens on
//! another port" apart from "nothing listens yet".

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::client::Engine;

/// A listening TCP socket inside a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Socket {
    pub(crate) ip: IpAddr,
    pub(crate) port: u16,
}

impl Socket {
    /// Bound to the loopback address: nothing outside the container reaches it, not even
    /// the engine's port forwarding.
    pub(crate) fn loopback_only(&self) -> bool {
        self.ip.is_loopback()
    }
}

impl fmt::Display for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// The kernel's state number for a listening socket.
const LISTEN: &str = "0A";

/// Where the engine's own DNS server listens in every container on a user-defined
/// network: not the app.
const ENGINE_DNS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11));

impl Engine {
    /// The container's listening TCP sockets; empty when they cannot be read (no `cat` in
    /// the image, the container stopped): the caller then knows nothing more than before.
    pub(crate) async fn listening(&self, container: &str) -> Vec<Socket> {
        // One exec for both files; `cat` fails on a kernel without IPv6 but still prints
        // the first, and the address width says which table a line came from.
        let argv = ["cat", "/proc/net/tcp", "/proc/net/tcp6"].map(String::from);
        match self.exec_capture(container, &argv).await {
            Ok((_, lines)) => parse(&lines),
            Err(_) => Vec::new(),
        }
    }
}

/// The listening sockets in lines of `/proc/net/tcp` or `/proc/net/tcp6`, de-duplicated.
pub(crate) fn parse(lines: &[String]) -> Vec<Socket> {
    let mut sockets: Vec<Socket> = lines
        .iter()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let _slot = fields.next()?;
            let local = fields.next()?;
            let _remote = fields.next()?;
            let state = fields.next()?;
            if state != LISTEN {
                return None;
            }
            let (address, port) = local.split_once(':')?;
            Some(Socket {
                ip: kernel_address(address)?,
                port: u16::from_str_radix(port, 16).ok()?,
            })
        })
        .filter(|socket| socket.ip != ENGINE_DNS)
        .collect();
    sockets.sort();
    sockets.dedup();
    sockets
}

/// An address as the kernel prints it: each 32-bit word of the address in network byte
/// order, printed as a number in host byte order.
fn kernel_address(hex: &str) -> Option<IpAddr> {
    let word = |chunk: &str| u32::from_str_radix(chunk, 16).ok().map(u32::to_ne_bytes);
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(hex)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                chunk.copy_from_slice(&word(hex.get(i * 8..i * 8 + 8)?)?);
            }
            let ip = Ipv6Addr::from(bytes);
            Some(match ip.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(ip),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn listening_sockets_are_read_from_both_tables() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n   1: 00000000:270F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n   2: 0100007F:1F40 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n   3: 0B00007F:8CAD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0 100 0 0 10 0\n  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0\n   1: 0000000000000000FFFF00000100007F:0051 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0\n";
        let found: Vec<String> = parse(&lines(tcp)).iter().map(|s| s.to_string()).collect();
        // 127.0.0.1:8000 and 0.0.0.0:9999 listen; the established connection and the
        // engine's DNS server on 127.0.0.11 do not count; ::1 port 80 and an IPv4-mapped 127.0.0.1 port 81 from tcp6.
        assert_eq!(
            found,
            ["0.0.0.0:9999", "127.0.0.1:81", "127.0.0.1:8000", "[::1]:80"]
        );
        let loopback: Vec<bool> = parse(&lines(tcp))
            .iter()
            .map(|s| s.loopback_only())
            .collect();
        assert_eq!(loopback, [false, true, true, true]);
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(parse(&lines("cat: /proc/net/tcp6: No such file\n\n  x y z 0A\n")).is_empty());
    }
}
