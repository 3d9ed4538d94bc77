//! AES-CBC with PKCS#7 in the two shapes the devices speak: the
//! CryptoJS/OpenSSL passphrase format (`Salted__` + salt + ciphertext, key and
//! IV from [`crate::kdf`]) and a raw AES key with an explicit IV.

use core::fmt;

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use zeroize::{Zeroize, Zeroizing};

use crate::encoding::{decode_base64, encode_base64};
use crate::error::{Error, Result};
use crate::kdf::{evp_bytes_to_key, SALT_LEN};

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;
type Aes192CbcEnc = cbc::Encryptor<aes::Aes192>;
type Aes192CbcDec = cbc::Decryptor<aes::Aes192>;
type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// AES block and CBC IV length.
pub const BLOCK_LEN: usize = 16;

/// The header OpenSSL writes before the salt.
const SALTED_MAGIC: &[u8; 8] = b"Salted__";

/// Ciphertexts above this many base64 characters are refused before any
/// decoding, so a hostile body cannot make the module allocate without bound.
pub const MAX_CIPHERTEXT_CHARS: usize = 1 << 20;

/// A raw AES key of 128, 192 or 256 bits. Zeroized on drop; `Debug` is redacted.
pub struct RawKey {
    bytes: Zeroizing<Vec<u8>>,
}

impl RawKey {
    /// Takes a key of 16, 24 or 32 bytes.
    ///
    /// # Errors
    /// [`Error::BadKey`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        match bytes.len() {
            16 | 24 | 32 => Ok(RawKey { bytes: Zeroizing::new(bytes.to_vec()) }),
            _ => Err(Error::BadKey),
        }
    }

    /// The key bytes, for deriving other keys from them.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the key as hex digits (either case), as the Devices table stores it.
    ///
    /// # Errors
    /// [`Error::BadKey`] for a non-hex digit or a length other than 32, 48 or 64 digits.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let digits = hex.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(Error::BadKey);
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
        for pair in digits.chunks_exact(2) {
            let high = hex_value(pair[0]).ok_or(Error::BadKey)?;
            let low = hex_value(pair[1]).ok_or(Error::BadKey)?;
            bytes.push(high << 4 | low);
        }
        Self::from_bytes(&bytes)
    }
}

impl fmt::Debug for RawKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawKey(AES-{}, [redacted])", self.bytes.len() * 8)
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// AES-CBC-PKCS#7 encryption with a raw key. A plaintext that is a whole
/// number of blocks gets a full block of padding, as PKCS#7 requires.
pub fn cbc_encrypt(key: &RawKey, iv: &[u8; BLOCK_LEN], plaintext: &[u8]) -> Vec<u8> {
    // Key lengths are checked in `RawKey`, so `new_from_slices` cannot fail;
    // the `match` keeps the input path free of panics all the same.
    let key = key.bytes.as_slice();
    let out = match key.len() {
        16 => Aes128CbcEnc::new_from_slices(key, iv).map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        24 => Aes192CbcEnc::new_from_slices(key, iv).map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        _ => Aes256CbcEnc::new_from_slices(key, iv).map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
    };
    out.unwrap_or_default()
}

/// AES-CBC-PKCS#7 decryption with a raw key.
///
/// # Errors
/// [`Error::BadFormat`] if the ciphertext is empty or not a whole number of
/// blocks; [`Error::CannotDecrypt`] if the padding is wrong (wrong key or
/// tampered data).
pub fn cbc_decrypt(key: &RawKey, iv: &[u8; BLOCK_LEN], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
        return Err(Error::BadFormat);
    }
    let key = key.bytes.as_slice();
    let out = match key.len() {
        16 => Aes128CbcDec::new_from_slices(key, iv).map(|c| c.decrypt_padded_vec_mut::<Pkcs7>(ciphertext)),
        24 => Aes192CbcDec::new_from_slices(key, iv).map(|c| c.decrypt_padded_vec_mut::<Pkcs7>(ciphertext)),
        _ => Aes256CbcDec::new_from_slices(key, iv).map(|c| c.decrypt_padded_vec_mut::<Pkcs7>(ciphertext)),
    };
    match out {
        Ok(Ok(plain)) => Ok(Zeroizing::new(plain)),
        _ => Err(Error::CannotDecrypt),
    }
}

/// Fills a fresh salt or IV from the platform's CSPRNG (Web Crypto under wasm).
///
/// The bytes come through a small pool that is refilled `RANDOM_POOL_LEN` (1024)
/// bytes at a time: under wasm every call to the CSPRNG crosses into
/// JavaScript (`crypto.randomFillSync` in Node), and that crossing, not the
/// bytes, was 40% of the time it took to seal a short message. The pool hands
/// out each byte once and wipes it as it goes; salts and IVs are sent in the
/// clear anyway, so what matters is that they are unpredictable until used,
/// which pooled CSPRNG output is.
///
/// # Errors
/// [`Error::Rng`] if the platform has no usable random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    // A pool that is busy (re-entered from a JavaScript callback) or gone
    // (thread exit) is bypassed rather than waited for.
    let pooled = RANDOM_POOL.try_with(|pool| pool.try_borrow_mut().ok().map(|mut pool| pool.fill(&mut bytes)));
    match pooled {
        Ok(Some(filled)) => filled,
        _ => getrandom::getrandom(&mut bytes).map_err(|_| Error::Rng),
    }?;
    Ok(bytes)
}

