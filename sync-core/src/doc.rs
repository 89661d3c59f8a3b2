//! One Automerge document per case: a work order, or a case of another kind (a vehicle
//! repair…), with the same layout and the same rules of change.
//!
//! Layout (schema 1):
//! ```text
//! { "schema": 1, "order": "<uuid>", "events": [ "<event json>", … ] }
//! { "schema": 1, "order": "<uuid>", "kind": "vehicle_repair", "events": [ … ] }
//! ```
//! A work order's document has no `kind` (it predates kinds); every other kind names
//! itself, so a document of one kind is never read as another. `order` is the case's id.
//! The document is created exactly once, by whoever creates the order; every other
//! replica starts from those bytes. Events are only ever appended (one insert op each),
//! so the list order is a deterministic linear extension of causality: an event is
//! always after every event its author had seen.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};

use crate::Error;
use crate::causality::Causality;
use crate::event::{EventBody, Fact};
use crate::model::{DeviceId, OrderId};
use crate::protocol::{MAX_CHANGE_BYTES, MAX_FACT_BYTES};

/// The schema this build writes. Readers accept this or older and migrate on read.
pub const SCHEMA_VERSION: u64 = 1;

const KEY_SCHEMA: &str = "schema";
const KEY_ORDER: &str = "order";
const KEY_EVENTS: &str = "events";
const KEY_KIND: &str = "kind";

/// The facts of one kind of case, as the document layer needs to know them.
pub trait CaseFacts:
    serde::Serialize + serde::de::DeserializeOwned + Clone + std::fmt::Debug
{
    /// The kind's name in the document root; `None` for work orders.
    const KIND: Option<&'static str>;
    /// The fact every case of the kind starts with (for the error when it does not).
    const FIRST: &'static str;
    /// The case's id, when this is the kind's first fact.
    fn opens(&self) -> Option<OrderId>;
}

impl CaseFacts for EventBody {
    const KIND: Option<&'static str> = None;
    const FIRST: &'static str = "logged";
    fn opens(&self) -> Option<OrderId> {
        match self {
            EventBody::Logged { order, .. } => Some(*order),
            _ => None,
        }
    }
}

/// A work order's replicated document.
pub type WorkOrderDoc = CaseDoc<EventBody>;

/// The Automerge actor of a device: its id's 16 bytes, so a change's actor names the
/// device that wrote it.
pub fn actor_for(device: DeviceId) -> ActorId {
    ActorId::from(device.0.as_bytes().as_slice())
}

/// A case's replicated document.
#[derive(Debug, Clone)]
pub struct CaseDoc<B> {
    doc: Automerge,
    events: ObjId,
    order: OrderId,
    /// The events, decoded on first read and then kept up to date by appends, so a long
    /// case is not read and decoded again for every new fact.
    decoded: OnceLock<Vec<StoredEvent<B>>>,
}

/// An event as found in the document: its position, the change that wrote it, and the
/// decoded fact (or why it could not be read — it is kept either way).
#[derive(Debug, Clone)]
pub struct StoredEvent<B = EventBody> {
    pub index: usize,
    pub change: Option<ChangeHash>,
    pub event: Result<Fact<B>, String>,
}

/// Runs Automerge decoding on untrusted bytes; a panic inside it becomes an error.
fn contain<T>(what: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(Error::Corrupt(format!("{what}: decoder panicked"))),
    }
}

