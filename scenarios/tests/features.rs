//! The features under `cargo test` (harness = false): every scenario against embedded hubs.
//! Reports go to `target/renkei-features/` for a look after a failure.

fn main() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/renkei-features");
    let opts = renkei_scenarios::RunOptions {
        features: renkei_scenarios::features_dir(),
        tags: std::env::var("RENKEI_TAGS").ok(),
        out: Some(out.clone()),
        concurrency: 4,
        progress: true,
        command_line: "cargo test -p renkei-scenarios --test features".into(),
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let run = match rt.block_on(renkei_scenarios::run(&opts)) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("renkei features: {e}");
            std::process::exit(2);
        }
    };
    let (passed, failed, skipped) = run.counts();
    println!(
        "features: {passed} passed, {failed} failed, {skipped} not run — reports in {}",
        out.display()
    );
    eprint!("{}", renkei_scenarios::runner::failure_summary(&run));
    if !run.passed() || run.scenarios().count() == 0 {
        std::process::exit(1);
    }
}
