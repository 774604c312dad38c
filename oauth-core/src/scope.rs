//! The type-level scope model.
//!
//! A **scope** (`ZohoProjects.tasks.READ`) is a zero-sized type implementing [`Scope`]; a
//! **scope set** (what a token was granted) is a zero-sized type with one [`ModuleGrant`] impl
//! per module it touches, carrying a [`Grant`] of four flags (read, create, update, delete).
//! `ALL` is simply all four flags set, so "`ALL` grants `DELETE`" holds by construction.
//! [`HasScope`] has exactly one blanket impl, here: a set has a scope when its grant for the
//! scope's module allows the scope's action.

use std::fmt;
use std::marker::PhantomData;

/// The flag "granted".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Yes;

/// The flag "not granted".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct No;

/// What a scope set grants on one module: read, create, update and delete flags ([`Yes`]/[`No`]).
pub struct Grant<R = No, C = No, U = No, D = No>(PhantomData<(R, C, U, D)>);

/// A read-only grant.
pub type ReadOnly = Grant<Yes>;

/// Everything on a module: what `ZohoProjects.<module>.ALL` grants.
pub type AllActions = Grant<Yes, Yes, Yes, Yes>;

/// The operations of Zoho's scope syntax, as types.
pub mod action {
    /// `READ`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct Read;
    /// `CREATE`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct Create;
    /// `UPDATE`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct Update;
    /// `DELETE`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct Delete;
    /// `ALL`: the four others at once.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct All;
}

mod sealed {
    pub trait Sealed {}
    impl<R, C, U, D> Sealed for super::Grant<R, C, U, D> {}
}

/// A grant that allows the action `A`. Implemented only by [`Grant`] (sealed).
pub trait Allows<A>: sealed::Sealed {}
impl<C, U, D> Allows<action::Read> for Grant<Yes, C, U, D> {}
impl<R, U, D> Allows<action::Create> for Grant<R, Yes, U, D> {}
impl<R, C, D> Allows<action::Update> for Grant<R, C, Yes, D> {}
impl<R, C, U> Allows<action::Delete> for Grant<R, C, U, Yes> {}
impl Allows<action::All> for AllActions {}

/// One OAuth scope, such as `ZohoProjects.tasks.READ`, as a zero-sized type.
///
/// Declare new ones with [`scope_module!`](crate::scope_module); the catalogue in
/// [`scopes`](crate::scopes) is generated the same way.
pub trait Scope: 'static {
    /// The module marker type, e.g. `scopes::tasks::Module`.
    type Module: 'static;
    /// The operation, one of the [`action`] types.
    type Action: 'static;
    /// The scope exactly as Zoho spells it.
    const OAUTH: &'static str;
}

/// What a scope set grants on module `M`. The `scope_set!` macro writes one impl per module.
pub trait ModuleGrant<M> {
    /// The [`Grant`] flags.
    type Grant;
}

/// A scope set that grants scope `S`. Do not implement it: it holds through [`ModuleGrant`].
#[diagnostic::on_unimplemented(
    message = "missing scope: `{Self}` does not grant `{S}`",
    label = "this call requires `{S}`",
    note = "add the scope `{S}` (or its module's ALL) to the scope set `{Self}`, and request it when authorizing"
)]
pub trait HasScope<S> {}

#[diagnostic::do_not_recommend]
impl<T, S> HasScope<S> for T
where
    S: Scope,
    T: ModuleGrant<S::Module>,
    <T as ModuleGrant<S::Module>>::Grant: Allows<S::Action>,
{
}

/// A scope set: what a token is guaranteed to carry.
pub trait ScopeSet: 'static {
    /// The scopes to request from Zoho, exactly as written in the set.
    const OAUTH: &'static [&'static str];
    /// The set's scope types as a list `(A, (B, ()))`, so that another set can be checked to
    /// grant all of them (see [`GrantsAll`]).
    type Scopes;
}

/// `Self` grants every scope of the list `L` (`(A, (B, ()))`). Used by `Client::narrow`.
#[diagnostic::on_unimplemented(
    message = "cannot narrow: the scope set `{Self}` does not grant every scope of the narrower set",
    label = "`{Self}` lacks a scope of the target set (named in the `help` below)",
    note = "a client can only be narrowed to a subset of its own scope set"
)]
pub trait GrantsAll<L> {}
impl<T> GrantsAll<()> for T {}
impl<T, H, Rest> GrantsAll<(H, Rest)> for T where T: HasScope<H> + GrantsAll<Rest> {}