impl<B: CaseFacts> CaseDoc<B> {
    /// Creates the document with its first fact, which must be the kind's first (a work
    /// order's `logged`: R-INTAKE).
    pub fn create(device: DeviceId, logged: &Fact<B>) -> Result<Self, Error> {
        let Some(order) = logged.body.opens() else {
            return Err(Error::InvalidInput(format!(
                "the first event must be `{}`",
                B::FIRST
            )));
        };
        let order = &order;
        let mut doc = Automerge::new().with_actor(actor_for(device));
        let json = logged.to_json();
        let order_str = order.to_string();
        let events = doc
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(ROOT, KEY_SCHEMA, SCHEMA_VERSION)?;
                tx.put(ROOT, KEY_ORDER, order_str.as_str())?;
                if let Some(kind) = B::KIND {
                    tx.put(ROOT, KEY_KIND, kind)?;
                }
                let events = tx.put_object(ROOT, KEY_EVENTS, ObjType::List)?;
                tx.insert(&events, 0, json.as_str())?;
                Ok(events)
            })
            .map_err(|f| f.error)?
            .result;
        Ok(CaseDoc {
            doc,
            events,
            order: *order,
            decoded: OnceLock::new(),
        })
    }

    /// Loads a document from saved bytes (a snapshot, optionally followed by incremental
    /// chunks), as the given device. Malformed bytes are an error, never a panic.
    pub fn load(bytes: &[u8], device: DeviceId) -> Result<Self, Error> {
        let doc = contain("load", || {
            Automerge::load(bytes).map_err(|e| Error::Corrupt(format!("order document: {e}")))
        })?;
        Self::from_automerge(doc.with_actor(actor_for(device)))
    }

    /// Builds a document from all of its encoded changes (creation first), as `device`.
    pub fn from_encoded_changes(changes: &[Vec<u8>], device: DeviceId) -> Result<Self, Error> {
        let decoded = decode_changes(changes)?;
        let mut doc = Automerge::new();
        contain("apply_changes", || Ok(doc.apply_changes(decoded)?))?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(Error::Corrupt("document is missing changes".into()));
        }
        Self::from_automerge(doc.with_actor(actor_for(device)))
    }

    /// Wraps a document the server validated, as `device`.
    pub(crate) fn from_validated(doc: Automerge, device: DeviceId) -> Result<Self, Error> {
        Self::from_automerge(doc.with_actor(actor_for(device)))
    }

    fn from_automerge(doc: Automerge) -> Result<Self, Error> {
        let schema = match doc.get(ROOT, KEY_SCHEMA)? {
            Some((Value::Scalar(s), _)) => s.as_u64(),
            _ => None,
        }
        .ok_or_else(|| Error::Corrupt("order document has no schema version".into()))?;
        if schema > SCHEMA_VERSION {
            return Err(Error::Corrupt(format!(
                "order document schema {schema} is newer than this build ({SCHEMA_VERSION})"
            )));
        }
        let kind = match doc.get(ROOT, KEY_KIND)? {
            Some((Value::Scalar(s), _)) => Some(
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::Corrupt("the document's kind is not text".into()))?,
            ),
            None => None,
            Some(_) => return Err(Error::Corrupt("the document's kind is not text".into())),
        };
        if kind.as_deref() != B::KIND {
            return Err(Error::Corrupt(format!(
                "a document of kind {} read as {}",
                kind.as_deref().unwrap_or("work_order"),
                B::KIND.unwrap_or("work_order")
            )));
        }
        let order = match doc.get(ROOT, KEY_ORDER)? {
            Some((Value::Scalar(s), _)) => s.as_str().and_then(|s| s.parse::<OrderId>().ok()),
            _ => None,
        }
        .ok_or_else(|| Error::Corrupt("order document has no order id".into()))?;
        let events = match doc.get(ROOT, KEY_EVENTS)? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => return Err(Error::Corrupt("order document has no event list".into())),
        };
        Ok(CaseDoc {
            doc,
            events,
            order,
            decoded: OnceLock::new(),
        })
    }

    /// The same document as another device's replica would hold it.
    pub fn fork_for(&self, device: DeviceId) -> Self {
        CaseDoc {
            doc: self.doc.fork().with_actor(actor_for(device)),
            events: self.events.clone(),
            order: self.order,
            decoded: self.decoded.clone(),
        }
    }

    /// Makes later changes from this copy be written as `device`.
    pub fn set_device(&mut self, device: DeviceId) {
        self.doc.set_actor(actor_for(device));
    }

    pub fn order_id(&self) -> OrderId {
        self.order
    }

    /// Appends one fact as one change, returning that change's hash.
    pub fn append(&mut self, event: &Fact<B>) -> Result<ChangeHash, Error> {
        let json = event.to_json();
        let at = self.doc.length(&self.events);
        let events = self.events.clone();
        self.doc
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.insert(&events, at, json.as_str())?;
                Ok(())
            })
            .map_err(|f| f.error)?;
        let head = self
            .doc
            .get_heads()
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("no heads after append".into()))?;
        self.refresh(&[head], true);
        Ok(head)
    }

    /// The facts that decode, in document order (what a kind's reducer reads).
    pub fn facts(&self) -> Vec<Fact<B>> {
        self.events()
            .iter()
            .filter_map(|e| e.event.as_ref().ok().cloned())
            .collect()
    }

    /// Every event in document order, decoded where possible.
    pub fn events(&self) -> &[StoredEvent<B>] {
        self.decoded.get_or_init(|| {
            let len = self.doc.length(&self.events);
            (0..len)
                .map(|i| read_event(&self.doc, &self.events, i))
                .collect()
        })
    }

    /// Brings the decoded events up to date after `applied` changes. When every op of
    /// them was an insert into the event list (`appends`) and their elements all sit at
    /// the end of the list, the old events kept their places and only the new ones are
    /// decoded; otherwise (a concurrent append landing between events, a change that had
    /// waited for its dependencies) everything is read again on the next use.
    fn refresh(&mut self, applied: &[ChangeHash], appends: bool) {
        let Some(cached) = self.decoded.get_mut() else {
            return;
        };
        let len = self.doc.length(&self.events);
        if appends && len >= cached.len() {
            let new: HashSet<&ChangeHash> = applied.iter().collect();
            let tail: Vec<StoredEvent<B>> = (cached.len()..len)
                .map(|i| read_event(&self.doc, &self.events, i))
                .collect();
            if tail
                .iter()
                .all(|e| e.change.is_some_and(|h| new.contains(&h)))
            {
                cached.extend(tail);
                return;
            }
        }
        self.decoded = OnceLock::new();
    }

    /// The happened-before relation between this document's changes.
    pub fn causality(&self) -> Causality<'_> {
        Causality::new(&self.doc)
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The whole document, compressed.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, each encoded on its own.
    pub fn encoded_changes_since(&self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        self.doc
            .get_changes(heads)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect()
    }

    /// Applies encoded changes from elsewhere, one change per element. Every change is
    /// decoded and checksum-verified first; if any is malformed nothing is applied.
    /// Changes whose dependencies are missing wait inside Automerge until they arrive;
    /// duplicates are ignored.
    pub fn apply_encoded(&mut self, changes: &[Vec<u8>]) -> Result<(), Error> {
        let decoded = decode_changes(changes)?;
        self.apply_changes(decoded)
    }

    /// Applies decoded changes (duplicates are ignored by Automerge).
    pub fn apply_changes(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        let events = self.events.to_string();
        let appends = changes.iter().all(|c| count_appends(c, &events).is_ok());
        self.apply(changes, appends)
    }

    /// Applies changes the caller has read and found to insert facts only
    /// (`count_appends`), so their ops are not read a second time here.
    pub(crate) fn apply_appends(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        self.apply(changes, true)
    }

    /// Applies `changes` (`appends`: all they do is insert facts) and brings the decoded
    /// facts up to date.
    fn apply(&mut self, changes: Vec<Change>, appends: bool) -> Result<(), Error> {
        let hashes = self.new_hashes(&changes);
        let doc = &mut self.doc;
        let applied = contain("apply_changes", || Ok(doc.apply_changes(changes)?));
        // Even a failed apply may have applied some changes.
        self.refresh(&hashes, appends && applied.is_ok());
        applied
    }

    /// The id of the event list's last element (`counter@actor`), if it has any.
    pub fn last_event_id(&self) -> Option<String> {
        let last = self.doc.length(&self.events).checked_sub(1)?;
        match self.doc.get(&self.events, last) {
            Ok(Some((_, id))) => Some(id.to_string()),
            _ => None,
        }
    }

    /// Hashes of `changes` this document does not hold yet. Only their elements may be
    /// new in the list: a duplicate's element is an old one, which a concurrent insert
    /// may have pushed into the list's tail.
    fn new_hashes(&self, changes: &[Change]) -> Vec<ChangeHash> {
        changes
            .iter()
            .map(Change::hash)
            .filter(|h| self.doc.get_change_meta_by_hash(h).is_none())
            .collect()
    }

    /// The event list's object id, as Automerge writes it in a change (`counter@actor`).
    pub fn events_id(&self) -> String {
        self.events.to_string()
    }

    /// Changes not covered by `have_deps`.
    pub fn changes_since(&self, have_deps: &[ChangeHash]) -> Vec<Change> {
        self.doc.get_changes(have_deps)
    }

    pub fn change_by_hash(&self, hash: &ChangeHash) -> Option<Change> {
        self.doc.get_change_by_hash(hash)
    }

    /// Every change in the document.
    pub fn all_changes(&self) -> Vec<Change> {
        self.doc.get_changes(&[])
    }

    /// Hashes this document is waiting for (dependencies of changes it holds but cannot
    /// apply yet).
    pub fn missing_deps(&self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    /// Direct access for protocol code that needs Automerge's own sync.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }
}

