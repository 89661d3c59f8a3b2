//! The web console for dispatchers and supervisors: static files compiled into the binary
//! (no front-end build step), and `GET /api/v1/events`, a server-sent event stream that
//! says "something changed" whenever a commit touches the caller's office, so the board
//! updates live when a phone syncs.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::app::{AppState, Caller};
use crate::error::Error;

const INDEX: &str = include_str!("../web/index.html");
const APP: &str = include_str!("../web/app.js");
const STYLE: &str = include_str!("../web/style.css");
const ZH: &str = include_str!("../web/i18n/zh-Hant.json");
const EN: &str = include_str!("../web/i18n/en.json");

pub async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

pub async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP,
    )
        .into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

pub async fn catalogue(Path(file): Path<String>) -> Result<Response, Error> {
    let body = match file.as_str() {
        "zh-Hant.json" => ZH,
        "en.json" => EN,
        _ => return Err(Error::NotFound(format!("catalogue {file}"))),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response())
}

pub async fn events(
    State(st): State<AppState>,
    c: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let office = c.0.office;
    let rx = st.store.subscribe();
    let stop = st.shutdown.subscribe();
    let stream = futures_util::stream::unfold((rx, stop), move |(mut rx, mut stop)| async move {
        loop {
            let next = tokio::select! {
                n = rx.recv() => n,
                // The server is shutting down: end the stream so shutdown can finish.
                _ = stop.changed() => return None,
            };
            match next {
                Ok(c) if c.orders.iter().any(|(_, o)| *o == office) => {
                    let ids: Vec<String> = c.orders.iter().map(|(id, _)| id.to_string()).collect();
                    let ev = Event::default().event("message").data(ids.join(","));
                    return Some((Ok(ev), (rx, stop)));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {
                    let ev = Event::default().event("message").data("lagged");
                    return Some((Ok(ev), (rx, stop)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
