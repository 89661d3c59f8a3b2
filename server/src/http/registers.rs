//! The office's registers for vehicles and supplies (S3): the fleet (vehicles, designated
//! repair shops and refuelling stations) with each vehicle's maintenance status
//! (R-VEH-MAINT), and the supplies catalogue (R-SUP-CATALOGUE, R-SUP-VENDOR). A register
//! is replaced whole; one that breaks a rule is refused (409) naming each problem; a body
//! that does not decode is 422.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use baoxiu_sync_core::supplies::{Catalogue, Category, Item};
use baoxiu_sync_core::vehicles::maintenance::{MaintenanceStatus, Schedule, Service, Warning};
use baoxiu_sync_core::vehicles::register::{Fleet, Vehicle};
use baoxiu_sync_core::{Money, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, Caller};
use crate::error::{Error, Result};
use crate::service::office_registers as registers;
use crate::state::AppState;

/// A vehicle of the office.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct VehicleIo {
    #[schema(pattern = "\\S", max_length = 100)]
    pub plate: String,
    /// The unit (科室、中隊) that keeps it.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub unit: String,
    /// Its drivers (user ids).
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub drivers: Vec<UserId>,
    #[schema(maximum = 10_000_000)]
    pub odometer_km: u64,
    /// R-VEH-MAINT: serviced every so many days…
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub every_days: Option<u32>,
    /// …and/or every so many km, whichever comes first.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub every_km: Option<u64>,
    /// The last service (or registration), UTC ms (the years 2000 to 2100), and the
    /// odometer then.
    #[schema(minimum = 946_684_800_000_i64, maximum = 4_102_444_800_000_i64)]
    pub last_service_at: i64,
    #[schema(maximum = 10_000_000)]
    pub last_service_km: u64,
}

/// The office's fleet register.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FleetIo {
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub vehicles: Vec<VehicleIo>,
    /// R-VEH-REQUEST: the designated repair shops.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub shops: Vec<String>,
    /// R-VEH-USE: the designated refuelling stations.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub stations: Vec<String>,
    /// R-VEH-MAINT: "due soon" this many days ahead (default 14)…
    #[serde(default = "default_warning_days")]
    #[schema(maximum = 365, default = 14)]
    pub warning_days: u32,
    /// …or this many km ahead (default 500).
    #[serde(default = "default_warning_km")]
    #[schema(maximum = 100_000, default = 500)]
    pub warning_km: u64,
}

fn default_warning_days() -> u32 {
    Warning::default().days
}

fn default_warning_km() -> u64 {
    Warning::default().km
}

impl From<FleetIo> for Fleet {
    fn from(f: FleetIo) -> Self {
        Fleet {
            vehicles: f
                .vehicles
                .into_iter()
                .map(|v| Vehicle {
                    plate: v.plate,
                    unit: v.unit,
                    drivers: v.drivers,
                    odometer_km: v.odometer_km,
                    schedule: Schedule {
                        every_days: v.every_days,
                        every_km: v.every_km,
                    },
                    last_service: Service {
                        at: v.last_service_at,
                        odometer_km: v.last_service_km,
                    },
                })
                .collect(),
            shops: f.shops,
            stations: f.stations,
            warning: Warning {
                days: f.warning_days,
                km: f.warning_km,
            },
        }
    }
}

impl From<Fleet> for FleetIo {
    fn from(f: Fleet) -> Self {
        FleetIo {
            vehicles: f
                .vehicles
                .into_iter()
                .map(|v| VehicleIo {
                    plate: v.plate,
                    unit: v.unit,
                    drivers: v.drivers,
                    odometer_km: v.odometer_km,
                    every_days: v.schedule.every_days,
                    every_km: v.schedule.every_km,
                    last_service_at: v.last_service.at,
                    last_service_km: v.last_service.odometer_km,
                })
                .collect(),
            shops: f.shops,
            stations: f.stations,
            warning_days: f.warning.days,
            warning_km: f.warning.km,
        }
    }
}

/// A vehicle's maintenance status (R-VEH-MAINT).
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceOut {
    pub plate: String,
    /// `unscheduled`, `not_due`, `due_soon` or `overdue`.
    pub status: String,
    /// When the next service is due by date (UTC ms), if scheduled by time.
    pub next_at: Option<i64>,
    /// At what odometer reading it is due, if scheduled by distance.
    pub next_km: Option<u64>,
}

impl MaintenanceOut {
    fn new(plate: String, s: MaintenanceStatus) -> Self {
        let (status, next_at, next_km) = match s {
            MaintenanceStatus::Unscheduled => ("unscheduled", None, None),
            MaintenanceStatus::NotDue { next_at, next_km } => ("not_due", next_at, next_km),
            MaintenanceStatus::DueSoon { next_at, next_km } => ("due_soon", next_at, next_km),
            MaintenanceStatus::Overdue { next_at, next_km } => ("overdue", next_at, next_km),
        };
        MaintenanceOut {
            plate,
            status: status.into(),
            next_at,
            next_km,
        }
    }
}

/// R-SUP-CATALOGUE: the four series.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CategoryIo {
    WritingTools,
    Paper,
    Stationery,
    Consumables,
}