/// Automerge's chunk magic.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED: u8 = 2;

/// Reads a change chunk's header — type, data length — and bounds its size: a plain
/// change's data, or a compressed one's inflated data, may not exceed `MAX_CHANGE_BYTES`.
/// Inflating stops at the bound, so a small hostile chunk cannot allocate a large one.
fn check_chunk(bytes: &[u8]) -> Result<(), Error> {
    fn bad(m: &str) -> Result<(), Error> {
        Err(Error::Corrupt(format!("change: {m}")))
    }
    if bytes.len() < 10 || bytes[..4] != MAGIC {
        return bad("not a change chunk");
    }
    let kind = bytes[8];
    let mut rest = &bytes[9..];
    let Ok(len) = leb128::read::unsigned(&mut rest) else {
        return bad("bad length");
    };
    if u64::try_from(rest.len()).ok() != Some(len) {
        return bad("length does not match the chunk");
    }
    match kind {
        CHUNK_CHANGE if rest.len() <= MAX_CHANGE_BYTES => Ok(()),
        CHUNK_COMPRESSED => {
            use std::io::Read;
            let mut inflated = Vec::new();
            let limit = u64::try_from(MAX_CHANGE_BYTES + 1).unwrap_or(u64::MAX);
            flate2::read::DeflateDecoder::new(rest)
                .take(limit)
                .read_to_end(&mut inflated)
                .map_err(|_| Error::Corrupt("change: does not inflate".into()))?;
            if inflated.len() > MAX_CHANGE_BYTES {
                return bad(&format!("larger than {MAX_CHANGE_BYTES} bytes inflated"));
            }
            Ok(())
        }
        CHUNK_CHANGE => bad(&format!("larger than {MAX_CHANGE_BYTES} bytes")),
        _ => bad("not a change"),
    }
}

