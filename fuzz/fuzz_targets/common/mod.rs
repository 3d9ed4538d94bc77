//! What the fuzz targets share: the shared vectors, a base64 encoder and a reader of the input's bytes.

/// Standard padded base64, written out here: the fuzz crate keeps to the
/// dependencies it has (the sealed text itself checks this encoder).
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            text.push(if i <= chunk.len() { char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]) } else { '=' });
        }
    }
    text
}

/// A little reader of the input's bytes.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, &self.0[n..]);
        self.0 = rest;
        Some(head)
    }

    pub fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).map(|b| b.try_into().expect("N bytes"))
    }
}

/// The vectors of tests/vectors/auth.json sealed with `key` for `device`:
/// each one's bytes and, for a reply, the hex tag of the request it answers.
pub fn vectors_for(key: &str, device: &str) -> Vec<(Vec<u8>, Option<String>)> {
    let file: serde_json::Value = serde_json::from_str(include_str!("../../../tests/vectors/auth.json")).expect("auth.json");
    file["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .filter(|v| v["key"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)) && v["deviceId"] == device)
        .map(|v| {
            let bytes = wsn_crypto::encoding::decode_base64(v["auth"].as_str().expect("auth")).expect("base64");
            (bytes, v["request"].as_str().map(str::to_string))
        })
        .collect()
}
