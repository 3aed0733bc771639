//! Licences (ライセンス): one per office number, one year, renewing by hand or automatically.
//! (assumed) A lapsed office can log in and download what it received, but cannot send; a
//! send to an office without a current licence is refused.

use time::{Date, OffsetDateTime};

use crate::clock::JST;
use crate::world::Office;

/// The end of the office's current licence period, if it has one at `now`.
pub fn licensed_until(office: &Office, now: OffsetDateTime) -> Option<Date> {
    let today = now.to_offset(JST).date();
    office.licence.as_ref()?.current_until(today)
}

/// Whether the office holds a current licence at `now`.
pub fn is_licensed(office: &Office, now: OffsetDateTime) -> bool {
    licensed_until(office, now).is_some()
}
