//! `renkei pki init --world`: a PKI for any world file, private keys readable by the owner
//! only, and a broken world file named with its line and column.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

#[test]
fn a_world_file_gets_a_ready_pki() {
    let tmp = tempfile::tempdir().unwrap();
    let (world, _) = renkei_simulator::world::demo(time::OffsetDateTime::now_utc());
    let path = tmp.path().join("my-world.toml");
    std::fs::write(&path, world.to_toml()).unwrap();
    let dir = tmp.path().join("pki");
    let st = Command::new(BIN)
        .args(["pki", "init", "--world"])
        .arg(&path)
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for o in &world.offices {
        assert!(dir.join(format!("offices/{}.pem", o.number)).is_file());
        let key = dir.join(format!("offices/{}-key.pem", o.number));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", key.display());
        }
    }
    for f in [
        "ca.pem",
        "crl/root.pem",
        "crl/care-insurance.pem",
        "hub/server.pem",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert!(
        !dir.join("demo.json").exists(),
        "demo.json is only for --demo"
    );
    // The hub can be built from it.
    renkei_simulator::pki::HubTlsMaterial::load(&dir).unwrap();
}

#[test]
fn a_broken_world_file_is_named_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, "[hub]\nretention_days = \"thirty\"\n").unwrap();
    let st = Command::new(BIN)
        .args(["pki", "init", "--world"])
        .arg(&path)
        .arg("--dir")
        .arg(tmp.path().join("pki"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(err.contains("bad.toml") && err.contains("line 2"), "{err}");
}
