//! Close certainty (结案的确定性): ten evidence levels, separate from the stage.

/// The levels, 10 % to 100 %, each with the evidence that justifies it (zh, en).
pub const LEVELS: [(u8, &str, &str); 10] = [
    (10, "已识别销售机会", "Opportunity identified"),
    (
        20,
        "已拜访决策者与影响者，对方不抵触",
        "Decision maker and influencers called, not resisting",
    ),
    (
        30,
        "已讨论关键问题，获得关键信息",
        "Key issues discussed, key information obtained",
    ),
    (40, "双方就关键问题达成一致", "Agreement on the key issues"),
    (
        50,
        "关键影响者口头承诺",
        "Verbal commitment from the key influencers",
    ),
    (60, "价格已确认可接受", "Pricing verified acceptable"),
    (
        70,
        "决策者口头同意",
        "Verbal agreement from the decision maker",
    ),
    (80, "合同已确定", "Contract certain"),
    (90, "最终细节已解决", "Final details resolved"),
    (100, "已收到采购订单", "Purchase order received"),
];

/// A certainty level: 0 (not assessed) or a multiple of ten up to 100.
pub fn parse_level(raw: i64) -> Result<u8, &'static str> {
    if (0..=100).contains(&raw) && (raw as u64).is_multiple_of(10) {
        Ok(raw as u8)
    } else {
        Err("invalid_certainty")
    }
}

/// The evidence bit of a level (bit 0 for 10 %, …, bit 9 for 100 %).
pub fn evidence_bit(level: u8) -> i64 {
    1 << (i64::from(level / 10) - 1)
}

/// Evidence ticks come as a bit set of the ten levels; anything else is refused.
pub fn parse_evidence(bits: i64) -> Result<i64, &'static str> {
    if (0..1 << 10).contains(&bits) {
        Ok(bits)
    } else {
        Err("invalid_certainty")
    }
}

/// Builds the bit set from the levels whose evidence is ticked.
pub fn evidence_from_levels(levels: &[u8]) -> Result<i64, &'static str> {
    levels
        .iter()
        .try_fold(0, |acc, l| match parse_level(i64::from(*l)) {
            Ok(0) | Err(_) => Err("invalid_certainty"),
            Ok(l) => Ok(acc | evidence_bit(l)),
        })
}

/// The levels whose evidence is ticked, ascending.
pub fn levels_from_evidence(bits: i64) -> Vec<u8> {
    LEVELS
        .iter()
        .map(|(l, _, _)| *l)
        .filter(|l| bits & evidence_bit(*l) != 0)
        .collect()
}

/// The highest level the ticked evidence supports: every level up to it must be ticked.
pub fn supported_level(bits: i64) -> u8 {
    LEVELS
        .iter()
        .map(|(l, _, _)| *l)
        .take_while(|l| bits & evidence_bit(*l) != 0)
        .last()
        .unwrap_or(0)
}

/// True when the claimed level is above what its evidence supports (a red flag).
pub fn is_unsupported(claimed: u8, bits: i64) -> bool {
    claimed > supported_level(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_tens() {
        assert_eq!(parse_level(70), Ok(70));
        assert_eq!(parse_level(0), Ok(0));
        assert_eq!(parse_level(75), Err("invalid_certainty"));
        assert_eq!(parse_level(110), Err("invalid_certainty"));
    }

    #[test]
    fn support_needs_every_lower_level() {
        let bits = evidence_from_levels(&[10, 20, 30, 50]).expect("valid levels");
        assert_eq!(supported_level(bits), 30);
        assert!(is_unsupported(50, bits));
        assert!(!is_unsupported(30, bits));
        assert_eq!(levels_from_evidence(bits), vec![10, 20, 30, 50]);
    }

    #[test]
    fn evidence_is_stored_as_bit_0_for_10_to_bit_9_for_100() {
        // The bit set is what the database keeps: its layout must not drift.
        assert_eq!(evidence_from_levels(&[10]), Ok(1));
        assert_eq!(evidence_from_levels(&[20]), Ok(1 << 1));
        assert_eq!(evidence_from_levels(&[100]), Ok(1 << 9));
        assert_eq!(levels_from_evidence(1), vec![10]);
        assert_eq!(levels_from_evidence(1 << 9), vec![100]);
        assert_eq!(levels_from_evidence(0b10_0000_0001), vec![10, 100]);
    }

    #[test]
    fn every_level_ticked_is_valid_stored_evidence() {
        let all: Vec<u8> = LEVELS.iter().map(|(l, _, _)| *l).collect();
        let bits = evidence_from_levels(&all).expect("all ten levels are valid");
        assert_eq!(bits, 0b11_1111_1111);
        assert_eq!(parse_evidence(bits), Ok(bits));
        assert_eq!(levels_from_evidence(bits), all);
        assert_eq!(supported_level(bits), 100);
    }

    #[test]
    fn stored_evidence_within_the_ten_levels_is_accepted() {
        assert_eq!(parse_evidence(0), Ok(0));
        assert_eq!(parse_evidence(1), Ok(1));
        assert_eq!(parse_evidence(0b1010), Ok(0b1010));
        assert_eq!(parse_evidence((1 << 10) - 1), Ok((1 << 10) - 1));
    }

    #[test]
    fn a_level_ticked_twice_counts_once() {
        let bits = evidence_from_levels(&[10, 20, 10, 20]).expect("valid levels");
        assert_eq!(bits, evidence_from_levels(&[10, 20]).expect("valid levels"));
        assert_eq!(levels_from_evidence(bits), vec![10, 20]);
        assert_eq!(supported_level(bits), 20);
    }

    #[test]
    fn bad_evidence_is_refused() {
        assert_eq!(evidence_from_levels(&[0]), Err("invalid_certainty"));
        assert_eq!(evidence_from_levels(&[15]), Err("invalid_certainty"));
        assert_eq!(parse_evidence(1 << 10), Err("invalid_certainty"));
        assert_eq!(parse_evidence(-1), Err("invalid_certainty"));
    }
}
