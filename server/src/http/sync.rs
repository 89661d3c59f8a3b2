//! `GET /sync`: the WebSocket endpoint of the sync protocol (docs/sync-protocol.md).
//!
//! The token is checked at the upgrade. A session answers the device's `Hello` with one
//! `Welcome` (acks, changes, new documents, revocations, cursor), then pushes new changes
//! as they are committed and acks the device's pushes after commit. A refused batch gets
//! an `Error` frame naming the reason; nothing of it is stored and the session goes on.

use std::time::Duration;

use tokio::time::Instant;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use baoxiu_sync_core::Author;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::protocol::{
    Ack, Cursor, ErrorCode, ErrorFrame, Frame, MAX_DOWNLOAD_FRAME_BYTES, MAX_UPLOAD_FRAME_BYTES,
    OrderChanges, PROTOCOL_VERSION, Push, Welcome,
};
use baoxiu_sync_core::validate::Submitter;

use super::extract::Caller;
use crate::error::{Error, Result};
use crate::hub::{Scope, Subscription};
use crate::sessions::{End, Live};
use crate::state::AppState;
use crate::store::{CatchUp, DeviceCtx, SubmitError};

const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest WebSocket message read at all; past `MAX_UPLOAD_FRAME_BYTES` it is refused.
const READ_LIMIT: usize = 2 * MAX_UPLOAD_FRAME_BYTES;
/// The socket's read buffer to start with (it grows for a large frame). The WebSocket
/// library's default, 128 KiB, was most of what an idle session cost: thousands of
/// phones stay connected all day and send a few hundred bytes now and then.
const READ_BUFFER: usize = 4 * 1024;
/// WebSocket close codes: policy violation (revoked, expired, idle), and a private code
/// for a session replaced by the same device's newer one.
const CLOSE_POLICY: u16 = 1008;
const CLOSE_REPLACED: u16 = 4000;
/// Going away: the node is draining; the device reconnects at once (to another node).
const CLOSE_GOING_AWAY: u16 = 1001;

#[utoipa::path(get, path = "/sync", params(("ticket" = Option<String>, Query, description = "a ticket from POST /api/v1/tickets, where the client cannot send the Authorization header")),
    responses((status = 101, description = "WebSocket upgrade; then the frames of docs/sync-protocol.md"), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody, description = "the token is not bound to a device, or the device is another user's"), (status = 503, body = super::ErrorBody, description = "the node is draining: connect again (the balancer picks another node)")))]
pub async fn upgrade(
    State(st): State<AppState>,
    c: Caller,
    ws: WebSocketUpgrade,
) -> Result<Response> {
    let device =
        c.0.device
            .ok_or_else(|| Error::Forbidden("sync needs a token bound to a device".into()))?;
    let user = c.0.sub;
    st.refuse_if_draining()?;
    st.store.register_device(user, device).await?;
    let ctx = DeviceCtx {
        submitter: Submitter {
            author: Author {
                user,
                device,
                role: c.0.role,
            },
            office: c.0.office,
        },
    };
    // The session ends when the token does.
    let expires = Duration::from_millis(
        u64::try_from(c.0.exp.saturating_mul(1000).saturating_sub(st.now())).unwrap_or(0),
    );
    Ok(ws
        // Read a little past the limit, so an oversize frame is answered (FrameTooLarge:
        // the device keeps its changes and sends smaller pages) rather than dropped.
        .max_message_size(READ_LIMIT)
        .max_frame_size(READ_LIMIT)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| session(st, ctx, expires, socket)))
}

async fn send(socket: &mut WebSocket, frame: &Frame) -> bool {
    let bytes = frame.encode();
    if bytes.len() > MAX_DOWNLOAD_FRAME_BYTES {
        tracing::error!(len = bytes.len(), "frame too large to send");
        return false;
    }
    socket.send(Message::Binary(bytes.into())).await.is_ok()
}

fn error_frame(code: ErrorCode, message: impl Into<String>, refused: Vec<[u8; 32]>) -> Frame {
    Frame::Error(ErrorFrame {
        code,
        message: message.into(),
        refused,
    })
}

