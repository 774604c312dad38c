//! Zoho services and how their hosts follow the data centre
//! (<https://www.zoho.com/accounts/protocol/oauth/multi-dc.html>).
//!
//! Every scope module belongs to one [`Service`] (the built-in catalogue to
//! [`Service::PROJECTS`]; `scope_module!` takes `#[zoho(service = …)]`), and an endpoint calls
//! its scope's service unless it names another. A [`Client`](crate::Client) turns the service
//! into a base URL through the data centre of its token:
//!
//! ```
//! use zoho_oauth_core::{HostFamily, Region, Service};
//!
//! assert_eq!(Service::PROJECTS.base_url(Region::Eu).as_str(), "https://projectsapi.zoho.eu/");
//! assert_eq!(Service::API_DOMAIN.base_url(Region::Au).as_str(), "https://www.zohoapis.com.au/");
//! // Any other service on its own host family, e.g. Zoho Desk on `desk.zoho.<tld>`:
//! const DESK: Service = Service::new("ZohoDesk", HostFamily::Subdomain("desk"));
//! assert_eq!(DESK.base_url(Region::In).as_str(), "https://desk.zoho.in/");
//! ```

use crate::region::Region;
use std::fmt;
use url::Url;

/// How a service's base URL follows the data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostFamily {
    /// `https://projectsapi.zoho.<tld>`: Zoho Projects (which does not live on `api_domain`).
    Projects,
    /// `https://www.zohoapis.<tld>`: the token's `api_domain`, where most Zoho services
    /// (CRM, WorkDrive, Books, …) answer.
    ApiDomain,
    /// `https://<label>.<accounts domain>`, e.g. `desk` → `https://desk.zoho.eu` in the EU. The
    /// label is one DNS label (`a-z`, `0-9`, `-`), checked by [`Service::new`].
    Subdomain(&'static str),
}

/// A Zoho service: a name (for messages) and the host family its base URL comes from.
///
/// Declare one as a constant with [`Service::new`]; the label of a
/// [`HostFamily::Subdomain`] is checked when the constant is evaluated, so a malformed one
/// fails to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Service {
    name: &'static str,
    family: HostFamily,
}

impl Service {
    /// Zoho Projects: `projectsapi.zoho.<tld>`. The service of the built-in scope catalogue.
    pub const PROJECTS: Service = Service { name: "ZohoProjects", family: HostFamily::Projects };

    /// The `api_domain` family (`www.zohoapis.<tld>`): CRM, WorkDrive, Books and most others.
    pub const API_DOMAIN: Service = Service { name: "api_domain", family: HostFamily::ApiDomain };

    /// A service named `name` on the host family `family`.
    ///
    /// # Panics
    ///
    /// When the label of a [`HostFamily::Subdomain`] is not one lower-case DNS label (empty,
    /// longer than 63 bytes, or with a character outside `a-z`, `0-9`, `-`, or starting or ending
    /// with `-`): in a `const`, that is a compile error. A label like `evil.com/` could
    /// otherwise send the token to another host.
    pub const fn new(name: &'static str, family: HostFamily) -> Service {
        if let HostFamily::Subdomain(label) = family {
            assert!(is_dns_label(label), "a Subdomain host family takes one DNS label (a-z, 0-9, -), e.g. \"desk\"");
        }
        Service { name, family }
    }

    /// The service's name, e.g. `ZohoProjects`.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The host family.
    pub const fn family(self) -> HostFamily {
        self.family
    }

    /// The service's base URL in `region`'s data centre.
    pub fn base_url(self, region: Region) -> Url {
        match self.family {
            HostFamily::Projects => region.projects_api(),
            HostFamily::ApiDomain => region.api_domain(),
            HostFamily::Subdomain(label) => region.subdomain(label),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// One lower-case DNS label (RFC 1035 §2.3.1), checked in a `const fn`.
const fn is_dns_label(label: &str) -> bool {
    let b = label.as_bytes();
    if b.is_empty() || b.len() > 63 || b[0] == b'-' || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !matches!(b[i], b'a'..=b'z' | b'0'..=b'9' | b'-') {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_in_every_region_follows_the_table() {
        // Zoho's hosts per data centre (docs/zoho.md §1), row by row.
        let table = [
            (Region::Us, "https://projectsapi.zoho.com/", "https://www.zohoapis.com/", "https://desk.zoho.com/"),
            (Region::Eu, "https://projectsapi.zoho.eu/", "https://www.zohoapis.eu/", "https://desk.zoho.eu/"),
            (Region::In, "https://projectsapi.zoho.in/", "https://www.zohoapis.in/", "https://desk.zoho.in/"),
            (
                Region::Au,
                "https://projectsapi.zoho.com.au/",
                "https://www.zohoapis.com.au/",
                "https://desk.zoho.com.au/",
            ),
            (Region::Jp, "https://projectsapi.zoho.jp/", "https://www.zohoapis.jp/", "https://desk.zoho.jp/"),
            (
                Region::Cn,
                "https://projectsapi.zoho.com.cn/",
                "https://www.zohoapis.com.cn/",
                "https://desk.zoho.com.cn/",
            ),
            (Region::Ca, "https://projectsapi.zohocloud.ca/", "https://www.zohoapis.ca/", "https://desk.zohocloud.ca/"),
            (Region::Sa, "https://projectsapi.zoho.sa/", "https://www.zohoapis.sa/", "https://desk.zoho.sa/"),
        ];
        assert_eq!(table.len(), Region::ALL.len());
        const DESK: Service = Service::new("ZohoDesk", HostFamily::Subdomain("desk"));
        for (region, projects, api, desk) in table {
            assert_eq!(Service::PROJECTS.base_url(region).as_str(), projects, "{region:?}");
            assert_eq!(Service::API_DOMAIN.base_url(region).as_str(), api, "{region:?}");
            assert_eq!(DESK.base_url(region).as_str(), desk, "{region:?}");
        }
    }

    #[test]
    fn subdomain_labels_are_one_dns_label() {
        for good in ["desk", "a", "work-drive", "x1"] {
            assert!(is_dns_label(good), "{good:?}");
        }
        for bad in ["", "-a", "a-", "Desk", "evil.com", "a/b", "a:1", "a b", "ä", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad:?}");
            let r = std::panic::catch_unwind(|| Service::new("x", HostFamily::Subdomain(Box::leak(bad.into()))));
            assert!(r.is_err(), "{bad:?} accepted");
        }
    }
}
