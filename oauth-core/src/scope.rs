//! The type-level scope model.
//!
//! A **scope** (`ZohoProjects.tasks.READ`) is a zero-sized type implementing [`Scope`]; a
//! **scope set** (what a token was granted) is a zero-sized type with one `ModuleGrant` impl
//! per module it touches, carrying a `Grant` of four flags (read, create, update, delete).
//! `ALL` is simply all four flags set, so "`ALL` grants `DELETE`" holds by construction.
//! [`HasScope`] has exactly one blanket impl, here: a set has a scope when its grant for the
//! scope's module allows the scope's action.
//!
//! Nothing here can be implemented by hand. Scopes come only from `scope_module!` (and the
//! built-in catalogue), scope sets and their grants only from `scope_set!`, which writes a set's
//! requested strings (`OAUTH`) and its grants from the one list it is given. Each of those traits
//! has a `#[doc(hidden)]` marker supertrait that only the macros' output names; `HasScope`,
//! [`GrantedBy`] and `GrantsAll` are sealed outright (their only impls are the blanket ones here).

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

/// The markers that only the macros' output implements. Reached through `__private`; naming
/// them by hand is the one thing a user must never do (SECURITY.md, "the compile-time guarantee
/// and its boundaries").
#[doc(hidden)]
pub(crate) mod declared {
    /// `Self` was declared with `scope_module!` (or is in the built-in catalogue).
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a scope declared with `scope_module!`",
        label = "`Scope` cannot be implemented by hand",
        note = "declare scopes with `scope_module! {{ pub mod my_module = \"Service.module\" {{ READ, CREATE }} }}` \
                and name them as `my_module::Read`; a hand-written `Scope` could request one scope and claim another"
    )]
    pub trait ScopeDeclared {}

    /// `Self` was declared with `scope_set!`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a scope set declared with `scope_set!`",
        label = "`ScopeSet` cannot be implemented by hand",
        note = "declare the set with `scope_set! {{ struct {Self} = [\"ZohoProjects.tasks.READ\"]; }}`: the strings it \
                requests and the calls it allows come from that one list"
    )]
    pub trait SetDeclared {}

    /// `scope_set!` wrote `Self`'s grant on module `M`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` grants nothing on `{M}` by hand: `ModuleGrant` is written only by `scope_set!`",
        label = "a hand-written grant would allow calls whose scopes the token was never asked for",
        note = "add the scope (e.g. \"ZohoProjects.tasks.CREATE\") to the list in `scope_set!` instead"
    )]
    pub trait GrantDeclared<M> {}
}

mod sealed {
    use super::{Allows, ModuleGrant, Scope, ScopeSet};

    pub trait Sealed {}
    impl<R, C, U, D> Sealed for super::Grant<R, C, U, D> {}

    /// The rule behind [`HasScope`](super::HasScope).
    #[diagnostic::on_unimplemented(
        message = "`HasScope` cannot be implemented by hand: `{Self}` has `{Sc}` only if its `scope_set!` list grants it",
        label = "add the scope to the set's `scope_set!` list instead"
    )]
    pub trait Has<Sc> {}
    impl<T, Sc> Has<Sc> for T
    where
        Sc: Scope,
        T: ModuleGrant<Sc::Module>,
        <T as ModuleGrant<Sc::Module>>::Grant: Allows<Sc::Action>,
    {
    }

    /// The rule behind [`GrantedBy`](super::GrantedBy).
    pub trait Granted<S> {}
    impl<R: super::RequiredScopes, S: ScopeSet> Granted<S> for R where R::List: AllGranted<S> {}
    impl<Sc: Scope> Granted<super::Dynamic> for Sc where Sc: Never {}

    /// `S` grants every scope of the list `Self` (`(A, (B, ()))`): one impl per shape, so that
    /// the compiler names the scope that is missing.
    pub trait AllGranted<S> {}
    impl<S> AllGranted<S> for () {}
    impl<S: super::HasScope<H>, H, T: AllGranted<S>> AllGranted<S> for (H, T) {}

    /// Implemented by nothing: the bound of [`GrantedBy`](super::GrantedBy)'s impl for `Dynamic`.
    pub trait Never {}

    /// What may be an endpoint's scope: one scope or a tuple of them.
    pub trait Required {}
    impl<Sc: Scope> Required for Sc {}

    /// The rule behind [`GrantsAll`](super::GrantsAll).
    pub trait All<L> {}
    impl<T> All<()> for T {}
    impl<T: ScopeSet, H, Rest> All<(H, Rest)> for T where T: super::HasScope<H> + All<Rest> {}
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
/// [`scopes`](crate::scopes) is generated the same way. It cannot be implemented by hand.
pub trait Scope: declared::ScopeDeclared + 'static {
    /// The module marker type, e.g. `scopes::tasks::Module`.
    type Module: 'static;
    /// The operation, one of the [`action`] types.
    type Action: 'static;
    /// The scope exactly as Zoho spells it.
    const OAUTH: &'static str;
    /// The service whose host a call with this scope goes to (its module's, set in
    /// `scope_module!`; the catalogue's is [`Service::PROJECTS`](crate::Service::PROJECTS)).
    const SERVICE: crate::Service = crate::Service::PROJECTS;
}

/// What a scope set grants on module `M`. Written only by `scope_set!`, one impl per module.
pub trait ModuleGrant<M>: declared::GrantDeclared<M> {
    /// The [`Grant`] flags.
    type Grant;
}