impl From<CategoryIo> for Category {
    fn from(c: CategoryIo) -> Self {
        match c {
            CategoryIo::WritingTools => Category::WritingTools,
            CategoryIo::Paper => Category::Paper,
            CategoryIo::Stationery => Category::Stationery,
            CategoryIo::Consumables => Category::Consumables,
        }
    }
}

impl From<Category> for CategoryIo {
    fn from(c: Category) -> Self {
        match c {
            Category::WritingTools => CategoryIo::WritingTools,
            Category::Paper => CategoryIo::Paper,
            Category::Stationery => CategoryIo::Stationery,
            Category::Consumables => CategoryIo::Consumables,
        }
    }
}

/// An item of the supplies catalogue.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ItemIo {
    #[schema(pattern = "\\S", max_length = 100)]
    pub code: String,
    #[schema(pattern = "\\S", max_length = 100)]
    pub name: String,
    pub category: CategoryIo,
    #[schema(pattern = "\\S", max_length = 100)]
    pub unit: String,
    #[schema(maximum = 1_000_000_000)]
    pub reorder_level: u64,
    #[schema(maximum = 1_000_000_000)]
    pub restock_to: u64,
    /// Minor units.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub unit_price: i64,
    /// R-SUP-VENDOR: bought centrally through government procurement.
    #[serde(default)]
    pub government_procurement: bool,
    /// R-SUP-VENDOR: the item's own designated dealers (2–3), or none for its category's.
    #[serde(default)]
    #[schema(max_items = 3)]
    pub dealers: Vec<String>,
}

/// A category's designated dealers.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CategoryDealersIo {
    pub category: CategoryIo,
    #[schema(max_items = 3)]
    pub dealers: Vec<String>,
}

/// The office's supplies catalogue.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CatalogueIo {
    #[serde(default)]
    #[schema(max_items = 2000)]
    pub items: Vec<ItemIo>,
    #[serde(default)]
    #[schema(max_items = 4)]
    pub category_dealers: Vec<CategoryDealersIo>,
}

impl TryFrom<CatalogueIo> for Catalogue {
    type Error = Error;
    fn try_from(c: CatalogueIo) -> Result<Self> {
        let mut out = Catalogue::default();
        for i in c.items {
            if out.items.contains_key(&i.code) {
                return Err(Error::Conflict(format!("item code {:?} twice", i.code)));
            }
            out.add(Item {
                code: i.code,
                name: i.name,
                category: i.category.into(),
                unit: i.unit,
                reorder_level: i.reorder_level,
                restock_to: i.restock_to,
                unit_price: Money(i.unit_price),
                government_procurement: i.government_procurement,
                dealers: i.dealers,
            });
        }
        let mut dealers = BTreeMap::new();
        for d in c.category_dealers {
            let category = Category::from(d.category);
            if dealers.insert(category, d.dealers).is_some() {
                return Err(Error::Conflict(format!(
                    "category {:?} twice",
                    category.zh()
                )));
            }
        }
        out.category_dealers = dealers;
        Ok(out)
    }
}

impl From<Catalogue> for CatalogueIo {
    fn from(c: Catalogue) -> Self {
        CatalogueIo {
            items: c
                .items
                .into_values()
                .map(|i| ItemIo {
                    code: i.code,
                    name: i.name,
                    category: i.category.into(),
                    unit: i.unit,
                    reorder_level: i.reorder_level,
                    restock_to: i.restock_to,
                    unit_price: i.unit_price.0,
                    government_procurement: i.government_procurement,
                    dealers: i.dealers,
                })
                .collect(),
            category_dealers: c
                .category_dealers
                .into_iter()
                .map(|(category, dealers)| CategoryDealersIo {
                    category: category.into(),
                    dealers,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/fleet", responses((status = 200, body = FleetIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_fleet(State(st): State<AppState>, c: Caller) -> Result<Json<FleetIo>> {
    Ok(Json(registers::fleet(&st, c.0.office).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/fleet", request_body = FleetIo, responses((status = 200, body = FleetIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_fleet(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(f): ApiJson<FleetIo>,
) -> Result<Json<FleetIo>> {
    let fleet = Fleet::from(f);
    registers::set_fleet(&st, c.0.office, fleet.clone()).await?;
    Ok(Json(fleet.into()))
}

#[utoipa::path(get, path = "/api/v1/fleet/maintenance", responses((status = 200, body = Vec<MaintenanceOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn maintenance(
    State(st): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<MaintenanceOut>>> {
    Ok(Json(
        crate::service::s3_reports::maintenance(&st, c.0.office, st.now())
            .await?
            .into_iter()
            .map(|(plate, s)| MaintenanceOut::new(plate, s))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/supplies/catalogue", responses((status = 200, body = CatalogueIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_catalogue(State(st): State<AppState>, c: Caller) -> Result<Json<CatalogueIo>> {
    Ok(Json(registers::catalogue(&st, c.0.office).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/supplies/catalogue", request_body = CatalogueIo, responses((status = 200, body = CatalogueIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_catalogue(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<CatalogueIo>,
) -> Result<Json<CatalogueIo>> {
    let catalogue = Catalogue::try_from(b)?;
    registers::set_catalogue(&st, c.0.office, catalogue.clone()).await?;
    Ok(Json(catalogue.into()))
}
