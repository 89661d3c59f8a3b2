//! `GET /api/v1/events`: a server-sent event stream that says "something changed"
//! whenever a commit touches the caller's office, so the console's board updates live
//! when a phone syncs.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::extract::Caller;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/events", params(("ticket" = Option<String>, Query, description = "a ticket from POST /api/v1/tickets (EventSource cannot send headers)")),
    responses((status = 200, content_type = "text/event-stream", description = "one event per commit touching the caller's office: the order ids"), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 503, body = super::ErrorBody, description = "the node is draining: connect again")))]
pub async fn events(
    State(st): State<AppState>,
    c: Caller,
) -> crate::error::Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    st.refuse_if_draining()?;
    let office = c.0.office;
    let rx = st.store.subscribe();
    let stop = st.shutdown.subscribe();
    // A revoked user's stream ends at once.
    let live = st.sessions.open_stream(c.0.sub);
    let state = (rx, stop, live);
    let stream =
        futures_util::stream::unfold(state, move |(mut rx, mut stop, mut live)| async move {
            loop {
                let next = tokio::select! {
                    n = rx.recv() => n,
                    // The server is shutting down: end the stream so shutdown can finish.
                    _ = stop.changed() => return None,
                    _ = live.ended() => return None,
                };
                match next {
                    Ok(c) => {
                        // A commit groups many devices' changes, of any office: only this
                        // office's orders are the caller's to see.
                        let ids: Vec<String> = c
                            .orders
                            .iter()
                            .filter(|o| o.office == office)
                            .map(|o| o.order.to_string())
                            .collect();
                        if ids.is_empty() {
                            continue;
                        }
                        let ev = Event::default().event("message").data(ids.join(","));
                        return Some((Ok(ev), (rx, stop, live)));
                    }
                    Err(RecvError::Lagged(_)) => {
                        let ev = Event::default().event("message").data("lagged");
                        return Some((Ok(ev), (rx, stop, live)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
