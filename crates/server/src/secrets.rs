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

/// `N` random bytes (merchant order numbers).
pub fn random_array<const N: usize>() -> [u8; N] {
    random_bytes::<N>()
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

/// HMAC-SHA-256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// A 256-bit MAC key kept in the database and shared by every node (the verification
/// codes of printed forms, the sandbox provider's signatures); never printed in logs.
#[derive(Clone)]
pub struct MacKey(std::sync::Arc<[u8; 32]>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(***)")
    }
}

impl MacKey {
    /// A new random key, as lowercase hex, to store.
    pub fn generate_hex() -> String {
        random_bytes::<32>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn from_hex(hex: &str) -> Option<MacKey> {
        if hex.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(MacKey(std::sync::Arc::new(key)))
    }

    pub fn mac(&self, message: &str) -> [u8; 32] {
        self.mac_bytes(message.as_bytes())
    }

    pub fn mac_bytes(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0[..], message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        let key = MacKey::generate_hex();
        assert!(MacKey::from_hex(&key).is_some());
        assert!(MacKey::from_hex("zz").is_none());
        assert_eq!(
            format!("{:?}", MacKey::from_hex(&key).unwrap()),
            "MacKey(***)"
        );
    }

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