/// How many CSPRNG bytes [`random_bytes`] draws at a time.
const RANDOM_POOL_LEN: usize = 1024;

struct RandomPool {
    bytes: [u8; RANDOM_POOL_LEN],
    /// Bytes before `next` have been handed out (and wiped).
    next: usize,
}

thread_local! {
    static RANDOM_POOL: core::cell::RefCell<RandomPool> =
        const { core::cell::RefCell::new(RandomPool { bytes: [0; RANDOM_POOL_LEN], next: RANDOM_POOL_LEN }) };
}

impl RandomPool {
    fn fill(&mut self, out: &mut [u8]) -> Result<()> {
        if RANDOM_POOL_LEN - self.next < out.len() {
            getrandom::getrandom(&mut self.bytes).map_err(|_| Error::Rng)?;
            self.next = 0;
        }
        let end = self.next + out.len();
        match self.bytes.get_mut(self.next..end) {
            Some(fresh) => {
                out.copy_from_slice(fresh);
                fresh.zeroize();
                self.next = end;
                Ok(())
            }
            // More than a pool's worth at once.
            None => getrandom::getrandom(out).map_err(|_| Error::Rng),
        }
    }
}

/// `CryptoJS.AES.encrypt(plaintext, passphrase).toString()` with a fresh
/// random salt; the same bytes as `openssl enc -aes-256-cbc -md md5 -a`.
///
/// # Errors
/// [`Error::Rng`] if no salt can be drawn.
pub fn passphrase_encrypt(plaintext: &[u8], passphrase: &[u8]) -> Result<String> {
    Ok(passphrase_encrypt_with_salt(plaintext, passphrase, &random_bytes()?))
}

/// [`passphrase_encrypt`] with a caller-chosen salt, for known-answer tests.
pub fn passphrase_encrypt_with_salt(plaintext: &[u8], passphrase: &[u8], salt: &[u8; SALT_LEN]) -> String {
    let derived = evp_bytes_to_key(passphrase, salt);
    let mut iv = [0u8; BLOCK_LEN];
    iv.copy_from_slice(derived.iv());
    let key = RawKey { bytes: Zeroizing::new(derived.key().to_vec()) };
    let ciphertext = cbc_encrypt(&key, &iv, plaintext);
    iv.zeroize();
    let mut framed = Vec::with_capacity(SALTED_MAGIC.len() + SALT_LEN + ciphertext.len());
    framed.extend_from_slice(SALTED_MAGIC);
    framed.extend_from_slice(salt);
    framed.extend_from_slice(&ciphertext);
    encode_base64(&framed)
}

/// Decrypts base64(`Salted__` + salt + ciphertext) with a passphrase.
/// Whitespace in the base64 text (openssl's line breaks) is ignored.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::BadBase64`], [`Error::BadFormat`] for the
/// outer shape; [`Error::CannotDecrypt`] for a wrong passphrase or tampering.
pub fn passphrase_decrypt(ciphertext_b64: &str, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if ciphertext_b64.len() > MAX_CIPHERTEXT_CHARS {
        return Err(Error::TooLarge);
    }
    let framed = decode_base64(ciphertext_b64)?;
    let rest = framed.strip_prefix(SALTED_MAGIC.as_slice()).ok_or(Error::BadFormat)?;
    if rest.len() < SALT_LEN + BLOCK_LEN {
        return Err(Error::BadFormat);
    }
    let (salt_bytes, ciphertext) = rest.split_at(SALT_LEN);
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(salt_bytes);
    if ciphertext.len() % BLOCK_LEN != 0 {
        return Err(Error::BadFormat);
    }
    let derived = evp_bytes_to_key(passphrase, &salt);
    let mut iv = [0u8; BLOCK_LEN];
    iv.copy_from_slice(derived.iv());
    let key = RawKey { bytes: Zeroizing::new(derived.key().to_vec()) };
    let plain = cbc_decrypt(&key, &iv, ciphertext);
    iv.zeroize();
    plain
}

/// Encrypts with a raw key and a fresh random IV; returns (IV, ciphertext).
///
/// # Errors
/// [`Error::Rng`] if no IV can be drawn.
pub fn raw_encrypt(key: &RawKey, plaintext: &[u8]) -> Result<([u8; BLOCK_LEN], Vec<u8>)> {
    let iv = random_bytes()?;
    Ok((iv, cbc_encrypt(key, &iv, plaintext)))
}

/// Decrypts the raw-key wire format: base64 IV (16 bytes) and base64 ciphertext.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::BadBase64`], [`Error::BadFormat`] for the
/// outer shape; [`Error::CannotDecrypt`] for a wrong key or tampering.
pub fn raw_decrypt(key: &RawKey, iv_b64: &str, ciphertext_b64: &str) -> Result<Zeroizing<Vec<u8>>> {
    if ciphertext_b64.len() > MAX_CIPHERTEXT_CHARS || iv_b64.len() > MAX_CIPHERTEXT_CHARS {
        return Err(Error::TooLarge);
    }
    let iv_bytes = decode_base64(iv_b64)?;
    let iv: [u8; BLOCK_LEN] = iv_bytes.as_slice().try_into().map_err(|_| Error::BadFormat)?;
    let ciphertext = decode_base64(ciphertext_b64)?;
    cbc_decrypt(key, &iv, &ciphertext)
}
