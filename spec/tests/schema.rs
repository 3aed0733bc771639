//! `docs/send-unit.schema.json` is the schema generated from the standard, and every sample
//! send unit of both revisions is valid against it (and broken ones are not).

use renkei_spec::model::json_schema;

fn published() -> serde_json::Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/send-unit.schema.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("docs/send-unit.schema.json"))
        .expect("JSON")
}

#[test]
fn the_published_schema_is_the_generated_one() {
    assert_eq!(
        published(),
        json_schema(),
        "regenerate with `cargo run -- unit schema > docs/send-unit.schema.json`"
    );
}

#[test]
fn every_sample_unit_is_valid_and_broken_ones_are_not() {
    let v = jsonschema::validator_for(&published()).expect("a valid schema");
    let mut n = 0;
    for seed in [1, 7, 42] {
        for (name, unit) in renkei_spec::corpus::sample_units(seed, 3) {
            let json = unit.to_json().unwrap();
            let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            n += 1;
        }
    }
    for (case, files) in renkei_spec::corpus::cases()
        .into_iter()
        .filter(|(c, _)| c.valid)
    {
        let unit = renkei_spec::model::SendUnit::from_files(&files).unwrap();
        let json = unit.to_json().unwrap();
        let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", case.id);
        n += 1;
    }
    assert!(n >= 100, "{n}");
    let (_, unit) = &renkei_spec::corpus::sample_units(1, 2)[0];
    let good = unit.to_json().unwrap();
    let broken = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut j = good.clone();
        f(&mut j);
        assert!(!v.is_valid(&j), "{j:.200}");
    };
    broken(&|j| j["format"] = "renkei-send-unit/2".into());
    broken(&|j| j["sequence"] = "2025".into());
    broken(&|j| j["files"][0]["records"][0]["保険者番号"] = 131006.into());
    broken(&|j| j["files"][0]["records"][0]["存在しない項目"] = "x".into());
    broken(&|j| j["files"][0]["kind"] = "UPXYZ".into());
    broken(&|j| j["revision"] = "5.0".into());
}
