//! The API described as OpenAPI 3.1, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{ErrorBody, ErrorDetail};
use super::{complaints, dispatch, health, month, orders, users};
use crate::service;
use crate::store::OrderRow;

/// The bearer token scheme, required by every route but health and the description.
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi, Debug)]
#[openapi(
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    info(
        title = "baoxiu",
        description = "Repair requests, dispatch and offline field work"
    ),
    paths(
        users::me,
        users::ticket,
        users::list,
        users::create,
        users::deactivate,
        users::devices,
        users::get_settings,
        users::put_settings,
        orders::create,
        orders::list,
        orders::get,
        orders::cancel,
        orders::receipt,
        dispatch::receive,
        dispatch::pricing,
        dispatch::suggestions,
        dispatch::assign,
        dispatch::appointment,
        month::stats,
        month::register,
        month::plan_callback,
        month::list_callbacks,
        month::record_callback,
        month::create_sample,
        month::get_sample,
        complaints::create,
        complaints::list,
        complaints::get,
        complaints::act,
        complaints::get_calendar,
        complaints::put_calendar,
        complaints::quality_report,
        health::healthz,
        health::readyz,
        health::metrics,
        super::events::events,
        super::sync::upgrade
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        OrderRow,
        orders::OrderView,
        orders::IntakeIn,
        orders::CustomerIn,
        orders::ReasonIn,
        orders::ReceiptIn,
        orders::OrderPage,
        dispatch::PricingIn,
        dispatch::FeeItemIn,
        dispatch::AssignIn,
        dispatch::AppointmentIn,
        dispatch::Suggestion,
        users::PersonOut,
        users::PersonIn,
        users::DeviceOut,
        users::Me,
        users::TicketOut,
        users::SettingsBody,
        service::month::MonthStats,
        service::month::Register,
        month::CallbackOut,
        month::PlanCallbackIn,
        month::CallbackResultIn,
        month::RecordedCallback,
        month::SampleIn,
        month::SampleOut,
        service::complaints::ComplaintView,
        service::complaints::QualityReport,
        complaints::ComplaintIn,
        complaints::ActionIn,
        complaints::CalendarIn,
        complaints::CalendarOut
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_policy_table_is_described() {
        let doc = ApiDoc::openapi();
        let described: Vec<(String, String)> = doc
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                methods
                    .into_iter()
                    .filter(|(_, has)| *has)
                    .map(|(m, _)| (m.to_owned(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (method, path, _) in crate::policy::ROUTES {
            assert!(
                described.contains(&((*method).to_owned(), (*path).to_owned())),
                "{method} {path} is not in the OpenAPI document"
            );
        }
        assert!(
            doc.components
                .is_some_and(|c| c.security_schemes.contains_key("bearer"))
        );
    }
}