/// The next protocol frame; `seen` is set on anything received (a pong included).
async fn next_frame(
    socket: &mut WebSocket,
    seen: &mut Instant,
) -> Option<Result<Frame, (ErrorCode, String)>> {
    loop {
        let m = socket.recv().await?;
        *seen = Instant::now();
        match m {
            Ok(Message::Binary(b)) if b.len() > MAX_UPLOAD_FRAME_BYTES => {
                return Some(Err((
                    ErrorCode::FrameTooLarge,
                    format!(
                        "a frame of {} bytes; at most {MAX_UPLOAD_FRAME_BYTES}",
                        b.len()
                    ),
                )));
            }
            Ok(Message::Binary(b)) => {
                return Some(
                    Frame::decode(&b, MAX_UPLOAD_FRAME_BYTES)
                        .map_err(|e| (ErrorCode::BadFrame, e.to_string())),
                );
            }
            Ok(Message::Text(_)) => {
                return Some(Err((
                    ErrorCode::BadFrame,
                    "text frames are not part of the protocol".into(),
                )));
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// Stores a batch; returns the acks, or the error frame to send.
async fn store_batch(
    st: &AppState,
    ctx: &DeviceCtx,
    changes: Vec<OrderChanges>,
) -> Result<Vec<[u8; 32]>, Frame> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let n: usize = changes.iter().map(|c| c.changes.len()).sum();
    match st
        .store
        .submit(ctx.submitter.clone(), changes, st.now())
        .await
    {
        Ok(acked) => {
            st.metrics.changes_stored.inc_by(n as u64);
            Ok(acked)
        }
        Err(e) => {
            let (code, message, refused): (ErrorCode, String, Vec<[u8; 32]>) = e.clone().into();
            st.metrics
                .batches_refused
                .get_or_create(&vec![("code".to_owned(), format!("{code:?}"))])
                .inc();
            if let SubmitError::Refused { .. } = e {
                tracing::info!(device = %ctx.device(), ?code, %message, "batch refused");
            }
            Err(error_frame(code, message, refused))
        }
    }
}

async fn catch_up(
    st: &AppState,
    ctx: &DeviceCtx,
    cursor: Option<Cursor>,
    hello: bool,
) -> Result<CatchUp> {
    st.store
        .catch_up_page(
            ctx.clone(),
            cursor,
            hello,
            st.now(),
            st.limits.catch_up_page_bytes,
        )
        .await
}

async fn session(st: AppState, ctx: DeviceCtx, expires: Duration, mut socket: WebSocket) {
    st.metrics.sync_sessions.inc();
    // One live session per device: this one ends the device's older one.
    let opened_at = st.now();
    let live = st
        .sessions
        .open_sync(ctx.submitter.author.user, ctx.device(), opened_at);
    // Another node's session of this device ends (one live session per device).
    if let Some(c) = &st.cluster {
        c.session_opened(ctx.device(), opened_at).await;
    }
    if let Err(e) = run_session(&st, &ctx, live, expires, &mut socket).await {
        tracing::debug!(device = %ctx.device(), error = %e, "sync session ended");
    }
    st.metrics.sync_sessions.dec();
}

/// Closes the socket saying why (the device reconnects, or learns its token is gone).
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = axum::extract::ws::CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn run_session(
    st: &AppState,
    ctx: &DeviceCtx,
    mut live: Live,
    expires: Duration,
    socket: &mut WebSocket,
) -> Result<()> {
    // Subscribe before answering, so nothing committed after the welcome is missed. A
    // role whose scope is a list of its own (a technician's orders, a driver's cases) is
    // woken only for those; a role that holds some kind office-wide, for the office.
    let scope = if Kind::office_wide(ctx.submitter.author.role) {
        Scope::Office(ctx.submitter.office)
    } else {
        Scope::Narrow {
            office: ctx.submitter.office,
            user: ctx.submitter.author.user,
        }
    };
    let mut sub = st.hub.subscribe(scope);
    let mut shutdown = st.shutdown.subscribe();
    let mut seen = Instant::now();
    let expiry = tokio::time::sleep(expires);
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval(st.limits.ws_ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, next_frame(socket, &mut seen)).await {
        Ok(Some(Ok(Frame::Hello(h)))) => h,
        Ok(Some(Ok(_))) => {
            send(
                socket,
                &error_frame(ErrorCode::BadFrame, "expected hello", Vec::new()),
            )
            .await;
            return Ok(());
        }
        Ok(Some(Err((code, m)))) => {
            send(socket, &error_frame(code, m, Vec::new())).await;
            return Ok(());
        }
        Ok(None) | Err(_) => return Ok(()),
    };
    if hello.version != PROTOCOL_VERSION {
        let m = format!(
            "protocol {} not supported (server speaks {PROTOCOL_VERSION})",
            hello.version
        );
        send(
            socket,
            &error_frame(ErrorCode::UnsupportedVersion, m, Vec::new()),
        )
        .await;
        return Ok(());
    }
    if live.is_ended() {
        close(socket, CLOSE_POLICY, "revoked").await;
        return Ok(());
    }
    let acked = match store_batch(st, ctx, hello.changes).await {
        Ok(a) => a,
        Err(frame) => {
            if !send(socket, &frame).await {
                return Ok(());
            }
            Vec::new()
        }
    };
    let up = catch_up(st, ctx, hello.cursor, true).await?;
    let mut cursor = up.cursor;
    watch_holds(&sub, &up);
    // R-PAID: the schedule in force travels with the welcome when the phone lacks it. Not
    // being able to read it must not stop a sync: the phone keeps the one it holds.
    let fee_schedule = match st.store.fee_schedule(None, st.now()).await {
        Ok(s) => s.filter(|s| Some(s.version) != hello.fee_schedule),
        Err(e) => {
            tracing::warn!(error = %e, "fee schedule not sent");
            None
        }
    };
    let welcome = Frame::Welcome(Welcome {
        server_time: st.now(),
        acked,
        changes: up.changes,
        documents: up.documents,
        revoked: up.revoked,
        cursor: up.cursor.unwrap_or(Cursor {
            epoch: [0; 16],
            seq: 0,
            check: [0; 8],
            delivery: 0,
        }),
        repair: up.repair,
        scope: up.scope,
        more: up.more,
        fee_schedule,
    });
    // More pages of the catch-up to send, one per turn of the loop (so pings, the
    // device's frames and revocation are still served between them).
    let mut more = up.more;
    if !send(socket, &welcome).await {
        return Ok(());
    }
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                close(socket, CLOSE_GOING_AWAY, "server shutting down; reconnect").await;
                return Ok(());
            }
            end = live.ended() => {
                match end {
                    End::Revoked => close(socket, CLOSE_POLICY, "revoked").await,
                    End::Replaced => close(socket, CLOSE_REPLACED, "replaced by a newer session").await,
                }
                return Ok(());
            }
            () = &mut expiry => {
                close(socket, CLOSE_POLICY, "token expired").await;
                return Ok(());
            }
            _ = ping.tick() => {
                if seen.elapsed() > st.limits.ws_idle {
                    close(socket, CLOSE_POLICY, "idle").await;
                    return Ok(());
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return Ok(());
                }
            }
            incoming = next_frame(socket, &mut seen) => {
                match incoming {
                    None => return Ok(()),
                    Some(Err((code, m))) => {
                        // Garbage or oversize: say so and end this session; the device
                        // reconnects clean (smaller pages after FrameTooLarge).
                        send(socket, &error_frame(code, m, Vec::new())).await;
                        return Ok(());
                    }
                    // Revoked while the frame was on its way: store nothing of it.
                    Some(Ok(Frame::Push(_))) if live.is_ended() => {
                        close(socket, CLOSE_POLICY, "revoked").await;
                        return Ok(());
                    }
                    Some(Ok(Frame::Push(p))) => {
                        let reply = match store_batch(st, ctx, p.changes).await {
                            Ok(acked) => Frame::Ack(Ack { acked }),
                            Err(frame) => frame,
                        };
                        if !send(socket, &reply).await {
                            return Ok(());
                        }
                    }
                    Some(Ok(_)) => {
                        send(socket, &error_frame(ErrorCode::BadFrame, "unexpected frame", Vec::new())).await;
                        return Ok(());
                    }
                }
            }
            () = std::future::ready(()), if more => {
                if !push_next(st, ctx, socket, &mut cursor, &mut more, &sub, true).await? {
                    return Ok(());
                }
            }
            seq = sub.changed() => {
                if cursor.is_some_and(|cur| cur.seq >= seq) {
                    continue;
                }
                if more {
                    // The pages still to send will carry it.
                    continue;
                }
                if !push_next(st, ctx, socket, &mut cursor, &mut more, &sub, false).await? {
                    return Ok(());
                }
            }
        }
    }
}

