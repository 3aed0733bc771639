//! Sends (送信): what the hub checks before it accepts files — limits, file names, that every
//! file names the same sender, receiver and ファイル連番, that the sender is the logged-in
//! office, the receiver, the combination (one of the standard's send units), and in strict
//! mode the spec validator. Contents are not read otherwise.

use std::collections::BTreeSet;

use super::error::{clip, FileProblem, HubError};
use super::licence;
use crate::store::{NewFile, NewSend};
use crate::world::World;
use renkei_spec::filename::{self, FileName};
use renkei_spec::validate::{self, Options};
use renkei_spec::Standard;

/// A file as uploaded: its name, size, SHA-256 and bytes (streamed to a temporary file by
/// the API, in memory in tests).
pub type Upload = NewFile;

/// The limits (assumed, settings of the world): files per send and bytes per file.
pub fn check_limits(world: &World, files: &[Upload]) -> Result<(), HubError> {
    if files.len() > world.hub.max_files_per_send {
        return Err(HubError::TooManyFiles(world.hub.max_files_per_send));
    }
    for f in files {
        if f.size > world.hub.max_file_bytes {
            return Err(HubError::FileTooLarge {
                name: clip(&f.name),
                limit: world.hub.max_file_bytes,
            });
        }
    }
    Ok(())
}

/// The first check of a send, made before its body is read: the sender's licence.
pub fn check_sender(
    world: &World,
    office: &str,
    now: time::OffsetDateTime,
) -> Result<(), HubError> {
    let sender = world.office(office).ok_or_else(|| {
        HubError::Internal(format!("ログイン中の事業所 {office} が世界にありません"))
    })?;
    if licence::is_licensed(sender, now) {
        Ok(())
    } else {
        Err(HubError::LicenceExpired(office.to_string()))
    }
}

/// Checks a send from `office` and turns it into what the store keeps.
pub fn check_send(
    world: &World,
    office: &str,
    files: Vec<Upload>,
    now: time::OffsetDateTime,
) -> Result<NewSend, HubError> {
    let sender_office = world.office(office).ok_or_else(|| {
        HubError::Internal(format!("ログイン中の事業所 {office} が世界にありません"))
    })?;
    if !licence::is_licensed(sender_office, now) {
        return Err(HubError::LicenceExpired(office.to_string()));
    }
    if files.is_empty() {
        return Err(HubError::CombinationInvalid(
            "ファイルがありません（multipart の file パートで送ってください）".into(),
        ));
    }
    check_limits(world, &files)?;
    let mut names: Vec<FileName> = Vec::with_capacity(files.len());
    let mut seen = BTreeSet::new();
    for f in &files {
        if !seen.insert(f.name.as_str()) {
            return Err(HubError::CombinationInvalid(format!(
                "同じファイル名「{}」が2回あります",
                clip(&f.name)
            )));
        }
        let parsed = filename::parse(&f.name);
        // A name whose sender is its receiver is otherwise well formed: that is SAME_OFFICE,
        // reported in its place in the order below, not a file-name error.
        let reason = parsed
            .diagnostics
            .iter()
            .find(|d| d.is_error() && d.code != renkei_spec::Code::FilenameSameOffice)
            .map(|d| format!("{} [{}]", d.message, d.code.as_str()));
        match (parsed.name, reason) {
            (Some(n), None) => names.push(n),
            (_, reason) => {
                return Err(HubError::FileNameInvalid {
                    name: clip(&f.name),
                    reason: reason.unwrap_or_else(|| "ファイル名を読めません".into()),
                })
            }
        }
    }
    let first = &names[0];
    for (n, f) in names.iter().zip(&files).skip(1) {
        let mut differs = Vec::new();
        if n.sender.office != first.sender.office {
            differs.push("送信元");
        }
        if n.receiver.office != first.receiver.office {
            differs.push("送信先");
        }
        if n.sequence != first.sequence {
            differs.push("ファイル連番");
        }
        if n.revision != first.revision {
            differs.push("版");
        }
        if !differs.is_empty() {
            return Err(HubError::CombinationInvalid(format!(
                "「{}」の{}が「{}」と異なります（1回の送信のファイルは送信元・送信先・ファイル連番が同じ）",
                clip(&f.name),
                differs.join("・"),
                clip(&files[0].name)
            )));
        }
    }
    if first.sender.office != office {
        return Err(HubError::SenderMismatch {
            named: first.sender.office.clone(),
            login: office.to_string(),
        });
    }
    let receiver = first.receiver.office.clone();
    if receiver == office {
        return Err(HubError::SameOffice(receiver));
    }
    let recv = world
        .office(&receiver)
        .filter(|o| o.registered)
        .ok_or_else(|| HubError::ReceiverUnknown(receiver.clone()))?;
    if !licence::is_licensed(recv, now) {
        return Err(HubError::ReceiverUnlicensed(receiver.clone()));
    }
    // The combination.
    let rev = Standard::get()
        .revision(&first.revision)
        .ok_or_else(|| HubError::Internal(format!("版 {} がありません", first.revision)))?;
    let mut kinds: Vec<&str> = Vec::new();
    for n in &names {
        if kinds.contains(&n.kind.as_str()) {
            if n.kind != "UPKIHON_IMAGE" {
                return Err(HubError::CombinationInvalid(format!(
                    "{} が2つあります",
                    n.kind
                )));
            }
            continue;
        }
        kinds.push(n.kind.as_str());
    }
    if let Err(m) = rev.match_unit(&kinds) {
        return Err(HubError::CombinationInvalid(format!(
            "（{}）は第{}版の送信単位ではありません。{}",
            kinds.join(", "),
            rev.revision,
            m.describe()
        )));
    }
    if world.hub.strict {
        strict_check(&files)?;
    }
    Ok(NewSend {
        sender: office.to_string(),
        receiver,
        serial: first.sequence.clone(),
        sent_at: now,
        files,
    })
}

/// Strict mode (assumed, off by default): the spec validator on every file of the send. It
/// reads the whole unit into memory (bounded by the send limits).
fn strict_check(files: &[Upload]) -> Result<(), HubError> {
    let bytes = files
        .iter()
        .map(|f| f.body.read())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HubError::Internal(format!("受け取ったファイルを読めません: {e}")))?;
    let inputs: Vec<(&str, &[u8])> = files
        .iter()
        .zip(&bytes)
        .map(|(f, b)| (f.name.as_str(), b.as_ref()))
        .collect();
    let opts = Options {
        max_diagnostics: 50,
        ..Options::default()
    };
    let report = validate::validate_unit_bytes(&inputs, &opts)
        .map_err(|e| HubError::Internal(e.to_string()))?;
    let problems: Vec<FileProblem> = report
        .files
        .iter()
        .flat_map(|f| {
            f.diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| FileProblem {
                    file: f.path.clone(),
                    code: d.code.as_str().to_string(),
                    line: d.line,
                    message: d.message.clone(),
                })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(HubError::FileInvalid(problems))
    }
}
