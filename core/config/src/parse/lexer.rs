//! A lazy token stream with lookahead and incremental line/column tracking.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::diag::{Diagnostic, Location};
use crate::parse::token::{Span, Tok, token};

/// A token and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) loc: Location,
}

/// A lazy token stream with unbounded lookahead. A lexing error is reported only when the
/// bad input becomes the next token, so statements before it still parse.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    rest: Span<'a>,
    file: Arc<str>,
    buf: VecDeque<Token>,
    error: Option<Diagnostic>,
    /// The last located position (byte offset, line, column), so columns are computed
    /// incrementally instead of rescanning long lines.
    mark: (usize, u32, u32),
}

impl<'a> Lexer<'a> {
    /// Lexes `src`, reporting locations in `file`.
    pub(crate) fn new(src: &'a str, file: Arc<str>) -> Self {
        Lexer {
            src,
            rest: Span::new(src),
            file,
            buf: VecDeque::new(),
            error: None,
            mark: (0, 1, 1),
        }
    }

    fn location(&mut self, at: Span<'_>) -> Location {
        let (offset, line) = (at.location_offset(), at.location_line());
        let (m_offset, m_line, m_col) = self.mark;
        let col = match self.src.get(m_offset..offset) {
            Some(between) if line == m_line => {
                let n = u32::try_from(between.chars().count()).unwrap_or(u32::MAX);
                m_col.saturating_add(n)
            }
            _ => u32::try_from(at.get_utf8_column()).unwrap_or(u32::MAX),
        };
        self.mark = (offset, line, col);
        Location::new(self.file.clone(), line, col)
    }

    fn fill(&mut self, n: usize) {
        while self.buf.len() <= n {
            if let Some(last) = self
                .buf
                .back()
                .filter(|t| matches!(t.tok, Tok::Eof | Tok::Invalid))
            {
                let end = last.clone();
                self.buf.push_back(end);
                continue;
            }
            let token = match token(self.rest) {
                Ok((rest, at, tok)) => {
                    self.rest = rest;
                    let loc = self.location(at);
                    Token { tok, loc }
                }
                Err((at, message)) => self.invalid(at, message),
            };
            self.buf.push_back(token);
        }
    }

    fn invalid(&mut self, at: Span<'_>, message: &str) -> Token {
        let loc = self.location(at);
        self.error = Some(Diagnostic::error(loc.clone(), message));
        Token {
            tok: Tok::Invalid,
            loc,
        }
    }

    fn checked(&self, t: &Token) -> Result<(), Diagnostic> {
        match (&t.tok, &self.error) {
            (Tok::Invalid, Some(e)) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// The token `n` places ahead (0 = next) without consuming it; a lexing error is
    /// returned only for `n == 0`.
    pub(crate) fn peek(&mut self, n: usize) -> Result<&Token, Diagnostic> {
        self.fill(n);
        if let Some(first) = self.buf.front() {
            self.checked(first)?;
        }
        self.buf
            .get(n)
            .ok_or_else(|| Diagnostic::error(None, "lexer lookahead failed"))
    }

    /// Consumes the next token.
    pub(crate) fn next_token(&mut self) -> Result<Token, Diagnostic> {
        self.fill(0);
        let t = self
            .buf
            .pop_front()
            .ok_or_else(|| Diagnostic::error(None, "lexer lookahead failed"))?;
        self.checked(&t)?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_all(src: &str) -> Result<Vec<(Tok, u32, u32)>, String> {
        let mut lx = Lexer::new(src, "t.conf".into());
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().map_err(|d| d.to_string())?;
            if t.tok == Tok::Eof {
                return Ok(out);
            }
            out.push((t.tok, t.loc.line, t.loc.col));
        }
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn words_punct_and_positions() {
        let toks = lex_all("a = b\n  Listen \"*:1\" {}").expect("lexes");
        assert_eq!(
            toks,
            vec![
                (w("a"), 1, 1),
                (Tok::Punct('='), 1, 3),
                (w("b"), 1, 5),
                (w("Listen"), 2, 3),
                (Tok::Quoted("*:1".into()), 2, 10),
                (Tok::Punct('{'), 2, 16),
                (Tok::Punct('}'), 2, 17),
            ]
        );
    }

    #[test]
    fn unicode_columns_count_characters() {
        let toks = lex_all("\"é\" x").expect("lexes");
        assert_eq!(toks[1].2, 5);
        let toks = lex_all("ü a\n  é b /* ö */ c").expect("lexes");
        let cols: Vec<(u32, u32)> = toks.iter().map(|t| (t.1, t.2)).collect();
        assert_eq!(cols, vec![(1, 1), (1, 3), (2, 3), (2, 5), (2, 15)]);
    }

    #[test]
    fn long_lines_lex_in_linear_time() {
        let src = "a ".repeat(50_000);
        let toks = lex_all(&src).expect("lexes");
        assert_eq!(toks.len(), 50_000);
        assert_eq!(toks[49_999].2, 99_999);
    }

    #[test]
    fn unterminated_string_points_at_the_quote() {
        assert_eq!(
            lex_all("a = \"abc\n").unwrap_err(),
            "t.conf:1:5: unterminated string"
        );
    }

    #[test]
    fn unterminated_comment_points_at_its_start() {
        assert_eq!(
            lex_all("a\n  /* never closed").unwrap_err(),
            "t.conf:2:3: unterminated comment"
        );
    }

    #[test]
    fn lookahead_past_bad_input_is_not_an_error_yet() {
        let mut lx = Lexer::new("a b '", "t".into());
        assert_eq!(lx.peek(2).map(|t| t.tok.clone()), Ok(Tok::Invalid));
        assert_eq!(lx.peek(3).map(|t| t.tok.clone()), Ok(Tok::Invalid));
        assert_eq!(lx.next_token().map(|t| t.tok), Ok(w("a")));
        assert_eq!(lx.next_token().map(|t| t.tok), Ok(w("b")));
        assert!(lx.peek(0).is_err());
        let e = lx.next_token().expect_err("bad");
        assert_eq!(
            e.to_string(),
            "t:1:5: unexpected character \"'\" (strings use double quotes)"
        );
    }

    #[test]
    fn eof_repeats_and_peek_does_not_consume() {
        let mut lx = Lexer::new("x", "t".into());
        assert_eq!(lx.peek(2).map(|t| t.tok.clone()), Ok(Tok::Eof));
        assert_eq!(lx.next_token().map(|t| t.tok), Ok(w("x")));
        assert_eq!(lx.next_token().map(|t| t.tok), Ok(Tok::Eof));
        assert_eq!(lx.next_token().map(|t| t.tok), Ok(Tok::Eof));
    }
}
