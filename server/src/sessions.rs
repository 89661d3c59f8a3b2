//! Live connections — sync sessions and event streams — so that they can be ended from
//! outside: a revoked user's at once, a device's older session when it opens a new one
//! (one live sync session per device).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::{DeviceId, Millis, UserId};
use tokio::sync::watch;

/// Why a live connection must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The user was deactivated or their tokens revoked.
    Revoked,
    /// The same device opened a newer session.
    Replaced,
}

#[derive(Debug)]
struct Entry {
    user: UserId,
    device: Option<DeviceId>,
    /// When it opened (this node's clock), to tell an older session from a newer one
    /// across nodes.
    opened_at: Millis,
    end: watch::Sender<Option<End>>,
}

/// The registry of live connections.
#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    last: u64,
    live: HashMap<u64, Entry>,
    /// The live sync session of each device, so a new one finds the old one at once
    /// (a storm of thousands of devices connecting must not scan the registry each).
    by_device: HashMap<DeviceId, u64>,
}

/// One live connection; dropping it leaves the registry.
#[derive(Debug)]
pub struct Live {
    id: u64,
    sessions: Arc<Sessions>,
    end: watch::Receiver<Option<End>>,
}

impl Live {
    /// Resolves when the connection must end, with the reason.
    pub async fn ended(&mut self) -> End {
        loop {
            if let Some(e) = *self.end.borrow_and_update() {
                return e;
            }
            if self.end.changed().await.is_err() {
                return End::Revoked;
            }
        }
    }

    /// Whether the connection must end now (checked before acting on its input).
    pub fn is_ended(&self) -> bool {
        self.end.borrow().is_some()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Ok(mut g) = self.sessions.inner.lock()
            && let Some(e) = g.live.remove(&self.id)
            && let Some(d) = e.device
            && g.by_device.get(&d) == Some(&self.id)
        {
            g.by_device.remove(&d);
        }
    }
}

impl Sessions {
    fn open(self: &Arc<Self>, user: UserId, device: Option<DeviceId>, opened_at: Millis) -> Live {
        let (tx, rx) = watch::channel(None);
        let id = match self.inner.lock() {
            Ok(mut g) => {
                g.last += 1;
                let id = g.last;
                if let Some(d) = device
                    && let Some(old) = g.by_device.insert(d, id)
                    && let Some(e) = g.live.remove(&old)
                {
                    e.end.send_replace(Some(End::Replaced));
                }
                g.live.insert(
                    id,
                    Entry {
                        user,
                        device,
                        opened_at,
                        end: tx,
                    },
                );
                id
            }
            // A poisoned registry cannot track this connection: end it at once.
            Err(_) => {
                tx.send_replace(Some(End::Revoked));
                0
            }
        };
        Live {
            id,
            sessions: self.clone(),
            end: rx,
        }
    }

    /// A device's sync session, opened at `at`; ends the device's older one.
    pub fn open_sync(self: &Arc<Self>, user: UserId, device: DeviceId, at: Millis) -> Live {
        self.open(user, Some(device), at)
    }

    /// A console's event stream.
    pub fn open_stream(self: &Arc<Self>, user: UserId) -> Live {
        self.open(user, None, 0)
    }

    /// Another node opened a session for `device` at `at`: this node's session of the
    /// device ends if it is older (one live session per device across nodes; a late
    /// notice of an older session elsewhere ends nothing).
    pub fn replaced_elsewhere(&self, device: DeviceId, at: Millis) {
        if let Ok(mut g) = self.inner.lock()
            && let Some(id) = g.by_device.get(&device).copied()
            && g.live.get(&id).is_some_and(|e| e.opened_at <= at)
        {
            g.by_device.remove(&device);
            if let Some(e) = g.live.remove(&id) {
                e.end.send_replace(Some(End::Replaced));
            }
        }
    }

    /// Ends every live connection of `user`.
    pub fn revoke(&self, user: UserId) {
        if let Ok(g) = self.inner.lock() {
            for e in g.live.values().filter(|e| e.user == user) {
                e.end.send_replace(Some(End::Revoked));
            }
        }
    }

    /// Live connections now.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|g| g.live.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_newer_session_replaces_the_device_s_older_one_and_revocation_ends_all() {
        let s = Arc::new(Sessions::default());
        let (u, d) = (UserId::new(), DeviceId::new());
        let mut first = s.open_sync(u, d, 1);
        let mut second = s.open_sync(u, d, 2);
        assert_eq!(first.ended().await, End::Replaced);
        assert!(!second.is_ended());
        let mut stream = s.open_stream(u);
        let other = s.open_stream(UserId::new());
        s.revoke(u);
        assert_eq!(second.ended().await, End::Revoked);
        assert_eq!(stream.ended().await, End::Revoked);
        assert!(!other.is_ended());
        drop((first, second, stream));
        assert_eq!(s.len(), 1);
    }

    #[tokio::test]
    async fn a_newer_session_elsewhere_ends_this_node_s_older_one_only() {
        let s = Arc::new(Sessions::default());
        let (u, d) = (UserId::new(), DeviceId::new());
        let mut here = s.open_sync(u, d, 100);
        // A late notice of an older session on another node ends nothing here.
        s.replaced_elsewhere(d, 50);
        assert!(!here.is_ended());
        s.replaced_elsewhere(DeviceId::new(), 500);
        assert!(!here.is_ended());
        s.replaced_elsewhere(d, 200);
        assert_eq!(here.ended().await, End::Replaced);
        drop(here);
        assert!(s.is_empty());
    }
}
