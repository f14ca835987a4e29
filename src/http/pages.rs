//! Error pages for people: a readable page in the visitor's language with a next step.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::Problem;
use crate::lang::Lang;

/// Marks the error of a route under `/api/` that people reach by following a
/// link (the offer): it is rendered as a page in this language, not as JSON.
#[derive(Debug, Clone, Copy)]
pub struct ForPeople(pub Lang);

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Heading and next step of an error page, by problem code, in a language.
fn wording(code: &str, status: u16, lang: Lang) -> (&'static str, &'static str) {
    use Lang::*;
    match (code, lang) {
        ("seat-code-invalid", En) => (
            "This code is not valid",
            "Scan the code on your seat again. If it still fails, the label may be damaged: try the code of a neighbouring seat or ask the train staff.",
        ),
        ("seat-code-invalid", Fr) => (
            "Ce code n’est pas valide",
            "Scannez à nouveau le code de votre siège. Si cela échoue encore, l’étiquette est peut-être abîmée : essayez le code d’un siège voisin ou demandez au personnel de bord.",
        ),
        ("trip-ended", En) => (
            "This trip has ended",
            "Reading on board is available during the trip only. You can still buy or borrow the books you started.",
        ),
        ("trip-ended", Fr) => (
            "Ce trajet est terminé",
            "La lecture à bord n’est possible que pendant le trajet. Vous pouvez encore acheter ou emprunter les livres commencés.",
        ),
        ("trip-cancelled", En) => (
            "This trip was cancelled",
            "The codes of a cancelled trip no longer open the reader. On your next train, scan the code on your seat.",
        ),
        ("trip-cancelled", Fr) => (
            "Ce trajet a été supprimé",
            "Les codes d’un trajet supprimé n’ouvrent plus la lecture. Dans votre prochain train, scannez le code de votre siège.",
        ),
        ("vehicle-not-in-service", En) => (
            "This train is not in service",
            "Reading opens while the train runs a trip. Scan the code on your seat again once the train is in service.",
        ),
        ("vehicle-not-in-service", Fr) => (
            "Ce train n’est pas en service",
            "La lecture ouvre pendant que le train assure un trajet. Scannez à nouveau le code de votre siège une fois le train en service.",
        ),
        ("trip-not-started", En) => (
            "Your trip has not started yet",
            "Reading opens shortly before departure. Scan the code again once you are on board.",
        ),
        ("trip-not-started", Fr) => (
            "Votre trajet n’a pas encore commencé",
            "La lecture ouvre peu avant le départ. Scannez à nouveau le code une fois à bord.",
        ),
        ("seat-code-exhausted", En) => (
            "This code has already been used",
            "Each seat code opens a few reading sessions only. If you are on this seat, reopen the reader in the browser you first used, or ask the train staff.",
        ),
        ("seat-code-exhausted", Fr) => (
            "Ce code a déjà été utilisé",
            "Chaque code de siège n’ouvre que quelques sessions de lecture. Rouvrez la lecture dans le navigateur utilisé la première fois, ou demandez au personnel de bord.",
        ),
        ("session-store-unavailable", En) => (
            "Reading is briefly unavailable",
            "Our service is catching its breath. Try again in a few seconds.",
        ),
        ("session-store-unavailable", Fr) => (
            "La lecture est momentanément indisponible",
            "Notre service reprend son souffle. Réessayez dans quelques secondes.",
        ),
        ("session-required", En) => (
            "No reading session",
            "Scan the QR code on your seat to start reading.",
        ),
        ("offer-unavailable", En) => (
            "This book cannot be bought from here",
            "The publisher has not given a link to buy or borrow this book, or it is no longer offered. Ask for it at a bookshop or a library, or go back to your books.",
        ),
        ("offer-unavailable", Fr) => (
            "Ce livre ne peut pas être acheté d’ici",
            "L’éditeur n’a pas donné de lien pour acheter ou emprunter ce livre, ou il n’est plus proposé. Demandez-le en librairie ou en bibliothèque, ou revenez à vos livres.",
        ),
        ("session-required", Fr) => (
            "Aucune session de lecture",
            "Scannez le code QR de votre siège pour commencer à lire.",
        ),
        (_, En) if status == 404 => (
            "Page not found",
            "Check the address, or go back to the home page.",
        ),
        (_, Fr) if status == 404 => (
            "Page introuvable",
            "Vérifiez l’adresse, ou revenez à la page d’accueil.",
        ),
        (_, En) if status == 429 => ("Too many attempts", "Wait a moment, then try again."),
        (_, Fr) if status == 429 => (
            "Trop de tentatives",
            "Patientez un instant, puis réessayez.",
        ),
        (_, En) if status >= 500 => ("Something went wrong", "Try again in a moment."),
        (_, Fr) if status >= 500 => ("Un problème est survenu", "Réessayez dans un instant."),
        (_, En) => (
            "This request could not be served",
            "Go back to the previous page and try again.",
        ),
        (_, Fr) => (
            "Cette demande n’a pas pu aboutir",
            "Revenez à la page précédente et réessayez.",
        ),
    }
}

/// "Next departure 14:32 to Lyon Part-Dieu." for a train not in service.
fn next_departure(problem: &Problem, lang: Lang) -> Option<String> {
    let time = problem.extra.get("next_departure_local")?.as_str()?;
    let destination = problem.extra.get("next_destination")?.as_str()?;
    let sentence = match lang {
        Lang::En => format!("Next departure {time} to {destination}."),
        Lang::Fr => format!("Prochain départ à {time} pour {destination}."),
    };
    Some(format!(
        "<p class=\"next-departure\"><strong>{}</strong></p>",
        escape(&sentence)
    ))
}

/// The error page for a problem, in `lang`, with the request id for support.
pub fn error_page(problem: &Problem, lang: Lang, request_id: &str) -> Response {
    let (heading, next) = wording(problem.code, problem.status.as_u16(), lang);
    let (home, reference) = match lang {
        Lang::En => ("Home", "Reference:"),
        Lang::Fr => ("Accueil", "Référence :"),
    };
    let offer = problem
        .extra
        .get("offer_url")
        .and_then(|v| v.as_str())
        .map(|url| {
            let label = match lang {
                Lang::En => "Buy or borrow the book",
                Lang::Fr => "Acheter ou emprunter le livre",
            };
            format!(
                "<p><a class=\"offer\" href=\"{}\">{label}</a></p>",
                escape(url)
            )
        });
    let offer = offer.or_else(|| next_departure(problem, lang));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{heading} · trajet</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head>\
<body class=\"error-page\"><main><h1>{heading}</h1><p>{next}</p>{offer}<p><a href=\"/\">{home}</a></p>\
<p class=\"reference\"><small>{reference} <code>{code}</code> · <code>{id}</code></small></p></main></body></html>",
        lang = lang.tag(),
        heading = escape(heading),
        next = escape(next),
        offer = offer.unwrap_or_default(),
        code = escape(problem.code),
        id = escape(request_id),
    );
    let mut response = (problem.status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(after) = problem.retry_after {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(after.as_secs().max(1)),
        );
    }
    response
}