/// Tells the hub which orders the device holds after a catch-up (a narrow scope's).
fn watch_holds(sub: &Subscription, up: &CatchUp) {
    if let Some(holds) = &up.holds {
        sub.set_holds(holds, up.cursor.map(|c| c.seq).unwrap_or(0));
    }
}

/// Sends the device the next push of its catch-up from `cursor` (a page of it when
/// `more`), moving `cursor` and `more` on. An empty catch-up is sent only when `page` (a
/// page the device waits for). False when the session must end: the socket closed, or the
/// cursor went stale under us (a restore) and the device must reconnect to repair.
async fn push_next(
    st: &AppState,
    ctx: &DeviceCtx,
    socket: &mut WebSocket,
    cursor: &mut Option<Cursor>,
    more: &mut bool,
    sub: &Subscription,
    page: bool,
) -> Result<bool> {
    let up = catch_up(st, ctx, *cursor, false).await?;
    if up.repair {
        return Ok(false);
    }
    watch_holds(sub, &up);
    let empty = up.changes.is_empty() && up.documents.is_empty() && up.revoked.is_empty();
    if empty && !page {
        return Ok(true);
    }
    let frame = Frame::Push(Push {
        changes: up.changes,
        documents: up.documents,
        revoked: up.revoked,
        cursor: up.cursor,
        prev: *cursor,
        more: up.more,
    });
    if !send(socket, &frame).await {
        return Ok(false);
    }
    *cursor = up.cursor;
    *more = up.more;
    Ok(true)
}
