//! R-VEH-USE: trips (private use only with approval, leaving the city only with the
//! leader's consent) and the fuel log (designated stations only), with each vehicle's
//! consumption per month. A trip or refuelling that breaks a rule happened all the same:
//! it is kept and flagged, never refused after the fact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Millis, Money};

/// A trip as the driver records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trip {
    pub id: String,
    pub vehicle: String,
    pub start: Millis,
    pub end: Millis,
    pub odometer_start: u64,
    pub odometer_end: u64,
    pub private: bool,
    pub out_of_city: bool,
    /// The approval of private use (its reference), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_approval: Option<String>,
    /// The leader's consent to leave the city (its reference), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_consent: Option<String>,
}

/// A refuelling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refuel {
    pub id: String,
    pub vehicle: String,
    pub at: Millis,
    pub station: String,
    /// Millilitres, so litres stay exact.
    pub millilitres: u64,
    pub amount: Money,
    pub odometer_km: u64,
}

/// What R-VEH-USE flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UseFlag {
    PrivateWithoutApproval {
        trip: String,
    },
    LeftCityWithoutConsent {
        trip: String,
    },
    /// The odometer went backwards, or the trip ends before it starts.
    Implausible {
        trip: String,
    },
    UndesignatedStation {
        refuel: String,
        station: String,
    },
}

/// R-VEH-USE: a trip's flags.
pub fn trip_flags(t: &Trip) -> Vec<UseFlag> {
    let mut out = Vec::new();
    if t.private && t.private_approval.as_deref().is_none_or(str::is_empty) {
        out.push(UseFlag::PrivateWithoutApproval { trip: t.id.clone() });
    }
    if t.out_of_city && t.leave_consent.as_deref().is_none_or(str::is_empty) {
        out.push(UseFlag::LeftCityWithoutConsent { trip: t.id.clone() });
    }
    if t.odometer_end < t.odometer_start || t.end < t.start {
        out.push(UseFlag::Implausible { trip: t.id.clone() });
    }
    out
}

/// R-VEH-USE: a refuelling at a station the office has not designated.
pub fn refuel_flag(r: &Refuel, designated: &[String]) -> Option<UseFlag> {
    (!designated.iter().any(|s| s == &r.station)).then(|| UseFlag::UndesignatedStation {
        refuel: r.id.clone(),
        station: r.station.clone(),
    })
}

/// A vehicle's fuel in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumption {
    pub millilitres: u64,
    pub amount: Money,
    /// Kilometres the month's fuel was burnt over (full-tank method: from the refuel before
    /// each one to it).
    pub km: u64,
    /// Millilitres per 100 km (None until a distance is known).
    pub ml_per_100km: Option<u64>,
}

