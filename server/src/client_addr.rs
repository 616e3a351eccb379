//! The client's address. The direct peer, unless the peer is a configured
//! trusted proxy: then `X-Forwarded-For` is read from the right, skipping
//! trusted proxies, and the first address that is not one is the client.
//! Entries further left are whatever the client chose to send, so they
//! are never believed.

use std::net::IpAddr;

use berth_core::auth::canonical_ip as canonical;
use ipnet::IpNet;

/// The networks (`BERTH_TRUSTED_PROXIES`) whose forwarded headers count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs or single addresses, IPv4 or IPv6; empty for none.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = vec![];
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{item}` is not an IP address or CIDR"))?;
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client address for a request from `peer` carrying these
    /// `X-Forwarded-For` values.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
                // Unreadable: nothing to its left can be trusted either.
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("192.0.2.1"), ["203.0.113.9"].into_iter()),
            ip("192.0.2.1")
        );

        let lb = TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32").unwrap();
        // A spoofed header from a client that is no proxy is ignored.
        assert_eq!(
            lb.client(ip("192.0.2.1"), ["203.0.113.9"].into_iter()),
            ip("192.0.2.1")
        );
        // Through the proxy: the right-most address that is not a proxy.
        assert_eq!(
            lb.client(
                ip("10.1.2.3"),
                ["198.51.100.7, 203.0.113.9, 10.9.9.9"].into_iter()
            ),
            ip("203.0.113.9")
        );
        // Several headers are one list, in order.
        assert_eq!(
            lb.client(ip("10.1.2.3"), ["198.51.100.7", "203.0.113.9"].into_iter()),
            ip("203.0.113.9")
        );
        assert_eq!(
            lb.client(ip("2001:db8::1"), ["2001:db9::5"].into_iter()),
            ip("2001:db9::5")
        );
        // No header, or only proxies: the nearest proxy-side address.
        assert_eq!(
            lb.client(ip("10.1.2.3"), std::iter::empty()),
            ip("10.1.2.3")
        );
        assert_eq!(
            lb.client(ip("10.1.2.3"), ["10.4.4.4"].into_iter()),
            ip("10.4.4.4")
        );
        // Garbage stops the walk: nothing to its left is believed.
        assert_eq!(
            lb.client(ip("10.1.2.3"), ["203.0.113.9, junk"].into_iter()),
            ip("10.1.2.3")
        );
        // An IPv4-mapped peer is matched as IPv4.
        assert_eq!(
            lb.client(ip("::ffff:10.1.2.3"), ["203.0.113.9"].into_iter()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8, nonsense"),
            Err("`nonsense` is not an IP address or CIDR".into())
        );
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("127.0.0.1")
            .unwrap()
            .contains(ip("127.0.0.1")));
    }
}