/// The scope set of a token whose scopes are only known at run time (checked per call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Dynamic;

/// Declares a module's scopes as types, in any crate.
///
/// ```
/// zoho_oauth_core::scope_module! {
///     /// Zoho CRM records.
///     pub mod crm_modules = "ZohoCRM.modules" { READ, CREATE, UPDATE, DELETE, ALL }
/// }
/// use zoho_oauth_core::Scope;
/// assert_eq!(<crm_modules::Delete as Scope>::OAUTH, "ZohoCRM.modules.DELETE");
/// assert_eq!(std::mem::size_of::<crm_modules::Delete>(), 0);
/// ```
///
/// Each listed operation becomes a type (`READ` → `Read`, `ALL` → `All`) beside a `Module`
/// marker; name them in `#[zoho(scope = crm_modules::Read)]` and in `scope_set!`.
#[macro_export]
macro_rules! scope_module {
    ($(#[$meta:meta])* $vis:vis mod $name:ident = $prefix:literal { $($op:ident),+ $(,)? }) => {
        $(#[$meta])*
        $vis mod $name {
            #[doc = concat!("The module `", $prefix, "` as a type.")]
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
            pub struct Module;
            $( $crate::scope_module!(@op $prefix, $op); )+
        }
    };
    (@op $prefix:literal, READ) => { $crate::scope_module!(@def $prefix, READ, Read); };
    (@op $prefix:literal, CREATE) => { $crate::scope_module!(@def $prefix, CREATE, Create); };
    (@op $prefix:literal, UPDATE) => { $crate::scope_module!(@def $prefix, UPDATE, Update); };
    (@op $prefix:literal, DELETE) => { $crate::scope_module!(@def $prefix, DELETE, Delete); };
    (@op $prefix:literal, ALL) => { $crate::scope_module!(@def $prefix, ALL, All); };
    (@op $prefix:literal, $other:ident) => {
        ::core::compile_error!(concat!(
            "unknown operation `", stringify!($other), "`; expected READ, CREATE, UPDATE, DELETE or ALL"
        ));
    };
    (@def $prefix:literal, $op:ident, $ty:ident) => {
        #[doc = concat!("The scope `", $prefix, ".", stringify!($op), "`.")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $ty;
        impl $crate::Scope for $ty {
            type Module = Module;
            type Action = $crate::action::$ty;
            const OAUTH: &'static str = concat!($prefix, ".", stringify!($op));
        }
    };
}

/// An operation of Zoho's scope syntax, at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `READ`
    Read,
    /// `CREATE`
    Create,
    /// `UPDATE`
    Update,
    /// `DELETE`
    Delete,
    /// `ALL`
    All,
}

impl Operation {
    /// Zoho's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Read => "READ",
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::All => "ALL",
        }
    }

    /// Whether a grant of `self` covers `wanted` (`ALL` covers everything).
    pub fn covers(self, wanted: Operation) -> bool {
        self == Operation::All || self == wanted
    }
}

/// A scope string parsed at run time: `Service.module.OPERATION`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeName {
    service: String,
    module: String,
    operation: Operation,
}

/// A scope string that is not of the form `Service.module.OPERATION`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed scope {0:?}: expected `Service.module.OPERATION`, e.g. `ZohoProjects.tasks.READ`")]
pub struct ScopeParseError(String);

impl std::str::FromStr for ScopeName {
    type Err = ScopeParseError;

    /// Parses a scope. The operation is matched case-insensitively, because Zoho accepts and
    /// third parties send `ZohoProjects.tasks.read`; service and module are kept as given.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ScopeParseError(s.chars().take(200).collect());
        let mut parts = s.trim().split('.');
        let (Some(service), Some(module), Some(op), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let ident_like = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident_like(service) || !ident_like(module) {
            return Err(bad());
        }
        let operation = match op.to_ascii_uppercase().as_str() {
            "READ" => Operation::Read,
            "CREATE" => Operation::Create,
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            "ALL" => Operation::All,
            _ => return Err(bad()),
        };
        Ok(ScopeName { service: service.to_owned(), module: module.to_owned(), operation })
    }
}

