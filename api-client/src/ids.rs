//! Typed ids.
//!
//! Zoho ids are large integers: V3 sends them as ~19-digit JSON **strings**
//! (`"1817452000006072671"`), the legacy restapi sends the same values as JSON **numbers**
//! (`2447529000000057232`, above 2^53) or numeric strings, and a few values (`zuid`) are
//! numbers in V3 too. A JavaScript-style parser that goes through `f64` silently corrupts
//! them; these types never do: a JSON integer is read as an exact `u64`/`i64`/`u128`/`i128`
//! and kept as its decimal text, a JSON string is kept as is, and a JSON float is rejected.
//!
//! Every id is a distinct type (a [`TaskId`] cannot be passed where a [`ProjectId`] is
//! expected), stores its text compactly (`Box<str>`), prints as that text ([`Display`]),
//! parses with [`FromStr`] and serializes as a JSON string, except [`Zuid`], which
//! serializes as a JSON number as V3 does.
//!
//! Ids are treated as opaque: captured samples contain masked ids such as
//! (a run of fifteen capital `X`s) and the restapi accepts a portal *name* where a portal id is
//! expected. Parsing only rejects text that cannot be an id segment of a URL path (empty,
//! whitespace, control characters, `/`, `?`, `#`, `%`, `\`, and the dot segments `.` and `..`,
//! which the URL standard removes, `..` together with the segment before it), so an id can always
//! be interpolated into a request path safely. Ids wrapped without validation (`From<&str>`)
//! are checked again when a call is sent: [`Client::send`](crate::Client::send) refuses a dot
//! or empty path value with [`Error::Path`](crate::Error::Path) and sends nothing.
//!
//! [`Display`]: std::fmt::Display
//! [`FromStr`]: std::str::FromStr

use std::fmt;

/// Why a text was rejected as an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId {
    kind: &'static str,
    reason: &'static str,
}

impl InvalidId {
    /// The id type that rejected the text, e.g. `"TaskId"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// A short explanation, e.g. `"is empty"`.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.kind, self.reason)
    }
}

impl std::error::Error for InvalidId {}

/// Checks that `s` can be used as one path segment of a Zoho URL.
fn validate(kind: &'static str, s: &str) -> Result<(), InvalidId> {
    let reason = if s.is_empty() {
        "is empty"
    } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "contains whitespace or a control character"
    } else if s.contains(['/', '?', '#', '%', '\\']) {
        "contains a URL delimiter (one of / ? # % \\)"
    } else if s == "." || s == ".." {
        "is a dot segment (`.` or `..`), which would name the parent resource in a URL path"
    } else {
        return Ok(());
    };
    Err(InvalidId { kind, reason })
}

/// Shared serde visitor: an id from a JSON integer (exact) or string (validated).
struct IdVisitor(&'static str);

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = Box<str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a JSON integer or string", self.0)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.to_string().into_boxed_str())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.to_string().into_boxed_str())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
        Ok(v.to_string().into_boxed_str())
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(v.to_string().into_boxed_str())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // An id that arrives as a float has already lost precision (or is not an id).
        Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        validate(self.0, v).map_err(E::custom)?;
        Ok(v.into())
    }
}

/// Defines one id newtype. `number` ids serialize as a JSON number when their text is a
/// `u64`; `string` ids always serialize as a JSON string.
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $ser:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Box<str>);

        impl $name {
            /// Parses and validates an id (same rules as [`FromStr`](std::str::FromStr)).
            pub fn new(id: impl AsRef<str>) -> Result<Self, InvalidId> {
                let id = id.as_ref();
                validate(stringify!($name), id)?;
                Ok(Self(id.into()))
            }

            /// The id as text, exactly as Zoho sent it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an integer, if it is one (masked or named ids are not).
            pub fn as_u64(&self) -> Option<u64> {
                self.0.parse().ok()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        /// Wraps the text **without validation** (meant for literals and ids read from
        /// Zoho's own responses); use [`FromStr`](std::str::FromStr) or `new` for input
        /// from users.
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.into())
            }
        }

        /// Wraps the text **without validation**, see `From<&str>`.
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s.into_boxed_str())
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                Self(n.to_string().into_boxed_str())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0.into_string()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                define_id!(@ser $ser, self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_any(IdVisitor(stringify!($name)))
                    .map(Self)
            }
        }
    };
    (@ser string, $self:ident, $serializer:ident) => {
        $serializer.serialize_str(&$self.0)
    };
    (@ser number, $self:ident, $serializer:ident) => {
        match $self.as_u64() {
            Some(n) => $serializer.serialize_u64(n),
            None => $serializer.serialize_str(&$self.0),
        }
    };
}

define_id!(
    /// A portal id. V3 uses a 9-digit id that differs from the restapi `login_id` of the
    /// same portal; the restapi also accepts the portal's name in its place.
    PortalId,
    string
);
define_id!(
    /// A project id.
    ProjectId,
    string
);
define_id!(
    /// A task list id.
    TasklistId,
    string
);
define_id!(
    /// A task id (subtasks are tasks too).
    TaskId,
    string
);
define_id!(
    /// A comment id (task, issue, task list or phase comment).
    CommentId,
    string
);
define_id!(
    /// A milestone id. The UI and V3 paths say "phases"; fields and list keys still say
    /// `milestone`.
    MilestoneId,
    string
);
define_id!(
    /// An issue id (the restapi calls issues "bugs").
    IssueId,
    string
);
define_id!(
    /// A portal user id, Zoho's `zpuid` (what V3 expects when writing people: `{zpuid}`).
    UserId,
    string
);
define_id!(
    /// A Zoho account id, `zuid`. V3 sends it as a JSON number and it serializes back as
    /// one; the restapi sends it as a string in `id`, `owner_id`, `created_by`, ….
    Zuid,
    number
);
define_id!(
    /// A time log id.
    TimelogId,
    string
);
define_id!(
    /// A tag id.
    TagId,
    string
);
define_id!(
    /// A status id (task, project, issue or phase status; statuses are per portal/layout).
    StatusId,
    string
);
define_id!(
    /// A layout id.
    LayoutId,
    string
);
define_id!(
    /// A project group id.
    ProjectGroupId,
    string
);
define_id!(
    /// An issue module id (the issue's product area, not a Zoho module).
    ModuleId,
    string
);
define_id!(
    /// An issue severity id.
    SeverityId,
    string
);
define_id!(
    /// An issue classification id.
    ClassificationId,
    string
);
define_id!(
    /// An issue reproducibility id (restapi `reproducible`).
    ReproducibilityId,
    string
);
define_id!(
    /// A profile id (permission profile).
    ProfileId,
    string
);
define_id!(
    /// A role id.
    RoleId,
    string
);
define_id!(
    /// An attachment id.
    AttachmentId,
    string
);
