//! The sync protocol's frames and codec (see `docs/sync-protocol.md`).
//!
//! Frames are postcard-encoded (compact, varint lengths) inside binary WebSocket messages.
//! Changes travel as Automerge's own encoded changes, grouped per order, so a reconnect
//! costs about the size of the changes themselves.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::fee_schedule::FeeSchedule;
use crate::model::{Millis, OrderId};

/// Bumped on any incompatible change to the frames.
pub const PROTOCOL_VERSION: u16 = 3;

/// Largest frame a device may send.
pub const MAX_UPLOAD_FRAME_BYTES: usize = 4 * 1024 * 1024;
/// How much of a frame a device fills with changes: its outbox goes out in pages of at
/// most this many change bytes (always at least one change), well under the limit.
pub const UPLOAD_PAGE_BYTES: usize = MAX_UPLOAD_FRAME_BYTES / 2;
/// Largest frame the server sends (whole documents for a new device can be large).
pub const MAX_DOWNLOAD_FRAME_BYTES: usize = 64 * 1024 * 1024;
/// How much of a catch-up frame the server fills with documents and changes: a catch-up
/// larger than this (an office-wide device, a repair after a restore) goes out in pages,
/// each applied and cursored by the device before the next (always at least one document
/// or change a page, so an order larger than a page still goes, alone).
pub const CATCH_UP_PAGE_BYTES: usize = 8 * 1024 * 1024;
/// Most changes one frame may carry.
pub const MAX_CHANGES_PER_FRAME: usize = 4096;
/// Most ops one change may carry (a fact is one op; creating an order is four).
pub const MAX_OPS_PER_CHANGE: usize = 16;
/// Largest fact, as stored (JSON bytes): the same on the device, which refuses to record
/// a larger one, and on the server, which refuses to store one.
pub const MAX_FACT_BYTES: usize = 32 * 1024;
/// Largest change after decompression: a creation (order + first fact) with its envelope.
/// A compressed change is inflated against this bound before anything else reads it.
pub const MAX_CHANGE_BYTES: usize = 2 * MAX_FACT_BYTES;

/// A change hash (Automerge SHA-256).
pub type Hash = [u8; 32];

/// The device's position in the server's change log: everything up to `seq` in log
/// `epoch` has been received, and every delivery of whole documents or revocations up to
/// `delivery` has been applied. `check` is the first 8 bytes of the hash of the change at
/// `seq`, so a server restored from an older backup (whose `seq` now names another
/// change, or nothing) sees the cursor as stale and runs the repair path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub epoch: [u8; 16],
    pub seq: u64,
    pub check: [u8; 8],
    pub delivery: u64,
}

/// Encoded Automerge changes for one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChanges {
    pub order: OrderId,
    pub changes: Vec<Vec<u8>>,
}

/// A whole order document (Automerge's compressed save format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub order: OrderId,
    pub bytes: Vec<u8>,
}

/// Device → server, first frame of every connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub version: u16,
    /// The device's wall clock when it sent this frame.
    pub device_time: Millis,
    pub cursor: Option<Cursor>,
    /// The device's unacknowledged local changes (up to the frame limits; the rest follow
    /// as `Push` frames).
    pub changes: Vec<OrderChanges>,
    /// The fee-schedule version the device holds (R-PAID), if any.
    pub fee_schedule: Option<u32>,
}

/// Server → device, the answer to `Hello`: the whole reconnect in one round trip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The server's clock when it answered; the device derives its offset from it.
    pub server_time: Millis,
    /// Hashes of the device's changes now durably stored.
    pub acked: Vec<Hash>,
    /// Changes in the device's scope after its cursor that it did not author.
    pub changes: Vec<OrderChanges>,
    /// Orders new to the device (new assignments), whole.
    pub documents: Vec<Document>,
    /// Orders no longer in the device's scope.
    pub revoked: Vec<OrderId>,
    pub cursor: Cursor,
    /// The cursor was stale or unknown: every order in scope is sent whole (over as many
    /// pages as it takes), and the device re-sends any of its own changes the server
    /// lacks.
    pub repair: bool,
    /// With `repair`: every order in the device's scope, so it knows what to keep before
    /// the last page has arrived.
    pub scope: Vec<OrderId>,
    /// More of the catch-up follows, as pushes.
    pub more: bool,
    /// The fee schedule in force (R-PAID), when the device holds another version or none,
    /// so technicians quote from it offline.
    pub fee_schedule: Option<FeeSchedule>,
}

