//! Closing a month (R-MONTH): the month's state (open or closed, filed and live figures,
//! amendments) and the supervisor's close.

use axum::Json;
use axum::extract::{Path, State};

use super::ErrorBody;
use super::extract::Caller;
use crate::error::Result;
use crate::service::month::Params;
use crate::service::month_close::{self, MonthView};
use crate::state::AppState;

async fn params(st: &AppState, c: &Caller) -> Result<Params> {
    Ok(Params {
        now: st.now(),
        ..st.store.settings(c.0.office).await?.into()
    })
}

#[utoipa::path(get, path = "/api/v1/months/{month}", params(("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")), responses((status = 200, body = MonthView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(month): Path<String>,
) -> Result<Json<MonthView>> {
    let p = params(&st, &c).await?;
    Ok(Json(
        month_close::view(&*st.store, c.0.office, &month, p).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/months/{month}/close", params(("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")), responses((status = 200, body = MonthView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "already closed, or not ended yet"), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(st): State<AppState>,
    c: Caller,
    Path(month): Path<String>,
) -> Result<Json<MonthView>> {
    let p = params(&st, &c).await?;
    Ok(Json(
        month_close::close(&*st.store, c.0.office, &month, p, c.0.sub, st.now()).await?,
    ))
}
