//! The API described as OpenAPI 3.1, served at `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use super::{ErrorBody, ErrorDetail};
use super::{complaints, dispatch, health, month, orders, users};
use crate::service;
use crate::store::OrderRow;

#[derive(OpenApi, Debug)]
#[openapi(
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
        health::readyz
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
