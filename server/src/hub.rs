//! Who to wake when orders are committed. Each live sync session subscribes with what
//! concerns it — its office's orders, or for a device whose scope is narrower (a
//! technician's) the orders it holds, is assigned or created — and a commit wakes only
//! those sessions, through indexes by office, user and order. Broadcasting every commit to
//! every session cost each commit a wake-up and a check per live session: thousands of
//! phones reconnecting at once made that grow with the square of their number.
//!
//! A session is told only "something of yours was committed at position N or later"; it
//! then reads its catch-up from its cursor, so a wake-up too many costs a read that finds
//! nothing, never a change missed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use baoxiu_sync_core::{OfficeId, OrderId, UserId};
use tokio::sync::watch;

use crate::store::Committed;

/// What a subscription is interested in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every order of the office.
    Office(OfficeId),
    /// The orders of the office that the user is assigned or created, and those the
    /// subscription says it holds.
    Narrow { office: OfficeId, user: UserId },
}

#[derive(Debug)]
struct Sub {
    scope: Scope,
    holds: HashSet<OrderId>,
    wake: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    subs: HashMap<u64, Sub>,
    by_office: HashMap<OfficeId, HashSet<u64>>,
    by_user: HashMap<UserId, HashSet<u64>>,
    by_order: HashMap<OrderId, HashSet<u64>>,
    /// The highest log position dispatched so far.
    last: u64,
}

/// The index of live subscriptions.
#[derive(Debug, Default)]
pub struct Hub {
    inner: Mutex<Inner>,
}

/// One session's subscription; dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    id: u64,
    hub: Arc<Hub>,
    rx: watch::Receiver<u64>,
}

