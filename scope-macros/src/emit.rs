//! A flat token writer for the hot path of `#[derive(Endpoint)]`.
//!
//! It appends exactly the tokens `quote!` / `quote_spanned!` would (same idents, same punct
//! spacing, same spans), but writes every token straight into the stream of the group being
//! built. `quote!` with nested `quote!`s builds one `TokenStream` per fragment and splices it
//! into the enclosing one; inside a proc macro every splice is a round trip over the
//! proc-macro bridge (flush the pending tokens, concatenate the streams, drop the temporary),
//! and at `opt-level = 0` (cargo's default for proc macros) the interpolation machinery is slow
//! as well. Here the only bridge round trip is the one each group needs.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// Appends tokens carrying one span (`Span::call_site()` for what `quote!` writes, the given
/// span for what `quote_spanned!` writes).
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut TokenStream,
    pub(crate) span: Span,
}

impl Writer<'_> {
    fn push(&mut self, tt: TokenTree) {
        self.out.extend(std::iter::once(tt));
    }

    /// An identifier, as `quote!` writes `foo`.
    pub(crate) fn ident(&mut self, s: &str) -> &mut Self {
        self.push(TokenTree::Ident(Ident::new(s, self.span)));
        self
    }

    /// A one-character punctuation, `Spacing::Alone` (as `quote!` writes `;`, `=`, `&`, ...).
    pub(crate) fn punct(&mut self, ch: char) -> &mut Self {
        self.punct_spaced(ch, Spacing::Alone)
    }

    fn punct_spaced(&mut self, ch: char, spacing: Spacing) -> &mut Self {
        let mut p = Punct::new(ch, spacing);
        p.set_span(self.span);
        self.push(TokenTree::Punct(p));
        self
    }

    /// `::`
    pub(crate) fn colon2(&mut self) -> &mut Self {
        self.punct_spaced(':', Spacing::Joint).punct(':')
    }

    /// `->`
    pub(crate) fn rarrow(&mut self) -> &mut Self {
        self.punct_spaced('-', Spacing::Joint).punct('>')
    }

    /// `=>`
    pub(crate) fn fat_arrow(&mut self) -> &mut Self {
        self.punct_spaced('=', Spacing::Joint).punct('>')
    }

    /// A lifetime such as `'static`, as `quote!` writes it (`'` joint, then the name).
    pub(crate) fn lifetime(&mut self, name: &str) -> &mut Self {
        self.punct_spaced('\'', Spacing::Joint).ident(name)
    }

    /// `::a::b::c` (each segment written as an identifier).
    pub(crate) fn abs_path(&mut self, segments: &[&str]) -> &mut Self {
        for s in segments {
            self.colon2().ident(s);
        }
        self
    }

    /// Interpolates a value as `#value` does: with its own spans.
    pub(crate) fn tokens(&mut self, value: &impl ToTokens) -> &mut Self {
        value.to_tokens(self.out);
        self
    }

    /// A token tree with its own span.
    pub(crate) fn tree(&mut self, tt: impl Into<TokenTree>) -> &mut Self {
        self.push(tt.into());
        self
    }

    /// An unsuffixed integer literal, as `quote!` writes `24`.
    pub(crate) fn int(&mut self, n: usize) -> &mut Self {
        let mut lit = Literal::usize_unsuffixed(n);
        lit.set_span(self.span);
        self.push(TokenTree::Literal(lit));
        self
    }

    /// A delimited group whose contents are written by `f` with the same span; the group gets
    /// the span too, as with `quote_spanned!` (for `Span::call_site()` that is what `quote!`
    /// gives a group).
    pub(crate) fn group(&mut self, delimiter: Delimiter, f: impl FnOnce(&mut Writer<'_>)) -> &mut Self {
        let mut inner = TokenStream::new();
        f(&mut Writer { out: &mut inner, span: self.span });
        let mut g = Group::new(delimiter, inner);
        g.set_span(self.span);
        self.push(TokenTree::Group(g));
        self
    }

    /// `( ... )`
    pub(crate) fn parens(&mut self, f: impl FnOnce(&mut Writer<'_>)) -> &mut Self {
        self.group(Delimiter::Parenthesis, f)
    }

    /// `{ ... }`
    pub(crate) fn braces(&mut self, f: impl FnOnce(&mut Writer<'_>)) -> &mut Self {
        self.group(Delimiter::Brace, f)
    }

    /// `[ ... ]`
    pub(crate) fn brackets(&mut self, f: impl FnOnce(&mut Writer<'_>)) -> &mut Self {
        self.group(Delimiter::Bracket, f)
    }

    /// The same stream, written with another span (as a `quote_spanned!` fragment spliced into
    /// a `quote!`).
    pub(crate) fn with_span(&mut self, span: Span, f: impl FnOnce(&mut Writer<'_>)) -> &mut Self {
        f(&mut Writer { out: self.out, span });
        self
    }
}
