//! Cases of the kinds other than work orders on the device (S3): a driver's repairs and
//! vehicle logs, a clerk's counts, a head's requisitions. Stored like orders — a snapshot
//! plus change chunks, each local change in the outbox — and listed by kind; their state
//! is their kind's reducer over the document, computed when read.
//!
//! A fact recorded here passes the same checks the server applies before storing it
//! (`CaseKind`: the role records it, within the kind's bounds), so a refusal is met on
//! the phone, not at the next sync.

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, push_chunk, push_outbox};
use crate::doc::{CaseDoc, decode_changes};
use crate::event::Fact;
use crate::kinds::{CaseKind, Kind};
use crate::model::{EventId, OrderId};
use crate::{Error, RuleViolation};

impl Store {
    /// Opens a case of kind `B` on this device with its first fact.
    pub fn create_case<B: CaseKind>(&mut self, first: B) -> Result<CaseDoc<B>, Error> {
        self.may_record(&first)?;
        let fact = self.fact(first);
        let doc = CaseDoc::create(self.author.device, &fact)?;
        let change = doc
            .all_changes()
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("new document has no change".into()))?;
        let id = doc.order_id();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes) VALUES (?1, ?2)",
            params![id.to_string(), doc.save()],
        )?;
        tx.execute(
            "INSERT INTO cases (id, kind) VALUES (?1, ?2)",
            params![id.to_string(), B::NAME.as_str()],
        )?;
        push_outbox(&tx, id, &change)?;
        tx.commit()?;
        Ok(doc)
    }

    /// Records one fact on a case of kind `B` held here. On Ok it is on disk.
    pub fn record_case<B: CaseKind>(&mut self, id: OrderId, body: B) -> Result<CaseDoc<B>, Error> {
        self.may_record(&body)?;
        if body.opens().is_some() {
            return Err(Error::InvalidInput(format!(
                "a {} is opened once, by its first fact",
                B::NAME.as_str()
            )));
        }
        let mut doc = self.case::<B>(id)?;
        let hash = doc.append(&self.fact(body))?;
        let change = doc
            .change_by_hash(&hash)
            .ok_or_else(|| Error::Corrupt("own change not found".into()))?;
        let tx = self.conn.transaction()?;
        push_chunk(&tx, id, change.raw_bytes())?;
        push_outbox(&tx, id, &change)?;
        tx.commit()?;
        Ok(doc)
    }

    /// A case of kind `B` held here (its document; its state is the kind's reducer).
    pub fn case<B: CaseKind>(&self, id: OrderId) -> Result<CaseDoc<B>, Error> {
        match self.case_kind(id)? {
            Some(k) if k == B::NAME => {}
            Some(k) => {
                return Err(Error::InvalidInput(format!(
                    "{id} is a {}, not a {}",
                    k.as_str(),
                    B::NAME.as_str()
                )));
            }
            None => return Err(Error::NotFound(id.to_string())),
        }
        let (snapshot, chunks) = self.bytes(id)?;
        let mut doc = CaseDoc::<B>::load(&snapshot, self.author.device)?;
        doc.apply_encoded(&chunks)?;
        if doc.order_id() != id || !doc.missing_deps().is_empty() {
            return Err(Error::Corrupt(format!("stored case {id} is incomplete")));
        }
        Ok(doc)
    }

    /// Every case held here, with its kind (work orders are listed by `list_orders`).
    pub fn cases(&self) -> Result<Vec<(OrderId, Kind)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, kind FROM cases ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, kind)| {
                let kind = kind
                    .parse()
                    .map_err(|_| Error::Corrupt(format!("stored case kind {kind:?}")))?;
                Ok((id.parse()?, kind))
            })
            .collect()
    }

    /// The kind of a case held here (`None`: a work order, or nothing held).
    pub fn case_kind(&self, id: OrderId) -> Result<Option<Kind>, Error> {
        let kind: Option<String> = self
            .conn
            .query_row(
                "SELECT kind FROM cases WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        kind.map(|k| {
            k.parse()
                .map_err(|_| Error::Corrupt(format!("stored case kind {k:?}")))
        })
        .transpose()
    }

    /// The changes of a held document of any kind that `have` does not cover (all of
    /// them for `&[]`).
    pub fn changes_since(&self, id: OrderId, have: &[ChangeHash]) -> Result<Vec<Change>, Error> {
        Ok(self.raw(id)?.get_changes(have))
    }

    /// Stores a whole case received from the server, merging with any copy held.
    pub(crate) fn import_case(&mut self, bytes: &[u8], kind: Kind) -> Result<OrderId, Error> {
        let incoming = load_raw(Some(bytes), &[])?;
        let id = id_of(&incoming)?;
        if self.exists(id)? {
            let changes: Vec<Vec<u8>> = incoming
                .get_changes(&[])
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect();
            self.apply_remote_case(id, &changes)?;
            return Ok(id);
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes) VALUES (?1, ?2)",
            params![id.to_string(), bytes],
        )?;
        tx.execute(
            "INSERT INTO cases (id, kind) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
            params![id.to_string(), kind.as_str()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Applies a case's changes from elsewhere; stores exactly those that were new.
    pub(crate) fn apply_remote_case(
        &mut self,
        id: OrderId,
        changes: &[Vec<u8>],
    ) -> Result<(), Error> {
        let mut doc = self.raw(id)?;
        let heads = doc.get_heads();
        let decoded = decode_changes(changes)?;
        contain(|| doc.apply_changes(decoded).map_err(Error::from))?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(Error::InvalidInput(format!(
                "changes to case {id} depend on changes this device does not have"
            )));
        }
        let new = doc.get_changes(&heads);
        if new.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for c in &new {
            push_chunk(&tx, id, c.raw_bytes())?;
        }
        tx.commit()?;
        Ok(())
    }

    fn may_record<B: CaseKind>(&self, body: &B) -> Result<(), Error> {
        let role = self.author.role;
        if !body.role_may_record(role) {
            return Err(Error::Rule(RuleViolation::RoleNotAllowed {
                role,
                action: format!("record this fact of a {}", B::NAME.as_str()),
            }));
        }
        body.well_formed()
            .map_err(|m| Error::InvalidInput(format!("{}: {m}", B::NAME.as_str())))
    }

    fn fact<B>(&self, body: B) -> Fact<B> {
        Fact {
            id: EventId::new(),
            author: self.author.clone(),
            at: self.clock.now(),
            offset: self.offset,
            body,
        }
    }

    fn bytes(&self, id: OrderId) -> Result<(Vec<u8>, Vec<Vec<u8>>), Error> {
        let tx = self.conn.unchecked_transaction()?;
        let out = stored_bytes(&tx, id)?;
        tx.commit()?;
        Ok(out)
    }

    /// A held document of any kind, as Automerge holds it.
    fn raw(&self, id: OrderId) -> Result<Automerge, Error> {
        let (snapshot, chunks) = self.bytes(id)?;
        load_raw(Some(&snapshot), &chunks)
    }
}

