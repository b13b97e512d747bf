//! Tokens of the config grammar, recognised with nom over a located span.
//!
//! Trivia (whitespace, `;`, `#` and `/* */` comments) is skipped before each token. A bare word
//! may contain `/` but stops at `/*`, and a trailing `;` is not part of it.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until};
use nom::character::complete::{char, multispace1, not_line_ending, one_of};
use nom::combinator::{map, value};
use nom::error::{ErrorKind, ParseError};
use nom::multi::many0;
use nom::sequence::pair;
use nom::{IResult, Input, Parser};
use nom_locate::LocatedSpan;

/// Input with line/offset tracking.
pub(crate) type Span<'a> = LocatedSpan<&'a str>;

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

/// The next token after trivia: `Ok((rest, start, token))`, or where and why lexing failed.
pub(crate) fn token(i: Span<'_>) -> Result<(Span<'_>, Span<'_>, Tok), (Span<'_>, &'static str)> {
    match raw_token(i) {
        Ok((rest, (at, tok))) => Ok((rest, at, tok)),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err((e.at, e.message)),
        Err(nom::Err::Incomplete(_)) => Err((i, "unexpected input")),
    }
}

fn raw_token(i: Span<'_>) -> LexResult<'_, (Span<'_>, Tok)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Result<Vec<Tok>, String> {
        let mut rest = Span::new(src);
        let mut out = Vec::new();
        loop {
            match token(rest) {
                Ok((_, _, Tok::Eof)) => return Ok(out),
                Ok((r, _, tok)) => {
                    rest = r;
                    out.push(tok);
                }
                Err((at, msg)) => {
                    return Err(format!(
                        "{}:{}: {msg}",
                        at.location_line(),
                        at.get_utf8_column()
                    ));
                }
            }
        }
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn comments_and_semicolons_are_trivia() {
        let t = toks("# c\na /* x\ny */ b; ; c;# d\n/**/").expect("lexes");
        assert_eq!(t, vec![w("a"), w("b"), w("c")]);
    }

    #[test]
    fn punctuation() {
        let t = toks("a={}()[]").expect("lexes");
        let p: Vec<Tok> = "={}()[]".chars().map(Tok::Punct).collect();
        assert_eq!(t[0], w("a"));
        assert_eq!(t[1..], p[..]);
    }

    #[test]
    fn slash_allowed_in_words_but_slash_star_starts_comment() {
        let t = toks("digest:///opt/x 127.0.0.0/8/*c*/z a;b").expect("lexes");
        assert_eq!(
            t,
            vec![w("digest:///opt/x"), w("127.0.0.0/8"), w("z"), w("a;b")]
        );
    }

    #[test]
    fn quoted_escapes() {
        let t = toks(r#""a\"b\\c\d" "" "é""#).expect("lexes");
        assert_eq!(
            t,
            vec![
                Tok::Quoted(r#"a"b\c\d"#.into()),
                Tok::Quoted(String::new()),
                Tok::Quoted("é".into())
            ]
        );
    }

    #[test]
    fn errors_point_at_the_start() {
        assert_eq!(toks("a = \"abc\n"), Err("1:5: unterminated string".into()));
        assert_eq!(
            toks("a\n  /* never closed"),
            Err("2:3: unterminated comment".into())
        );
        assert_eq!(
            toks("a 'b'"),
            Err("1:3: unexpected character \"'\" (strings use double quotes)".into())
        );
    }

    #[test]
    fn token_helpers() {
        assert!(w("x").starts_value() && Tok::Punct('[').starts_value());
        assert!(!Tok::Punct('{').starts_value() && !Tok::Eof.starts_value());
        assert_eq!(Tok::Quoted("q".into()).text(), Some("q"));
        assert_eq!(Tok::Punct('=').text(), None);
        assert_eq!(Tok::Quoted("q".into()).describe(), "the string \"q\"");
        assert_eq!(Tok::Eof.describe(), "end of file");
    }
}
