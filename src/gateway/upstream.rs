//! The one pooled HTTP client for upstream calls, with the address guard: user-supplied
//! base URLs must not reach loopback, private, link-local or metadata addresses (checked
//! after DNS, at connect time) unless the operator allows it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Time to establish a connection (TCP and TLS).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// `read_timeout` is the longest silence before the first byte or between two chunks;
/// reasoning models can think a while before answering. No total timeout: streams may last
/// many minutes.
pub fn client(allow_private: bool, read_timeout: Duration) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(read_timeout)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        // A redirect could lead anywhere, past the address guard's first check.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("nexus/", env!("CARGO_PKG_VERSION")));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
    }
    builder
        .build()
        .expect("the HTTP client configuration is valid")
}

/// Refuses a URL whose host is a literal address that is not public. (Names are checked by
/// the resolver; literal addresses never reach it.)
pub fn check_literal_host(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if is_public(ip) {
        Ok(())
    } else {
        Err(refusal(&ip.to_string()))
    }
}

fn refusal(host: &str) -> String {
    format!(
        "the upstream address {host} is loopback, private, link-local or metadata and is not allowed \
         (an operator can allow it with NEXUS_ALLOW_PRIVATE_UPSTREAMS=true)"
    )
}

struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(refusal(&host).into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is an ordinary public one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local() // includes 169.254.169.254, the cloud metadata address
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6 == std::net::Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254)) // AWS metadata
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
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
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn literal_hosts_are_checked() {
        let url = reqwest::Url::parse("http://127.0.0.1:9000/v1").expect("url");
        assert!(check_literal_host(&url, false).is_err());
        assert!(check_literal_host(&url, true).is_ok());
        let url = reqwest::Url::parse("https://api.openai.com/v1").expect("url");
        assert!(check_literal_host(&url, false).is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let client = client(false, Duration::from_secs(5));
        let err = client
            .get("http://localhost:9/")
            .send()
            .await
            .expect_err("refused");
        let text = format!("{err:?}");
        assert!(text.contains("not allowed"), "{text}");
    }
}
