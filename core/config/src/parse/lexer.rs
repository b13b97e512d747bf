//! Tokens of the config grammar, lexed lazily with nom over a located span.
//!
//! Trivia (whitespace, `;`, `#` and `/* */` comments) is skipped before each token. A bare word
//! may contain `/` but stops at `/*`, and a trailing `;` is not part of it.

use std::collections::VecDeque;
use std::sync::Arc;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until};
use nom::character::complete::{char, multispace1, not_line_ending, one_of};
use nom::combinator::{map, value};
use nom::error::{ErrorKind, ParseError};
use nom::multi::many0;
use nom::sequence::pair;
use nom::{IResult, Input, Parser};
use nom_locate::LocatedSpan;

use crate::diag::{Diagnostic, Location};

type Span<'a> = LocatedSpan<&'a str>;

/// Characters that end a bare word (besides whitespace and `/*`).
const WORD_STOP: &str = "\"{}[]()=#'";

/// Punctuation tokens.
const PUNCT: &str = "{}()[]=";

#[derive(Debug)]
struct LexError<'a> {
    at: Span<'a>,
    message: &'static str,
}

impl<'a> ParseError<Span<'a>> for LexError<'a> {
    fn from_error_kind(input: Span<'a>, _kind: ErrorKind) -> Self {
        LexError {
            at: input,
            message: "unexpected input",
        }
    }

    fn append(_input: Span<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type LexResult<'a, O> = IResult<Span<'a>, O, LexError<'a>>;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word.
    Word(String),
    /// A double-quoted string, unescaped.
    Quoted(String),
    /// One of `{ } ( ) [ ] =`.
    Punct(char),
    /// End of input (repeats forever).
    Eof,
    /// Input that could not be lexed; seen only in lookahead beyond the next token (the
    /// lexer reports the error when it becomes the next token). Repeats forever.
    Invalid,
}

impl Tok {
    /// How the token is named in "got …" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Quoted(q) => format!("the string \"{q}\""),
            Tok::Punct(c) => format!("'{c}'"),
            Tok::Eof => "end of file".to_string(),
            Tok::Invalid => "invalid input".to_string(),
        }
    }

    /// True for tokens that can start a value.
    pub(crate) fn starts_value(&self) -> bool {
        matches!(self, Tok::Word(_) | Tok::Quoted(_) | Tok::Punct('(' | '['))
    }

    /// The text of a word or quoted string.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Tok::Word(t) | Tok::Quoted(t) => Some(t),
            _ => None,
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) loc: Location,
}

fn line_comment(i: Span<'_>) -> LexResult<'_, ()> {
    value((), pair(char('#'), not_line_ending)).parse(i)
}

fn block_comment(i: Span<'_>) -> LexResult<'_, ()> {
    let (body, _) = tag("/*").parse(i)?;
    let mut close = pair(take_until::<_, _, LexError<'_>>("*/"), tag("*/"));
    match close.parse(body) {
        Ok((rest, _)) => Ok((rest, ())),
        Err(_) => Err(nom::Err::Failure(LexError {
            at: i,
            message: "unterminated comment",
        })),
    }
}

fn trivia(i: Span<'_>) -> LexResult<'_, ()> {
    value(
        (),
        many0(alt((
            value((), multispace1),
            value((), char(';')),
            line_comment,
            block_comment,
        ))),
    )
    .parse(i)
}

fn quoted(i: Span<'_>) -> LexResult<'_, String> {
    let (body, _) = char('"').parse(i)?;
    let mut out = String::new();
    let mut chars = body.fragment().char_indices().peekable();
    while let Some((idx, c)) = chars.next() {
        match c {
            '"' => return Ok((body.take_from(idx + 1), out)),
            '\\' => match chars.peek() {
                Some(&(_, e @ ('"' | '\\'))) => {
                    chars.next();
                    out.push(e);
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Err(nom::Err::Failure(LexError {
        at: i,
        message: "unterminated string",
    }))
}

fn bare_word(i: Span<'_>) -> LexResult<'_, String> {
    let frag = *i.fragment();
    let end = frag
        .char_indices()
        .find(|&(idx, c)| {
            c.is_whitespace() || WORD_STOP.contains(c) || frag[idx..].starts_with("/*")
        })
        .map_or(frag.len(), |(idx, _)| idx);
    let word = frag[..end].trim_end_matches(';');
    if word.is_empty() {
        return Err(nom::Err::Error(LexError::from_error_kind(
            i,
            ErrorKind::TakeWhile1,
        )));
    }
    let (rest, taken) = i.take_split(word.len());
    Ok((rest, taken.fragment().to_string()))
}

fn token(i: Span<'_>) -> LexResult<'_, (Span<'_>, Tok)> {
    let (i, _) = trivia(i)?;
    if i.fragment().is_empty() {
        return Ok((i, (i, Tok::Eof)));
    }
    let (rest, tok) = alt((
        map(one_of(PUNCT), Tok::Punct),
        map(quoted, Tok::Quoted),
        map(bare_word, Tok::Word),
    ))
    .parse(i)
    .map_err(|e| match e {
        nom::Err::Error(_) => nom::Err::Failure(LexError {
            at: i,
            message: "unexpected character \"'\" (strings use double quotes)",
        }),
        other => other,
    })?;
    Ok((rest, (i, tok)))
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
                Ok((rest, (at, tok))) => {
                    self.rest = rest;
                    let loc = self.location(at);
                    Token { tok, loc }
                }
                Err(nom::Err::Error(e) | nom::Err::Failure(e)) => self.invalid(e.at, e.message),
                Err(nom::Err::Incomplete(_)) => self.invalid(self.rest, "unexpected input"),
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
    fn comments_and_semicolons_are_trivia() {
        let toks = lex_all("# c\na /* x\ny */ b; ; c;# d\n/**/").expect("lexes");
        let words: Vec<Tok> = toks.into_iter().map(|t| t.0).collect();
        assert_eq!(words, vec![w("a"), w("b"), w("c")]);
    }

    #[test]
    fn slash_allowed_in_words_but_slash_star_starts_comment() {
        let toks = lex_all("digest:///opt/x 127.0.0.0/8/*c*/z a;b").expect("lexes");
        let words: Vec<Tok> = toks.into_iter().map(|t| t.0).collect();
        assert_eq!(
            words,
            vec![w("digest:///opt/x"), w("127.0.0.0/8"), w("z"), w("a;b")]
        );
    }

    #[test]
    fn quoted_escapes() {
        let toks = lex_all(r#""a\"b\\c\d" "" "é""#).expect("lexes");
        let q: Vec<Tok> = toks.into_iter().map(|t| t.0).collect();
        assert_eq!(
            q,
            vec![
                Tok::Quoted(r#"a"b\c\d"#.into()),
                Tok::Quoted(String::new()),
                Tok::Quoted("é".into())
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
    fn single_quote_is_rejected() {
        assert_eq!(
            lex_all("a 'b'").unwrap_err(),
            "t.conf:1:3: unexpected character \"'\" (strings use double quotes)"
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
