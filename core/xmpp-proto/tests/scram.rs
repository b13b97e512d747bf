//! End-to-end SCRAM exchanges against the server state machine: the RFC 5802 / RFC 7677 test
//! vectors, and a small client written here to drive -PLUS, downgrade and failure cases.

use base64::prelude::*;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use impetus_xmpp_proto::sasl::SaslFailure;
use impetus_xmpp_proto::sasl::scram::{
    CbType, ChannelBinding, ScramCredentials, ScramHash, ScramServer,
};
use sha2::Digest;

fn b64(s: &str) -> Vec<u8> {
    BASE64_STANDARD.decode(s).unwrap()
}

/// Runs the RFC example exchange and checks every server message byte for byte.
fn rfc_vector(hash: ScramHash, salt: &str, snonce: &str, msgs: [&str; 4]) {
    let creds = ScramCredentials::derive(hash, "pencil", &b64(salt), 4096);
    let mut server =
        ScramServer::new(hash, false, ChannelBinding::default()).with_server_nonce(snonce);
    assert_eq!(
        server.client_first(msgs[0].as_bytes()),
        Ok("user".to_owned())
    );
    assert_eq!(server.username(), Some("user"));
    assert_eq!(
        String::from_utf8(server.server_first(Some(&creds))).unwrap(),
        msgs[1]
    );
    assert_eq!(
        String::from_utf8(server.client_final(msgs[2].as_bytes()).unwrap()).unwrap(),
        msgs[3]
    );
}

