//! The period's figures of vehicles and supplies (S3), from the office's cases: the
//! storeroom's (issues per department, purchases per vendor, returns, count adjustments,
//! the stock's value at the end) from the ledger its requisitions, plans and counts make,
//! and the fleet's (each vehicle's repairs, approved against actual, and the wait for the
//! leader's approval) from its repairs, its fuel and services from the vehicles' logs.

use baoxiu_sync_core::doc::CaseDoc;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::supplies::count::Quarter;
use baoxiu_sync_core::supplies::count_register::{RegisterContext, count_register};
use baoxiu_sync_core::supplies::ledger::{Ledger, Movement};
use baoxiu_sync_core::supplies::purchase::{self, PlanBody};
use baoxiu_sync_core::supplies::report::{self as supplies, SuppliesReport};
use baoxiu_sync_core::supplies::requisition::{self, RequisitionBody};
use baoxiu_sync_core::supplies::stock_count::{self, CountBody, CountState};
use baoxiu_sync_core::vehicles::case::{self as repair, RepairBody};
use baoxiu_sync_core::vehicles::log::{self, LogBody, LogState};
use baoxiu_sync_core::vehicles::maintenance::{MaintenanceStatus, last_service};
use baoxiu_sync_core::vehicles::report::{self as fleet, FleetReport};
use baoxiu_sync_core::{Millis, OfficeId};

use super::cases::{plan_context, repair_context};
use super::month::Month;
use super::office_registers;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::Period;

/// A month (`YYYY-MM`) or a quarter (`YYYY-Qn`) in the office's zone, as UTC instants.
pub fn period(s: &str, time_zone: &str) -> Result<Period> {
    let bad = || Error::Invalid(format!("period {s:?}: YYYY-MM or YYYY-Q1…Q4"));
    if let Some((year, q)) = s.split_once("-Q") {
        let tz = super::zone_of(time_zone)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let next = if q == 4 {
            Quarter {
                year: year + 1,
                q: 1,
            }
        } else {
            Quarter { year, q: q + 1 }
        };
        let start = Quarter { year, q }.start(tz).ok_or_else(bad)?;
        let end = next.start(tz).ok_or_else(bad)?;
        return Ok(Period { start, end });
    }
    Ok(Month::parse(s, time_zone)?.period())
}

/// Every case of `kind` in the office, decoded as `B`.
async fn all<B: baoxiu_sync_core::doc::CaseFacts>(
    st: &AppState,
    office: OfficeId,
    kind: Kind,
) -> Result<Vec<CaseDoc<B>>> {
    let device = st.store.server_device();
    let mut out = Vec::new();
    for e in st
        .store
        .cases(office, vec![kind], None, u32::MAX, 0)
        .await?
    {
        if let Some((_, _, bytes)) = st.store.case(e.id).await? {
            out.push(
                CaseDoc::<B>::load(&bytes, device)
                    .map_err(|err| Error::Corrupt(format!("{} {}: {err}", kind.as_str(), e.id)))?,
            );
        }
    }
    Ok(out)
}

/// The office's storeroom movements: every requisition's issues, every plan's
/// deliveries, every confirmed count's adjustments; and its counts.
async fn movements(st: &AppState, office: OfficeId) -> Result<(Vec<Movement>, Vec<CountState>)> {
    let ctx = plan_context(st, office).await?;
    let mut movements: Vec<Movement> = Vec::new();
    for d in all::<RequisitionBody>(st, office, Kind::Requisition).await? {
        movements.extend(
            requisition::state_of(&d)
                .map(|s| s.movements)
                .unwrap_or_default(),
        );
    }
    for d in all::<PlanBody>(st, office, Kind::PurchasePlan).await? {
        movements.extend(
            purchase::state_of(&d, &ctx)
                .map(|s| s.movements)
                .unwrap_or_default(),
        );
    }
    let counts: Vec<CountState> = all::<CountBody>(st, office, Kind::StockCount)
        .await?
        .iter()
        .filter_map(stock_count::state_of)
        .collect();
    movements.extend(counts.iter().flat_map(CountState::movements));
    Ok((movements, counts))
}

fn ledger_of(movements: Vec<Movement>) -> Result<Ledger> {
    let mut ledger = Ledger::new();
    ledger
        .extend(movements)
        .map_err(|e| Error::Corrupt(format!("the storeroom's ledger: {e}")))?;
    Ok(ledger)
}

/// The office's storeroom ledger.
pub async fn ledger(st: &AppState, office: OfficeId) -> Result<Ledger> {
    ledger_of(movements(st, office).await?.0)
}

fn range(p: Period) -> std::ops::Range<Millis> {
    p.start..p.end
}

pub async fn supplies_report(
    st: &AppState,
    office: OfficeId,
    period: Period,
) -> Result<SuppliesReport> {
    let catalogue = office_registers::catalogue(st, office).await?;
    let (movements, counts) = movements(st, office).await?;
    let ledger = ledger_of(movements.clone())?;
    let mut r = supplies::report(&ledger, &catalogue, range(period))
        .map_err(|e| Error::Internal(format!("supplies report: {e}")))?;
    let settings = st.store.settings(office).await?;
    let tz = super::office_zone(st, office).await?;
    r.counts = count_register(
        &counts,
        range(period),
        &RegisterContext {
            movements: &movements,
            catalogue: &catalogue,
            now: st.now(),
            tz,
            deadline_days: settings.count_deadline_days,
        },
    )
    .map_err(|e| Error::Corrupt(format!("the count register: {e}")))?;
    Ok(r)
}

pub async fn fleet_report(st: &AppState, office: OfficeId, period: Period) -> Result<FleetReport> {
    let ctx = repair_context(st, office).await?;
    let states: Vec<_> = all::<RepairBody>(st, office, Kind::VehicleRepair)
        .await?
        .iter()
        .filter_map(|d| repair::state_of(d, &ctx))
        .collect();
    let register = office_registers::fleet(st, office).await?;
    let logs = logs(st, office).await?;
    Ok(fleet::report(&states, range(period))
        .map_err(|e| Error::Internal(format!("fleet report: {e}")))?
        .with_logs(&logs, &register, range(period)))
}

/// Every vehicle log of the office, read with its designated stations.
pub async fn logs(st: &AppState, office: OfficeId) -> Result<Vec<LogState>> {
    let stations = office_registers::fleet(st, office).await?.stations;
    Ok(all::<LogBody>(st, office, Kind::VehicleLog)
        .await?
        .iter()
        .filter_map(|d| log::state_of(d, &stations))
        .collect())
}

/// R-VEH-MAINT: each vehicle's status at `now`. A service logged from a phone restarts
/// its schedule, as an edit of the register's last service does.
pub async fn maintenance(
    st: &AppState,
    office: OfficeId,
    now: Millis,
) -> Result<Vec<(String, MaintenanceStatus)>> {
    let mut fleet = office_registers::fleet(st, office).await?;
    let logs = logs(st, office).await?;
    for v in &mut fleet.vehicles {
        let logged: Vec<_> = logs
            .iter()
            .filter(|l| l.plate == v.plate)
            .flat_map(|l| l.services.iter().copied())
            .collect();
        v.last_service = last_service(v.last_service, &logged);
        v.odometer_km = v.odometer_km.max(v.last_service.odometer_km);
    }
    Ok(fleet.maintenance(now))
}