/// A scope set that grants scope `Sc`: the bound a function generic over the scope set adds for
/// each call it sends.
///
/// ```
/// use zoho_oauth_core::{Client, Endpoint, Error, HasScope, scopes};
/// # #[derive(Endpoint)]
/// # #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
/// #        scope = "ZohoProjects.portals.READ", response = ())]
/// # struct ListPortals;
/// async fn count<S: HasScope<scopes::portals::Read>>(client: &Client<S>) -> Result<(), Error> {
///     client.send(ListPortals).await
/// }
/// ```
///
/// It holds through the set's `scope_set!` list and cannot be implemented by hand (sealed).
#[diagnostic::on_unimplemented(
    message = "missing scope: `{Self}` does not grant `{Sc}`",
    label = "this call requires `{Sc}`",
    note = "add `{Sc}` (or its module's ALL) to the `scope_set!` list of `{Self}`, and request it when authorizing",
    note = "in a function generic over the scope set, add the bound `{Self}: HasScope<{Sc}>`"
)]
pub trait HasScope<Sc>: sealed::Has<Sc> + ScopeSet {}

#[diagnostic::do_not_recommend]
impl<T: ScopeSet, Sc> HasScope<Sc> for T where T: sealed::Has<Sc> {}

/// The scope `Self` is granted by the scope set `S`: the bound [`Client::send`](crate::Client::send)
/// checks, written with the scope first so that the compiler names the scope in its error.
///
/// Holds exactly when `S:` [`HasScope<Self>`](HasScope); never for [`Dynamic`], whose calls go
/// through [`Client::send_checked`](crate::Client::send_checked). Sealed.
#[diagnostic::on_unimplemented(
    message = "missing scope: `{S}` does not grant `{Self}`",
    label = "this call requires `{Self}`",
    note = "a `Client<Dynamic>` knows its token's scopes only at run time: send with `client.send_checked(call)`, \
            which checks `{Self}` against the token's granted scopes before any request leaves"
)]
pub trait GrantedBy<S>: sealed::Granted<S> {}
impl<R: RequiredScopes, S: ScopeSet> GrantedBy<S> for R where R::List: sealed::AllGranted<S> {}
impl<Sc: Scope> GrantedBy<Dynamic> for Sc where Sc: sealed::Never {}

/// The scopes an endpoint requires, all of them: one [`Scope`], or a tuple of two to four
/// (`scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All]` in the derive gives
/// `(scopes::tasks::Create, zohopc_files::All)`). Sealed: implemented for those only.
///
/// A client sends the endpoint only when its scope set grants every one ([`GrantedBy`] holds
/// for a tuple when it holds for each element), and a missing one is named in the error.
pub trait RequiredScopes: sealed::Required + 'static {
    /// The scopes, exactly as Zoho spells them, in the order written.
    const OAUTH: &'static [&'static str];
    /// The service whose host the call goes to: the first scope's.
    const SERVICE: crate::Service;
    /// The scopes as a list `(A, (B, ()))`.
    type List;
}

impl<Sc: Scope> RequiredScopes for Sc {
    const OAUTH: &'static [&'static str] = &[Sc::OAUTH];
    const SERVICE: crate::Service = Sc::SERVICE;
    type List = (Sc, ());
}

/// `A, B, C` as the list `(A, (B, (C, ())))`.
macro_rules! cons {
    () => { () };
    ($head:ident $(, $tail:ident)*) => { ($head, cons!($($tail),*)) };
}

/// `RequiredScopes` for tuples of scopes: all required, each checked by [`GrantedBy`].
macro_rules! scope_tuples {
    ($($first:ident $(, $rest:ident)*);+) => {$(
        impl<$first: Scope $(, $rest: Scope)*> sealed::Required for ($first, $($rest,)*) {}
        impl<$first: Scope $(, $rest: Scope)*> RequiredScopes for ($first, $($rest,)*) {
            const OAUTH: &'static [&'static str] = &[$first::OAUTH $(, $rest::OAUTH)*];
            const SERVICE: crate::Service = $first::SERVICE;
            type List = cons!($first $(, $rest)*);
        }
    )+};
}
scope_tuples!(A, B; A, B, C; A, B, C, D);

/// A scope set: what a token is guaranteed to carry. Declared with `scope_set!` only.
pub trait ScopeSet: declared::SetDeclared + 'static {
    /// The scopes to request from Zoho, exactly as written in the set (duplicates removed).
    const OAUTH: &'static [&'static str];
    /// The set's scope types as a list `(A, (B, ()))`, so that another set can be checked to
    /// grant all of them (see `GrantsAll`).
    type Scopes;
}

/// `Self` grants every scope of the list `L` (`(A, (B, ()))`). Used by `Client::narrow`. Sealed.
#[diagnostic::on_unimplemented(
    message = "cannot narrow: the scope set `{Self}` does not grant every scope of the narrower set",
    label = "`{Self}` lacks a scope of the target set (named in the `help` below)",
    note = "a client can only be narrowed to a subset of its own scope set"
)]
pub trait GrantsAll<L>: sealed::All<L> {}
impl<T> GrantsAll<()> for T {}
impl<T: ScopeSet, H, Rest> GrantsAll<(H, Rest)> for T where T: HasScope<H> + GrantsAll<Rest> {}

/// The scope set of a token whose scopes are only known at run time (checked per call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Dynamic;

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