impl fmt::Display for ScopeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.service, self.module, self.operation.as_str())
    }
}

impl ScopeName {
    /// The service, e.g. `ZohoProjects`.
    pub fn service(&self) -> &str {
        &self.service
    }
    /// The module, e.g. `tasks`.
    pub fn module(&self) -> &str {
        &self.module
    }
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }
    /// Whether holding `self` grants `wanted`.
    pub fn grants(&self, wanted: &ScopeName) -> bool {
        self.service == wanted.service && self.module == wanted.module && self.operation.covers(wanted.operation)
    }
    /// Whether this is a documented `ZohoProjects` scope of the built-in catalogue.
    pub fn is_catalogued(&self) -> bool {
        self.service == crate::scopes::SERVICE
            && crate::scopes::CATALOGUE
                .iter()
                .any(|(m, ops)| *m == self.module && ops.contains(&self.operation.as_str()))
    }
}

/// A set of scopes known at run time, e.g. the scopes Zoho reports for a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicScopes(Vec<ScopeName>);

/// A scope that a run-time set lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("missing scope: the token was not granted `{missing}` (granted: {granted})")]
pub struct MissingScope {
    /// The scope that was required.
    pub missing: String,
    /// What the token does carry, comma-separated.
    pub granted: String,
}

impl DynamicScopes {
    /// Parses scope strings; every one must be well-formed.
    pub fn parse<I, T>(scopes: I) -> Result<Self, ScopeParseError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        scopes.into_iter().map(|s| s.as_ref().parse()).collect::<Result<Vec<_>, _>>().map(DynamicScopes)
    }

    /// Parses Zoho's comma- or space-separated list (`"A.b.READ,A.c.ALL"`, or space-separated as
    /// in token responses).
    pub fn parse_list(list: &str) -> Result<Self, ScopeParseError> {
        Self::parse(list.split([',', ' ']).filter(|s| !s.is_empty()))
    }

    /// The scopes.
    pub fn iter(&self) -> impl Iterator<Item = &ScopeName> {
        self.0.iter()
    }

    /// Whether the set grants `scope` (a malformed string is never granted).
    pub fn grants(&self, scope: &str) -> bool {
        scope.parse::<ScopeName>().is_ok_and(|w| self.0.iter().any(|g| g.grants(&w)))
    }

    /// Checks that the set grants `scope`.
    pub fn require(&self, scope: &str) -> Result<(), MissingScope> {
        if self.grants(scope) {
            Ok(())
        } else {
            Err(MissingScope { missing: scope.to_owned(), granted: self.to_string() })
        }
    }

    /// Checks that the set grants every scope of the set `S`.
    pub fn require_set<S: ScopeSet>(&self) -> Result<(), MissingScope> {
        S::OAUTH.iter().try_for_each(|s| self.require(s))
    }
}

impl fmt::Display for DynamicScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_sets_follow_all_implies_each() {
        let set = DynamicScopes::parse_list("ZohoProjects.tasks.ALL,ZohoProjects.portals.READ").expect("valid");
        assert!(set.grants("ZohoProjects.tasks.DELETE"));
        assert!(set.grants("ZohoProjects.tasks.read"));
        assert!(set.grants("ZohoProjects.portals.READ"));
        assert!(!set.grants("ZohoProjects.portals.UPDATE"));
        assert!(!set.grants("ZohoProjects.projects.READ"));
        assert!(!set.grants("garbage"));
        let err = set.require("ZohoProjects.bugs.READ").expect_err("not granted");
        assert_eq!(err.missing, "ZohoProjects.bugs.READ");
        assert!(err.to_string().contains("ZohoProjects.tasks.ALL"));
    }

    #[test]
    fn scope_names_parse_strictly() {
        for bad in ["", "a.b", "a.b.c.d", "ZohoProjects.tasks.WRITE", "Zoho Projects.tasks.READ", "..READ"] {
            assert!(bad.parse::<ScopeName>().is_err(), "{bad:?} should not parse");
        }
        let s: ScopeName = " ZohoProjects.tasks.read ".parse().expect("valid");
        assert_eq!(s.to_string(), "ZohoProjects.tasks.READ");
        assert!(s.is_catalogued());
        assert!(!"ZohoProjects.search.CREATE".parse::<ScopeName>().expect("valid").is_catalogued());
    }
}
