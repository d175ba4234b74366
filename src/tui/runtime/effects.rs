//! Performing the app's effects off the UI thread: a loader thread (own store connection;
//! only the latest selection is loaded, the body parsed there), chunked body reads for
//! filters that need bodies (cancelled when a newer filter replaces them), fixture export,
//! handler re-runs and the clipboard. Results come back as [`Msg`]s.

use crate::delivery::{DeliveryId, Summary};
use crate::filter::{Filter, HandlerState, Subject};
use crate::handlers::Pool;
use crate::store::Store;
use crate::tui::app::Msg;
use crate::tui::app::inspector::Loaded;
use crate::tui::clipboard::Clipboard;
use crate::verify::Registry;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::UnboundedSender;

/// Rows whose bodies are read between two progress reports.
const FILTER_CHUNK: usize = 256;

/// Rows to answer a filter for from their bodies.
pub struct FilterJob {
    pub generation: u64,
    pub filter: Filter,
    pub rows: Vec<(Summary, Option<HandlerState>)>,
}

enum Load {
    Delivery(DeliveryId),
    Runs(DeliveryId),
}

pub struct Effects {
    db: PathBuf,
    done: UnboundedSender<Msg>,
    loader: std::sync::mpsc::Sender<Load>,
    filters: std::sync::mpsc::Sender<FilterJob>,
    filter_generation: Arc<AtomicU64>,
    pub pool: Option<Pool>,
    pub registry: Registry,
    clipboard: Clipboard,
}

impl Effects {
    pub fn new(
        db: &Path,
        done: UnboundedSender<Msg>,
        pool: Option<Pool>,
        registry: Registry,
    ) -> anyhow::Result<Effects> {
        let (tx, rx) = std::sync::mpsc::channel();
        let store = Store::open(db)?;
        let out = done.clone();
        std::thread::Builder::new()
            .name("hookwatch-loader".into())
            .spawn(move || loader(store, rx, out))?;
        let (filters, jobs) = std::sync::mpsc::channel();
        let store = Store::open(db)?;
        let generation = Arc::new(AtomicU64::new(0));
        let (out, current) = (done.clone(), Arc::clone(&generation));
        std::thread::Builder::new()
            .name("hookwatch-filter".into())
            .spawn(move || filter_worker(store, jobs, current, out))?;
        Ok(Effects {
            db: db.to_path_buf(),
            done,
            loader: tx,
            filters,
            filter_generation: generation,
            pool,
            registry,
            clipboard: Clipboard::new(),
        })
    }

    pub fn load(&self, id: DeliveryId) {
        let _ = self.loader.send(Load::Delivery(id));
    }

    pub fn load_runs(&self, id: DeliveryId) {
        let _ = self.loader.send(Load::Runs(id));
    }

    pub fn copy(&mut self, label: String, text: &str) {
        let result = self
            .clipboard
            .copy(text, &mut std::io::stdout())
            .map(|c| c.describe());
        let _ = self.done.send(Msg::Copied { label, result });
    }

    /// Read bodies for rows the summary could not decide; a newer generation cancels.
    pub fn run_filter(&self, job: FilterJob) {
        self.filter_generation
            .fetch_max(job.generation, Ordering::SeqCst);
        let _ = self.filters.send(job);
    }

    pub fn export_fixture(&self, id: DeliveryId) {
        let db = self.db.clone();
        let registry = self.registry.clone();
        let done = self.done.clone();
        tokio::task::spawn_blocking(move || {
            let r =
                export_fixture(&db, id, &registry, Path::new(".")).map_err(|e| format!("{e:#}"));
            let _ = done.send(Msg::Exported(r));
        });
    }

    pub fn rerun(&self, deliveries: Vec<Summary>) {
        let done = self.done.clone();
        let Some(pool) = self.pool.clone() else {
            let _ = done.send(Msg::Rerun(Err("no handlers configured".into())));
            return;
        };
        tokio::spawn(async move {
            let r = pool
                .rerun(deliveries, None)
                .await
                .map_err(|e| format!("{e:#}"));
            let _ = done.send(Msg::Rerun(r));
        });
    }
}