/// Takes `id` out of `index[key]`, and the key out once no one is left under it.
fn remove<K: std::hash::Hash + Eq>(index: &mut HashMap<K, HashSet<u64>>, key: K, id: u64) {
    if let Some(set) = index.get_mut(&key) {
        set.remove(&id);
        if set.is_empty() {
            index.remove(&key);
        }
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The indexes stay consistent under every step: a panic elsewhere cannot leave
        // them half-updated, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn subscribe(self: &Arc<Self>, scope: Scope) -> Subscription {
        let mut g = self.lock();
        g.next += 1;
        let id = g.next;
        let (wake, rx) = watch::channel(0);
        match scope {
            Scope::Office(office) => {
                g.by_office.entry(office).or_default().insert(id);
            }
            Scope::Narrow { user, .. } => {
                g.by_user.entry(user).or_default().insert(id);
            }
        }
        g.subs.insert(
            id,
            Sub {
                scope,
                holds: HashSet::new(),
                wake,
            },
        );
        Subscription {
            id,
            hub: self.clone(),
            rx,
        }
    }

    /// Wakes the subscriptions a commit concerns.
    pub fn committed(&self, note: &Committed) {
        let mut g = self.lock();
        g.last = g.last.max(note.seq);
        let mut woken: HashSet<u64> = HashSet::new();
        for o in &note.orders {
            let office = g.by_office.get(&o.office).into_iter().flatten();
            let users = o
                .technicians
                .iter()
                .chain(std::iter::once(&o.created_by))
                .filter_map(|u| g.by_user.get(u))
                .flatten();
            let holders = g.by_order.get(&o.order).into_iter().flatten();
            for id in office.chain(users).chain(holders) {
                // A narrow subscription is of one office: a user's orders elsewhere
                // (none today) do not concern it.
                let same_office = g.subs.get(id).is_some_and(|s| match s.scope {
                    Scope::Office(_) => true,
                    Scope::Narrow { office, .. } => office == o.office,
                });
                if same_office {
                    woken.insert(*id);
                }
            }
        }
        for id in woken {
            if let Some(s) = g.subs.get(&id) {
                raise(&s.wake, note.seq);
            }
        }
    }

    /// Wakes every subscription: commits were missed (the notifications lagged), so any
    /// of them may concern anyone.
    pub fn wake_all(&self) {
        let mut g = self.lock();
        let seq = g.last.saturating_add(1);
        g.last = seq;
        for s in g.subs.values() {
            raise(&s.wake, seq);
        }
    }

    /// Live subscriptions now.
    pub fn len(&self) -> usize {
        self.lock().subs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn raise(wake: &watch::Sender<u64>, seq: u64) {
    wake.send_if_modified(|v| {
        let higher = seq > *v;
        if higher {
            *v = seq;
        }
        higher
    });
}

impl Subscription {
    /// Waits for a commit that concerns this subscription; returns its log position (a
    /// later one when several came meanwhile).
    pub async fn changed(&mut self) -> u64 {
        if self.rx.changed().await.is_err() {
            // The hub dropped the sender: never happens while subscribed; wait forever
            // rather than spin.
            std::future::pending::<()>().await;
        }
        *self.rx.borrow_and_update()
    }

    /// The orders the device holds after a catch-up read as of log position `as_of`. A
    /// commit dispatched after that read, before this call, may concern an order only now
    /// indexed: the subscription is woken for it (a read that finds nothing at worst).
    pub fn set_holds(&self, holds: &[OrderId], as_of: u64) {
        let mut g = self.hub.lock();
        let Some(s) = g.subs.get_mut(&self.id) else {
            return;
        };
        let new: HashSet<OrderId> = holds.iter().copied().collect();
        let old = std::mem::replace(&mut s.holds, new.clone());
        for o in old.difference(&new) {
            remove(&mut g.by_order, *o, self.id);
        }
        for o in new.difference(&old) {
            g.by_order.entry(*o).or_default().insert(self.id);
        }
        if g.last > as_of
            && let Some(s) = g.subs.get(&self.id)
        {
            raise(&s.wake, g.last);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut g = self.hub.lock();
        let Some(s) = g.subs.remove(&self.id) else {
            return;
        };
        match s.scope {
            Scope::Office(office) => remove(&mut g.by_office, office, self.id),
            Scope::Narrow { user, .. } => remove(&mut g.by_user, user, self.id),
        }
        for o in s.holds {
            remove(&mut g.by_order, o, self.id);
        }
    }
}

/// Feeds the hub from the store's commit notifications until the server shuts down. If
/// it falls behind and notifications are lost, everyone is woken (they read their
/// catch-up and find what they missed).
pub async fn dispatch(
    hub: Arc<Hub>,
    mut notes: tokio::sync::broadcast::Receiver<Committed>,
    mut stop: watch::Receiver<bool>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        tokio::select! {
            note = notes.recv() => match note {
                Ok(c) => hub.committed(&c),
                Err(RecvError::Lagged(_)) => hub.wake_all(),
                Err(RecvError::Closed) => return,
            },
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CommittedOrder;

    fn note(seq: u64, order: OrderId, office: OfficeId, techs: &[UserId], by: UserId) -> Committed {
        Committed {
            seq,
            orders: vec![CommittedOrder {
                order,
                office,
                technicians: techs.to_vec(),
                created_by: by,
            }],
        }
    }

    /// Whether a subscription has a wake-up waiting, and for which position.
    fn woken(s: &mut Subscription) -> Option<u64> {
        s.rx.has_changed()
            .unwrap_or(false)
            .then(|| *s.rx.borrow_and_update())
    }

    #[test]
    fn a_commit_wakes_exactly_the_sessions_it_concerns() {
        let hub = Arc::new(Hub::default());
        let (a, b) = (OfficeId::new(), OfficeId::new());
        let (t1, t2, desk) = (UserId::new(), UserId::new(), UserId::new());
        let (held, other) = (OrderId::new(), OrderId::new());
        let mut dispatcher = hub.subscribe(Scope::Office(a));
        let mut elsewhere = hub.subscribe(Scope::Office(b));
        let mut tech1 = hub.subscribe(Scope::Narrow {
            office: a,
            user: t1,
        });
        let mut tech2 = hub.subscribe(Scope::Narrow {
            office: a,
            user: t2,
        });
        tech1.set_holds(&[held], 0);
        // (what was committed, who wakes: dispatcher, office b, tech1, tech2)
        let cases = [
            // Another technician's order: the office and that technician.
            (note(1, other, a, &[t2], desk), [true, false, false, true]),
            // An order tech1 holds, now assigned away to tech2: tech1 must hear of it.
            (note(2, held, a, &[t2], desk), [true, false, true, true]),
            // Created by tech1 (in the field), assigned to no one.
            (note(3, other, a, &[], t1), [true, false, true, false]),
            // Office b's order assigned to t1 by mistake of office: only office b.
            (
                note(4, OrderId::new(), b, &[t1], desk),
                [false, true, false, false],
            ),
        ];
        for (n, want) in cases {
            hub.committed(&n);
            let got = [
                woken(&mut dispatcher).is_some(),
                woken(&mut elsewhere).is_some(),
                woken(&mut tech1).is_some(),
                woken(&mut tech2).is_some(),
            ];
            assert_eq!(got, want, "commit {}", n.seq);
        }
        // Holds learnt after a commit was dispatched: woken for it.
        let mut late = hub.subscribe(Scope::Narrow {
            office: a,
            user: UserId::new(),
        });
        late.set_holds(&[held], 2);
        assert_eq!(woken(&mut late), Some(4));
        late.set_holds(&[held], 4);
        assert_eq!(woken(&mut late), None);
        // A lag wakes everyone; dropping unsubscribes and empties the indexes.
        hub.wake_all();
        assert!(woken(&mut elsewhere).is_some() && woken(&mut tech2).is_some());
        drop((dispatcher, elsewhere, tech1, tech2, late));
        assert!(hub.is_empty());
        let g = hub.lock();
        assert!(g.by_office.is_empty() && g.by_user.is_empty() && g.by_order.is_empty());
    }
}
