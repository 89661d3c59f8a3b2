//! R-VEH-USE: a vehicle's log as a case on the shared engine — its trips and refuellings,
//! recorded by drivers on the road (often offline), with the leader's approvals of
//! private use and consents to leave the city. A trip or refuelling that breaks a rule
//! happened all the same: it is kept and flagged.

use serde::{Deserialize, Serialize};

use super::maintenance::Service;
use super::usage::{Refuel, Trip, UseFlag, refuel_flag, trip_flags};
use crate::doc::{CaseDoc, CaseFacts};
use crate::event::Fact;
use crate::model::{EventId, Millis, Money, OfficeId, OrderId, Role};

/// A vehicle's log is identified like any case.
pub type LogId = OrderId;

/// One fact of a vehicle's log.
pub type LogFact = Fact<LogBody>;

/// A vehicle log's replicated document.
pub type LogDoc = CaseDoc<LogBody>;

/// The kinds of fact of a vehicle's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LogBody {
    /// The log of one vehicle begins. First.
    Opened {
        log: LogId,
        office: OfficeId,
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        plate: String,
    },
    /// A trip (its id is the fact's).
    Trip {
        #[cfg_attr(feature = "openapi", schema(value_type = i64))]
        start: Millis,
        #[cfg_attr(feature = "openapi", schema(value_type = i64))]
        end: Millis,
        #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000_u64))]
        odometer_start: u64,
        #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000_u64))]
        odometer_end: u64,
        private: bool,
        out_of_city: bool,
    },
    /// A refuelling (its id is the fact's).
    Refuelled {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        station: String,
        #[cfg_attr(feature = "openapi", schema(maximum = 100_000_000_u64))]
        millilitres: u64,
        #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
        amount: Money,
        #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000_u64))]
        odometer_km: u64,
    },
    /// The leader approves a trip's private use.
    PrivateUseApproved { trip: EventId },
    /// The leader consents to a trip leaving the city.
    LeaveConsented { trip: EventId },
    /// R-VEH-MAINT: the vehicle was serviced (its scheduled maintenance), now, at this
    /// odometer reading, at this shop. The next service is due from it.
    Serviced {
        #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000_u64))]
        odometer_km: u64,
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        shop: String,
    },
    Note {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        text: String,
    },
}

impl CaseFacts for LogBody {
    const KIND: Option<&'static str> = Some("vehicle_log");
    const FIRST: &'static str = "opened";
    fn opens(&self) -> Option<OrderId> {
        match self {
            LogBody::Opened { log, .. } => Some(*log),
            _ => None,
        }
    }
}

/// Who records which fact.
pub fn role_may_record(role: Role, body: &LogBody) -> bool {
    use Role as R;
    if role == R::Admin {
        return true;
    }
    match body {
        LogBody::Opened { .. } => role == R::FleetManager,
        LogBody::Trip { .. } | LogBody::Refuelled { .. } | LogBody::Serviced { .. } => {
            matches!(role, R::Driver | R::FleetManager)
        }
        LogBody::PrivateUseApproved { .. } | LogBody::LeaveConsented { .. } => role == R::Leader,
        LogBody::Note { .. } => matches!(role, R::Driver | R::FleetManager | R::Leader),
    }
}

/// A log's state: its trips and refuellings, and what R-VEH-USE flags now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogState {
    pub plate: String,
    pub trips: Vec<Trip>,
    pub refuels: Vec<Refuel>,
    /// R-VEH-MAINT: the services recorded (corrected time, odometer), in document order.
    pub services: Vec<Service>,
    pub flags: Vec<UseFlag>,
    /// Facts recorded by a role that does not record them (kept).
    pub not_allowed: Vec<EventId>,
}

