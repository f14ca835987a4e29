//! Running an ingestion from a request: at most two at once (readers stay
//! fast), off the async workers, under a time limit, a panic answered `422`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::upload::TempUpload;
use crate::app::AppState;
use crate::catalog::IngestError;
use crate::catalog::title::{Settings, TitleRecord};
use crate::error::AppError;
use crate::metrics::Metrics;

/// Ingestions running at once, whatever the number of uploads waiting: each
/// takes a core for up to a second or two, and the machine has two.
const CONCURRENT_INGESTIONS: usize = 2;
/// Longest an ingestion may take before it is refused (nothing is published after it).
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

static INGESTIONS: LazyLock<Arc<Semaphore>> =
    LazyLock::new(|| Arc::new(Semaphore::new(CONCURRENT_INGESTIONS)));

/// What to do with an upload.
pub enum Job {
    /// A new title for a publisher.
    New {
        publisher: String,
        settings: Settings,
    },
    /// A new version of a title.
    Replace(Arc<TitleRecord>),
}

/// Ingests an upload; the upload file is removed when done. Every outcome is
/// counted in `/metrics` (`live`, or the problem code of the refusal).
pub async fn run(
    state: &AppState,
    upload: TempUpload,
    job: Job,
) -> Result<Arc<TitleRecord>, AppError> {
    let result = ingest(state, upload, job).await;
    let outcome = match &result {
        Ok(_) => "live",
        Err(e) => e.code(),
    };
    Metrics::count(&state.metrics.ingestions, outcome);
    result
}

async fn ingest(
    state: &AppState,
    upload: TempUpload,
    job: Job,
) -> Result<Arc<TitleRecord>, AppError> {
    let permit = INGESTIONS
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let store = state.catalog.store().clone();
    let deadline = Instant::now() + TIME_LIMIT;
    let replaced = match &job {
        Job::New { .. } => None,
        Job::Replace(existing) => Some(existing.clone()),
    };
    let task = crate::memory::heavy(move || {
        let _permit = permit;
        let result = catch_unwind(AssertUnwindSafe(|| match &job {
            Job::New {
                publisher,
                settings,
            } => {
                store.prepare_version(&upload.0, publisher, settings.clone(), None, Some(deadline))
            }
            Job::Replace(existing) => store.prepare_version(
                &upload.0,
                &existing.publisher,
                existing.settings.clone(),
                Some(existing),
                Some(deadline),
            ),
        }));
        drop(upload);
        result
    });
    // The task itself refuses to publish past the deadline; the margin lets it say so.
    let joined = tokio::time::timeout(TIME_LIMIT + Duration::from_secs(5), task).await;
    let written = match joined {
        Err(_) => {
            return Err(problem(IngestError::TimedOut(
                "preparing this EPUB took too long; nothing was published".into(),
            )));
        }
        Ok(Err(e)) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "ingestion task failed: {e}"
            )));
        }
        Ok(Ok(Err(_panic))) => {
            tracing::error!("ingestion panicked; the upload is refused and nothing was stored");
            return Err(AppError::unprocessable(
                "epub-invalid-package",
                "This EPUB could not be processed; nothing was published.",
            ));
        }
        Ok(Ok(Ok(result))) => result,
    };
    // The version is prepared: its files go in place, then one database
    // write makes it live.
    let result = match written {
        Ok(staged) => {
            state
                .catalog
                .put_and_publish(staged, replaced.as_deref())
                .await
        }
        Err(e) => Err(e),
    };
    match &result {
        Ok(record) => {
            tracing::info!(title = %record.id, "EPUB ingested");
        }
        Err(e) => {
            tracing::info!(code = e.code(), detail = %e, "EPUB refused");
        }
    }
    result.map_err(problem)
}

/// An ingestion error as the client sees it: `422` with its code, `409`
/// when the title changed meanwhile, `503` when the database is unavailable,
/// or a logged `500`.
pub fn problem(error: IngestError) -> AppError {
    match error {
        IngestError::Database(e) => e.into(),
        IngestError::Changed(detail) => {
            AppError::new(axum::http::StatusCode::CONFLICT, "title-changed", detail)
        }
        error if error.is_client_error() => {
            AppError::unprocessable(error.code(), error.to_string())
        }
        error => AppError::Internal(anyhow::Error::new(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_met_is_409_an_unreachable_database_503_and_a_bad_file_422() {
        let status = |error: IngestError| problem(error).problem().status.as_u16();
        assert_eq!(status(IngestError::Changed("read it again".into())), 409);
        assert_eq!(
            status(IngestError::Database(sqlx::Error::PoolTimedOut)),
            503
        );
        assert_eq!(status(IngestError::InvalidPackage("no OPF".into())), 422);
        assert_eq!(status(IngestError::Internal(anyhow::anyhow!("disk"))), 500);
        assert_eq!(
            problem(IngestError::Changed(String::new())).code(),
            "title-changed"
        );
    }
}
