//! Properties of the codec: arbitrary bytes never panic the validator, a valid file cut
//! inside a record always gets a diagnostic, and written units read back unchanged (as text).

use proptest::prelude::*;
use renkei_spec::model::SendUnit;
use renkei_spec::sample::{self, World};
use renkei_spec::validate::{file::validate_reader, Options};
use renkei_spec::writer;

const NAME: &str = "UPPLAN_202505_1371001015_43_1371020015_11_20250425100000.CSV";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let rep = validate_reader(NAME, NAME, &bytes[..], &Options::default()).unwrap();
        prop_assert_eq!(rep.valid, !rep.diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn cutting_a_valid_file_inside_a_record_is_reported(seed in 0u64..50, cut in any::<prop::sample::Index>()) {
        let unit = sample::usage_unit(&World::generate(seed, 2), "4.1", 0, "202505", "20250425100000");
        let f = writer::write_file(&unit, &unit.files[0]).unwrap();
        let at = cut.index(f.bytes.len());
        prop_assume!(at > 0 && !f.bytes[..at].ends_with(b"\r\n"));
        let rep = validate_reader(&f.name, &f.name, &f.bytes[..at], &Options::default()).unwrap();
        prop_assert!(!rep.diagnostics.is_empty(), "cut at {} gave no diagnostic", at);
    }

    #[test]
    fn written_units_read_back_unchanged(seed in 0u64..1000, users in 1usize..4, rev in prop::sample::select(vec!["4.1", "3.2"])) {
        let w = World::generate(seed, users);
        for unit in [
            sample::usage_unit(&w, rev, 0, "202505", "20250425100000"),
            sample::plan_unit(&w, rev, 0, "20250401", "20250402090000"),
            sample::actual_unit(&w, rev, 0, "202505", "20250602090000"),
        ] {
            let files: Vec<(String, Vec<u8>)> = writer::write_unit(&unit).unwrap().into_iter().map(|f| (f.name, f.bytes)).collect();
            let back = SendUnit::from_files(&files).unwrap();
            prop_assert_eq!(&back, &unit);
            let json = unit.to_json_string().unwrap();
            prop_assert_eq!(SendUnit::from_json(&json).unwrap(), unit);
        }
    }
}
