//! One configured `xmpp_logger` instance: its formats, the hooks that produce `R` and `D`
//! records, the heartbeat task that writes `M` records, and the module hooks the console uses
//! (`reopen logs`, `summary`, `xmpp_logger:<inst> reopen logs`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use impetus_config::Diagnostic;
use impetus_runtime::{Flow, Generation, Module, ModuleContext, Registrar};
use mod_xmpp::hooks::{DeliveredEvent, STANZA_DELIVERED, STANZA_IN, StanzaEvent};
use parking_lot::Mutex;

use crate::format::{Format, Record};
use crate::options::LoggerOptions;
use crate::writer::{Writer, Writers};

/// Hook order: before every other handler, so a record shows the stanza as the client sent it
/// even when a scriptlet later handles or rewrites it.
const HOOK_ORDER: i32 = i32::MIN;

/// A configured logger.
pub struct XmppLogger {
    instance: String,
    logfile: PathBuf,
    mode: u32,
    heartbeat: Duration,
    heartbeat_format: Format,
    reception_format: Format,
    delivery_format: Format,
    writer: OnceLock<Arc<Writer>>,
    ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// `ModuleSpec::configure` of xmpp_logger: compiles the formats and hooks reception and
/// delivery; the file is opened when the generation starts.
pub fn configure(
    context: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    let options =
        LoggerOptions::read(&context.config.module(context.stanza)).map_err(|d| vec![d])?;
    let location = context.stanza.location.clone();
    let mut problems = Vec::new();
    let mut compile = |name: &str, text: &str| {
        Format::parse(text).unwrap_or_else(|e| {
            problems.push(Diagnostic::error(location.clone(), format!("{name}: {e}")));
            Format::parse("").unwrap_or_else(|_| unreachable!("the empty format is valid"))
        })
    };
    let logger = Arc::new(XmppLogger {
        instance: context.instance.to_owned(),
        logfile: options.logfile,
        mode: options.logmode.0,
        heartbeat: Duration::from_secs(options.heartbeat.0),
        heartbeat_format: compile("log_heartbeat_format", &options.log_heartbeat_format),
        reception_format: compile("log_reception_format", &options.log_reception_format),
        delivery_format: compile("log_delivery_format", &options.log_delivery_format),
        writer: OnceLock::new(),
        ticker: Mutex::new(None),
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    if options.log_reception {
        let logger = logger.clone();
        registrar.hook(
            &STANZA_IN,
            HOOK_ORDER,
            Arc::new(move |event: &mut StanzaEvent| {
                logger.received(event);
                Ok(Flow::Continue)
            }),
        );
    }
    if options.log_delivery {
        let logger = logger.clone();
        registrar.hook(
            &STANZA_DELIVERED,
            HOOK_ORDER,
            Arc::new(move |event: &mut DeliveredEvent| {
                logger.delivered(event);
                Ok(Flow::Continue)
            }),
        );
    }
    Ok(logger)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl XmppLogger {
    fn emit(&self, format: &Format, record: &Record<'_>) {
        if let Some(writer) = self.writer.get() {
            writer.write(format.render(record));
        }
    }

    /// Writes the `R` record of a stanza a local client sent.
    fn received(&self, event: &StanzaEvent) {
        let remote = event.session.as_ref().map_or("", |s| s.peer.as_str());
        let record = Record {
            time: now(),
            stanza: Some(&event.stanza),
            to_fallback: None,
            remote,
        };
        self.emit(&self.reception_format, &record);
    }

    /// Writes the `D` record of a stanza queued to a local session.
    fn delivered(&self, event: &DeliveredEvent) {
        let recipient = event.session.jid.to_string();
        let record = Record {
            time: now(),
            stanza: Some(&event.stanza),
            to_fallback: Some(&recipient),
            remote: &event.session.peer,
        };
        self.emit(&self.delivery_format, &record);
    }

    fn reopen(&self) {
        if let Some(writer) = self.writer.get() {
            writer.reopen();
        }
    }
}

impl Module for XmppLogger {
    fn start(&self, generation: &Arc<Generation>) -> Result<(), String> {
        let writers = generation.services.shared(Writers::default);
        let writer = writers
            .get(&self.logfile, self.mode)
            .map_err(|e| format!("cannot open logfile {}: {e}", self.logfile.display()))?;
        let _ = self.writer.set(writer.clone());
        if self.heartbeat.is_zero() {
            return Ok(());
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Ok(());
        };
        let (period, format) = (self.heartbeat, self.heartbeat_format.clone());
        *self.ticker.lock() = Some(runtime.spawn(async move {
            let start = tokio::time::Instant::now() + period;
            let mut interval = tokio::time::interval_at(start, period);
            loop {
                interval.tick().await;
                let record = Record {
                    time: now(),
                    stanza: None,
                    to_fallback: None,
                    remote: "",
                };
                writer.write(format.render(&record));
            }
        }));
        Ok(())
    }

    fn stop(&self) {
        if let Some(ticker) = self.ticker.lock().take() {
            ticker.abort();
        }
        if let Some(writer) = self.writer.get() {
            writer.flush(Duration::from_secs(1));
        }
    }

    fn reopen_logs(&self) {
        self.reopen();
    }

    fn summary(&self) -> Vec<(String, String)> {
        let (written, dropped) = self.writer.get().map_or((0, 0), |w| w.counts());
        vec![(
            format!("XMPP log ({})", self.instance),
            format!(
                "{}: {written} records, {dropped} dropped",
                self.logfile.display()
            ),
        )]
    }

    fn command(&self, args: &[&str]) -> Option<Result<String, String>> {
        match args {
            ["reopen", "logs"] => {
                self.reopen();
                Some(Ok(format!("Reopening {}.\n", self.logfile.display())))
            }
            ["help"] | [] => Some(Ok(format!("xmpp_logger:{} reopen logs\n", self.instance))),
            _ => None,
        }
    }
}