/// R-VEH-USE: fuel per vehicle for the refuels whose instants `month` accepts (the
/// office's month, in its zone). Full-tank method: a refuel's fuel was burnt since the
/// vehicle's previous refuel, over the distance between their odometer readings; a
/// vehicle's first refuel ever has no distance and counts its fuel and money only.
pub fn consumption(
    refuels: &[Refuel],
    month: impl Fn(Millis) -> bool,
) -> BTreeMap<String, Consumption> {
    let mut by_vehicle: BTreeMap<&str, Vec<&Refuel>> = BTreeMap::new();
    for r in refuels {
        by_vehicle.entry(&r.vehicle).or_default().push(r);
    }
    let mut out = BTreeMap::new();
    for (vehicle, mut rs) in by_vehicle {
        rs.sort_by(|a, b| (a.at, a.odometer_km, &a.id).cmp(&(b.at, b.odometer_km, &b.id)));
        let mut c = Consumption::default();
        let mut any = false;
        let mut burnt_over_km: u64 = 0;
        let mut fuel_with_km: u64 = 0;
        for (i, r) in rs.iter().enumerate() {
            if !month(r.at) {
                continue;
            }
            any = true;
            c.millilitres = c.millilitres.saturating_add(r.millilitres);
            c.amount = Money(c.amount.0.saturating_add(r.amount.0));
            if let Some(prev) = i.checked_sub(1).and_then(|p| rs.get(p))
                && r.odometer_km > prev.odometer_km
            {
                burnt_over_km = burnt_over_km.saturating_add(r.odometer_km - prev.odometer_km);
                fuel_with_km = fuel_with_km.saturating_add(r.millilitres);
            }
        }
        if !any {
            continue;
        }
        c.km = burnt_over_km;
        c.ml_per_100km =
            (burnt_over_km > 0).then(|| fuel_with_km.saturating_mul(100) / burnt_over_km);
        out.insert(vehicle.to_owned(), c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip(private: bool, approval: Option<&str>, out: bool, consent: Option<&str>) -> Trip {
        Trip {
            id: "t".into(),
            vehicle: "AB-1234".into(),
            start: 0,
            end: 1,
            odometer_start: 100,
            odometer_end: 180,
            private,
            out_of_city: out,
            private_approval: approval.map(str::to_owned),
            leave_consent: consent.map(str::to_owned),
        }
    }

    #[test]
    fn r_veh_use_private_use_and_leaving_the_city_need_approval() {
        let private = || UseFlag::PrivateWithoutApproval { trip: "t".into() };
        let left = || UseFlag::LeftCityWithoutConsent { trip: "t".into() };
        // (trip, flags)
        let cases = [
            (trip(false, None, false, None), vec![]),
            (trip(true, None, false, None), vec![private()]),
            (trip(true, Some(""), false, None), vec![private()]),
            (trip(true, Some("批-7"), false, None), vec![]),
            (trip(false, None, true, None), vec![left()]),
            (trip(false, None, true, Some("領導同意")), vec![]),
            (trip(true, None, true, None), vec![private(), left()]),
        ];
        for (t, expected) in cases {
            assert_eq!(trip_flags(&t), expected, "{t:?}");
        }
        let backwards = Trip {
            odometer_end: 99,
            ..trip(false, None, false, None)
        };
        assert_eq!(
            trip_flags(&backwards),
            [UseFlag::Implausible { trip: "t".into() }]
        );
    }

    fn refuel(id: &str, vehicle: &str, at: Millis, station: &str, ml: u64, odo: u64) -> Refuel {
        Refuel {
            id: id.into(),
            vehicle: vehicle.into(),
            at,
            station: station.into(),
            millilitres: ml,
            amount: Money(i64::try_from(ml).unwrap_or(0) * 3),
            odometer_km: odo,
        }
    }

    #[test]
    fn r_veh_use_fuel_only_at_designated_stations() {
        let stations = vec!["中油民生站".to_owned()];
        assert_eq!(
            refuel_flag(&refuel("r", "v", 0, "中油民生站", 1, 1), &stations),
            None
        );
        assert_eq!(
            refuel_flag(&refuel("r", "v", 0, "路邊站", 1, 1), &stations),
            Some(UseFlag::UndesignatedStation {
                refuel: "r".into(),
                station: "路邊站".into()
            })
        );
    }

    #[test]
    fn r_veh_use_fuel_per_vehicle_per_month_by_the_full_tank_method() {
        // Month = instants 100..200.
        let refuels = [
            refuel("a", "v1", 50, "s", 40_000, 10_000),
            refuel("b", "v1", 120, "s", 30_000, 10_400),
            refuel("c", "v1", 150, "s", 36_000, 10_800),
            refuel("d", "v1", 250, "s", 99_000, 11_500),
            // v2's first refuel ever is in the month: fuel and money, no distance.
            refuel("e", "v2", 110, "s", 20_000, 5_000),
        ];
        let c = consumption(&refuels, |t| (100..200).contains(&t));
        let v1 = c.get("v1").cloned().unwrap_or_default();
        assert_eq!(v1.millilitres, 66_000);
        assert_eq!(v1.km, 800);
        assert_eq!(v1.ml_per_100km, Some(8_250));
        assert_eq!(v1.amount, Money(198_000));
        let v2 = c.get("v2").cloned().unwrap_or_default();
        assert_eq!((v2.millilitres, v2.km, v2.ml_per_100km), (20_000, 0, None));
        assert!(consumption(&refuels, |t| t > 1_000).is_empty());
    }
}
