//! Throws random and hostile input at every parser of the crate: each must return a value or
//! an error, never panic. Seeded, so failures reproduce.

use impetus_xmpp_proto::Jid;
use impetus_xmpp_proto::sasl::digest_md5::DigestMd5Server;
use impetus_xmpp_proto::sasl::plain::parse_plain;
use impetus_xmpp_proto::sasl::scram::{ChannelBinding, ScramCredentials, ScramHash, ScramServer};
use impetus_xmpp_proto::sasl::stored::StoredEntry;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Pieces that are meaningful to at least one parser.
const PIECES: &[&str] = &[
    "@",
    "/",
    ".",
    "[",
    "]",
    ":",
    "=",
    ",",
    ";",
    "\"",
    "\\",
    "\0",
    " ",
    "\n",
    "a",
    "Z",
    "9",
    "é",
    "😀",
    "\u{200D}",
    "Ａ",
    "ﬁ",
    "xn--",
    "-",
    "n,,",
    "p=tls-exporter,",
    "y,,",
    "a=",
    "n=",
    "r=",
    "c=",
    "p=",
    "=2C",
    "=3D",
    "=",
    "{hashed}",
    "{plain}",
    "scram-sha-1=",
    "digest-md5=",
    "4096",
    "biws",
    "username=",
    "nonce=\"N\"",
    "realm=",
    "qop=auth",
    "nc=00000001",
    "\u{FFFD}",
    "[::1]",
    "127.0.0.1",
    "ß",
    "İ",
    "\u{0301}",
    "\u{202E}",
];

fn random_input(rng: &mut StdRng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.random_range(0..12) {
        if rng.random_bool(0.1) {
            out.push(rng.random());
        } else {
            out.extend_from_slice(PIECES[rng.random_range(0..PIECES.len())].as_bytes());
        }
    }
    out
}

#[test]
fn parsers_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x1a9e_7c05);
    let creds = ScramCredentials::derive(ScramHash::Sha1, "pw", b"salt", 1);
    for _ in 0..20_000 {
        let bytes = random_input(&mut rng);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(jid) = Jid::parse(&text) {
            assert_eq!(Jid::parse(&jid.to_string()), Ok(jid.clone()), "{text:?}");
        }
        let _ = parse_plain(&bytes);
        let _ = StoredEntry::parse_line(&text);

        let mut scram = ScramServer::new(ScramHash::Sha1, rng.random(), ChannelBinding::default());
        if scram.client_first(&bytes).is_ok() {
            scram.server_first(Some(&creds));
            let _ = scram.client_final(&random_input(&mut rng));
        }

        let mut digest = DigestMd5Server::new("r", "h").with_nonce("N");
        if digest.response(&bytes).is_ok() {
            let _ = digest.verify(&[0; 16]);
        }
    }
}
