//! The publisher API (`/api/v1/publisher/titles…`): upload EPUBs (raw body or
//! multipart, several files at once), read, change and withdraw titles. A
//! publisher never sees another's titles: they answer `404`.

mod body;
mod cover;
mod ingest;
mod upload;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::handler::Handler;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use self::ingest::Job;
use self::upload::{TempUpload, body_to_file, field_to_file};
use crate::app::AppState;
use crate::auth::Publisher;
use crate::catalog::title::{Settings, TitleId, TitleRecord};
use crate::error::AppError;
use crate::http::body::Uploads;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::upload::Upload;

/// Publisher routes; every handler needs a publisher key.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/publisher/titles",
            get(list).post(create.layer(Uploads)),
        )
        .route(
            "/api/v1/publisher/titles/{id}",
            get(read).patch(change).delete(remove),
        )
        .route(
            "/api/v1/publisher/titles/{id}/epub",
            put(replace.layer(Uploads)),
        )
        .route(
            "/api/v1/publisher/titles/{id}/excerpt/preview",
            post(preview),
        )
        .route("/api/v1/publisher/titles/{id}/cover", get(cover::cover))
}

fn own(state: &AppState, publisher: &Publisher, id: &str) -> Result<Arc<TitleRecord>, AppError> {
    let not_found = || AppError::not_found("No title of yours has this id.");
    let id = TitleId::parse(id).ok_or_else(not_found)?;
    state
        .catalog
        .title_of(&publisher.0.id, &id)
        .ok_or_else(not_found)
}

async fn list(State(state): State<AppState>, publisher: Publisher) -> axum::Json<Value> {
    let titles: Vec<Value> = state
        .catalog
        .titles_of(&publisher.0.id)
        .iter()
        .map(|t| body::title_json(t))
        .collect();
    axum::Json(json!({ "titles": titles }))
}

async fn read(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<Value>, AppError> {
    Ok(axum::Json(body::title_json(&*own(
        &state, &publisher, &id,
    )?)))
}

async fn change(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<axum::Json<Value>, AppError> {
    let existing = own(&state, &publisher, &id)?;
    let mut settings = existing.settings.clone();
    body::apply_patch(&mut settings, &patch)?;
    // A new policy sanitizes the cut chapter again: the catalog does that
    // file work off the async workers.
    let updated = state
        .catalog
        .update(&existing, settings)
        .await
        .map_err(ingest::problem)?;
    Ok(axum::Json(body::title_json(&updated)))
}

/// What a policy would give passengers, before the publisher saves it.
async fn preview(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<axum::Json<Value>, AppError> {
    let existing = own(&state, &publisher, &id)?;
    let policy = body::preview_policy(&body)?;
    // Reads the stored version; the last chapter is sanitized off the async workers.
    let preview = state
        .catalog
        .preview(&existing, policy)
        .await
        .map_err(ingest::problem)?;
    Ok(axum::Json(body::preview_json(policy, &preview)))
}

async fn remove(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    let existing = own(&state, &publisher, &id)?;
    state
        .catalog
        .delete(&existing)
        .await
        .map_err(ingest::problem)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn replace(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
    request: Request,
) -> Result<Response, AppError> {
    let existing = own(&state, &publisher, &id)?;
    state.limits.upload(&publisher.0)?;
    let (files, _) = uploads(&state, request, Settings::default()).await?;
    let Some((_, upload)) = files.into_iter().next() else {
        return Err(AppError::unprocessable(
            "epub-missing",
            "The form holds no file: send the EPUB as a file field.",
        ));
    };
    let record = ingest::run(&state, upload, Job::Replace(existing)).await?;
    Ok(axum::Json(body::title_json(&record)).into_response())
}

async fn create(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiQuery(query): ApiQuery<HashMap<String, String>>,
    request: Request,
) -> Result<Response, AppError> {
    let mut settings = Settings::default();
    for (name, value) in &query {
        body::apply_known_field(&mut settings, name, value)?;
    }
    state.limits.upload(&publisher.0)?;
    let multipart = is_multipart(&request);
    let (files, settings) = uploads(&state, request, settings).await?;
    if files.is_empty() {
        return Err(AppError::unprocessable(
            "epub-missing",
            "The form holds no file: send the EPUB as a file field.",
        ));
    }
    if !multipart {
        let (_, upload) = files.into_iter().next().expect("one raw upload");
        let job = Job::New {
            publisher: publisher.0.id.clone(),
            settings,
        };
        let record = ingest::run(&state, upload, job).await?;
        return Ok((StatusCode::CREATED, axum::Json(body::title_json(&record))).into_response());
    }
    let mut results = Vec::new();
    let mut created = false;
    for (name, upload) in files {
        let job = Job::New {
            publisher: publisher.0.id.clone(),
            settings: settings.clone(),
        };
        match ingest::run(&state, upload, job).await {
            Ok(record) => {
                created = true;
                results
                    .push(json!({"file": name, "status": 201, "title": body::title_json(&record)}));
            }
            Err(error) => {
                let problem = error.problem();
                let problem = json!({"status": problem.status.as_u16(), "code": problem.code, "detail": problem.detail});
                results
                    .push(json!({"file": name, "status": problem["status"], "problem": problem}));
            }
        }
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, axum::Json(json!({ "results": results }))).into_response())
}

fn is_multipart(request: &Request) -> bool {
    content_type(request) == "multipart/form-data"
}

fn content_type(request: &Request) -> String {
    let value = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The uploaded files (name, file) and the settings given beside them.
async fn uploads(
    state: &AppState,
    request: Request,
    mut settings: Settings,
) -> Result<(Vec<(String, TempUpload)>, Settings), AppError> {
    let tmp = state.data.tmp();
    match content_type(&request).as_str() {
        "multipart/form-data" => {
            let mut form = Multipart::from_request(request, state)
                .await
                .map_err(|e| AppError::bad_request("invalid-multipart", e.body_text()))?;
            let mut files = Vec::new();
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| Upload::Epub.multipart_problem(e))?
            {
                let name = field.name().unwrap_or_default().to_string();
                if let Some(file_name) = field.file_name().map(str::to_string) {
                    files.push((file_name, field_to_file(&tmp, field).await?));
                } else {
                    let value = field
                        .text()
                        .await
                        .map_err(|e| Upload::Epub.multipart_problem(e))?;
                    body::apply_known_field(&mut settings, &name, &value)?;
                }
            }
            Ok((files, settings))
        }
        "application/epub+zip" | "application/zip" | "application/octet-stream" => {
            let upload = body_to_file(&tmp, request.into_body()).await?;
            Ok((vec![("upload.epub".to_string(), upload)], settings))
        }
        _ => Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the EPUB as `Content-Type: application/epub+zip`, or as files in `multipart/form-data`.",
        )),
    }
}
