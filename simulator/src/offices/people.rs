//! The insured persons of the simulated 居宅 (利用者): the spec crate's synthetic population
//! (names with NEC special characters, IBM-extension kanji such as 髙 and 﨑, half-width
//! katakana where the item allows it), with 保険者番号 that pass their 検証番号 rule.
//!
//! (assumed) The 保険者番号's 6th digit is a 検証番号 computed like the 事業所番号's: modulus 10,
//! weights 2,1,2,… from the rightmost of the first five digits, digits of each product summed,
//! (10 − sum mod 10) mod 10. The 被保険者番号 has no public check rule: 10 digits, unique per
//! 保険者番号.

use renkei_spec::filename::Party;
use renkei_spec::sample::{office_check_digit, Service, World, YOBO_TYPE};

/// The 検証番号 of a 保険者番号 from its first five digits.
pub fn insurer_check_digit(first5: &str) -> Option<u32> {
    if first5.len() != 5 || !first5.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    office_check_digit(first5)
}

/// A 保険者番号: prefecture (2 digits), insurer (3 digits), 検証番号.
pub fn insurer_number(prefecture: u32, insurer: u32) -> String {
    let first5 = format!("{prefecture:02}{insurer:03}");
    let cd = insurer_check_digit(&first5).unwrap_or(0);
    format!("{first5}{cd}")
}

/// Whether a 保険者番号 passes its 検証番号.
pub fn insurer_is_valid(n: &str) -> bool {
    n.len() == 6 && insurer_check_digit(&n[..5]) == n[5..].parse().ok()
}

/// The population of a 居宅 whose office is `kyotaku` and whose providers are `providers`
/// (in the order 訪問介護, 通所介護, 福祉用具貸与, 訪問看護; fewer leave the rest as generated).
pub fn population(seed: u64, users: usize, kyotaku: &str, providers: &[String]) -> World {
    let mut w = World::generate(seed, users);
    w.kyotaku.office = kyotaku.to_string();
    for (p, number) in w.providers.iter_mut().zip(providers) {
        p.office = number.clone();
    }
    // Users whose provider is not one of ours are served by the first provider instead.
    let n = providers.len().min(w.providers.len()).max(1);
    w.providers.truncate(n);
    for (i, u) in w.users.iter_mut().enumerate() {
        u.providers.retain(|&p| p < n);
        if u.providers.is_empty() {
            u.providers.push(i % n);
        }
        let insurer = 100 + (i as u32 % 7) * 10;
        u.insurer = insurer_number(13, insurer);
    }
    w
}

/// 訪問型サービス（独自）(総合事業, サービス種類 A2): the 介護予防 service the simulated
/// provider delivers to 要支援 users, twice a week.
const HOUMON_GATA: &[Service] = &[Service {
    code: "A21111",
    name: "訪問型独自サービス１１",
    units: 287,
    time: Some(("1000", "1045")),
    weekdays: &[2, 5],
}];

/// The users of a 地域包括支援センター `houkatsu` (介護予防支援, 46): `users` 要支援 users
/// (要支援1 and 要支援2 in turn, with their 区分支給限度基準額), all served by one provider,
/// `provider`, with 訪問型サービス (A2). Its 予定 and 実績 are the operator's patterns D6 and D7.
pub fn yobo_population(seed: u64, users: usize, houkatsu: &str, provider: &str) -> World {
    let mut w = population(seed, users, houkatsu, &[provider.to_string()]);
    w.kyotaku = Party {
        office: houkatsu.to_string(),
        service_type: Some(YOBO_TYPE.into()),
    };
    w.houkatsu = w.kyotaku.clone();
    w.kyotaku_name = "地域包括支援センター".into();
    w.providers[0].service_type = "A2".into();
    w.providers[0].services = HOUMON_GATA.to_vec();
    for (n, u) in w.users.iter_mut().enumerate() {
        let (level, limit) = if n % 2 == 0 {
            ("12", 5032)
        } else {
            ("13", 10531)
        };
        u.care_level = level;
        u.limit = limit;
        u.providers = vec![0];
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insurer_numbers_carry_their_check_digit() {
        // 13101: 1·2, 0·1, 1·2, 3·1, 1·2 from the right → 2+0+2+3+2 = 9 → 1.
        assert_eq!(insurer_number(13, 101), "131011");
        assert!(insurer_is_valid("131011"));
        assert!(!insurer_is_valid("131012"));
        assert!(!insurer_is_valid("13101"));
    }

    #[test]
    fn a_yobo_world_is_a_houkatsu_with_yoshien_users_of_one_provider() {
        let w = yobo_population(3, 4, "1370101121", "1370101022");
        assert_eq!(w.kyotaku.service_type.as_deref(), Some("46"));
        assert_eq!(w.houkatsu, w.kyotaku);
        assert_eq!(w.providers.len(), 1);
        assert_eq!(w.providers[0].service_type, "A2");
        assert!(w.users.iter().all(|u| matches!(u.care_level, "12" | "13")));
        assert!(w.users.iter().all(|u| u.providers == [0]));
    }

    #[test]
    fn every_user_has_a_valid_insurer_and_one_of_our_providers() {
        let w = population(
            5,
            12,
            "1370101014",
            &["1370101022".into(), "1370101030".into()],
        );
        assert_eq!(w.providers.len(), 2);
        assert!(w.users.iter().all(|u| insurer_is_valid(&u.insurer)));
        assert!(w
            .users
            .iter()
            .all(|u| !u.providers.is_empty() && u.providers.iter().all(|&p| p < 2)));
        assert!(w.users.iter().all(|u| u.insured.len() == 10));
    }
}
