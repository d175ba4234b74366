//! The compact, lossless encoding of [`RawHeaders`] stored in `deliveries.headers`.
//!
//! Format (version 1): one byte `0x01`, then for each header in arrival order:
//! `varint(name length) name-bytes varint(value length) value-bytes`, where varint is
//! unsigned LEB128. Names are UTF-8; values are raw bytes (non-UTF-8 kept); duplicates and
//! order are kept. An empty header list is the single byte `0x01`.

use super::StoreError;
use crate::delivery::RawHeaders;

const FORMAT_V1: u8 = 1;

/// Append the encoding of `headers` to `out` (the writer reuses one buffer per row).
pub fn encode_into(headers: &RawHeaders, out: &mut Vec<u8>) {
    out.push(FORMAT_V1);
    for (name, value) in headers {
        put_varint(out, name.len() as u64);
        out.extend_from_slice(name.as_bytes());
        put_varint(out, value.len() as u64);
        out.extend_from_slice(value);
    }
}

/// The encoding of `headers` as a new buffer.
pub fn encode(headers: &RawHeaders) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers_len_hint(headers));
    encode_into(headers, &mut out);
    out
}

fn headers_len_hint(headers: &RawHeaders) -> usize {
    1 + headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>()
}

/// Decode a stored header blob.
pub fn decode(mut buf: &[u8]) -> Result<RawHeaders, StoreError> {
    match buf.split_first() {
        Some((&FORMAT_V1, rest)) => buf = rest,
        Some((v, _)) => return Err(corrupt(&format!("unknown format {v}"))),
        None => return Err(corrupt("empty")),
    }
    let mut headers = RawHeaders::new();
    while !buf.is_empty() {
        let name = take_chunk(&mut buf)?;
        let name = std::str::from_utf8(name).map_err(|_| corrupt("name is not UTF-8"))?;
        let value = take_chunk(&mut buf)?;
        headers.push((name.to_owned(), value.to_vec()));
    }
    Ok(headers)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored headers cannot be decoded ({what})"))
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn take_varint(buf: &mut &[u8]) -> Result<u64, StoreError> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = buf
            .split_first()
            .ok_or_else(|| corrupt("truncated length"))?;
        *buf = rest;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(corrupt("length too long"))
}

fn take_chunk<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], StoreError> {
    let len = usize::try_from(take_varint(buf)?).map_err(|_| corrupt("length too large"))?;
    if len > buf.len() {
        return Err(corrupt("truncated value"));
    }
    let (chunk, rest) = buf.split_at(len);
    *buf = rest;
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, value: &[u8]) -> (String, Vec<u8>) {
        (name.to_owned(), value.to_vec())
    }

    #[test]
    fn round_trips_non_utf8_duplicates_and_order() {
        let headers = vec![
            h("Content-Type", b"application/json"),
            h("x-weird", &[0xff, 0x00, 0xfe, b'\n', 0x80]),
            h("Set-Cookie", b"a=1"),
            h("set-cookie", b"b=2"),
            h("empty", b""),
            h("long", &[b'x'; 300]),
        ];
        let enc = encode(&headers);
        assert_eq!(decode(&enc), Ok(headers));
    }

    #[test]
    fn empty_list_is_one_byte() {
        assert_eq!(encode(&Vec::new()), vec![FORMAT_V1]);
        assert_eq!(decode(&[FORMAT_V1]), Ok(Vec::new()));
    }

    #[test]
    fn layout_is_the_documented_one() {
        let enc = encode(&vec![h("ab", b"\xff")]);
        assert_eq!(enc, vec![1, 2, b'a', b'b', 1, 0xff]);
        let long = encode(&vec![h("n", &[7; 200])]);
        // 200 = 0xc8 -> LEB128 [0xc8, 0x01]
        assert_eq!(&long[..5], &[1, 1, b'n', 0xc8, 0x01]);
    }

    #[test]
    fn rejects_damaged_blobs() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[2]).is_err());
        assert!(decode(&[1, 5, b'a']).is_err());
        assert!(decode(&[1, 1, 0xff, 0]).is_err(), "name must be UTF-8");
        assert!(decode(&[1, 1, b'a']).is_err(), "missing value");
        assert!(
            decode(&[
                1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])
            .is_err()
        );
    }
}
