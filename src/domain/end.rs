//! Why a race ended: a host's or admin's `/end`, or its window open too long.
//! Stored with the window as text (`lobby_windows.close_reason`).

/// Why a race's window closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// `/end` or the card's End button.
    End,
    /// Open longer than `commission.max_window_minutes`.
    Timeout,
}

impl EndReason {
    /// The text stored with the window.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::End => "end",
            EndReason::Timeout => "timeout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_stored_as_their_words() {
        assert_eq!(EndReason::End.as_str(), "end");
        assert_eq!(EndReason::Timeout.as_str(), "timeout");
    }
}