/// A document of any kind, saved whole, from a saved snapshot (if any) and encoded changes
/// after it, without reading its facts: what a replica is sent when a case enters its
/// scope. Bytes that do not decode, or changes whose dependencies are missing, are an
/// error, never a panic.
pub fn whole_document(snapshot: Option<&[u8]>, changes: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let decoded = decode_changes(changes)?;
    contain("whole_document", || {
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load(bytes)?,
            None => Automerge::new(),
        };
        doc.apply_changes(decoded)?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(Error::Corrupt("document is missing changes".into()));
        }
        Ok(doc.save())
    })
}

/// The heads of a saved document of any kind (malformed bytes are an error).
pub fn heads_of_saved(bytes: &[u8]) -> Result<Vec<ChangeHash>, Error> {
    contain("heads_of_saved", || Ok(Automerge::load(bytes)?.get_heads()))
}

/// Decodes encoded changes strictly: a malformed, truncated, oversized (after
/// decompression) or mis-checksummed one is an error.
pub fn decode_changes(changes: &[Vec<u8>]) -> Result<Vec<Change>, Error> {
    changes
        .iter()
        .map(|bytes| {
            check_chunk(bytes)?;
            let c = contain("change", || {
                Change::from_bytes(bytes.clone())
                    .map_err(|e| Error::Corrupt(format!("change: {e}")))
            })?;
            // The header's checksum is the first bytes of the change's hash (of its
            // uncompressed form); the decoder does not compare them.
            if bytes[4..8] != c.hash().0[..4] {
                return Err(Error::Corrupt("change: checksum does not match".into()));
            }
            Ok(c)
        })
        .collect()
}

