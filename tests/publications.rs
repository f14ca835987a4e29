//! The publication files' store, one contract on both backends: the data
//! directory and an S3-compatible bucket (moto on loopback). A version is
//! put whole, read whole or by span, listed, and removed by key; removing
//! what is gone is no error.

mod support;

use std::path::Path;

use trajet::catalog::pack::Span;
use trajet::catalog::title::TitleId;
use trajet::publications::{Bucket, Folder, Publications, file_key, title_key, version_key};

/// Each named `async fn name(store)` runs as `name::folder` and `name::bucket`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn folder() {
                let dir = tempfile::tempdir().unwrap();
                let store = super::Publications::Folder(super::Folder::new(dir.path().join("catalog")));
                super::$name(store, dir.path()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn bucket() {
                let Some(settings) = super::support::s3::bucket().await else { return };
                let dir = tempfile::tempdir().unwrap();
                let store = super::Publications::Bucket(super::Bucket::open(&settings).unwrap());
                super::$name(store, dir.path()).await;
            }
        }
    )*};
}

fn staged(dir: &Path, files: &[(&str, &[u8])]) -> std::path::PathBuf {
    let staged = dir.join(format!("ingest-{:08x}", rand::random::<u32>()));
    std::fs::create_dir_all(&staged).unwrap();
    for (name, bytes) in files {
        std::fs::write(staged.join(name), bytes).unwrap();
    }
    staged
}

fn id() -> TitleId {
    TitleId::random()
}

async fn a_version_put_whole_is_read_whole_and_by_span(store: Publications, dir: &Path) {
    let id = id();
    let pack: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let folder = staged(
        dir,
        &[("publication.json", b"{\"a\":1}"), ("content.pack", &pack)],
    );
    store.put_version(&folder, &id, "v1").await.unwrap();
    let json = store
        .get(&file_key(&id, "v1", "publication.json"))
        .await
        .unwrap();
    assert_eq!(&json[..], b"{\"a\":1}");
    let span = Span {
        offset: 400_000,
        len: 12,
    };
    let bytes = store
        .get_span(&file_key(&id, "v1", "content.pack"), span)
        .await
        .unwrap();
    assert_eq!(&bytes[..], &pack[400_000..400_012]);
    let copy = dir.join("copy.pack");
    store
        .fetch_to(&file_key(&id, "v1", "content.pack"), &copy)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), pack);
    assert!(
        store
            .get(&file_key(&id, "v2", "publication.json"))
            .await
            .is_err(),
        "another version is not there"
    );
}

async fn a_file_added_beside_a_version_is_listed_and_removed_alone(
    store: Publications,
    dir: &Path,
) {
    let id = id();
    store
        .put_version(&staged(dir, &[("content.pack", b"abc")]), &id, "v1")
        .await
        .unwrap();
    let cut = dir.join("cut-0-3-00000001.pack");
    std::fs::write(&cut, b"cut").unwrap();
    let cut_key = file_key(&id, "v1", "cut-0-3-00000001.pack");
    store.put_file(&cut, &cut_key).await.unwrap();
    let keys: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert!(keys.contains(&cut_key), "{keys:?}");
    assert!(
        keys.contains(&file_key(&id, "v1", "content.pack")),
        "{keys:?}"
    );
    store.delete(&cut_key).await.unwrap();
    store.delete(&cut_key).await.unwrap();
    assert!(store.get(&cut_key).await.is_err());
    assert_eq!(
        &store
            .get(&file_key(&id, "v1", "content.pack"))
            .await
            .unwrap()[..],
        b"abc"
    );
}

async fn removing_a_version_or_a_title_removes_everything_below_it(
    store: Publications,
    dir: &Path,
) {
    let (id, other) = (id(), id());
    for version in ["v1", "v2"] {
        let files = staged(dir, &[("publication.json", b"{}"), ("content.pack", b"x")]);
        store.put_version(&files, &id, version).await.unwrap();
    }
    let files = staged(dir, &[("publication.json", b"{}")]);
    store.put_version(&files, &other, "v1").await.unwrap();
    store.delete(&version_key(&id, "v1")).await.unwrap();
    assert!(
        store
            .get(&file_key(&id, "v1", "content.pack"))
            .await
            .is_err()
    );
    assert!(
        store
            .get(&file_key(&id, "v2", "content.pack"))
            .await
            .is_ok()
    );
    store.delete(&title_key(&id)).await.unwrap();
    store.delete(&title_key(&id)).await.unwrap();
    let keys: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert!(
        keys.iter().all(|k| !k.contains(id.as_str())),
        "nothing of the title is left: {keys:?}"
    );
    assert!(
        store
            .get(&file_key(&other, "v1", "publication.json"))
            .await
            .is_ok()
    );
}

on_both_backends!(
    a_version_put_whole_is_read_whole_and_by_span,
    a_file_added_beside_a_version_is_listed_and_removed_alone,
    removing_a_version_or_a_title_removes_everything_below_it,
);

/// `/readyz` asks the publication store too: a balancer stops sending to
/// an instance that cannot reach the bucket (here: the bucket is deleted).
#[tokio::test]
async fn readyz_is_unavailable_while_the_bucket_cannot_be_reached() {
    let Some(settings) = support::s3::bucket().await else {
        return;
    };
    let (endpoint, url) = (settings.endpoint.clone().unwrap(), settings.url.clone());
    let app = support::TestApp::with_config(None, |c| c.publications = Some(settings)).await;
    let readyz = || async {
        support::send(
            &app.router,
            axum::http::Request::get("/readyz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
    };
    assert_eq!(readyz().await.status(), axum::http::StatusCode::OK);
    let bucket = url
        .strip_prefix("s3://")
        .and_then(|rest| rest.split('/').next())
        .unwrap();
    // moto checks no signature: a plain DELETE removes the (empty) bucket.
    let deleted = reqwest::Client::new()
        .delete(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{deleted:?}");
    let response = readyz().await;
    assert_eq!(
        response.status(),
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(response.headers().contains_key("retry-after"));
    let problem = support::body_json(response).await;
    assert_eq!(problem["code"], "publications-unavailable");
}