/// A row with its body, for the filter's body terms (JSON parsed only when asked).
struct BodySubject<'a> {
    summary: &'a Summary,
    handler: Option<HandlerState>,
    body: Vec<u8>,
    json: OnceCell<Option<serde_json::Value>>,
}

impl Subject for BodySubject<'_> {
    fn summary(&self) -> &Summary {
        self.summary
    }
    fn handler(&self) -> Option<HandlerState> {
        self.handler
    }
    fn body(&self) -> Option<&[u8]> {
        Some(&self.body)
    }
    fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }
}

/// The body filter: answer each job's rows chunk by chunk, dropping jobs (and the rest of
/// a job) as soon as a newer filter generation exists.
fn filter_worker(
    store: Store,
    jobs: std::sync::mpsc::Receiver<FilterJob>,
    current: Arc<AtomicU64>,
    done: UnboundedSender<Msg>,
) {
    for job in jobs {
        let generation = job.generation;
        'job: for chunk in job.rows.chunks(FILTER_CHUNK) {
            if current.load(Ordering::SeqCst) != generation {
                break;
            }
            let mut answers = Vec::with_capacity(chunk.len());
            for (summary, handler) in chunk {
                let body = match store.body(summary.id) {
                    Ok(b) => b.unwrap_or_default(),
                    Err(e) => {
                        let _ = done.send(Msg::FilterFailed {
                            generation,
                            error: format!("cannot read bodies: {e}"),
                        });
                        break 'job;
                    }
                };
                let subject = BodySubject {
                    summary,
                    handler: *handler,
                    body,
                    json: OnceCell::new(),
                };
                answers.push((summary.id, job.filter.matches(&subject)));
            }
            if done
                .send(Msg::FilterProgress {
                    generation,
                    answers,
                })
                .is_err()
            {
                return;
            }
        }
    }
}

/// The loader: coalesce requests (only the newest delivery matters), load, parse, answer.
fn loader(store: Store, rx: std::sync::mpsc::Receiver<Load>, done: UnboundedSender<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut delivery = None;
        let mut runs = Vec::new();
        for job in std::iter::once(first).chain(rx.try_iter()) {
            match job {
                Load::Delivery(id) => delivery = Some(id),
                Load::Runs(id) if !runs.contains(&id) => runs.push(id),
                Load::Runs(_) => {}
            }
        }
        let msg = delivery.map(|id| match (store.get(id), store.runs(id)) {
            (Ok(Some(d)), Ok(r)) => Msg::Loaded(Box::new(Loaded::new(d, r))),
            (Ok(None), _) => Msg::LoadFailed {
                id,
                error: format!("delivery #{id} is not in the store"),
            },
            (Err(e), _) | (_, Err(e)) => Msg::LoadFailed {
                id,
                error: format!("cannot read delivery #{id}: {e}"),
            },
        });
        let mut out: Vec<Msg> = msg.into_iter().collect();
        for id in runs.into_iter().filter(|r| Some(*r) != delivery) {
            if let Ok(r) = store.runs(id) {
                out.push(Msg::Runs { id, runs: r });
            }
        }
        for m in out {
            if done.send(m).is_err() {
                return;
            }
        }
    }
}

/// Write a delivery as a fixture file `hookwatch-<id>.json` in `dir` (never overwriting:
/// `-2`, `-3`… are added); the profile's signing headers are left out, as
/// `hookwatch export --format fixture` does (`send` signs afresh).
pub fn export_fixture(
    db: &Path,
    id: DeliveryId,
    registry: &Registry,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    let store = Store::open(db)?;
    let d = store
        .get(id)?
        .ok_or_else(|| anyhow::anyhow!("delivery #{id} is not in the store"))?;
    let text = crate::export::fixture_text(&d, registry);
    for n in 1u32.. {
        let name = match n {
            1 => format!("hookwatch-{id}.json"),
            n => format!("hookwatch-{id}-{n}.json"),
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(text.as_bytes())?;
                f.write_all(b"\n")?;
                return Ok(std::path::absolute(&path).unwrap_or(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
        }
    }
    Err(anyhow::anyhow!("no free file name for the fixture"))
}
