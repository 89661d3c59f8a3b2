//! Several nodes over one PostgreSQL database: what this node hears from the others
//! reaches its sessions, consoles and live-session registry; what it does that concerns
//! them (a sync session opened) is told to them. Commits are announced by the store's
//! writer inside the commit itself.

use std::sync::Arc;

use baoxiu_sync_core::{DeviceId, Millis};

use crate::hub::Hub;
use crate::sessions::Sessions;
use crate::store::postgres::PgStore;
use crate::store::postgres::bus::Heard;

/// This node's link to the others.
#[derive(Debug, Clone)]
pub struct Cluster {
    store: PgStore,
}

impl Cluster {
    pub fn new(store: PgStore) -> Self {
        Cluster { store }
    }

    /// Tells the others a session of `device` opened here at `at` (theirs, if older,
    /// ends). A failure to tell is logged: the device's older session elsewhere then
    /// ends on its own (idle, or at its next write), nothing is lost.
    pub async fn session_opened(&self, device: DeviceId, at: Millis) {
        if let Err(e) = self.store.announce_session(device, at).await {
            tracing::warn!(error = %e, %device, "could not tell the other nodes of a session");
        }
    }

    /// Listens to the other nodes until `stop`: their commits go to this node's
    /// subscribers as this node's own do; a gap wakes every session (it reads its
    /// catch-up); a session they opened ends an older one here.
    pub async fn listen(
        self,
        hub: Arc<Hub>,
        sessions: Arc<Sessions>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> crate::error::Result<()> {
        let store = self.store.clone();
        let (listener, mut heard) = tokio::task::spawn_blocking(move || store.listen())
            .await
            .map_err(|e| crate::error::Error::Internal(format!("bus: {e}")))??;
        tokio::spawn(async move {
            let _listener = listener;
            loop {
                tokio::select! {
                    h = heard.recv() => match h {
                        Some(Heard::Committed(note)) => self.store.relay(note),
                        Some(Heard::SessionOpened(device, at)) => {
                            sessions.replaced_elsewhere(device, at);
                        }
                        Some(Heard::Missed) => hub.wake_all(),
                        None => return,
                    },
                    _ = stop.changed() => return,
                }
            }
        });
        Ok(())
    }
}
