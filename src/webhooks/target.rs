//! Where a webhook may send: `http` or `https` URLs whose host is not on
//! loopback, a private or link-local network or a cloud metadata address,
//! unless the operator allows private targets
//! (`NASHR_WEBHOOK_ALLOW_PRIVATE=1`, for a receiver on the same host or
//! network). Checked when a webhook is made or changed, and again when
//! each attempt connects (DNS can change between the two).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a URL is refused, in words for the `url` field's error.
pub type Refusal = String;

/// A URL a webhook may be given: answers its host and port.
pub fn check_url(raw: &str) -> Result<(String, u16), Refusal> {
    if raw.len() > 2000 {
        return Err("is longer than 2,000 characters".into());
    }
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| "is not an absolute http or https URL".to_string())?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err("must be an http or https URL".into()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not carry a user name or password".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| "has an unclosed IPv6 address".to_string())?;
            (host.to_string(), after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (authority.to_string(), None),
        },
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
    {
        return Err("has no valid host".into());
    }
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().map_err(|_| "has an invalid port".to_string())?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Whether a webhook may connect to `ip` without the operator's leave.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16: cloud metadata lives here
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0xdb8 // documentation
        || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)) // AWS metadata
}

/// The addresses `host:port` resolves to, all of them allowed; a refusal
/// when any is not (so a name cannot mix a public and a private address).
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, Refusal> {
    let addrs: Vec<SocketAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("does not resolve ({e})"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err("does not resolve".into());
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "points at {} (loopback, private, link-local or metadata); the operator can allow it with NASHR_WEBHOOK_ALLOW_PRIVATE=1",
                bad.ip()
            ));
        }
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_or_https_with_a_host() {
        assert_eq!(
            check_url("https://example.org/hook").unwrap(),
            ("example.org".into(), 443)
        );
        assert_eq!(
            check_url("http://Example.org:8080").unwrap(),
            ("example.org".into(), 8080)
        );
        assert_eq!(check_url("http://[::1]:9/x").unwrap(), ("::1".into(), 9));
        for bad in [
            "ftp://example.org/",
            "example.org",
            "http://",
            "http://u:p@example.org/",
            "http://exa mple.org/",
            "http://example.org:99999/",
            "javascript://alert(1)",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_and_metadata_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "fd00:ec2::254",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
