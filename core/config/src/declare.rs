//! `declare_options!`: one declaration gives both the `OptionSpec` table and a typed struct.

/// Trims the whitespace doc comments start with (used by `declare_options!`).
#[doc(hidden)]
pub const fn trim_doc(doc: &'static str) -> &'static str {
    doc.trim_ascii()
}

/// Declares a module's options once: generates a struct with one `pub` field per option,
/// `SPECS: &[OptionSpec]` for the schema, and `read(&Resolved)` to fill the struct.
///
/// Each option needs a `///` doc comment (it becomes `OptionSpec::doc`; lines are joined),
/// a type implementing `FromValue`, a default in config syntax (`"0"`, `"( a b )"`) or `none`
/// for "no default", and the scopes where it is valid. Options are **non-dynamic** (a change
/// needs a restart) unless marked `dynamic`.
///
/// ```
/// use std::path::PathBuf;
/// use impetus_config::{declare_options, types::Seconds};
///
/// declare_options! {
///     /// Options of the xmpp_listener scope and its Listen/Peer children.
///     pub struct ListenerOptions {
///         /// Seconds of inactivity before the peer is disconnected; 0 never disconnects.
///         idle_time: Seconds = "0", scopes [xmpp_listener, listen, peer];
///         /// Certificate (PEM) presented to peers; `none` cancels an inherited one.
///         tls_certificate: Option<PathBuf> = none, scopes [xmpp_listener, listen, peer, domain], dynamic;
///     }
/// }
/// assert_eq!(ListenerOptions::SPECS[0].name, "idle_time");
/// assert_eq!(ListenerOptions::SPECS[0].default, Some("0"));
/// assert!(ListenerOptions::SPECS[1].dynamic);
/// assert_eq!(ListenerOptions::SPECS[1].doc, "Certificate (PEM) presented to peers; `none` cancels an inherited one.");
/// ```
#[macro_export]
macro_rules! declare_options {
    (@default none) => { ::std::option::Option::None };
    (@default $text:literal) => { ::std::option::Option::Some($text) };
    (@dynamic dynamic) => { true };
    (@dynamic) => { false };
    (
        $(#[doc = $sdoc:literal])+
        $vis:vis struct $name:ident {
            $(
                #[doc = $fdoc:literal] $(#[doc = $fmore:literal])*
                $field:ident : $ty:ty = $default:tt ,
                scopes [ $($scope:ident),+ $(,)? ] $(, $dynamic:ident)? ;
            )*
        }
    ) => {
        $(#[doc = $sdoc])+
        #[derive(Debug, Clone)]
        $vis struct $name {
            $(
                #[doc = $fdoc] $(#[doc = $fmore])*
                pub $field: $ty,
            )*
        }

        impl $name {
            /// The option table, for the module's `ModuleDecl::options`.
            pub const SPECS: &'static [$crate::schema::OptionSpec] = &[
                $(
                    $crate::schema::OptionSpec {
                        name: stringify!($field),
                        ty: <$ty as $crate::types::FromValue>::VALUE_TYPE,
                        default: $crate::declare_options!(@default $default),
                        scopes: &[$(stringify!($scope)),+],
                        dynamic: $crate::declare_options!(@dynamic $($dynamic)?),
                        doc: $crate::declare::trim_doc(concat!($fdoc $(, $fmore)*)),
                    },
                )*
            ];

            /// Reads every option through the fallback chain `r`.
            pub fn read(r: &$crate::resolve::Resolved<'_>) -> ::std::result::Result<Self, $crate::diag::Diagnostic> {
                ::std::result::Result::Ok(Self {
                    $( $field: r.get::<$ty>(stringify!($field))?, )*
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::parse::parse_str;
    use crate::resolve::Resolved;
    use crate::schema::{ModuleDecl, Schema};
    use crate::types::{Seconds, ValueType};

    declare_options! {
        /// Test options.
        pub struct Opts {
            /// Idle time,
            /// in seconds.
            idle_time: Seconds = "0", scopes [xmpp_listener, listen];
            /// Certificate.
            tls_certificate: Option<PathBuf> = none, scopes [listen, domain], dynamic;
            /// Names.
            names: Vec<String> = "( a b )", scopes [global];
        }
    }

    const DECL: ModuleDecl = ModuleDecl {
        name: "m",
        singleton: true,
        depends: &[],
        scopes: &[],
        options: Opts::SPECS,
        doc: "M.",
    };

    #[test]
    fn specs_carry_name_type_default_scopes_flag_and_doc() {
        let s = &Opts::SPECS[0];
        assert_eq!(s.name, "idle_time");
        assert_eq!(s.ty, ValueType::Seconds);
        assert_eq!(s.default, Some("0"));
        assert_eq!(s.scopes, &["xmpp_listener", "listen"]);
        assert!(!s.dynamic);
        assert_eq!(s.doc, "Idle time, in seconds.");
        let c = &Opts::SPECS[1];
        assert_eq!(c.ty, ValueType::Optional(&ValueType::Path));
        assert_eq!(c.default, None);
        assert!(c.dynamic);
        assert!(Schema::new(&[], &[&DECL]).check_defaults().is_empty());
    }

    #[test]
    fn read_uses_the_chain_defaults_and_none() {
        let schema = Schema::new(&[], &[&DECL]);
        let (t, d) = parse_str(
            "names = x\nl { idle_time 5 tls_certificate = none }\nk { tls_certificate /a.pem }",
            "t",
        );
        assert!(d.is_empty(), "{d:?}");
        let r = Resolved::new(vec![&t.children[0], &t.children[1], &t], &schema);
        let o = Opts::read(&r).expect("reads");
        assert_eq!(o.idle_time, Seconds(5));
        assert_eq!(o.tls_certificate, None);
        assert_eq!(o.names, vec!["x".to_string()]);
        let r = Resolved::new(vec![&t.children[1]], &schema);
        let o = Opts::read(&r).expect("reads");
        assert_eq!(o.idle_time, Seconds(0));
        assert_eq!(o.tls_certificate, Some(PathBuf::from("/a.pem")));
        assert_eq!(o.names, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn read_reports_the_first_bad_value_with_its_location() {
        let schema = Schema::new(&[], &[&DECL]);
        let (t, _) = parse_str("idle_time = ten", "t");
        let err = Opts::read(&Resolved::new(vec![&t], &schema)).expect_err("bad");
        assert_eq!(
            err.to_string(),
            "t:1:13: invalid value for 'idle_time': expected seconds (a non-negative integer), got 'ten'"
        );
    }
}
