//! Upload bodies are streamed to a file in the data directory's scratch
//! space (the route's body limit answers `413` past the cap) and the file is
//! removed when the request ends, however it ends (client gone, error, panic).

use std::path::PathBuf;

use axum::body::Body;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::http::upload::Upload;

/// An uploaded file on disk, deleted on drop.
pub struct TempUpload(pub PathBuf);

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl TempUpload {
    /// A new, empty upload file in `tmp`.
    pub async fn create(tmp: &std::path::Path) -> Result<(TempUpload, tokio::fs::File), AppError> {
        let path = tmp.join(format!("upload-{:016x}.epub", rand::random::<u64>()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("creating an upload file: {e}")))?;
        Ok((TempUpload(path), file))
    }
}

/// Streams a raw request body to a new upload file.
pub async fn body_to_file(tmp: &std::path::Path, body: Body) -> Result<TempUpload, AppError> {
    let (upload, mut file) = TempUpload::create(tmp).await?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Upload::Epub.body_problem(&e))?;
        file.write_all(&chunk).await.map_err(write_failed)?;
    }
    file.flush().await.map_err(write_failed)?;
    Ok(upload)
}

/// Streams one multipart field to a new upload file.
pub async fn field_to_file(
    tmp: &std::path::Path,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<TempUpload, AppError> {
    let (upload, mut file) = TempUpload::create(tmp).await?;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| Upload::Epub.multipart_problem(e))?
    {
        file.write_all(&chunk).await.map_err(write_failed)?;
    }
    file.flush().await.map_err(write_failed)?;
    Ok(upload)
}

fn write_failed(e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing an upload: {e}"))
}
