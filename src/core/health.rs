//! Where a tab's sync stands: the [`Status`] it reports, and the last problem met.
//!
//! Each change returns whether it is news (a delivery is due): only a change of status or
//! reason is, so a failure that keeps repeating the same way does not rerun the tab's script
//! each time.

use super::protocol::Status;

/// A tab's status, its last problem, and whether its state persists.
#[derive(Debug)]
pub(crate) struct Health {
    status: Status,
    error: Option<String>,
    /// False when shared state lives only in the open tabs (no storage): the status then
    /// stays degraded, whatever writes succeed.
    persistent: bool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            status: Status::Live,
            error: None,
            persistent: true,
        }
    }
}

impl Health {
    /// The status to report.
    pub(crate) fn status(&self) -> Status {
        self.status
    }

    /// The last problem met, if any.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// A write failed for `reason`: degraded.
    pub(crate) fn write_failed(&mut self, reason: &str) -> bool {
        if self.status == Status::Degraded && self.error() == Some(reason) {
            return false;
        }
        self.set(Status::Degraded, reason);
        true
    }

    /// Nothing is left unsaved: a degraded tab whose state persists is live again.
    pub(crate) fn all_saved(&mut self) -> bool {
        if self.status != Status::Degraded || !self.persistent {
            return false;
        }
        self.status = Status::Live;
        self.error = None;
        true
    }

    /// Storage is unavailable but the open tabs reach each other: degraded for good.
    pub(crate) fn storage_replaced(&mut self, reason: &str) {
        self.persistent = false;
        self.set(Status::Degraded, reason);
    }

    /// Storage is unavailable: the tab works on its own.
    pub(crate) fn storage_blocked(&mut self, reason: &str) {
        self.set(Status::Blocked, reason);
    }

    /// A problem worth reporting that changes nothing else; news when the reason is new.
    pub(crate) fn note(&mut self, reason: &str) -> bool {
        if self.error() == Some(reason) {
            return false;
        }
        self.error = Some(reason.to_owned());
        true
    }

    fn set(&mut self, status: Status, reason: &str) {
        self.status = status;
        self.error = Some(reason.to_owned());
    }
}