/// Either direction while connected: new changes as they happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    pub changes: Vec<OrderChanges>,
    pub documents: Vec<Document>,
    pub revoked: Vec<OrderId>,
    /// Set by the server: the cursor after this push.
    pub cursor: Option<Cursor>,
    /// Set by the server: the cursor this push continues from. A device whose cursor is
    /// not this one missed a push (a lost frame) and reconnects to catch up.
    pub prev: Option<Cursor>,
    /// Set by the server: more of the catch-up follows.
    pub more: bool,
}

/// Server → device: these changes are durably stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub acked: Vec<Hash>,
}

/// Why the server refused a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The frame did not decode or broke a size limit.
    BadFrame,
    UnsupportedVersion,
    /// A change is not authored by this device's actor.
    ForgedActor,
    /// A change edits or removes existing facts, or writes outside the event list.
    NotAppendOnly,
    /// The device may not record this fact on this order (role, scope, office).
    Forbidden,
    /// A fact that does not decode or is malformed.
    BadFact,
    /// A change depends on changes the server does not have (reconnect without cursor).
    MissingDependencies,
    /// The server could not store the batch (e.g. disk full); nothing was stored.
    Unavailable,
    /// The frame was larger than the server takes; nothing of it was read. Not the
    /// changes' fault: the device keeps them and sends smaller frames.
    FrameTooLarge,
}

/// Server → device: the batch was refused whole; nothing of it was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub message: String,
    /// The changes refused (the device stops sending them).
    pub refused: Vec<Hash>,
}

/// Every frame of the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame {
    Hello(Hello),
    Welcome(Welcome),
    Push(Push),
    Ack(Ack),
    Error(ErrorFrame),
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        // Encoding plain data into a Vec cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a frame, refusing anything over `limit` bytes or malformed.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Frame, Error> {
        if bytes.len() > limit {
            return Err(Error::InvalidInput(format!(
                "frame of {} bytes exceeds the limit of {limit}",
                bytes.len()
            )));
        }
        let frame: Frame = postcard::from_bytes(bytes)
            .map_err(|e| Error::InvalidInput(format!("bad frame: {e}")))?;
        let count = match &frame {
            Frame::Hello(h) => h.changes.iter().map(|c| c.changes.len()).sum(),
            Frame::Push(p) => p.changes.iter().map(|c| c.changes.len()).sum(),
            _ => 0,
        };
        if count > MAX_CHANGES_PER_FRAME {
            return Err(Error::InvalidInput(format!(
                "{count} changes in one frame exceeds the limit of {MAX_CHANGES_PER_FRAME}"
            )));
        }
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_an_error() {
        let f = Frame::Hello(Hello {
            version: PROTOCOL_VERSION,
            device_time: 1,
            cursor: Some(Cursor {
                epoch: [7; 16],
                seq: 42,
                check: [1; 8],
                delivery: 3,
            }),
            changes: vec![OrderChanges {
                order: OrderId::new(),
                changes: vec![vec![1, 2, 3]],
            }],
            fee_schedule: Some(2),
        });
        let bytes = f.encode();
        assert_eq!(Frame::decode(&bytes, 1 << 20).ok(), Some(f));
        assert!(Frame::decode(&bytes, 4).is_err());
        assert!(Frame::decode(&[0xff, 0xff, 0xff], 1 << 20).is_err());
        for cut in 0..bytes.len() {
            assert!(Frame::decode(&bytes[..cut], 1 << 20).is_err());
        }
    }
}
