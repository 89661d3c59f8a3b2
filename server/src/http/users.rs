//! People and devices of the office, the caller's own view (`/me`) and the office's
//! settings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::state::{ARRIVAL_GRACE_MS, HANDOVER_LIMIT_MS};
use baoxiu_sync_core::task::attention;
use baoxiu_sync_core::{Person, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, Caller};
use crate::error::{Error, Result};
use crate::policy::allowed_actions;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    #[schema(value_type = String)]
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub specialties: Vec<String>,
    pub zone: Option<String>,
    pub active: bool,
}

impl From<Person> for PersonOut {
    fn from(p: Person) -> Self {
        PersonOut {
            id: p.id,
            name: p.name,
            role: p.role.as_str().to_owned(),
            specialties: p.specialties,
            zone: p.zone,
            active: p.active,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonIn {
    #[schema(pattern = "\\S")]
    pub name: String,
    #[schema(schema_with = super::schema::role)]
    pub role: String,
    #[serde(default)]
    pub specialties: Vec<String>,
    #[serde(default)]
    pub zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceOut {
    #[schema(value_type = String)]
    pub user: UserId,
    pub device: String,
    pub last_sync: Option<i64>,
}

/// The numbers the rules fix, served once so the console does not repeat them.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleNumbers {
    /// R-APPOINT: arrival later than the appointment plus this is late.
    pub arrival_grace_minutes: i64,
    /// R-HANDOVER: the manager receives the order within this of logging.
    pub handover_limit_minutes: i64,
}

/// The office's settings (each with its documented default).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsBody {
    #[schema(maximum = 365)]
    pub rework_days: u32,
    #[schema(maximum = 1440)]
    pub margin_minutes: u32,
    #[schema(maximum = 100)]
    pub sample_percent: u32,
    #[schema(maximum = 1000)]
    pub sample_min_per_technician: u32,
    /// A call-back score at or above this counts as satisfied (default 4).
    #[serde(default = "default_satisfied_score")]
    #[schema(minimum = 1, maximum = 5, default = 4)]
    pub satisfied_score: u32,
    /// R-COLLECT: days after sign-off (or the receipt) before an order awaiting its receipt
    /// (or collection) is overdue (default 3).
    #[serde(default = "default_collection_overdue_days")]
    #[schema(minimum = 1, maximum = 365, default = 3)]
    pub collection_overdue_days: u32,
    /// R-MONTH 零修: an order whose fees total at most this (minor units) is a small
    /// repair unless the manager classified it otherwise (default 500000).
    #[serde(default = "default_small_repair_max_total")]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64, default = 500_000)]
    pub small_repair_max_total: i64,
    /// R-COPIES: days a share link to a customer's copy works (default 14).
    #[serde(default = "default_share_link_days")]
    #[schema(minimum = 1, maximum = 365, default = 14)]
    pub share_link_days: u32,
    /// R-VISIT-SURVEY: days a link to an online survey works (default 14).
    #[serde(default = "default_survey_link_days")]
    #[schema(minimum = 1, maximum = 90, default = 14)]
    pub survey_link_days: u32,
    /// R-VEH-COSTLY: a part priced above this (minor units) needs the fleet manager's
    /// review and the leader's approval (default 200000).
    #[serde(default = "default_costly_part")]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64, default = 200_000)]
    pub costly_part: i64,
    /// R-SUP-COUNT: days into the quarter by which its count is confirmed (default 10).
    #[serde(default = "default_count_deadline_days")]
    #[schema(minimum = 1, maximum = 90, default = 10)]
    pub count_deadline_days: u32,
    /// R-SUP-VENDOR: competing quotes asked for (default 3).
    #[serde(default = "default_min_quotes")]
    #[schema(minimum = 2, maximum = 10, default = 3)]
    pub min_quotes: u32,
    /// Hours a web console sign-in lasts (default 12).
    #[serde(default = "default_console_session_hours")]
    #[schema(minimum = 1, maximum = 168, default = 12)]
    pub console_session_hours: u32,
    /// R-VISIT-OWNER: days until a call-back's problem task is due (default 7).
    #[serde(default = "default_owner_task_days")]
    #[schema(minimum = 1, maximum = 90, default = 7)]
    pub owner_task_days: u32,
    /// R-VISIT-OWNER: days before its due date a task shows as due soon (0: only once
    /// overdue; default 2).
    #[serde(default = "default_owner_task_remind_days")]
    #[schema(minimum = 0, maximum = 30, default = 2)]
    pub owner_task_remind_days: u32,
    /// R-CS-TRAINING: days a pre-duty training (or its latest refresher) lets an agent take
    /// contacts (default 365).
    #[serde(default = "default_cs_training_valid_days")]
    #[schema(minimum = 1, maximum = 3650, default = 365)]
    pub cs_training_valid_days: u32,
    /// S5 19: percent of customers, by paid revenue, who are VIP (default 1).
    #[serde(default = "default_tier_vip_percent")]
    #[schema(minimum = 0, maximum = 10, default = 1)]
    pub tier_vip_percent: u32,
    /// S5 19: percent who are major customers (default 4).
    #[serde(default = "default_tier_major_percent")]
    #[schema(minimum = 0, maximum = 30, default = 4)]
    pub tier_major_percent: u32,
    /// S5 19: percent who are ordinary customers; the rest are small (default 15).
    #[serde(default = "default_tier_ordinary_percent")]
    #[schema(minimum = 0, maximum = 60, default = 15)]
    pub tier_ordinary_percent: u32,
    /// S5 19: months of paid revenue the tiers rank (default 12).
    #[serde(default = "default_tier_months")]
    #[schema(minimum = 1, maximum = 36, default = 12)]
    pub tier_months: u32,
    /// R-CS-KPI: the weight of the QA score in a person's KPI score (default 40).
    #[serde(default = "default_kpi_weight_quality")]
    #[schema(minimum = 0, maximum = 100, default = 40)]
    pub kpi_weight_quality: u32,
    /// R-CS-KPI: the weight of call-back satisfaction (default 30).
    #[serde(default = "default_kpi_weight_satisfaction")]
    #[schema(minimum = 0, maximum = 100, default = 30)]
    pub kpi_weight_satisfaction: u32,
    /// R-CS-KPI: the weight of complaint steps done on time (default 30).
    #[serde(default = "default_kpi_weight_complaints")]
    #[schema(minimum = 0, maximum = 100, default = 30)]
    pub kpi_weight_complaints: u32,
}

fn default_kpi_weight_quality() -> u32 {
    OfficeSettings::default().kpi_weight_quality
}

fn default_kpi_weight_satisfaction() -> u32 {
    OfficeSettings::default().kpi_weight_satisfaction
}

fn default_kpi_weight_complaints() -> u32 {
    OfficeSettings::default().kpi_weight_complaints
}

fn default_tier_vip_percent() -> u32 {
    OfficeSettings::default().tier_vip_percent
}

fn default_tier_major_percent() -> u32 {
    OfficeSettings::default().tier_major_percent
}

fn default_tier_ordinary_percent() -> u32 {
    OfficeSettings::default().tier_ordinary_percent
}

fn default_tier_months() -> u32 {
    OfficeSettings::default().tier_months
}

fn default_cs_training_valid_days() -> u32 {
    OfficeSettings::default().cs_training_valid_days
}

fn default_owner_task_remind_days() -> u32 {
    OfficeSettings::default().owner_task_remind_days
}

fn default_owner_task_days() -> u32 {
    OfficeSettings::default().owner_task_days
}

fn default_console_session_hours() -> u32 {
    OfficeSettings::default().console_session_hours
}

fn default_costly_part() -> i64 {
    OfficeSettings::default().costly_part
}

fn default_count_deadline_days() -> u32 {
    OfficeSettings::default().count_deadline_days
}

fn default_min_quotes() -> u32 {
    OfficeSettings::default().min_quotes
}

fn default_share_link_days() -> u32 {
    OfficeSettings::default().share_link_days
}

fn default_survey_link_days() -> u32 {
    OfficeSettings::default().survey_link_days
}

fn default_small_repair_max_total() -> i64 {
    OfficeSettings::default().small_repair_max_total
}

fn default_satisfied_score() -> u32 {
    OfficeSettings::default().satisfied_score
}

fn default_collection_overdue_days() -> u32 {
    OfficeSettings::default().collection_overdue_days
}

impl From<OfficeSettings> for SettingsBody {
    fn from(s: OfficeSettings) -> Self {
        SettingsBody {
            rework_days: s.rework_days,
            margin_minutes: s.margin_minutes,
            sample_percent: s.sample_percent,
            sample_min_per_technician: s.sample_min_per_technician,
            satisfied_score: s.satisfied_score,
            collection_overdue_days: s.collection_overdue_days,
            small_repair_max_total: s.small_repair_max_total,
            share_link_days: s.share_link_days,
            survey_link_days: s.survey_link_days,
            costly_part: s.costly_part,
            count_deadline_days: s.count_deadline_days,
            min_quotes: s.min_quotes,
            console_session_hours: s.console_session_hours,
            owner_task_days: s.owner_task_days,
            owner_task_remind_days: s.owner_task_remind_days,
            cs_training_valid_days: s.cs_training_valid_days,
            tier_vip_percent: s.tier_vip_percent,
            tier_major_percent: s.tier_major_percent,
            tier_ordinary_percent: s.tier_ordinary_percent,
            tier_months: s.tier_months,
            kpi_weight_quality: s.kpi_weight_quality,
            kpi_weight_satisfaction: s.kpi_weight_satisfaction,
            kpi_weight_complaints: s.kpi_weight_complaints,
        }
    }
}

impl From<SettingsBody> for OfficeSettings {
    fn from(s: SettingsBody) -> Self {
        OfficeSettings {
            rework_days: s.rework_days,
            margin_minutes: s.margin_minutes,
            sample_percent: s.sample_percent,
            sample_min_per_technician: s.sample_min_per_technician,
            satisfied_score: s.satisfied_score,
            collection_overdue_days: s.collection_overdue_days,
            small_repair_max_total: s.small_repair_max_total,
            share_link_days: s.share_link_days,
            survey_link_days: s.survey_link_days,
            costly_part: s.costly_part,
            count_deadline_days: s.count_deadline_days,
            min_quotes: s.min_quotes,
            console_session_hours: s.console_session_hours,
            owner_task_days: s.owner_task_days,
            owner_task_remind_days: s.owner_task_remind_days,
            cs_training_valid_days: s.cs_training_valid_days,
            tier_vip_percent: s.tier_vip_percent,
            tier_major_percent: s.tier_major_percent,
            tier_ordinary_percent: s.tier_ordinary_percent,
            tier_months: s.tier_months,
            kpi_weight_quality: s.kpi_weight_quality,
            kpi_weight_satisfaction: s.kpi_weight_satisfaction,
            kpi_weight_complaints: s.kpi_weight_complaints,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeOut {
    #[schema(value_type = String)]
    pub id: baoxiu_sync_core::OfficeId,
    pub name: String,
    pub time_zone: String,
    pub currency: String,
}

/// Who the caller is and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = String)]
    pub user: UserId,
    pub name: String,
    pub role: String,
    pub zone: Option<String>,
    pub office: OfficeOut,
    pub rules: RuleNumbers,
    pub settings: SettingsBody,
    /// The policy table's actions this role may take.
    pub allowed_actions: Vec<String>,
    /// The kinds of case (S3) this role opens: `vehicle_repair`, `requisition`…
    pub opens_cases: Vec<String>,
    /// R-CS-TRAINING, for an agent: the last day their training lets them take contacts,
    /// or null when it does not today (other roles: null, and never asked).
    pub on_duty_until: Option<String>,
    /// R-VISIT-OWNER: the caller's own open tasks that ask for attention now (overdue, due
    /// soon, or chased): the console's reminder.
    pub tasks_needing_attention: u32,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(st): State<AppState>, c: Caller) -> Result<Json<Me>> {
    let person = st
        .store
        .user(c.0.sub)
        .await?
        .ok_or_else(|| Error::Unauthorized("unknown user".into()))?;
    let office = st
        .store
        .office(c.0.office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let settings = st.store.settings(c.0.office).await?;
    let (now, days) = (st.now(), settings.owner_task_remind_days);
    let attention = st
        .store
        .open_task_dues(c.0.office, c.0.sub)
        .await?
        .into_iter()
        .filter(|&(due, chased)| attention(due, chased, now, days).is_some())
        .count();
    Ok(Json(Me {
        user: person.id,
        name: person.name,
        role: c.0.role.as_str().to_owned(),
        zone: person.zone,
        office: OfficeOut {
            id: office.id,
            name: office.name,
            time_zone: office.time_zone,
            currency: office.currency,
        },
        rules: RuleNumbers {
            arrival_grace_minutes: ARRIVAL_GRACE_MS / 60_000,
            handover_limit_minutes: HANDOVER_LIMIT_MS / 60_000,
        },
        settings: settings.into(),
        allowed_actions: allowed_actions(c.0.role),
        opens_cases: crate::service::case_actions::opens(c.0.role)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        on_duty_until: if c.0.role == Role::CsAgent {
            super::trainings::on_duty_until(&st, &c).await?
        } else {
            None
        },
        tasks_needing_attention: u32::try_from(attention).unwrap_or(u32::MAX),
    }))
}

/// A ticket for `?ticket=` on `/sync` or `/api/v1/events`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketOut {
    pub ticket: String,
    /// Seconds the ticket may be used to open a stream (an open stream stays open).
    pub expires_in: i64,
}

#[utoipa::path(post, path = "/api/v1/tickets", responses((status = 200, body = TicketOut), (status = 401, body = ErrorBody)))]
pub async fn ticket(State(st): State<AppState>, c: Caller) -> Result<Json<TicketOut>> {
    let ticket = st.keys.ticket(&c.0, st.now() / 1000)?;
    Ok(Json(TicketOut {
        ticket,
        expires_in: crate::auth::TICKET_TTL_SECS,
    }))
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<PersonOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<PersonOut>>> {
    let people = st.store.users(c.0.office).await?;
    Ok(Json(people.into_iter().map(PersonOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = PersonIn, responses((status = 201, body = PersonOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(p): ApiJson<PersonIn>,
) -> Result<(StatusCode, Json<PersonOut>)> {
    let role: Role = p.role.parse()?;
    // The server's own role is never a person's.
    if role == Role::System {
        return Err(Error::Invalid("no one can be given the system role".into()));
    }
    // R-CS-HQ: head office reads every office, so no office's admin may appoint it.
    if role == Role::HeadOffice {
        return Err(Error::Invalid(
            "head office is appointed by the company, not by an office".into(),
        ));
    }
    if p.name.trim().is_empty() {
        return Err(Error::Invalid("name is empty".into()));
    }
    let person = Person {
        id: UserId::new(),
        name: p.name,
        role,
        office: c.0.office,
        specialties: p.specialties,
        zone: p.zone,
        token_version: 0,
        active: true,
    };
    st.store.upsert_user(person.clone()).await?;
    Ok((StatusCode::CREATED, Json(person.into())))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", params(("id" = String, Path)), responses((status = 200, body = PersonOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "head office, which no office deactivates")))]
pub async fn deactivate(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>> {
    let id: UserId = id
        .parse()
        .map_err(|_| Error::NotFound(format!("user {id}")))?;
    let mut p = st
        .store
        .user(id)
        .await?
        .filter(|p| p.office == c.0.office)
        .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
    // R-CS-HQ: head office is seated in an office but answers to the company; the office
    // that appoints nobody to it switches nobody off either.
    if p.role == Role::HeadOffice {
        return Err(Error::Conflict(
            "head office is the company's: an office cannot deactivate it".into(),
        ));
    }
    p.active = false;
    // Every token issued before now stops working, and every open connection ends.
    p.token_version += 1;
    st.store.upsert_user(p.clone()).await?;
    st.sessions.revoke(p.id);
    Ok(Json(p.into()))
}

#[utoipa::path(get, path = "/api/v1/devices", responses((status = 200, body = Vec<DeviceOut>), (status = 403, body = ErrorBody)))]
pub async fn devices(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<DeviceOut>>> {
    let rows = st.store.device_syncs(c.0.office).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DeviceOut {
                user: d.user,
                device: d.device.to_string(),
                last_sync: d.last_sync,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/settings", responses((status = 200, body = SettingsBody), (status = 401, body = ErrorBody)))]
pub async fn get_settings(State(st): State<AppState>, c: Caller) -> Result<Json<SettingsBody>> {
    Ok(Json(st.store.settings(c.0.office).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/settings", request_body = SettingsBody, responses((status = 200, body = SettingsBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<SettingsBody>,
) -> Result<Json<SettingsBody>> {
    let s = OfficeSettings::from(b);
    st.store.set_settings(c.0.office, s).await?;
    Ok(Json(s.into()))
}
