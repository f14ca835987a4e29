//! The S3-compatible backend (`object_store`): one object per file, below a
//! prefix. Uploads stream from the staging folder (multipart past 10 MiB);
//! reads are whole small documents or one range request per span. Requests
//! time out and are retried a bounded number of times, so a slow store
//! answers an error, never a hang.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use tokio::io::AsyncWriteExt;

use super::Listed;
use crate::catalog::pack::Span;
use crate::config::Secret;

/// Longest one request to the store may take, and how long it may be retried.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the bucket is and how to sign requests: `TRAJET_PUBLICATIONS_URL`
/// and the standard `AWS_*` settings. What is unset here is taken from the
/// process environment as the AWS tools read it (web identity, container
/// credentials), so a pod's own identity works without keys.
#[derive(Debug, Clone, Default)]
pub struct BucketSettings {
    /// `s3://bucket/prefix`.
    pub url: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service than AWS.
    pub endpoint: Option<String>,
    /// `AWS_REGION`.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<Secret<String>>,
    /// `AWS_ALLOW_HTTP`: plain http to the endpoint (a store on loopback).
    pub allow_http: bool,
}

impl BucketSettings {
    /// The bucket and the prefix (without slashes at its ends) of an `s3://` URL.
    pub fn bucket_and_prefix(&self) -> anyhow::Result<(String, String)> {
        let Some(rest) = self.url.strip_prefix("s3://") else {
            bail!(
                "the publications URL must be s3://bucket/prefix, got {:?}",
                self.url
            );
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("the publications URL names no bucket: {:?}", self.url);
        }
        Ok((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
    }
}

/// Objects below a prefix of a bucket.
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: String,
    endpoint: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Bucket {
    /// A client of the bucket (no request is made yet).
    pub fn open(settings: &BucketSettings) -> anyhow::Result<Bucket> {
        let (bucket, prefix) = settings.bucket_and_prefix()?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_allow_http(settings.allow_http)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT)
                    .with_allow_http(settings.allow_http),
            )
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: REQUEST_TIMEOUT,
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        let store = builder
            .build()
            .with_context(|| format!("configuring the bucket of {}", settings.url))?;
        Ok(Bucket {
            store: Arc::new(store),
            bucket,
            prefix,
            endpoint: settings.endpoint.clone().unwrap_or_else(|| "AWS".into()),
        })
    }

    pub(super) fn describe(&self) -> String {
        format!("s3://{}/{} at {}", self.bucket, self.prefix, self.endpoint)
    }

    fn path(&self, key: &str) -> ObjectPath {
        let key = key.trim_end_matches('/');
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.store
            .list_with_delimiter(prefix.as_ref())
            .await
            .map(drop)
            .with_context(|| format!("listing {}", self.describe()))
    }

    pub(super) async fn put_folder(&self, staged: &Path, key: &str) -> anyhow::Result<()> {
        let mut files: Vec<_> = std::fs::read_dir(staged)
            .with_context(|| format!("listing {}", staged.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            self.put_file(&file, &format!("{key}{name}")).await?;
        }
        Ok(())
    }

    pub(super) async fn put_file(&self, local: &Path, key: &str) -> anyhow::Result<()> {
        let context = || format!("uploading {key} to {}", self.describe());
        let mut file = tokio::fs::File::open(local)
            .await
            .with_context(|| format!("opening {}", local.display()))?;
        // Multipart past its buffer (10 MiB), one PUT below: either way the
        // object appears whole or not at all.
        let mut writer = BufWriter::new(self.store.clone(), self.path(key));
        match tokio::io::copy(&mut file, &mut writer).await {
            Ok(_) => writer.shutdown().await.with_context(context),
            Err(e) => {
                let _ = writer.abort().await;
                Err(e).with_context(context)
            }
        }
    }

    pub(super) async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let context = || format!("reading {key} from {}", self.describe());
        let found = self
            .store
            .get(&self.path(key))
            .await
            .with_context(context)?;
        found.bytes().await.with_context(context)
    }

    pub(super) async fn get_span(&self, key: &str, span: Span) -> anyhow::Result<Bytes> {
        let range = span.offset..span.offset + span.len;
        self.store
            .get_range(&self.path(key), range)
            .await
            .with_context(|| format!("reading a span of {key} from {}", self.describe()))
    }

    pub(super) async fn fetch_to(&self, key: &str, local: &Path) -> anyhow::Result<()> {
        let context = || format!("reading {key} from {}", self.describe());
        let found = self
            .store
            .get(&self.path(key))
            .await
            .with_context(context)?;
        let mut stream = found.into_stream();
        let mut file = tokio::fs::File::create(local)
            .await
            .with_context(|| format!("creating {}", local.display()))?;
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.with_context(context)?).await?;
        }
        file.flush().await?;
        Ok(())
    }

    pub(super) async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let context = || format!("removing {key} from {}", self.describe());
        if !key.ends_with('/') {
            return match self.store.delete(&self.path(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e).with_context(context),
            };
        }
        let prefix = self.path(key);
        let locations = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        self.store
            .delete_stream(locations)
            .try_for_each(|_| futures_util::future::ready(Ok(())))
            .await
            .or_else(|e| match e {
                object_store::Error::NotFound { .. } => Ok(()),
                e => Err(e),
            })
            .with_context(context)
    }

    pub(super) async fn list(&self) -> anyhow::Result<Vec<Listed>> {
        let below = self.path("titles");
        let skip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        self.store
            .list(Some(&below))
            .map_ok(|meta| Listed {
                key: meta.location.as_ref()[skip..].to_owned(),
                modified: meta.last_modified.into(),
            })
            .try_collect()
            .await
            .with_context(|| format!("listing {}", self.describe()))
    }
}

#[cfg(test)]
mod tests {
    use super::BucketSettings;

    fn parsed(url: &str) -> anyhow::Result<(String, String)> {
        BucketSettings {
            url: url.into(),
            ..BucketSettings::default()
        }
        .bucket_and_prefix()
    }

    #[test]
    fn the_url_names_a_bucket_and_an_optional_prefix_and_nothing_but_s3_is_taken() {
        let pair = |b: &str, p: &str| (b.to_owned(), p.to_owned());
        assert_eq!(
            parsed("s3://books/prod/eu/").unwrap(),
            pair("books", "prod/eu")
        );
        assert_eq!(parsed("s3://books").unwrap(), pair("books", ""));
        for bad in ["https://books/prod", "s3:///prod", "books/prod"] {
            assert!(parsed(bad).is_err(), "{bad} accepted");
        }
    }
}
