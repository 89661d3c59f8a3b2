//! HTTP: the router, one module per area, the extractors and the one error mapping.
//! Every authenticated route passes the policy table (`policy::ROUTES`) before its
//! handler runs.

mod billing;
mod callback_records;
mod cases;
mod complaint_analysis;
mod complaint_callbacks;
mod complaint_contacts;
mod complaint_filing;
mod complaint_report;
mod complaints;
mod console;
mod contacts;
mod copies;
mod customer_reports;
mod customers;
mod dispatch;
mod edge;
mod error;
mod events;
mod export;
mod extract;
mod health;
mod hq;
mod improvements;
mod kpi;
mod month;
mod months;
mod openapi;
mod orders;
mod programmes;
mod qa;
mod questionnaire;
mod registers;
mod s3_export;
mod s3_reports;
mod samples;
mod schedule;
mod schema;
mod session;
mod survey;
mod sync;
mod tasks;
mod trainings;
mod users;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

pub use error::{ErrorBody, ErrorDetail};
pub use extract::Caller;
pub use openapi::ApiDoc;

use crate::error::Error;
use crate::policy::{role_allows, route_action};
use crate::state::AppState;

/// The whole router: the authenticated routes behind the policy table, then the public
/// ones (health, metrics, the API description, the console's files).
pub fn router(state: AppState) -> Router {
    let authenticated = Router::new()
        .route("/api/v1/me", get(users::me))
        .route("/api/v1/tickets", post(users::ticket))
        .route("/api/v1/session", axum::routing::delete(session::sign_out))
        .route("/api/v1/tasks", get(tasks::list))
        .route("/api/v1/tasks/{id}/close", post(tasks::close))
        .route("/api/v1/tasks/{id}/remind", post(tasks::remind))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{id}/deactivate", post(users::deactivate))
        .route("/api/v1/devices", get(users::devices))
        .route(
            "/api/v1/settings",
            get(users::get_settings).put(users::put_settings),
        )
        .route(
            "/api/v1/fleet",
            get(registers::get_fleet).put(registers::put_fleet),
        )
        .route("/api/v1/fleet/maintenance", get(registers::maintenance))
        .route(
            "/api/v1/supplies/catalogue",
            get(registers::get_catalogue).put(registers::put_catalogue),
        )
        .route("/api/v1/reports/supplies", get(s3_reports::supplies))
        .route("/api/v1/reports/fleet", get(s3_reports::fleet))
        .route("/api/v1/cases", get(cases::list).post(cases::open))
        .route("/api/v1/cases/{id}", get(cases::get))
        .route("/api/v1/cases/{id}/facts", post(cases::record))
        .route("/api/v1/orders", get(orders::list).post(orders::create))
        .route("/api/v1/orders/{id}", get(orders::get))
        .route("/api/v1/orders/{id}/receive", post(dispatch::receive))
        .route("/api/v1/orders/{id}/pricing", post(dispatch::pricing))
        .route("/api/v1/orders/{id}/fees", post(schedule::amend))
        .route(
            "/api/v1/orders/{id}/classification",
            post(dispatch::classification),
        )
        .route(
            "/api/v1/fee-schedule",
            get(schedule::get).post(schedule::publish),
        )
        .route(
            "/api/v1/orders/{id}/suggestions",
            get(dispatch::suggestions),
        )
        .route("/api/v1/orders/{id}/assign", post(dispatch::assign))
        .route(
            "/api/v1/orders/{id}/appointment",
            post(dispatch::appointment),
        )
        .route("/api/v1/orders/{id}/cancel", post(orders::cancel))
        .route("/api/v1/orders/{id}/form", get(copies::form))
        .route("/api/v1/orders/{id}/share", post(copies::share))
        .route("/api/v1/orders/{id}/handover", post(dispatch::handover))
        .route("/api/v1/orders/{id}/receipt", post(billing::receipt))
        .route("/api/v1/orders/{id}/collection", post(billing::collection))
        .route("/api/v1/billing", get(billing::queue))
        .route(
            "/api/v1/orders/{id}/damages/{damage}/approval",
            post(billing::approve_compensation),
        )
        .route(
            "/api/v1/orders/{id}/damages/{damage}/settlement",
            post(billing::settle_compensation),
        )
        .route("/api/v1/stats", get(month::stats))
        .route("/api/v1/months/{month}", get(months::get))
        .route("/api/v1/months/{month}/close", post(months::close))
        .route("/api/v1/register", get(month::register))
        .route(
            "/api/v1/callbacks",
            get(month::list_callbacks).post(month::plan_callback),
        )
        .route(
            "/api/v1/callbacks/{id}/result",
            post(month::record_callback),
        )
        .route("/api/v1/callbacks/{id}/survey", post(survey::link))
        .route(
            "/api/v1/callback-programmes",
            get(programmes::list).post(programmes::create),
        )
        .route(
            "/api/v1/callback-programmes/{id}",
            get(programmes::get_one).put(programmes::update),
        )
        .route("/api/v1/callbacks/queue", get(samples::queue))
        .route("/api/v1/callbacks/records", get(callback_records::records))
        .route("/api/v1/samples", post(samples::create_sample))
        .route("/api/v1/samples/{id}", get(samples::get_sample))
        .route(
            "/api/v1/complaints",
            get(complaints::list).post(complaints::create),
        )
        .route(
            "/api/v1/complaints/analysis",
            get(complaint_analysis::report),
        )
        .route(
            "/api/v1/complaint-contacts",
            get(complaint_contacts::get).put(complaint_contacts::put),
        )
        .route(
            "/api/v1/complaint-filing",
            get(complaint_filing::get).put(complaint_filing::put),
        )
        .route(
            "/api/v1/complaint-filing/report",
            get(complaint_filing::report),
        )
        .route(
            "/api/v1/trainings",
            get(trainings::list).post(trainings::record),
        )
        .route("/api/v1/contacts", get(contacts::list).post(contacts::log))
        .route("/api/v1/contacts/{id}", get(contacts::get))
        .route("/api/v1/contacts/{id}/convert", post(contacts::convert))
        .route("/api/v1/contacts/{id}/close", post(contacts::close))
        .route(
            "/api/v1/improvements",
            get(improvements::list).post(improvements::open),
        )
        .route("/api/v1/improvements/{id}", get(improvements::get))
        .route("/api/v1/improvements/{id}/steps", post(improvements::step))
        .route("/api/v1/qa/scheme", get(qa::scheme).put(qa::set_scheme))
        .route("/api/v1/qa/queue", get(qa::queue))
        .route("/api/v1/qa/inspections", post(qa::inspect))
        .route("/api/v1/qa/report", get(qa::report))
        .route("/api/v1/kpi", get(kpi::report))
        .route("/api/v1/hq/qa", get(hq::qa))
        .route("/api/v1/hq/offices/{office}/qa/report", get(hq::office_qa))
        .route("/api/v1/hq/offices", get(hq::offices))
        .route("/api/v1/hq/months/{month}", get(hq::months))
        .route("/api/v1/hq/complaints", get(hq::complaints))
        .route(
            "/api/v1/hq/offices/{office}/months/{month}",
            get(hq::office_month),
        )
        .route(
            "/api/v1/hq/offices/{office}/complaints/analysis",
            get(hq::office_complaints),
        )
        .route(
            "/api/v1/hq/offices/{office}/complaint-filing/report",
            get(hq::office_filing),
        )
        .route(
            "/api/v1/contact-channels",
            get(contacts::channels).put(contacts::set_channels),
        )
        .route(
            "/api/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/api/v1/customers/review",
            get(customer_reports::review).post(customer_reports::settle),
        )
        .route("/api/v1/customers/tiers", get(customer_reports::tiers))
        .route(
            "/api/v1/customers/key-accounts",
            get(customer_reports::key_accounts),
        )
        .route("/api/v1/customers/churn", get(customer_reports::churn))
        .route(
            "/api/v1/customers/{id}",
            get(customers::page).put(customers::edit),
        )
        .route(
            "/api/v1/customers/{id}/key-account",
            put(customers::key_account),
        )
        .route(
            "/api/v1/customers/{id}/churn",
            post(customers::churn).delete(customers::withdraw_churn),
        )
        .route("/api/v1/complaints/{id}", get(complaints::get))
        .route("/api/v1/complaints/{id}/actions", post(complaints::act))
        .route(
            "/api/v1/complaints/{id}/report",
            get(complaint_report::report),
        )
        .route(
            "/api/v1/complaints/{id}/callbacks",
            post(complaint_callbacks::plan),
        )
        .route(
            "/api/v1/calendar",
            get(complaints::get_calendar).put(complaints::put_calendar),
        )
        .route("/api/v1/quality", get(complaints::quality_report))
        .route("/api/v1/events", get(events::events))
        .route("/sync", get(sync::upgrade))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authorize_route,
        ));
    let router = Router::new()
        .merge(authenticated)
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/copy/{token}", get(copies::customer_copy))
        // R-VISIT-SURVEY: the customer's questionnaire; the link is the credential.
        .route("/survey/{token}", get(survey::show).post(survey::answer))
        .route("/survey.css", get(survey::style))
        // Public: the token in the body is the credential; it is exchanged for the cookie.
        .route("/api/v1/session", post(session::sign_in))
        .route("/", get(console::index))
        .route("/style.css", get(console::style))
        .route("/i18n/{file}", get(console::catalogue));
    let router = console::SCRIPTS
        .iter()
        .fold(router, |r, (path, body)| {
            r.route(path, get(move || async move { console::script(body) }))
        })
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ));
    edge::wrap(router.with_state(state))
}

