//! Zoho's data centres and their hosts (<https://www.zoho.com/accounts/protocol/oauth/multi-dc.html>).

use url::Url;

/// A Zoho data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// United States (`accounts.zoho.com`).
    Us,
    /// Europe (`accounts.zoho.eu`).
    Eu,
    /// India (`accounts.zoho.in`).
    In,
    /// Australia (`accounts.zoho.com.au`).
    Au,
    /// Japan (`accounts.zoho.jp`).
    Jp,
    /// China (`accounts.zoho.com.cn`).
    Cn,
    /// Canada (`accounts.zohocloud.ca`).
    Ca,
    /// Saudi Arabia (`accounts.zoho.sa`).
    Sa,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 8] =
        [Region::Us, Region::Eu, Region::In, Region::Au, Region::Jp, Region::Cn, Region::Ca, Region::Sa];

    /// Zoho's `location` code (`us`, `eu`, …).
    pub fn location(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::In => "in",
            Region::Au => "au",
            Region::Jp => "jp",
            Region::Cn => "cn",
            Region::Ca => "ca",
            Region::Sa => "sa",
        }
    }

    /// The region of a `location` code (case-insensitive).
    pub fn from_location(code: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.location().eq_ignore_ascii_case(code))
    }

    fn tld(self) -> &'static str {
        match self {
            Region::Us => "zoho.com",
            Region::Eu => "zoho.eu",
            Region::In => "zoho.in",
            Region::Au => "zoho.com.au",
            Region::Jp => "zoho.jp",
            Region::Cn => "zoho.com.cn",
            Region::Ca => "zohocloud.ca",
            Region::Sa => "zoho.sa",
        }
    }

    fn url(s: String) -> Url {
        // The hosts above are fixed, valid ASCII names.
        Url::parse(&s).unwrap_or_else(|e| unreachable!("built-in URL {s}: {e}"))
    }

    /// The accounts server, e.g. `https://accounts.zoho.eu`.
    pub fn accounts(self) -> Url {
        Self::url(format!("https://accounts.{}/", self.tld()))
    }

    /// The Zoho Projects API host, e.g. `https://projectsapi.zoho.eu` (not `api_domain`).
    pub fn projects_api(self) -> Url {
        Self::url(format!("https://projectsapi.{}/", self.tld()))
    }

    /// The `api_domain` host (`https://www.zohoapis.<tld>`), e.g. `https://www.zohoapis.eu`;
    /// Canada's is `www.zohoapis.ca`, not under `zohocloud.ca` (docs/zoho.md §1).
    pub fn api_domain(self) -> Url {
        let tld = match self {
            Region::Ca => "ca",
            other => other.tld().strip_prefix("zoho.").unwrap_or(other.tld()),
        };
        Self::url(format!("https://www.zohoapis.{tld}/"))
    }

    /// `https://<label>.<the accounts server's domain>`, e.g. `desk` → `https://desk.zoho.eu`.
    /// The label is checked by [`Service::new`](crate::Service::new).
    pub(crate) fn subdomain(self, label: &str) -> Url {
        Self::url(format!("https://{label}.{}/", self.tld()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(Region::Eu.accounts().as_str(), "https://accounts.zoho.eu/");
        assert_eq!(Region::Us.projects_api().as_str(), "https://projectsapi.zoho.com/");
        assert_eq!(Region::Ca.accounts().as_str(), "https://accounts.zohocloud.ca/");
        assert_eq!(Region::from_location("EU"), Some(Region::Eu));
        assert_eq!(Region::from_location("xx"), None);
    }
}