/// One event of the list, decoded where possible.
fn read_event<B: CaseFacts>(doc: &Automerge, events: &ObjId, index: usize) -> StoredEvent<B> {
    let (event, change) = match doc.get(events, index) {
        Ok(Some((Value::Scalar(s), id))) => {
            let change = doc.hash_for_opid(&id);
            let event = match s.as_str() {
                // A fact larger than any device may record is not read at all.
                Some(json) if json.len() > MAX_FACT_BYTES => Err(format!(
                    "fact of {} bytes, over the {MAX_FACT_BYTES}-byte limit",
                    json.len()
                )),
                Some(json) => serde_json::from_str::<Fact<B>>(json).map_err(|e| e.to_string()),
                None => Err("event is not a string".to_owned()),
            };
            (event, change)
        }
        Ok(Some((Value::Object(_), id))) => {
            (Err("event is an object".to_owned()), doc.hash_for_opid(&id))
        }
        Ok(None) => (Err("event missing".to_owned()), None),
        Err(e) => (Err(e.to_string()), None),
    };
    StoredEvent {
        index,
        change,
        event,
    }
}

/// Why a change is more than an append of facts, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAppend {
    Undecodable,
    Root,
    OtherObject,
    Edit,
    NotString,
}

impl NotAppend {
    pub fn message(self) -> &'static str {
        match self {
            NotAppend::Undecodable => "a change does not decode",
            NotAppend::Root => "the document root was changed",
            NotAppend::OtherObject => "a change writes outside the event list",
            NotAppend::Edit => "a fact was edited or removed",
            NotAppend::NotString => "a fact is not a string",
        }
    }
}

/// Reads a change's ops and counts its facts, if every op inserts a string into the event
/// list `events` (`counter@actor`) — the only thing a change after creation may do.
/// Works on the change alone, so its cost does not grow with the order.
pub fn count_appends(change: &Change, events: &str) -> Result<usize, NotAppend> {
    use automerge::ScalarValue;
    use automerge::legacy::{ObjectId, OpType};
    let expanded =
        catch_unwind(AssertUnwindSafe(|| change.decode())).map_err(|_| NotAppend::Undecodable)?;
    for op in &expanded.operations {
        match &op.obj {
            ObjectId::Root => return Err(NotAppend::Root),
            ObjectId::Id(o) if format!("{}@{}", o.0, o.1) != events => {
                return Err(NotAppend::OtherObject);
            }
            ObjectId::Id(_) => {}
        }
        if !op.insert || !op.pred.is_empty() {
            return Err(NotAppend::Edit);
        }
        if !matches!(op.action, OpType::Put(ScalarValue::Str(_))) {
            return Err(NotAppend::NotString);
        }
    }
    Ok(expanded.operations.len())
}
