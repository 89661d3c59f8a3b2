//! R-DISPATCH: the manager assigns by specialty first and by who can be there fastest
//! (以本項專長和上門快捷為原則). This ranks the office's technicians for one order; the
//! manager still chooses.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Person, Role, UserId, category_of};

/// R-DISPATCH: only an active technician of the order's office can be assigned — checked
/// the same for a REST command and for a fact arriving from a device.
pub fn assignable(person: Option<&Person>, office: crate::model::OfficeId) -> bool {
    person.is_some_and(|p| p.office == office && p.role == Role::Technician && p.active)
}

/// R-HANDOVER: the register hands an order to an active engineering manager (dispatcher)
/// of the order's office — the same check for a REST command and a device's fact.
pub fn can_receive(person: Option<&Person>, office: crate::model::OfficeId) -> bool {
    person.is_some_and(|p| p.office == office && p.role == Role::Dispatcher && p.active)
}

/// One technician, ranked for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub technician: UserId,
    pub name: String,
    pub specialty_match: bool,
    pub same_zone: bool,
    /// Open orders assigned now.
    pub load: u32,
    /// 1 is the best fit.
    pub rank: u32,
}

/// What the order asks for: a specialty and where it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Need {
    pub specialty: Option<String>,
    pub zone: Option<String>,
}

impl Need {
    /// The specialty from the description ("廚房水龍頭漏水" → plumbing) and the zone from
    /// the unit's building ("A棟-12F-3" → "A棟"), unless given.
    pub fn infer(
        description: &str,
        unit: &str,
        specialty: Option<String>,
        zone: Option<String>,
    ) -> Need {
        Need {
            specialty: specialty.or_else(|| category_of(description).map(str::to_owned)),
            zone: zone.or_else(|| {
                unit.split('-')
                    .next()
                    .filter(|z| !z.is_empty())
                    .map(str::to_owned)
            }),
        }
    }
}

/// R-DISPATCH: active technicians ranked by specialty, then same zone (fastest to be
/// there), then fewer open jobs, then name.
pub fn rank(people: Vec<Person>, load: &HashMap<UserId, u32>, need: &Need) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = people
        .into_iter()
        .filter(|p| p.role == Role::Technician && p.active)
        .map(|p| Suggestion {
            technician: p.id,
            specialty_match: need
                .specialty
                .as_ref()
                .is_some_and(|sp| p.specialties.contains(sp)),
            same_zone: need.zone.is_some() && p.zone == need.zone,
            load: load.get(&p.id).copied().unwrap_or(0),
            name: p.name,
            rank: 0,
        })
        .collect();
    out.sort_by(|a, b| {
        b.specialty_match
            .cmp(&a.specialty_match)
            .then(b.same_zone.cmp(&a.same_zone))
            .then(a.load.cmp(&b.load))
            .then(a.name.cmp(&b.name))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OfficeId;

    fn tech(name: &str, specialties: &[&str], zone: Option<&str>, active: bool) -> Person {
        Person {
            id: UserId::new(),
            name: name.into(),
            role: Role::Technician,
            office: OfficeId::default(),
            specialties: specialties.iter().map(|s| (*s).to_owned()).collect(),
            zone: zone.map(str::to_owned),
            token_version: 0,
            active,
        }
    }

    #[test]
    fn r_dispatch_ranks_specialty_then_zone_then_load() {
        let plumber_far = tech("甲", &["plumbing"], Some("B棟"), true);
        let plumber_near_busy = tech("乙", &["plumbing"], Some("A棟"), true);
        let plumber_near_free = tech("丙", &["plumbing"], Some("A棟"), true);
        let electrician_near = tech("丁", &["electrical"], Some("A棟"), true);
        let inactive = tech("戊", &["plumbing"], Some("A棟"), false);
        let mut clerk = tech("己", &["plumbing"], Some("A棟"), true);
        clerk.role = Role::Dispatcher;
        let load = HashMap::from([(plumber_near_busy.id, 3), (plumber_near_free.id, 1)]);
        let need = Need::infer("廚房水龍頭漏水", "A棟-12F-3", None, None);
        assert_eq!(need.specialty.as_deref(), Some("plumbing"));
        assert_eq!(need.zone.as_deref(), Some("A棟"));
        let ranked = rank(
            vec![
                electrician_near.clone(),
                plumber_far.clone(),
                inactive,
                clerk,
                plumber_near_busy.clone(),
                plumber_near_free.clone(),
            ],
            &load,
            &need,
        );
        let order: Vec<(UserId, u32)> = ranked.iter().map(|s| (s.technician, s.rank)).collect();
        assert_eq!(
            order,
            vec![
                (plumber_near_free.id, 1),
                (plumber_near_busy.id, 2),
                (plumber_far.id, 3),
                (electrician_near.id, 4),
            ]
        );
    }

    #[test]
    fn r_dispatch_given_need_wins_over_inference() {
        let need = Need::infer("漏水", "A棟-1F", Some("hvac".into()), Some("C棟".into()));
        assert_eq!(need.specialty.as_deref(), Some("hvac"));
        assert_eq!(need.zone.as_deref(), Some("C棟"));
        assert_eq!(Need::infer("油漆", "", None, None), Need::default());
    }
}
