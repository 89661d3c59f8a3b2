//! The API described as OpenAPI 3.1, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::service::case_actions::CaseAction;

use super::{ErrorBody, ErrorDetail};
use super::{
    billing, callback_records, cases, complaint_analysis, complaint_callbacks, complaint_contacts,
    complaint_filing, complaint_report, complaints, contacts, copies, customer_reports, customers,
    dispatch, health, hq, improvements, kpi, month, months, orders, programmes, qa, questionnaire,
    registers, s3_reports, samples, schedule, session, survey, tasks, trainings, users,
};
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

/// The errors any operation can answer, documented on every one: 408 (request timeout),
/// 500, 503 (storage unavailable); 401 where a token is required; 413 where a body is
/// sent; 422 where a body or a query is read. Each with the error body. An operation's own list stays as written.
#[derive(Debug)]
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for (op, has_body) in [
                (item.get.as_mut(), false),
                (item.delete.as_mut(), false),
                (item.post.as_mut(), true),
                (item.put.as_mut(), true),
            ] {
                let Some(op) = op else { continue };
                // Health and readiness say `security(())`: public.
                let public = op.security.as_ref().is_some_and(|s| {
                    s.iter()
                        .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
                });
                let mut add = |code: &str, what: &str| {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| error(what));
                };
                if !public {
                    add(
                        "401",
                        "no valid bearer token (or ticket, on the two streams)",
                    );
                    add(
                        "403",
                        "the caller's role may not do this (the policy table)",
                    );
                }
                let has_query =
                    op.parameters.iter().flatten().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    });
                if has_body {
                    add("413", "the body is larger than the limit");
                }
                if has_body || has_query {
                    add("422", "the body or query is malformed");
                }
                add("408", "the request took longer than the timeout");
                add(
                    "500",
                    "internal error (details in the server log under the request id)",
                );
                add("503", "the store cannot commit now; nothing was stored");
            }
        }
    }
}

/// What the derive cannot say of a complaint: a repeat (`same_as`) must say whether it
/// brings new facts (R-CPL-REJECT).
#[derive(Debug)]
struct ComplaintRepeat;

impl Modify for ComplaintRepeat {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{
            AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, SchemaType, Type,
        };
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        let Some(RefOr::T(derived)) = schemas.remove("ComplaintIn") else {
            return;
        };
        let not_a_repeat =
            ObjectBuilder::new().property("same_as", ObjectBuilder::new().schema_type(Type::Null));
        let says_new_facts = ObjectBuilder::new()
            .property(
                "new_facts",
                ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)),
            )
            .required("new_facts");
        let with_rule = AllOfBuilder::new()
            .item(derived)
            .item(
                AnyOfBuilder::new()
                    .description(Some("a repeat (`same_as`) says `new_facts`"))
                    .item(not_a_repeat)
                    .item(says_new_facts),
            )
            .build();
        schemas.insert("ComplaintIn".into(), RefOr::T(Schema::AllOf(with_rule)));
    }
}

/// What the derive cannot say of a case's fact: it is one key, the case's kind, and
/// nothing beside it (serde reads one key of an externally tagged enum).
#[derive(Debug)]
struct OneKindOfFact;

