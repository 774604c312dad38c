//! Validation of Zoho scope strings (`ZohoProjects.tasks.READ`) against the catalogue, and
//! the scope written as a path to a type declared elsewhere.

use crate::catalogue::{self, OPERATIONS, SERVICE};
use crate::errors::did_you_mean;
use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

/// A scope as the user wrote it, once validated.
#[derive(Clone)]
pub(crate) enum ScopeRef {
    /// A catalogued `ZohoProjects` scope: `module` and `op` (upper case) are known to exist.
    Catalogue { module: String, op: &'static str },
    /// A path to a type implementing `Scope`, declared with `scope_module!`.
    Path(Path),
}

/// What went wrong with a scope string, plus the scope the user most likely meant (used to
/// emit a stub impl that does not cascade further errors).
pub(crate) struct ScopeStrError {
    pub(crate) message: String,
    pub(crate) likely: Option<(String, &'static str)>,
}

/// The type-level name of an operation (`READ` → `Read`).
pub(crate) fn op_type_name(op: &str) -> &'static str {
    match op {
        "READ" => "Read",
        "CREATE" => "Create",
        "UPDATE" => "Update",
        "DELETE" => "Delete",
        _ => "All",
    }
}

fn known_op(op: &str) -> Option<&'static str> {
    OPERATIONS.iter().copied().find(|o| *o == op)
}

/// Checks `ZohoProjects.<module>.<OPERATION>` against the catalogue.
pub(crate) fn parse_scope_str(s: &str) -> Result<(String, &'static str), ScopeStrError> {
    let err = |message: String, likely: Option<(String, &'static str)>| ScopeStrError { message, likely };
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
                known_op(op).map_or("Read", op_type_name),
            ),
            None,
        ));
    }
    let Some((name, ops, _)) = catalogue::module(module) else {
        let names = catalogue::MODULES.iter().map(|(m, _, _)| *m);
        let guess = did_you_mean(module, names.clone());
        let likely_op = known_op(op).or_else(|| known_op(&op.to_ascii_uppercase()));
        return Err(match guess {
            Some(g) => err(
                format!("unknown {SERVICE} module `{module}`; did you mean `{g}`?"),
                likely_op.map(|o| (g.to_owned(), o)),
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
    let Some(op_static) = known_op(op) else {
        let upper = op.to_ascii_uppercase();
        return Err(match known_op(&upper) {
            Some(o) => err(
                format!("unknown operation `{op}`; scope operations are upper case: did you mean `{o}`?"),
                ops.contains(&o).then(|| ((*name).to_owned(), o)),
            ),
            None => {
                let guess = did_you_mean(op, OPERATIONS);
                err(
                    format!(
                        "unknown operation `{op}`; expected one of {}{}",
                        OPERATIONS.join(", "),
                        guess.map(|g| format!(" (did you mean `{g}`?)")).unwrap_or_default()
                    ),
                    None,
                )
            }
        });
    };
    if !ops.contains(&op_static) {
        return Err(err(
            format!("`{SERVICE}.{name}` has no `{op}` operation; Zoho documents only {}", ops.join(", ")),
            None,
        ));
    }
    Ok(((*name).to_owned(), op_static))
}

impl ScopeRef {
    /// The scope type, e.g. `::zoho_projects::scopes::tasks::Read`.
    pub(crate) fn ty(&self, krate: &Path) -> TokenStream {
        match self {
            ScopeRef::Catalogue { module, op, .. } => catalogue_ty(krate, module, op),
            ScopeRef::Path(p) => quote!(#p),
        }
    }
}

/// The catalogued scope type for `module`/`op`.
pub(crate) fn catalogue_ty(krate: &Path, module: &str, op: &str) -> TokenStream {
    let m = syn::Ident::new(module, proc_macro2::Span::call_site());
    let o = syn::Ident::new(op_type_name(op), proc_macro2::Span::call_site());
    quote!(#krate::scopes::#m::#o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> String {
        parse_scope_str(s).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn accepts_catalogued_scopes() {
        assert_eq!(parse_scope_str("ZohoProjects.tasks.READ").ok(), Some(("tasks".into(), "READ")));
        assert_eq!(parse_scope_str("ZohoProjects.search.READ").ok(), Some(("search".into(), "READ")));
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
}
