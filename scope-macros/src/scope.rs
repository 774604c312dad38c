//! Zoho scope strings (`ZohoProjects.tasks.READ`) checked against the catalogue, and the
//! operations of Zoho's scope syntax as one exhaustive type.

use crate::catalogue::{self, SERVICE};
use crate::errors::did_you_mean;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Path};

/// An operation of Zoho's scope syntax.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Read,
    Create,
    Update,
    Delete,
    All,
}

impl Op {
    /// Every operation, in the order they are printed.
    pub(crate) const EVERY: [Op; 5] = [Op::Read, Op::Create, Op::Update, Op::Delete, Op::All];

    /// Zoho's spelling: `READ`.
    pub(crate) fn zoho(self) -> &'static str {
        match self {
            Op::Read => "READ",
            Op::Create => "CREATE",
            Op::Update => "UPDATE",
            Op::Delete => "DELETE",
            Op::All => "ALL",
        }
    }

    /// The type's name: `Read`.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Op::Read => "Read",
            Op::Create => "Create",
            Op::Update => "Update",
            Op::Delete => "Delete",
            Op::All => "All",
        }
    }

    /// Parses Zoho's spelling, exactly.
    pub(crate) fn from_zoho(s: &str) -> Option<Op> {
        Op::EVERY.into_iter().find(|o| o.zoho() == s)
    }

    /// Parses a type name, exactly.
    pub(crate) fn from_type_name(s: &str) -> Option<Op> {
        Op::EVERY.into_iter().find(|o| o.type_name() == s)
    }

    /// The grant flags (read, create, update, delete) this operation sets.
    pub(crate) fn flags(self) -> [bool; 4] {
        match self {
            Op::Read => [true, false, false, false],
            Op::Create => [false, true, false, false],
            Op::Update => [false, false, true, false],
            Op::Delete => [false, false, false, true],
            Op::All => [true; 4],
        }
    }

    /// The type ident (`Read`) at `span`.
    pub(crate) fn ident(self, span: Span) -> Ident {
        Ident::new(self.type_name(), span)
    }

    fn list() -> String {
        Op::EVERY.map(Op::zoho).join(", ")
    }
}

/// A catalogued `ZohoProjects` scope: the module is in the catalogue and documents `op`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct CatalogueScope {
    pub(crate) module: &'static str,
    pub(crate) op: Op,
}

impl CatalogueScope {
    /// Looks `module`/`op` up in the catalogue.
    pub(crate) fn find(module: &str, op: Op) -> Option<CatalogueScope> {
        let (name, ops, _) = catalogue::module(module)?;
        ops.contains(&op.zoho()).then_some(CatalogueScope { module: name, op })
    }

    /// The string Zoho knows: `ZohoProjects.tasks.READ`.
    pub(crate) fn oauth(&self) -> String {
        format!("{SERVICE}.{}.{}", self.module, self.op.zoho())
    }

