//! Log formats: a format string (`%t+R+%st+%at+%af+%ai+%ay+%H`) compiled once into literal
//! pieces and macros, then expanded for each record.
//!
//! Macros (spec §6): `%t` epoch seconds; `%st` stanza type (`iq`, `message`, `presence`);
//! `%so` the stanza with private text obfuscated (`obfuscate.rs`); `%sr` the raw stanza;
//! `%af` from; `%at` to; `%ai` the `id` attribute; `%ay` the `type` attribute; `%H` the
//! remote IP:port; `%%` a literal `%`. Everything else is copied as it is. A macro without a
//! value (no `id`, or any stanza macro in a heartbeat) expands to nothing. Expanded values never
//! break a record across lines: control characters become XML character references (`&#10;`).

use impetus_xml::Element;
use impetus_xmpp_proto::ns;

use crate::obfuscate::obfuscate;

/// A macro of the xmpp_logger namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Macro {
    Time,
    StanzaType,
    Obfuscated,
    Raw,
    From,
    To,
    Id,
    Type,
    Host,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Macro(Macro),
}

/// Why a format string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `%` followed by something that is no macro.
    #[error("unknown macro '%{0}' (known: %t %st %so %sr %af %at %ai %ay %H %%)")]
    Unknown(String),
}

/// A compiled format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pieces: Vec<Piece>,
}

/// What one record is about.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Seconds since the epoch.
    pub time: u64,
    /// The stanza; `None` for a heartbeat.
    pub stanza: Option<&'a Element>,
    /// `%at` when the stanza has no `to` (deliveries use the recipient session's JID).
    pub to_fallback: Option<&'a str>,
    /// `%H`: the remote IP:port of the sending (reception) or receiving (delivery) session.
    pub remote: &'a str,
}

impl Format {
    /// Compiles a format string.
    pub fn parse(text: &str) -> Result<Format, FormatError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let first = chars.next();
            let found = match first {
                Some('%') => {
                    literal.push('%');
                    continue;
                }
                Some('t') => Some(Macro::Time),
                Some('H') => Some(Macro::Host),
                Some('s') => match chars.clone().next() {
                    Some('t') => Some(Macro::StanzaType),
                    Some('o') => Some(Macro::Obfuscated),
                    Some('r') => Some(Macro::Raw),
                    _ => None,
                },
                Some('a') => match chars.clone().next() {
                    Some('f') => Some(Macro::From),
                    Some('t') => Some(Macro::To),
                    Some('i') => Some(Macro::Id),
                    Some('y') => Some(Macro::Type),
                    _ => None,
                },
                _ => None,
            };
            let Some(found) = found else {
                let mut name: String = first.into_iter().collect();
                name.extend(chars.next().filter(|_| matches!(first, Some('s' | 'a'))));
                return Err(FormatError::Unknown(name));
            };
            if matches!(first, Some('s' | 'a')) {
                chars.next();
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Macro(found));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Format { pieces })
    }

    /// Expands the format for `record`; the result ends with a newline.
    pub fn render(&self, record: &Record<'_>) -> String {
        let mut out = String::with_capacity(128);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Macro(m) => push_clean(&mut out, &expand(*m, record)),
            }
        }
        out.push('\n');
        out
    }
}

fn expand(m: Macro, record: &Record<'_>) -> String {
    if m == Macro::Time {
        return record.time.to_string();
    }
    if m == Macro::Host {
        return record.remote.to_owned();
    }
    let Some(stanza) = record.stanza else {
        return String::new();
    };
    let attr = |name: &str| stanza.attr(name).unwrap_or_default().to_owned();
    match m {
        Macro::StanzaType => stanza.name.clone(),
        Macro::Obfuscated => obfuscate(stanza).to_string_in(ns::CLIENT),
        Macro::Raw => stanza.to_string_in(ns::CLIENT),
        Macro::From => attr("from"),
        Macro::To => stanza
            .attr("to")
            .or(record.to_fallback)
            .unwrap_or_default()
            .to_owned(),
        Macro::Id => attr("id"),
        Macro::Type => attr("type"),
        Macro::Time | Macro::Host => String::new(),
    }
}

/// Appends `value`, writing control characters as character references so a record stays on
/// one line.
fn push_clean(out: &mut String, value: &str) {
    for c in value.chars() {
        if c.is_control() {
            out.push_str(&format!("&#{};", u32::from(c)));
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Element {
        Element::new("message", ns::CLIENT)
            .with_attr("from", "alice@example.com/phone")
            .with_attr("to", "bob@example.com")
            .with_attr("id", "m+1")
            .with_attr("type", "chat")
            .with_child(Element::new("body", ns::CLIENT).with_text("line one\nline two"))
    }

    fn record(stanza: &Element) -> Record<'_> {
        Record {
            time: 1_700_000_000,
            stanza: Some(stanza),
            to_fallback: None,
            remote: "127.0.0.1:40000",
        }
    }

    #[test]
    fn momentum_default_formats_expand_every_field() {
        let stanza = message();
        let reception = Format::parse("%t+R+%st+%at+%af+%ai+%ay+%H").expect("format");
        assert_eq!(
            reception.render(&record(&stanza)),
            "1700000000+R+message+bob@example.com+alice@example.com/phone+m+1+chat+127.0.0.1:40000\n"
        );
        let heartbeat = Format::parse("%t+M").expect("format");
        let beat = Record {
            time: 5,
            stanza: None,
            to_fallback: None,
            remote: "",
        };
        assert_eq!(heartbeat.render(&beat), "5+M\n");
    }

    #[test]
    fn so_obfuscates_and_sr_keeps_the_text_on_one_line() {
        let stanza = message();
        let obfuscated = Format::parse("%so")
            .expect("format")
            .render(&record(&stanza));
        assert_eq!(
            obfuscated,
            "<message from=\"alice@example.com/phone\" to=\"bob@example.com\" id=\"m+1\" type=\"chat\"><body>[17 chars]</body></message>\n"
        );
        let raw = Format::parse("%sr")
            .expect("format")
            .render(&record(&stanza));
        assert!(raw.contains("<body>line one&#10;line two</body>"), "{raw}");
        assert_eq!(raw.lines().count(), 1);
    }

    #[test]
    fn missing_values_are_empty_and_to_falls_back() {
        let presence = Element::new("presence", ns::CLIENT).with_attr("from", "a@b/c");
        let mut r = record(&presence);
        let format = Format::parse("[%st|%at|%ai|%ay]").expect("format");
        assert_eq!(format.render(&r), "[presence|||]\n");
        r.to_fallback = Some("a@b/d");
        assert_eq!(format.render(&r), "[presence|a@b/d||]\n");
        // Stanza macros in a heartbeat have no value.
        r.stanza = None;
        assert_eq!(format.render(&r), "[|||]\n");
    }

    #[test]
    fn percent_escapes_literals_and_unknown_macros() {
        let stanza = message();
        let format = Format::parse("100%% %t%st %H!").expect("format");
        assert_eq!(
            format.render(&record(&stanza)),
            "100% 1700000000message 127.0.0.1:40000!\n"
        );
        assert_eq!(Format::parse("%x"), Err(FormatError::Unknown("x".into())));
        assert_eq!(Format::parse("%sq"), Err(FormatError::Unknown("sq".into())));
        assert_eq!(Format::parse("%a"), Err(FormatError::Unknown("a".into())));
        assert_eq!(
            Format::parse("50%"),
            Err(FormatError::Unknown(String::new()))
        );
        assert!(
            FormatError::Unknown("x".into())
                .to_string()
                .contains("'%x'")
        );
    }
}