#[test]
fn rfc5802_sha1_vector() {
    rfc_vector(
        ScramHash::Sha1,
        "QSXCR+Q6sek8bf92",
        "3rfcNHYJY1ZVvWVs7j",
        [
            "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        ],
    );
}

#[test]
fn rfc7677_sha256_vector() {
    rfc_vector(
        ScramHash::Sha256,
        "W22ZaJ0SNY7soEsUEjb6gQ==",
        "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        [
            "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        ],
    );
}

fn mac<D: EagerHash>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<D> as KeyInit>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The client side of the final step, computed independently of the crate: returns the
/// client-final-message and the server-final-message the client expects.
fn client_final<D: EagerHash + Digest>(
    password: &str,
    bare: &str,
    server_first: &str,
    cbind_input: &[u8],
) -> (String, String) {
    let mut parts = server_first.split(',');
    let nonce = parts.next().unwrap().strip_prefix("r=").unwrap();
    let salt = b64(parts.next().unwrap().strip_prefix("s=").unwrap());
    let iterations: u32 = parts
        .next()
        .unwrap()
        .strip_prefix("i=")
        .unwrap()
        .parse()
        .unwrap();
    let mut salted = vec![0; <D as Digest>::output_size()];
    pbkdf2::pbkdf2_hmac::<D>(password.as_bytes(), &salt, iterations, &mut salted);
    let client_key = mac::<D>(&salted, b"Client Key");
    let stored_key = D::digest(&client_key);
    let without_proof = format!("c={},r={nonce}", BASE64_STANDARD.encode(cbind_input));
    let auth = format!("{bare},{server_first},{without_proof}");
    let signature = mac::<D>(&stored_key, auth.as_bytes());
    let proof: Vec<u8> = client_key
        .iter()
        .zip(&signature)
        .map(|(a, b)| a ^ b)
        .collect();
    let server_sig = mac::<D>(&mac::<D>(&salted, b"Server Key"), auth.as_bytes());
    (
        format!("{without_proof},p={}", BASE64_STANDARD.encode(proof)),
        format!("v={}", BASE64_STANDARD.encode(server_sig)),
    )
}

struct Run {
    plus: bool,
    cb: ChannelBinding,
    gs2: &'static str,
    client_cb_data: Vec<u8>,
    password: &'static str,
}

/// A SHA-256 exchange for juliet (password "r0m30") with the given client behaviour.
fn exchange(run: Run) -> Result<(), SaslFailure> {
    let creds = ScramCredentials::derive(ScramHash::Sha256, "r0m30", b"0123456789abcdef", 4096);
    let mut server = ScramServer::new(ScramHash::Sha256, run.plus, run.cb);
    let bare = "n=juliet,r=clientnonce";
    server.client_first(format!("{}{bare}", run.gs2).as_bytes())?;
    let first = String::from_utf8(server.server_first(Some(&creds))).unwrap();
    let mut cbind = run.gs2.as_bytes().to_vec();
    cbind.extend_from_slice(&run.client_cb_data);
    let (fin, expected) = client_final::<sha2::Sha256>(run.password, bare, &first, &cbind);
    let reply = server.client_final(fin.as_bytes())?;
    assert_eq!(String::from_utf8(reply).unwrap(), expected);
    Ok(())
}

fn tls(data: &[u8]) -> ChannelBinding {
    ChannelBinding {
        server_supports_plus: true,
        data: vec![(CbType::TlsExporter, data.to_vec())],
    }
}

fn run(plus: bool, cb: ChannelBinding, gs2: &'static str, cb_data: &[u8], pw: &'static str) -> Run {
    Run {
        plus,
        cb,
        gs2,
        client_cb_data: cb_data.to_vec(),
        password: pw,
    }
}

#[test]
fn plus_exchange_checks_binding_data() {
    let ok = run(
        true,
        tls(b"exporter-bytes"),
        "p=tls-exporter,,",
        b"exporter-bytes",
        "r0m30",
    );
    assert_eq!(exchange(ok), Ok(()));
    let wrong = run(
        true,
        tls(b"exporter-bytes"),
        "p=tls-exporter,,",
        b"other-bytes",
        "r0m30",
    );
    assert_eq!(exchange(wrong), Err(SaslFailure::NotAuthorized));
    let wrong_type = run(true, tls(b"x"), "p=tls-server-end-point,,", b"x", "r0m30");
    assert_eq!(exchange(wrong_type), Err(SaslFailure::NotAuthorized));
    let no_tls = run(
        true,
        ChannelBinding::default(),
        "p=tls-exporter,,",
        b"x",
        "r0m30",
    );
    assert_eq!(exchange(no_tls), Err(SaslFailure::NotAuthorized));
}

#[test]
fn authzid_must_match_the_user() {
    let same = run(
        false,
        ChannelBinding::default(),
        "n,a=juliet,",
        b"",
        "r0m30",
    );
    assert_eq!(exchange(same), Ok(()));
    let other = run(false, ChannelBinding::default(), "n,a=romeo,", b"", "r0m30");
    assert_eq!(exchange(other), Err(SaslFailure::InvalidAuthzid));
}

#[test]
fn wrong_password_and_flag_mismatches_fail() {
    let none = ChannelBinding::default;
    assert_eq!(
        exchange(run(false, none(), "n,,", b"", "r0m31")),
        Err(SaslFailure::NotAuthorized)
    );
    // Downgrade: the client can bind, the server offered -PLUS, yet a plain mechanism is used.
    assert_eq!(
        exchange(run(false, tls(b"x"), "y,,", b"", "r0m30")),
        Err(SaslFailure::NotAuthorized)
    );
    // Without -PLUS on offer, `y` is an honest answer.
    assert_eq!(exchange(run(false, none(), "y,,", b"", "r0m30")), Ok(()));
    let malformed = Err(SaslFailure::MalformedRequest);
    assert_eq!(
        exchange(run(true, tls(b"x"), "n,,", b"", "r0m30")),
        malformed
    );
    assert_eq!(
        exchange(run(false, tls(b"x"), "p=tls-exporter,,", b"x", "r0m30")),
        malformed
    );
}

#[test]
fn tampered_final_messages_fail() {
    let creds = ScramCredentials::derive(ScramHash::Sha1, "pencil", b"salt", 4096);
    let start = || {
        let mut s = ScramServer::new(ScramHash::Sha1, false, ChannelBinding::default())
            .with_server_nonce("SN");
        s.client_first(b"y,,n=user,r=CN").unwrap();
        let first = String::from_utf8(s.server_first(Some(&creds))).unwrap();
        (s, first)
    };
    // A client that claims `n` in c= after sending `y`: header tampering.
    let (mut s, first) = start();
    let (fin, _) = client_final::<sha1::Sha1>("pencil", "n=user,r=CN", &first, b"n,,");
    assert_eq!(
        s.client_final(fin.as_bytes()),
        Err(SaslFailure::NotAuthorized)
    );
    // Wrong nonce.
    let (mut s, first) = start();
    let first = first.replace("r=CNSN", "r=CNXX");
    let (fin, _) = client_final::<sha1::Sha1>("pencil", "n=user,r=CN", &first, b"y,,");
    assert_eq!(
        s.client_final(fin.as_bytes()),
        Err(SaslFailure::NotAuthorized)
    );
    // Correct message succeeds; a replay on the finished exchange is refused.
    let (mut s, first) = start();
    let (fin, expected) = client_final::<sha1::Sha1>("pencil", "n=user,r=CN", &first, b"y,,");
    assert_eq!(s.client_final(fin.as_bytes()), Ok(expected.into_bytes()));
    assert_eq!(
        s.client_final(fin.as_bytes()),
        Err(SaslFailure::MalformedRequest)
    );
}

#[test]
fn unknown_users_get_stable_decoys_and_fail() {
    let server_first = |user: &str, secret: &[u8]| {
        let mut s = ScramServer::new(ScramHash::Sha256, false, ChannelBinding::default())
            .with_server_nonce("SN")
            .with_decoy(secret, 10_000);
        s.client_first(format!("n,,n={user},r=CN").as_bytes())
            .unwrap();
        (String::from_utf8(s.server_first(None)).unwrap(), s)
    };
    let (a, _) = server_first("ghost", b"secret");
    let (b, _) = server_first("ghost", b"secret");
    let (c, _) = server_first("phantom", b"secret");
    let (d, _) = server_first("ghost", b"other");
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    assert!(a.ends_with(",i=10000"));
    let (first, mut s) = server_first("ghost", b"secret");
    let (fin, _) = client_final::<sha2::Sha256>("guess", "n=ghost,r=CN", &first, b"n,,");
    assert_eq!(
        s.client_final(fin.as_bytes()),
        Err(SaslFailure::NotAuthorized)
    );
    // Credentials of another hash are treated like an unknown user.
    let sha1 = ScramCredentials::derive(ScramHash::Sha1, "pw", b"salt", 1);
    let mut s = ScramServer::new(ScramHash::Sha256, false, ChannelBinding::default());
    s.client_first(b"n,,n=u,r=CN").unwrap();
    assert!(
        !String::from_utf8(s.server_first(Some(&sha1)))
            .unwrap()
            .contains("s=c2FsdA==")
    );
}

#[test]
fn out_of_order_calls_fail_without_panicking() {
    let mut s = ScramServer::new(ScramHash::Sha512, false, ChannelBinding::default());
    assert!(s.server_first(None).is_empty());
    assert_eq!(
        s.client_final(b"c=biws,r=x,p=AA=="),
        Err(SaslFailure::MalformedRequest)
    );
    let mut s = ScramServer::new(ScramHash::Sha512, false, ChannelBinding::default());
    assert_eq!(
        s.client_first(b"garbage"),
        Err(SaslFailure::MalformedRequest)
    );
    assert_eq!(
        s.client_first(b"n,,n=u,r=x"),
        Err(SaslFailure::MalformedRequest)
    );
    assert_eq!(s.username(), None);
}

#[test]
fn cb_type_names() {
    for t in [CbType::TlsExporter, CbType::TlsServerEndPoint] {
        assert_eq!(CbType::from_name(t.name()), Some(t));
    }
    assert_eq!(CbType::from_name("tls-unique"), None);
}
