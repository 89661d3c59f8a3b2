//! What the rules' tests share: a person on a device, a fact a minute after the last, the
//! `kind` a tagged value serialises with.

use serde::Serialize;

use crate::event::Fact;
use crate::model::{Author, DeviceId, EventId, Role, UserId};

/// A new person of `role` on a device of their own.
pub(crate) fn author(role: Role) -> Author {
    Author {
        user: UserId::new(),
        device: DeviceId::new(),
        role,
    }
}

/// The `n`-th fact of a case, a minute after the one before, by `who`.
pub(crate) fn fact<B>(who: &Author, n: usize, body: B) -> Fact<B> {
    Fact {
        id: EventId::new(),
        author: who.clone(),
        at: 1_800_000_000_000 + 60_000 * i64::try_from(n).unwrap_or(0),
        offset: Some(0),
        body,
    }
}

/// The `kind` tag a value serialises with ("" if none).
pub(crate) fn kind<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default()
}