/// The log's state from its facts in document order; `None` unless the first opens it.
/// An approval or consent recorded after its trip (the leader was reached later) counts:
/// the flags are those of the log as it stands.
pub fn reduce(facts: &[LogFact], stations: &[String]) -> Option<LogState> {
    let (first, rest) = facts.split_first()?;
    let LogBody::Opened { plate, .. } = &first.body else {
        return None;
    };
    let mut s = LogState {
        plate: plate.clone(),
        trips: Vec::new(),
        refuels: Vec::new(),
        services: Vec::new(),
        flags: Vec::new(),
        not_allowed: Vec::new(),
    };
    for f in rest {
        if !role_may_record(f.author.role, &f.body) {
            s.not_allowed.push(f.id);
        }
        let id = f.id.to_string();
        match &f.body {
            LogBody::Trip {
                start,
                end,
                odometer_start,
                odometer_end,
                private,
                out_of_city,
            } => s.trips.push(Trip {
                id,
                vehicle: plate.clone(),
                start: *start,
                end: *end,
                odometer_start: *odometer_start,
                odometer_end: *odometer_end,
                private: *private,
                out_of_city: *out_of_city,
                private_approval: None,
                leave_consent: None,
            }),
            LogBody::Refuelled {
                station,
                millilitres,
                amount,
                odometer_km,
            } => s.refuels.push(Refuel {
                id,
                vehicle: plate.clone(),
                at: f.corrected_at(),
                station: station.clone(),
                millilitres: *millilitres,
                amount: *amount,
                odometer_km: *odometer_km,
            }),
            // A service by a role that does not record it is kept but resets nothing.
            LogBody::Serviced { odometer_km, .. } if role_may_record(f.author.role, &f.body) => {
                s.services.push(Service {
                    at: f.corrected_at(),
                    odometer_km: *odometer_km,
                })
            }
            LogBody::Serviced { .. } | LogBody::Opened { .. } | LogBody::Note { .. } => {}
            LogBody::PrivateUseApproved { .. } | LogBody::LeaveConsented { .. } => {}
        }
    }
    // Approvals and consents by the leader only (a fact of another role is kept, and
    // grants nothing).
    for f in rest
        .iter()
        .filter(|f| role_may_record(f.author.role, &f.body))
    {
        let (trip, private) = match &f.body {
            LogBody::PrivateUseApproved { trip } => (trip, true),
            LogBody::LeaveConsented { trip } => (trip, false),
            _ => continue,
        };
        let by = Some(f.id.to_string());
        if let Some(t) = s.trips.iter_mut().find(|t| t.id == trip.to_string()) {
            if private {
                t.private_approval = by;
            } else {
                t.leave_consent = by;
            }
        }
    }
    s.flags = s
        .trips
        .iter()
        .flat_map(trip_flags)
        .chain(s.refuels.iter().filter_map(|r| refuel_flag(r, stations)))
        .collect();
    Some(s)
}

/// The state of the log a document holds.
pub fn state_of(doc: &LogDoc, stations: &[String]) -> Option<LogState> {
    reduce(&doc.facts(), stations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{author, fact};
    use crate::vehicles::usage::consumption;

    fn trip(private: bool, out_of_city: bool) -> LogBody {
        LogBody::Trip {
            start: 1,
            end: 2,
            odometer_start: 100,
            odometer_end: 180,
            private,
            out_of_city,
        }
    }

    /// R-VEH-USE on the road: a driver records trips and refuellings offline; the leader's
    /// consent, given on her phone, merges in and clears the flag; an undesignated station
    /// and an unapproved private trip stay flagged.
    #[test]
    fn r_veh_use_a_driver_s_offline_log_merges_with_the_leader_s_consent() {
        let (manager, driver, leader) = (
            author(Role::FleetManager),
            author(Role::Driver),
            author(Role::Leader),
        );
        let stations = vec!["中油民生站".to_owned()];
        let opened = fact(
            &manager,
            0,
            LogBody::Opened {
                log: LogId::new(),
                office: OfficeId::new(),
                plate: "ABC-1234".into(),
            },
        );
        let office = LogDoc::create(manager.device, &opened).unwrap();
        let mut phone = office.fork_for(driver.device);
        let out = fact(&driver, 1, trip(false, true));
        phone.append(&out).unwrap();
        phone.append(&fact(&driver, 2, trip(true, false))).unwrap();
        for (n, (station, ml, km)) in [("中油民生站", 40_000, 10_000), ("路邊站", 30_000, 10_400)]
            .into_iter()
            .enumerate()
        {
            phone
                .append(&fact(
                    &driver,
                    n + 3,
                    LogBody::Refuelled {
                        station: station.into(),
                        millilitres: ml,
                        amount: Money(3 * i64::try_from(ml).unwrap_or(0)),
                        odometer_km: km,
                    },
                ))
                .unwrap();
        }
        let before = state_of(&phone, &stations).unwrap();
        let kinds =
            |s: &LogState| -> Vec<String> { s.flags.iter().map(crate::test_util::kind).collect() };
        assert_eq!(
            kinds(&before),
            [
                "left_city_without_consent",
                "private_without_approval",
                "undesignated_station"
            ]
        );
        // The leader's copy (synced earlier) learns of the trip and consents; they merge.
        let mut leader_copy = office.fork_for(leader.device);
        leader_copy
            .apply_changes(phone.changes_since(&leader_copy.heads()))
            .unwrap();
        leader_copy
            .append(&fact(&leader, 9, LogBody::LeaveConsented { trip: out.id }))
            .unwrap();
        phone
            .apply_changes(leader_copy.changes_since(&phone.heads()))
            .unwrap();
        let after = state_of(&phone, &stations).unwrap();
        assert_eq!(
            kinds(&after),
            ["private_without_approval", "undesignated_station"]
        );
        // A consent recorded by the driver grants nothing.
        let mut forged = phone.clone();
        let private = after.trips[1].id.parse::<EventId>().unwrap();
        forged
            .append(&fact(
                &driver,
                10,
                LogBody::PrivateUseApproved { trip: private },
            ))
            .unwrap();
        let s = state_of(&forged, &stations).unwrap();
        assert_eq!(kinds(&s), kinds(&after));
        assert_eq!(s.not_allowed.len(), 1);
        // The fuel per month, from the log's refuellings.
        let c = consumption(&after.refuels, |_| true);
        assert_eq!(c["ABC-1234"].km, 400);
        assert_eq!(c["ABC-1234"].ml_per_100km, Some(7_500));
    }
}
