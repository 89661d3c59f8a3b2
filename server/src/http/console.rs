//! The web console for dispatchers and supervisors: static files compiled into the binary
//! (no front-end build step).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::Error;

const INDEX: &str = include_str!("../../web/index.html");
const STYLE: &str = include_str!("../../web/style.css");
const ZH: &str = include_str!("../../web/i18n/zh-Hant.json");
const EN: &str = include_str!("../../web/i18n/en.json");

/// The console's scripts, by the path they are served at (loaded in index.html's order).
pub const SCRIPTS: [(&str, &str); 15] = [
    ("/dom.js", include_str!("../../web/dom.js")),
    ("/board.js", include_str!("../../web/board.js")),
    ("/order.js", include_str!("../../web/order.js")),
    ("/desk.js", include_str!("../../web/desk.js")),
    ("/complaint.js", include_str!("../../web/complaint.js")),
    ("/customer.js", include_str!("../../web/customer.js")),
    ("/frontdoor.js", include_str!("../../web/frontdoor.js")),
    ("/improve.js", include_str!("../../web/improve.js")),
    ("/hq.js", include_str!("../../web/hq.js")),
    ("/qa.js", include_str!("../../web/qa.js")),
    ("/month.js", include_str!("../../web/month.js")),
    ("/visits.js", include_str!("../../web/visits.js")),
    ("/admin.js", include_str!("../../web/admin.js")),
    ("/s3.js", include_str!("../../web/s3.js")),
    ("/app.js", include_str!("../../web/app.js")),
];

pub async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

pub fn script(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
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
