//! Which Zoho host a request was meant for: the three host families of each data centre, and
//! how a single-port sandbox tells them apart (by `Host` or by path prefix).

use std::fmt;

use crate::config::Dc;

/// A Zoho host family. Each data centre has one host of each (FACTS §DC table); the sandbox
/// serves them as separate listeners, or on one port told apart by `Host` or path prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// Zoho Accounts, `accounts.zoho.<tld>`: `/oauth/...`.
    Accounts,
    /// The Zoho Projects API, `projectsapi.zoho.<tld>`: `/api/v3/...` and `/restapi/...`.
    Projects,
    /// The token's `api_domain`, `www.zohoapis.<tld>`, shared by many Zoho services; the sandbox
    /// serves a small WorkDrive subset there (`/workdrive/api/v1/...`).
    ApiDomain,
}

impl Service {
    /// Every host family.
    pub const ALL: [Service; 3] = [Service::Accounts, Service::Projects, Service::ApiDomain];

    /// The short name used in single-port path prefixes (`/eu/projectsapi/...`) and in
    /// `--public-url eu.projectsapi=…`: `accounts`, `projectsapi`, `zohoapis`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Accounts => "accounts",
            Service::Projects => "projectsapi",
            Service::ApiDomain => "zohoapis",
        }
    }

    /// Parses [`Service::name`] (case-insensitive).
    pub fn from_name(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|v| v.name().eq_ignore_ascii_case(s))
    }

    /// The real Zoho host of this family in `dc`, e.g. `projectsapi.zoho.eu`.
    pub fn zoho_host(self, dc: Dc) -> String {
        let family = match self {
            Service::Accounts => "accounts.zoho",
            Service::Projects => "projectsapi.zoho",
            Service::ApiDomain => "www.zohoapis",
        };
        format!("{family}.{}", dc.tld())
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Service::Accounts => 0,
            Service::Projects => 1,
            Service::ApiDomain => 2,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The single-port path prefix of a host: `/eu/projectsapi`.
pub(crate) fn prefix(dc: Dc, service: Service) -> String {
    format!("/{}/{}", dc.location(), service.name())
}

/// Reads a `Host` value (`projectsapi.zoho.eu`, `projectsapi.zoho.eu:8443`, or the same under
/// `.localhost`, which resolves to the loopback address): the host it names, if it is one of
/// Zoho's.
pub(crate) fn from_host(host: &str) -> Option<(Dc, Service)> {
    let name = match host.rsplit_once(':') {
        // an IPv6 literal ends in `]`; anything else after the last colon is a port
        Some((h, port)) if !port.contains(']') => h,
        _ => host,
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let name = name.strip_suffix(".localhost").unwrap_or(&name);
    Dc::ALL
        .into_iter()
        .flat_map(|dc| Service::ALL.into_iter().map(move |s| (dc, s)))
        .find(|(dc, s)| s.zoho_host(*dc) == name)
}

/// Splits a single-port path `/eu/projectsapi/api/v3/portals` into its host and the path that
/// host sees (`/api/v3/portals`; `/` when nothing follows the prefix).
pub(crate) fn from_path(path: &str) -> Option<(Dc, Service, &str)> {
    let rest = path.strip_prefix('/')?;
    let (loc, rest) = rest.split_once('/')?;
    let dc = Dc::ALL.into_iter().find(|d| d.location() == loc)?;
    let (svc, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let service = Service::ALL.into_iter().find(|s| s.name() == svc)?;
    Some((dc, service, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_prefixes() {
        assert_eq!(Service::Projects.zoho_host(Dc::Eu), "projectsapi.zoho.eu");
        assert_eq!(Service::ApiDomain.zoho_host(Dc::Us), "www.zohoapis.com");
        assert_eq!(from_host("accounts.zoho.in"), Some((Dc::In, Service::Accounts)));
        assert_eq!(from_host("WWW.ZohoApis.eu:4000"), Some((Dc::Eu, Service::ApiDomain)));
        assert_eq!(from_host("projectsapi.zoho.com.localhost:80"), Some((Dc::Us, Service::Projects)));
        assert_eq!(from_host("projectsapi.zoho.com.evil"), None);
        assert_eq!(from_host("127.0.0.1:4000"), None);
        assert_eq!(from_host("[::1]"), None);
        assert_eq!(from_path("/eu/projectsapi/api/v3/portals"), Some((Dc::Eu, Service::Projects, "/api/v3/portals")));
        assert_eq!(from_path("/us/accounts"), Some((Dc::Us, Service::Accounts, "/")));
        assert_eq!(from_path("/us/accounts/"), Some((Dc::Us, Service::Accounts, "/")));
        assert_eq!(from_path("/us/accountsx/oauth"), None);
        assert_eq!(from_path("/xx/accounts/oauth"), None);
        assert_eq!(from_path("/api/v3/portals"), None);
        assert_eq!(prefix(Dc::In, Service::ApiDomain), "/in/zohoapis");
    }
}