/// A document's snapshot and the chunks after it.
fn stored_bytes(tx: &Transaction<'_>, id: OrderId) -> Result<(Vec<u8>, Vec<Vec<u8>>), Error> {
    let key = id.to_string();
    let snapshot: Vec<u8> = tx
        .query_row(
            "SELECT bytes FROM snapshots WHERE order_id = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(key.clone()))?;
    let mut stmt = tx.prepare_cached("SELECT bytes FROM chunks WHERE order_id = ?1 ORDER BY id")?;
    let chunks = stmt
        .query_map([&key], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((snapshot, chunks))
}

/// Automerge decoding of bytes from disk or the network: a panic inside is an error.
fn contain<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Error::Corrupt("document decoder panicked".into())))
}

fn load_raw(snapshot: Option<&[u8]>, chunks: &[Vec<u8>]) -> Result<Automerge, Error> {
    let decoded = decode_changes(chunks)?;
    contain(|| {
        let mut doc = match snapshot {
            Some(b) => Automerge::load(b)?,
            None => Automerge::new(),
        };
        doc.apply_changes(decoded)?;
        Ok(doc)
    })
}

/// The case id a document's root names.
fn id_of(doc: &Automerge) -> Result<OrderId, Error> {
    use automerge::{ROOT, Value};
    match doc.get(ROOT, "order") {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().and_then(|s| s.parse().ok()),
        _ => None,
    }
    .ok_or_else(|| Error::Corrupt("a case document has no id".into()))
}

/// The kind a saved document's root names (none: a work order).
pub(crate) fn kind_of_saved(bytes: &[u8]) -> Result<Kind, Error> {
    use automerge::{ROOT, Value};
    let doc = load_raw(Some(bytes), &[])?;
    let name = match doc.get(ROOT, "kind")? {
        None => None,
        Some((Value::Scalar(s), _)) => Some(
            s.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::Corrupt("the document's kind is not text".into()))?,
        ),
        Some(_) => return Err(Error::Corrupt("the document's kind is not text".into())),
    };
    Kind::of_root(name.as_deref())
        .ok_or_else(|| Error::Corrupt(format!("no kind of case is called {name:?}")))
}