async fn not_found() -> Error {
    Error::NotFound("route".into())
}

/// Authenticates the caller and checks the route's action in the policy table; a route
/// missing from the table is refused, so none goes unchecked. The action travels with
/// the caller, so a handler checks a record against the same action.
async fn authorize_route(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let Some(action) = route_action(parts.method.as_str(), &path) else {
        let allowed: Vec<&str> = crate::policy::ROUTES
            .iter()
            .filter(|(_, p, _)| *p == path)
            .map(|(m, _, _)| *m)
            .collect();
        if !allowed.is_empty() {
            // The path is served, not with this method: say which methods it takes.
            return (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                [(axum::http::header::ALLOW, allowed.join(", "))],
            )
                .into_response();
        }
        tracing::error!(%path, "route missing from the policy table");
        return Error::Forbidden("this route is not in the policy table".into()).into_response();
    };
    let streams = path == "/sync" || path == "/api/v1/events";
    let claims = match extract::authenticate(&parts, &st, streams).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // On one order the handler checks, with the order in hand: an order outside the
    // caller's reach is not found before it is forbidden, so ids do not leak. A role that
    // sees no order at all (S3's, head office) is refused here, whatever the id.
    let on_one_order = path.starts_with("/api/v1/orders/{id}") && claims.role.works_on_orders();
    if !on_one_order && !role_allows(claims.role, action) {
        return Error::Forbidden(format!("a {} may not {action:?}", claims.role.as_str()))
            .into_response();
    }
    parts.extensions.insert(Caller(claims, action));
    next.run(Request::from_parts(parts, body)).await
}

async fn count_requests(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let class = format!("{}xx", res.status().as_u16() / 100);
    st.metrics
        .http_requests
        .get_or_create(&vec![("class".to_owned(), class)])
        .inc();
    res
}
