//! Benchmarks of server-side SCRAM: a full successful exchange (client-first,
//! server-first, client-final with proof verification) on the RFC 5802 / RFC 7677 vectors, and
//! the key derivation that registration and password changes pay. Run with `cargo bench -p
//! impetus-xmpp-proto`.

use base64::prelude::*;
use divan::Bencher;
use impetus_xmpp_proto::sasl::scram::{ChannelBinding, ScramCredentials, ScramHash, ScramServer};

fn main() {
    divan::main();
}

/// An RFC example exchange: salt, server nonce, client-first, client-final.
struct Vector {
    hash: ScramHash,
    salt: &'static str,
    server_nonce: &'static str,
    client_first: &'static str,
    client_final: &'static str,
}

const SHA1: Vector = Vector {
    hash: ScramHash::Sha1,
    salt: "QSXCR+Q6sek8bf92",
    server_nonce: "3rfcNHYJY1ZVvWVs7j",
    client_first: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    client_final: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
};

const SHA256: Vector = Vector {
    hash: ScramHash::Sha256,
    salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
    server_nonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    client_first: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    client_final: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
};

fn vector(name: &str) -> Vector {
    if name == "SCRAM-SHA-1" { SHA1 } else { SHA256 }
}

/// One server-side exchange; true when the proof verified.
fn exchange(v: &Vector, creds: &ScramCredentials) -> bool {
    let mut server = ScramServer::new(v.hash, false, ChannelBinding::default())
        .with_server_nonce(v.server_nonce);
    if server.client_first(v.client_first.as_bytes()).is_err() {
        return false;
    }
    server.server_first(Some(creds));
    server.client_final(v.client_final.as_bytes()).is_ok()
}

#[divan::bench(args = ["SCRAM-SHA-1", "SCRAM-SHA-256"])]
fn server_exchange(bencher: Bencher, mechanism: &str) {
    let v = vector(mechanism);
    let salt = BASE64_STANDARD.decode(v.salt).unwrap_or_default();
    let creds = ScramCredentials::derive(v.hash, "pencil", &salt, 4096);
    assert!(exchange(&v, &creds), "the RFC vector must verify");
    bencher.bench(|| exchange(divan::black_box(&v), &creds));
}

#[divan::bench(args = [ScramHash::Sha1, ScramHash::Sha256, ScramHash::Sha512])]
fn derive_4096(hash: ScramHash) -> ScramCredentials {
    ScramCredentials::derive(hash, divan::black_box("pencil"), b"0123456789abcdef", 4096)
}
