//! A second office for head office to compare (R-CS-HQ): 大安大樓管理處, with its desk,
//! administrator and engineering manager, a dozen orders logged over the last days (most
//! handed over and received) and two complaints, one still incomplete.

use baoxiu_sync_core::{
    Author, Customer, EventBody, NewOrder, Office, OfficeId, Person, Role, UserId,
};
use uuid::Uuid;

use crate::error::Result;
use crate::state::AppState;

/// The second office's fixed id.
pub const SECOND_OFFICE: OfficeId =
    OfficeId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0002));

const HOUR_MS: i64 = 3_600_000;

fn person(name: &str, role: Role) -> Person {
    Person {
        id: UserId::new(),
        name: name.into(),
        role,
        office: SECOND_OFFICE,
        specialties: Vec::new(),
        zone: None,
        token_version: 0,
        active: true,
    }
}

pub async fn seed(st: &AppState) -> Result<()> {
    let office = Office {
        id: SECOND_OFFICE,
        name: "大安大樓管理處".into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    };
    st.store.upsert_office(office.clone()).await?;
    let (desk, admin, disp) = (
        person("何雅婷", Role::FrontDesk),
        person("許家豪", Role::Administrator),
        person("郭明德", Role::Dispatcher),
    );
    for p in [&desk, &admin, &disp, &person("曾秀玲", Role::Supervisor)] {
        st.store.upsert_user(p.clone()).await?;
    }
    let server = st.store.server_device();
    let by = |p: &Person| Author {
        user: p.id,
        device: server,
        role: p.role,
    };
    let jobs = [
        "電梯按鈕失靈",
        "地下室排水溝堵塞",
        "走廊燈不亮",
        "頂樓水塔浮球故障",
    ];
    let now = st.now();
    for i in 0..12i64 {
        let n = usize::try_from(i).unwrap_or(0);
        let new = NewOrder {
            office: office.clone(),
            customer: Customer {
                name: format!("{}先生", ["趙", "錢", "孫", "李"][n % 4]),
                unit: format!("{}F-{}", 2 + n % 9, 1 + n % 4),
                phone: format!("0922-{:03}-{:03}", 300 + n, 400 + n),
            },
            channel: baoxiu_sync_core::Channel::Phone,
            description: jobs[n % jobs.len()].into(),
            follow_up_of: None,
        };
        let s = st
            .store
            .create(by(&desk), new, now - i * 5 * HOUR_MS)
            .await?;
        if i % 3 == 0 {
            continue;
        }
        // R-HANDOVER: most are handed over and received; every third still waits.
        for (p, body) in [
            (&admin, EventBody::HandedOver { to: disp.id }),
            (&disp, EventBody::Received),
        ] {
            st.store
                .command(by(p), SECOND_OFFICE, s.order, body, st.now())
                .await?;
        }
    }
    for (ago, unit, subject, complete) in [
        (3, "5F-2", "電梯維修後仍常停在 5 樓", true),
        (1, "8F-1", "排水溝清理後仍有異味", false),
    ] {
        let n = baoxiu_sync_core::complaint::NewComplaint {
            channel: "hotline".into(),
            complainant: "住戶".into(),
            contact: "0922-000-111".into(),
            by_customer_or_agent: true,
            unit: unit.into(),
            subject: subject.into(),
            category: "repair".into(),
            description: String::new(),
            order: None,
            technician: None,
            material_complete: complete,
            missing: if complete {
                String::new()
            } else {
                "現場照片".into()
            },
            same_as: None,
            new_facts: None,
            referral: None,
            customer: None,
        };
        st.store
            .create_complaint(SECOND_OFFICE, n, now - ago * 24 * HOUR_MS, desk.id)
            .await?;
    }
    Ok(())
}
