//! The in-memory paniclog the console's `paniclog` command shows: the last ten warnings,
//! errors and critical messages per level (Momentum keeps them in memory the same way).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// Entries kept per level.
const KEEP: usize = 10;

static ENTRIES: Mutex<[VecDeque<String>; 2]> = Mutex::new([VecDeque::new(), VecDeque::new()]);

/// A tracing layer that records WARN and ERROR events for `paniclog`.
pub struct PanicLogLayer;

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for PanicLogLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let slot = match *event.metadata().level() {
            Level::WARN => 0,
            Level::ERROR => 1,
            _ => return,
        };
        let mut message = Message(String::new());
        event.record(&mut message);
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = format!("{epoch}:{}: {}", event.metadata().target(), message.0);
        let mut entries = ENTRIES.lock();
        let queue = &mut entries[slot];
        if queue.len() == KEEP {
            queue.pop_front();
        }
        queue.push_back(line);
    }
}

/// The recorded entries, by level, for `paniclog`.
pub fn render() -> String {
    let entries = ENTRIES.lock();
    let mut out = String::new();
    for (name, queue) in ["WARNING", "ERROR"].iter().zip(entries.iter()) {
        let _ = writeln!(
            out,
            "{name}: {} entr{}",
            queue.len(),
            if queue.len() == 1 { "y" } else { "ies" }
        );
        for line in queue {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::prelude::*;

    #[test]
    fn warnings_and_errors_are_kept_ten_per_level() {
        let subscriber = tracing_subscriber::registry().with(PanicLogLayer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not kept");
            for i in 0..12 {
                tracing::warn!(count = i, "Warned");
            }
            tracing::error!("Broken thing");
        });
        let text = render();
        assert!(text.contains("WARNING: 10 entries"), "{text}");
        assert!(text.contains("Warned count=11"), "{text}");
        assert!(!text.contains("count=1\n"), "{text}");
        assert!(text.contains("Broken thing"), "{text}");
        assert!(!text.contains("not kept"), "{text}");
    }
}
