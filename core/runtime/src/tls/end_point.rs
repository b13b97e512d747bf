//! RFC 5929 `tls-server-end-point` channel-binding data: the hash of the server certificate,
//! using the certificate's signature hash, or SHA-256 when that is MD5 or SHA-1 (or EdDSA).

use sha2::{Digest, Sha256, Sha384, Sha512};

/// DER encodings of the signature-algorithm OIDs that select SHA-384 and SHA-512.
const SHA384_OIDS: [&[u8]; 2] = [
    // sha384WithRSAEncryption 1.2.840.113549.1.1.12
    &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C,
    ],
    // ecdsa-with-SHA384 1.2.840.10045.4.3.3
    &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03],
];
const SHA512_OIDS: [&[u8]; 2] = [
    // sha512WithRSAEncryption 1.2.840.113549.1.1.13
    &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D,
    ],
    // ecdsa-with-SHA512 1.2.840.10045.4.3.4
    &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04],
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `tls-server-end-point` binding data for a DER certificate.
pub fn server_end_point(certificate_der: &[u8]) -> Vec<u8> {
    // The signature algorithm appears in the certificate (twice); its OID picks the hash.
    if SHA512_OIDS.iter().any(|oid| contains(certificate_der, oid)) {
        Sha512::digest(certificate_der).to_vec()
    } else if SHA384_OIDS.iter().any(|oid| contains(certificate_der, oid)) {
        Sha384::digest(certificate_der).to_vec()
    } else {
        Sha256::digest(certificate_der).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_by_default_and_the_signature_hash_when_stronger() {
        assert_eq!(server_end_point(b"plain certificate bytes").len(), 32);
        let mut sha384_signed = b"tbs".to_vec();
        sha384_signed.extend_from_slice(SHA384_OIDS[1]);
        assert_eq!(server_end_point(&sha384_signed).len(), 48);
        let mut sha512_signed = b"tbs".to_vec();
        sha512_signed.extend_from_slice(SHA512_OIDS[0]);
        assert_eq!(server_end_point(&sha512_signed).len(), 64);
    }
}
