//! Random tokens, digests and constant-time comparison.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The operating system's CSPRNG; failing it means the machine cannot run us safely.
    if let Err(err) = getrandom::fill(&mut bytes) {
        tracing::error!(error = %err, "the operating system's random source failed");
        std::process::abort();
    }
    bytes
}

/// 256 random bits, URL-safe base64 (43 characters): session tokens, CSRF tokens, ids.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// `n` random decimal digits (codes sent by SMS or e-mail, captcha answers).
pub fn random_digits(n: usize) -> String {
    (0..n)
        .map(|_| {
            // Rejection sampling keeps the digits uniform.
            loop {
                let [b] = random_bytes::<1>();
                if b < 250 {
                    return char::from(b'0' + b % 10);
                }
            }
        })
        .collect()
}

/// Eight random bytes, to seed a drawing.
pub fn random_seed() -> [u8; 8] {
    random_bytes::<8>()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn digits_and_digests() {
        let code = random_digits(6);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("same", "same"));
        assert!(!constant_time_eq("same", "sane"));
        assert!(!constant_time_eq("same", "samey"));
    }
}
