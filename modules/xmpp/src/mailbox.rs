//! A session's mailbox: what other tasks queue for one connection until its task writes it.
//!
//! An empty mailbox holds no buffer (an idle session costs a few words here), and the
//! session takes everything queued in one step, so a burst becomes one write. Pushing never
//! blocks the router; it fails once the session's task has gone.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::router::Outbound;

/// The shared half, kept in the session's handle.
#[derive(Debug, Default)]
pub struct Mailbox {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    items: VecDeque<Outbound>,
    /// Set when the session's receiving half is dropped.
    closed: bool,
    /// The session task, once it has waited on an empty mailbox; kept, so a session that
    /// waits again registers nothing new.
    waker: Option<Waker>,
}

impl Mailbox {
    /// A new mailbox and the receiving half for the session's task.
    pub fn new() -> (Arc<Mailbox>, MailboxReceiver) {
        let mailbox = Arc::new(Mailbox::default());
        let receiver = MailboxReceiver {
            mailbox: mailbox.clone(),
        };
        (mailbox, receiver)
    }

    /// Queues `item`; false when the session is gone.
    pub fn push(&self, item: Outbound) -> bool {
        let mut state = self.state.lock();
        if state.closed {
            return false;
        }
        let was_empty = state.items.is_empty();
        state.items.push_back(item);
        // A non-empty mailbox was already signalled and not yet taken.
        if was_empty && let Some(waker) = &state.waker {
            waker.wake_by_ref();
        }
        true
    }
}

/// The session task's half; dropping it makes later pushes fail.
#[derive(Debug)]
pub struct MailboxReceiver {
    mailbox: Arc<Mailbox>,
}

impl MailboxReceiver {
    /// Everything queued now, oldest first (empty when nothing is).
    pub fn take(&mut self) -> VecDeque<Outbound> {
        std::mem::take(&mut self.mailbox.state.lock().items)
    }

    /// Takes everything queued, or registers the task to be woken by the next push.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<VecDeque<Outbound>> {
        let mut state = self.mailbox.state.lock();
        if !state.items.is_empty() {
            return Poll::Ready(std::mem::take(&mut state.items));
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Waits until something is queued, then takes all of it. Cancel-safe: nothing is
    /// removed unless this returns.
    pub async fn recv(&mut self) -> VecDeque<Outbound> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }
}

impl Drop for MailboxReceiver {
    fn drop(&mut self) {
        let mut state = self.mailbox.state.lock();
        state.closed = true;
        state.items.clear();
        state.waker = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stanza(text: &str) -> Outbound {
        Outbound::Stanza(Arc::from(text))
    }

    fn texts(items: VecDeque<Outbound>) -> Vec<String> {
        items
            .into_iter()
            .map(|item| match item {
                Outbound::Stanza(xml) => xml.to_string(),
                Outbound::Close(..) => "close".into(),
            })
            .collect()
    }

    #[test]
    fn takes_everything_in_order_and_refuses_after_drop() {
        let (mailbox, mut receiver) = Mailbox::new();
        assert!(receiver.take().is_empty());
        assert!(mailbox.push(stanza("a")));
        assert!(mailbox.push(stanza("b")));
        assert_eq!(texts(receiver.take()), ["a", "b"]);
        assert!(receiver.take().is_empty());
        drop(receiver);
        assert!(!mailbox.push(stanza("c")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wakes_the_receiver_and_loses_nothing_across_threads() {
        let (mailbox, mut receiver) = Mailbox::new();
        let writer = tokio::spawn(async move {
            for i in 0..10_000 {
                assert!(mailbox.push(stanza(&i.to_string())));
                if i % 100 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        let mut seen = Vec::new();
        while seen.len() < 10_000 {
            let got = tokio::time::timeout(std::time::Duration::from_secs(10), receiver.recv())
                .await
                .expect("woken");
            seen.extend(texts(got));
        }
        writer.await.expect("writer");
        let expected: Vec<String> = (0..10_000).map(|i: i32| i.to_string()).collect();
        assert_eq!(seen, expected);
    }
}