    /// The scope type through the one hidden path: `::zoho_projects::__private::scopes::tasks::Read`.
    pub(crate) fn ty(&self, krate: &Path) -> TokenStream {
        let m = Ident::new(self.module, Span::call_site());
        let o = self.op.ident(Span::call_site());
        quote!(#krate::__private::scopes::#m::#o)
    }
}

/// What went wrong with a scope string, plus the scope the user most likely meant (used to
/// emit a stub impl that does not cascade further errors).
pub(crate) struct ScopeStrError {
    pub(crate) message: String,
    pub(crate) likely: Option<CatalogueScope>,
}

/// Checks `ZohoProjects.<module>.<OPERATION>` against the catalogue.
pub(crate) fn parse_scope_str(s: &str) -> Result<CatalogueScope, ScopeStrError> {
    let err = |message: String, likely: Option<CatalogueScope>| ScopeStrError { message, likely };
    let parts: Vec<&str> = s.split('.').collect();
    let [service, module, op] = parts[..] else {
        return Err(err(
            format!("malformed scope `{s}`: expected `Service.module.OPERATION`, e.g. `ZohoProjects.tasks.READ`"),
            None,
        ));
    };
    if service != SERVICE {
        if service.eq_ignore_ascii_case(SERVICE) {
            return Err(err(format!("unknown service `{service}`; did you mean `{SERVICE}`?"), None));
        }
        return Err(err(
            format!(
                "`{s}` is not a {SERVICE} scope, so the built-in catalogue cannot check it; declare the \
                 module with `scope_module!` and name the scope by its path, e.g. `scope = my_scopes::{}::{}`",
                if module.is_empty() { "module" } else { module },
                Op::from_zoho(op).unwrap_or(Op::Read).type_name(),
            ),
            None,
        ));
    }
    let Some((name, ops, _)) = catalogue::module(module) else {
        let names = catalogue::MODULES.iter().map(|(m, _, _)| *m);
        let guess = did_you_mean(module, names.clone());
        let likely_op = Op::from_zoho(op).or_else(|| Op::from_zoho(&op.to_ascii_uppercase()));
        return Err(match guess {
            Some(g) => err(
                format!("unknown {SERVICE} module `{module}`; did you mean `{g}`?"),
                likely_op.and_then(|o| CatalogueScope::find(g, o)),
            ),
            None => err(
                format!(
                    "unknown {SERVICE} module `{module}`; the catalogue has: {}. A module it lacks can be \
                     declared with `scope_module!` and named by path",
                    names.collect::<Vec<_>>().join(", ")
                ),
                None,
            ),
        });
    };
    let Some(op) = Op::from_zoho(op) else {
        return Err(match Op::from_zoho(&op.to_ascii_uppercase()) {
            Some(o) => err(
                format!("unknown operation `{op}`; scope operations are upper case: did you mean `{}`?", o.zoho()),
                CatalogueScope::find(name, o),
            ),
            None => {
                let guess = did_you_mean(op, Op::EVERY.map(Op::zoho));
                err(
                    format!(
                        "unknown operation `{op}`; expected one of {}{}",
                        Op::list(),
                        guess.map(|g| format!(" (did you mean `{g}`?)")).unwrap_or_default()
                    ),
                    None,
                )
            }
        });
    };
    CatalogueScope::find(name, op).ok_or_else(|| {
        err(
            format!("`{SERVICE}.{name}` has no `{}` operation; Zoho documents only {}", op.zoho(), ops.join(", ")),
            None,
        )
    })
}

/// An operation written in `scope_module!`: `READ`; explains a lower-case or unknown one.
pub(crate) fn parse_op_ident(op: &Ident) -> Result<Op, String> {
    let s = op.to_string();
    if let Some(o) = Op::from_zoho(&s) {
        return Ok(o);
    }
    Err(match Op::from_zoho(&s.to_ascii_uppercase()) {
        Some(o) => format!("unknown operation `{s}`; scope operations are upper case: did you mean `{}`?", o.zoho()),
        None => format!(
            "unknown operation `{s}`; expected one of {}{}",
            Op::list(),
            did_you_mean(&s, Op::EVERY.map(Op::zoho)).map(|g| format!(" (did you mean `{g}`?)")).unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> String {
        parse_scope_str(s).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn accepts_catalogued_scopes() {
        let tasks = parse_scope_str("ZohoProjects.tasks.READ").ok().expect("catalogued");
        assert_eq!(tasks, CatalogueScope { module: "tasks", op: Op::Read });
        assert_eq!(tasks.oauth(), "ZohoProjects.tasks.READ");
        assert!(parse_scope_str("ZohoProjects.search.READ").is_ok());
    }

    #[test]
    fn explains_each_mistake() {
        assert!(msg("ZohoProjects.task.READ").contains("did you mean `tasks`"));
        assert!(msg("ZohoProjects.tasks.read").contains("did you mean `READ`"));
        assert!(msg("ZohoProjects.search.CREATE").contains("documents only READ"));
        assert!(msg("ZohoCRM.modules.READ").contains("scope_module!"));
        assert!(msg("tasks.READ").contains("malformed"));
        assert!(msg("ZohoProjects.tasks.WRITE").contains("expected one of"));
    }

    #[test]
    fn operations_round_trip_exhaustively() {
        for op in Op::EVERY {
            assert_eq!(Op::from_zoho(op.zoho()), Some(op));
            assert_eq!(Op::from_type_name(op.type_name()), Some(op));
        }
        assert_eq!(Op::from_zoho("read"), None, "exact spelling only");
        assert_eq!(Op::from_type_name("Modify"), None, "no fail-open default");
        assert_eq!(Op::All.flags(), [true; 4]);
        assert_eq!(Op::Update.flags(), [false, false, true, false]);
    }
}
