//! OpenSSL's `EVP_BytesToKey` with MD5 and one round, as CryptoJS and
//! `openssl enc -md md5` use it to turn a passphrase and salt into a key and IV.
//!
//! MD5 is here only because the wire format demands it; it is not used for
//! anything that needs collision resistance.

use core::fmt;
use md5::{Digest, Md5};
use zeroize::Zeroizing;

/// Length of the random salt after the `Salted__` header.
pub const SALT_LEN: usize = 8;

/// An AES-256 key and CBC IV derived from a passphrase. Zeroized on drop.
pub struct DerivedKey {
    bytes: Zeroizing<[u8; 48]>,
}

impl DerivedKey {
    /// The 32-byte AES-256 key.
    pub fn key(&self) -> &[u8] {
        &self.bytes[..32]
    }

    /// The 16-byte CBC initialisation vector.
    pub fn iv(&self) -> &[u8] {
        &self.bytes[32..]
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKey([redacted])")
    }
}

/// Derives 48 bytes as D1 || D2 || D3 with Di = MD5(D(i-1) || passphrase || salt).
pub fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8; SALT_LEN]) -> DerivedKey {
    let mut bytes = Zeroizing::new([0u8; 48]);
    let mut previous = Zeroizing::new([0u8; 16]);
    for (round, chunk) in bytes.chunks_exact_mut(16).enumerate() {
        let mut md5 = Md5::new();
        if round > 0 {
            md5.update(previous.as_slice());
        }
        md5.update(passphrase);
        md5.update(salt);
        previous.copy_from_slice(&md5.finalize());
        chunk.copy_from_slice(previous.as_slice());
    }
    DerivedKey { bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `openssl enc -aes-256-cbc -md md5 -P -S 0102030405060708 -pass pass:secret`
    #[test]
    fn evp_bytes_to_key_matches_openssl_print_mode() {
        let derived = evp_bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            hex(derived.key()),
            "C9E5A1BD216DBE1317E230CEF48F38EE7F0E17AD64022144BCCEC4A1AA2879AB"
        );
        assert_eq!(hex(derived.iv()), "E24B32BBBC4EF02ECBCB6576523AD893");
    }

    #[test]
    fn derived_key_debug_is_redacted() {
        let derived = evp_bytes_to_key(b"secret", &[0; 8]);
        assert_eq!(format!("{derived:?}"), "DerivedKey([redacted])");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }
}
