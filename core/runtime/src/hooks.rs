//! Typed hook points and the hook bus.
//!
//! A hook point is declared once, as a `static`, by the crate that fires it (for XMPP:
//! `modules/xmpp/src/hooks.rs`), with a stable string name in Prosody's grammar
//! (`message/in`, `iq-get/urn:xmpp:ping`) shared with the Lua API.
//!
//! **Ordering rule:** handlers run in ascending `order` (default 50; lower runs first); ties run
//! in registration order, which is config order. A handler returning [`Flow::Done`] stops the
//! chain; `Err(StanzaError)` stops it too and becomes the stanza's error reply.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use impetus_xmpp_proto::stanza_error::StanzaError;

/// The default position of a handler in its chain.
pub const DEFAULT_ORDER: i32 = 50;

/// What a handler tells the bus after it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Let the next handler (and finally the default behaviour) run.
    Continue,
    /// The event is handled; stop the chain.
    Done,
}

/// A typed hook point: fired with a `&mut P` payload.
pub struct HookPoint<P: 'static> {
    /// Stable name, e.g. `message/in`; used in logs and by scriptlets.
    pub name: &'static str,
    _payload: PhantomData<fn(&mut P)>,
}

impl<P: 'static> HookPoint<P> {
    /// Declares a hook point (use in a `static`).
    pub const fn new(name: &'static str) -> Self {
        HookPoint {
            name,
            _payload: PhantomData,
        }
    }
}

/// A registered handler for payload `P`.
pub type Handler<P> = Arc<dyn Fn(&mut P) -> Result<Flow, StanzaError> + Send + Sync>;

struct Chain<P: 'static> {
    handlers: Vec<(i32, Handler<P>)>,
}

/// All handlers of one configuration generation, keyed by hook name.
#[derive(Default)]
pub struct HookBus {
    chains: HashMap<&'static str, Box<dyn Any + Send + Sync>>,
}

impl HookBus {
    /// Adds a handler; keeps each chain sorted by order, stable for ties.
    pub fn add<P: Send + 'static>(
        &mut self,
        point: &'static HookPoint<P>,
        order: i32,
        handler: Handler<P>,
    ) {
        let entry = self.chains.entry(point.name).or_insert_with(|| {
            Box::new(Chain::<P> {
                handlers: Vec::new(),
            })
        });
        if let Some(chain) = entry.downcast_mut::<Chain<P>>() {
            let position = chain
                .handlers
                .partition_point(|(existing, _)| *existing <= order);
            chain.handlers.insert(position, (order, handler));
        }
    }

    /// Whether any handler is registered for the point.
    pub fn has<P: 'static>(&self, point: &'static HookPoint<P>) -> bool {
        self.chains.contains_key(point.name)
    }

    /// Runs the chain for `payload`; returns `Continue` when no handler finished it.
    pub fn run<P: 'static>(
        &self,
        point: &'static HookPoint<P>,
        payload: &mut P,
    ) -> Result<Flow, StanzaError> {
        let Some(chain) = self
            .chains
            .get(point.name)
            .and_then(|c| c.downcast_ref::<Chain<P>>())
        else {
            return Ok(Flow::Continue);
        };
        for (_, handler) in &chain.handlers {
            if handler(payload)? == Flow::Done {
                return Ok(Flow::Done);
            }
        }
        Ok(Flow::Continue)
    }

    /// Names of the hook points that have handlers, sorted (for `module hooks`).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.chains.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xmpp_proto::stanza_error::StanzaErrorCondition;

    static TEST_POINT: HookPoint<Vec<&'static str>> = HookPoint::new("test/point");

    fn push(tag: &'static str, flow: Flow) -> Handler<Vec<&'static str>> {
        Arc::new(move |log: &mut Vec<&'static str>| {
            log.push(tag);
            Ok(flow)
        })
    }

    #[test]
    fn lower_order_runs_first_and_ties_keep_registration_order() {
        let mut bus = HookBus::default();
        bus.add(&TEST_POINT, 60, push("late", Flow::Continue));
        bus.add(&TEST_POINT, 10, push("early", Flow::Continue));
        bus.add(&TEST_POINT, 60, push("late-second", Flow::Continue));
        let mut log = Vec::new();
        assert_eq!(bus.run(&TEST_POINT, &mut log), Ok(Flow::Continue));
        assert_eq!(log, ["early", "late", "late-second"]);
    }

    #[test]
    fn done_stops_the_chain_and_errors_propagate() {
        let mut bus = HookBus::default();
        bus.add(&TEST_POINT, 1, push("first", Flow::Done));
        bus.add(&TEST_POINT, 2, push("never", Flow::Continue));
        let mut log = Vec::new();
        assert_eq!(bus.run(&TEST_POINT, &mut log), Ok(Flow::Done));
        assert_eq!(log, ["first"]);

        let mut failing = HookBus::default();
        failing.add(
            &TEST_POINT,
            1,
            Arc::new(|_: &mut Vec<&'static str>| {
                Err(StanzaError::new(StanzaErrorCondition::Forbidden))
            }),
        );
        assert!(failing.run(&TEST_POINT, &mut Vec::new()).is_err());
    }

    #[test]
    fn unregistered_point_continues() {
        let bus = HookBus::default();
        assert!(!bus.has(&TEST_POINT));
        assert_eq!(bus.run(&TEST_POINT, &mut Vec::new()), Ok(Flow::Continue));
    }
}
