//! The customer's signature, bound to what was signed (R-COMPLETE).
//!
//! Strokes are stored compactly (zigzag delta varints, base64) so a signature costs a few
//! hundred bytes, and carry a SHA-256 of the canonical encoding of the fees the customer
//! agreed to. The reducer recomputes that hash from the order's current fees: any later
//! fee change shows the acceptance as invalidated instead of silently carrying it over.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::model::{FeeItem, total_of};

/// Bounds on decoded strokes, so hostile input cannot make us allocate without limit.
const MAX_STROKES: usize = 512;
const MAX_POINTS: usize = 64 * 1024;

/// One point of a pen stroke on the signature pad, in pad pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

pub type Stroke = Vec<Point>;

/// A customer's signature as stored in a `customer_signed` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Who signed, as they wrote their name.
    pub signer: String,
    /// Pen strokes, compact-encoded (see [`encode_strokes`]).
    pub strokes: String,
    /// Hex SHA-256 of [`canonical_fees`] of what was signed.
    pub signed_hash: String,
}

impl Signature {
    pub fn new(
        signer: impl Into<String>,
        strokes: &[Stroke],
        paid: bool,
        items: &[FeeItem],
    ) -> Self {
        Signature {
            signer: signer.into(),
            strokes: encode_strokes(strokes),
            signed_hash: fees_hash(paid, items),
        }
    }

    pub fn decode_strokes(&self) -> Result<Vec<Stroke>, Error> {
        decode_strokes(&self.strokes)
    }
}

#[derive(Serialize)]
struct CanonicalFees<'a> {
    v: u8,
    paid: bool,
    items: Vec<(&'a str, i64, i64)>,
    total: Option<i64>,
}

/// The canonical bytes of an agreed fee list: fixed field order, items in the order
/// written, amounts in minor units.
pub fn canonical_fees(paid: bool, items: &[FeeItem]) -> Vec<u8> {
    let c = CanonicalFees {
        v: 1,
        paid,
        items: items
            .iter()
            .map(|i| (i.description.as_str(), i.materials.0, i.labour.0))
            .collect(),
        total: total_of(items).map(|m| m.0),
    };
    serde_json::to_vec(&c).unwrap_or_default()
}

/// Hex SHA-256 of [`canonical_fees`].
pub fn fees_hash(paid: bool, items: &[FeeItem]) -> String {
    let digest = Sha256::digest(canonical_fees(paid, items));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Strokes → base64 of: stroke count, then per stroke its point count and the points as
/// zigzag varint deltas from the previous point.
pub fn encode_strokes(strokes: &[Stroke]) -> String {
    let mut out = Vec::new();
    put_varint(&mut out, strokes.len() as u64);
    let (mut px, mut py) = (0i64, 0i64);
    for s in strokes {
        put_varint(&mut out, s.len() as u64);
        for p in s {
            let (x, y) = (i64::from(p.x), i64::from(p.y));
            put_varint(&mut out, zigzag(x - px));
            put_varint(&mut out, zigzag(y - py));
            (px, py) = (x, y);
        }
    }
    STANDARD_NO_PAD.encode(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Result<u64, Error> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| Error::Corrupt("signature strokes truncated".into()))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Corrupt("signature varint too long".into()))
    }
}

/// The inverse of [`encode_strokes`]; malformed input is an error, never a panic.
pub fn decode_strokes(s: &str) -> Result<Vec<Stroke>, Error> {
    let bytes = STANDARD_NO_PAD
        .decode(s)
        .map_err(|e| Error::Corrupt(format!("signature strokes: {e}")))?;
    let mut r = Reader {
        bytes: &bytes,
        pos: 0,
    };
    let n = usize::try_from(r.varint()?).unwrap_or(usize::MAX);
    if n > MAX_STROKES {
        return Err(Error::Corrupt("too many signature strokes".into()));
    }
    let mut strokes = Vec::with_capacity(n);
    let (mut px, mut py) = (0i64, 0i64);
    let mut total = 0usize;
    for _ in 0..n {
        let m = usize::try_from(r.varint()?).unwrap_or(usize::MAX);
        total = total.saturating_add(m);
        if total > MAX_POINTS {
            return Err(Error::Corrupt("too many signature points".into()));
        }
        let mut stroke = Vec::with_capacity(m);
        for _ in 0..m {
            px = px.wrapping_add(unzigzag(r.varint()?));
            py = py.wrapping_add(unzigzag(r.varint()?));
            let x = i32::try_from(px).map_err(|_| Error::Corrupt("point out of range".into()))?;
            let y = i32::try_from(py).map_err(|_| Error::Corrupt("point out of range".into()))?;
            stroke.push(Point { x, y });
        }
        strokes.push(stroke);
    }
    if r.pos != bytes.len() {
        return Err(Error::Corrupt(
            "trailing bytes after signature strokes".into(),
        ));
    }
    Ok(strokes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    fn sample() -> Vec<Stroke> {
        vec![
            (0..40)
                .map(|i| Point {
                    x: 10 + i * 3,
                    y: 50 - i,
                })
                .collect(),
            vec![Point { x: 200, y: 20 }, Point { x: 198, y: 80 }],
        ]
    }

    #[test]
    fn strokes_round_trip_and_are_compact() {
        let enc = encode_strokes(&sample());
        assert_eq!(decode_strokes(&enc).ok(), Some(sample()));
        // 42 points in well under 4 bytes a point.
        assert!(enc.len() < 42 * 4, "{}", enc.len());
    }

    #[test]
    fn malformed_strokes_are_errors() {
        let enc = encode_strokes(&sample());
        for cut in 0..enc.len() {
            // Every prefix either decodes to something else or errors; none panics.
            let _ = decode_strokes(&enc[..cut]);
        }
        assert!(decode_strokes("!!!").is_err());
        assert!(decode_strokes(&STANDARD_NO_PAD.encode([0xff; 12])).is_err());
    }

    #[test]
    fn hash_changes_with_any_fee() {
        let items = vec![FeeItem {
            description: "換水龍頭".into(),
            materials: Money(12000),
            labour: Money(5000),
            code: None,
        }];
        let mut other = items.clone();
        other[0].labour = Money(5001);
        assert_ne!(fees_hash(true, &items), fees_hash(true, &other));
        assert_ne!(fees_hash(true, &items), fees_hash(false, &items));
        assert_eq!(fees_hash(true, &items), fees_hash(true, &items.clone()));
    }
}