impl Modify for OneKindOfFact {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        let Some(Some(RefOr::T(Schema::OneOf(one_of)))) = openapi
            .components
            .as_mut()
            .map(|c| c.schemas.get_mut("CaseFactIn"))
        else {
            return;
        };
        for variant in &mut one_of.items {
            if let RefOr::T(Schema::Object(o)) = variant {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

#[derive(OpenApi, Debug)]
#[openapi(
    modifiers(&BearerAuth, &CommonErrors, &ComplaintRepeat, &OneKindOfFact),
    security(("bearer" = [])),
    info(
        title = "baoxiu",
        description = "Repair requests, dispatch and offline field work"
    ),
    paths(
        users::me,
        users::ticket,
        session::sign_in,
        tasks::list,
        tasks::close,
        tasks::remind,
        session::sign_out,
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
        copies::form,
        copies::share,
        billing::receipt,
        billing::collection,
        billing::queue,
        billing::approve_compensation,
        billing::settle_compensation,
        dispatch::handover,
        dispatch::classification,
        schedule::get,
        schedule::publish,
        registers::get_fleet,
        registers::put_fleet,
        cases::list,
        cases::get,
        cases::open,
        cases::record,
        s3_reports::supplies,
        s3_reports::fleet,
        registers::maintenance,
        registers::get_catalogue,
        registers::put_catalogue,
        schedule::amend,
        dispatch::receive,
        dispatch::pricing,
        dispatch::suggestions,
        dispatch::assign,
        dispatch::appointment,
        month::stats,
        months::get,
        months::close,
        month::register,
        month::plan_callback,
        programmes::list,
        programmes::create,
        programmes::get_one,
        programmes::update,
        survey::link,
        month::list_callbacks,
        month::record_callback,
        samples::create_sample,
        samples::get_sample,
        samples::queue,
        complaints::create,
        complaints::list,
        complaints::get,
        complaints::act,
        complaint_report::report,
        complaint_callbacks::plan,
        callback_records::records,
        complaint_analysis::report,
        trainings::record,
        trainings::list,
        contacts::log,
        contacts::list,
        contacts::get,
        contacts::convert,
        contacts::close,
        contacts::channels,
        contacts::set_channels,
        improvements::open,
        improvements::list,
        improvements::get,
        improvements::step,
        qa::scheme,
        qa::set_scheme,
        qa::queue,
        qa::inspect,
        qa::report,
        kpi::report,
        hq::qa,
        hq::office_qa,
        hq::offices,
        hq::months,
        hq::complaints,
        hq::office_month,
        hq::office_complaints,
        hq::office_filing,
        customers::list,
        customers::create,
        customers::page,
        customers::edit,
        customers::key_account,
        customers::churn,
        customers::withdraw_churn,
        customer_reports::review,
        customer_reports::settle,
        customer_reports::tiers,
        customer_reports::key_accounts,
        customer_reports::churn,
        complaint_contacts::get,
        complaint_contacts::put,
        complaint_filing::get,
        complaint_filing::put,
        complaint_filing::report,
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
        billing::ReceiptIn,
        billing::CollectionIn,
        billing::Queue,
        billing::ApprovalIn,
        billing::SettlementIn,
        billing::QueueItem,
        crate::store::BillingRow,
        crate::store::BillingStage,
        dispatch::HandoverIn,
        dispatch::ClassificationIn,
        schedule::ScheduleItemIo,
        s3_reports::SuppliesReportOut,
        s3_reports::FleetReportOut,
        cases::CaseEntryOut,
        cases::CaseOut,
        cases::CaseFactIn,
        CaseAction,
        registers::VehicleIo,
        registers::FleetIo,
        registers::MaintenanceOut,
        registers::ItemIo,
        registers::CategoryIo,
        registers::CategoryDealersIo,
        registers::CatalogueIo,
        schedule::PublishIn,
        schedule::ScheduleOut,
        schedule::FeesIn,
        orders::OrderPage,
        copies::ShareOut,
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
        session::SessionIn,
        tasks::TaskOut,
        tasks::CloseIn,
        tasks::RemindIn,
        tasks::TaskReminderOut,
        users::SettingsBody,
        service::month::MonthStats,
        service::month_close::MonthView,
        service::month_close::Amendment,
        service::month::Register,
        month::CallbackOut,
        questionnaire::DimensionScoresIo,
        questionnaire::AnswerIo,
        programmes::RoundIo,
        programmes::ProgrammeIn,
        programmes::ProgrammeOut,
        programmes::AttemptsOut,
        programmes::MethodAttempts,
        programmes::RoundProgress,
        programmes::AnswerLine,
        programmes::QuestionAnswers,
        programmes::ProgrammeProgressOut,
        programmes::ProgrammeView,
        survey::SurveyLinkOut,
        service::month::DimensionMean,
        service::month::DimensionMeans,
        month::PlanCallbackIn,
        month::CallbackResultIn,
        month::RecordedCallback,
        samples::SampleIn,
        samples::SampleOut,
        samples::QueueOut,
        service::complaints::ComplaintView,
        service::complaints::QualityReport,
        complaints::ComplaintIn,
        complaints::ActionIn,
        complaint_callbacks::PlanComplaintCallbackIn,
        callback_records::CallbackRecord,
        complaint_contacts::ContactsIo,
        complaint_filing::FilingIo,
        complaint_filing::FilingOut,
        complaint_filing::ResponsibleIo,
        trainings::TrainingIn,
        trainings::TrainingOut,
        contacts::ContactIn,
        contacts::ContactOut,
        contacts::ConvertIn,
        contacts::ContactCloseIn,
        contacts::ChannelsIo,
        improvements::PdcaActionIn,
        improvements::PdcaPlanIn,
        improvements::ImprovementIn,
        improvements::PdcaStepIn,
        improvements::ImprovementOut,
        improvements::PdcaStepOut,
        qa::CriterionIo,
        qa::QaSchemeIo,
        qa::QaQueueItem,
        qa::ScoreIn,
        qa::InspectionIn,
        service::qa::ScoreView,
        service::qa::InspectionView,
        service::qa::QaLine,
        service::qa::QaReport,
        service::kpi::KpiWeightsOut,
        service::kpi::KpiLine,
        service::kpi::KpiReport,
        service::hq::OfficeQa,
        service::hq::HqOffice,
        service::hq::OfficeMonth,
        service::hq::OfficeComplaints,
        customers::CustomerRecordIn,
        customers::CustomerOut,
        customers::ChurnOut,
        customers::KeyAccountIn,
        customers::ChurnIn,
        customer_reports::SettleIn,
        crate::store::customer_link::ItemKind,
        service::customers::CustomerView,
        service::customers::CustomerPage,
        service::customers::ReviewItem,
        service::customers::TierReport,
        service::customers::TierTotal,
        service::customers::TierLine,
        service::customers::ChurnReport,
        service::complaint_analysis::Analysis,
        service::complaint_analysis::TrendRow,
        service::complaint_analysis::OpenItem,
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

    /// A schema is named by its type's name alone: two types of one name would describe
    /// one of them with the other's fields (billing's queue and QA's did).
    #[test]
    fn every_schema_type_has_a_name_of_its_own() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut seen = std::collections::BTreeMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            // The derive being read (until its `)]`), and whether the item next is a schema.
            let (mut derive, mut reading, mut schema) = (String::new(), false, false);
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") || reading {
                    derive.push_str(line);
                    reading = !line.ends_with(")]");
                    if !reading {
                        schema = derive.contains("ToSchema");
                        derive.clear();
                    }
                    continue;
                }
                if !schema || line.starts_with("#[") || line.starts_with("//") {
                    continue;
                }
                let name: String = line
                    .trim_start_matches("pub ")
                    .trim_start_matches("struct ")
                    .trim_start_matches("enum ")
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if let Some(other) = seen.insert(name.clone(), f.clone()) {
                    panic!(
                        "{name} is a schema in {} and {}",
                        other.display(),
                        f.display()
                    );
                }
                schema = false;
            }
        }
        assert!(seen.contains_key("HqOffice") && seen.contains_key("QaQueueItem"));
    }
}
