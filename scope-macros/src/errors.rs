//! Collects every error of one macro input, so that a user sees all their mistakes at once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// An accumulator of `syn::Error`s (the serde `Ctxt` / darling `Accumulator` idea, without the
/// drop bomb: `finish` consumes it).
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    /// Records an error spanning `at`.
    pub(crate) fn spanned(&mut self, at: impl ToTokens, msg: impl Display) {
        self.0.push(syn::Error::new_spanned(at, msg));
    }

    /// Records an already built error.
    pub(crate) fn push(&mut self, err: syn::Error) {
        self.0.push(err);
    }

    /// Records the error of `res`, if any, and returns its value.
    pub(crate) fn handle<T>(&mut self, res: syn::Result<T>) -> Option<T> {
        res.map_err(|e| self.push(e)).ok()
    }

    /// Whether nothing went wrong so far.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many errors were recorded.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// All errors as `compile_error!` invocations (empty when there are none).
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.into_iter().map(syn::Error::into_compile_error).collect()
    }
}

/// Levenshtein distance, for *did you mean* hints. Hand-written: twelve lines are cheaper than
/// a dependency for the one place that needs it.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_and_suggestions() {
        assert_eq!(edit_distance("task", "tasks"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(did_you_mean("task", ["tasks", "tags"]), Some("tasks"));
        assert_eq!(did_you_mean("read", ["READ", "ALL"]), Some("READ"));
        assert_eq!(did_you_mean("zzzzzz", ["tasks", "tags"]), None);
    }
}
