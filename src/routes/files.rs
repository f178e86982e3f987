//! The local media store's files, at `/media/{key}`: `Range` requests,
//! `Content-Type` from the extension, `nosniff`, and (since keys are
//! content-addressed) a year of immutable caching.

use std::path::Path;

use actix_files::Files;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Next};
use actix_web::{guard, web, ResponseError, Scope};

use crate::error::ApiError;

pub fn service(
    dir: &Path,
) -> Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let files = Files::new("", dir)
        .path_filter(|path, _| {
            // Never serve temporary files (`.name.tmp`) or anything hidden.
            path.components()
                .all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
        })
        .default_handler(web::to(|| async {
            ApiError::not_found("no such file").error_response()
        }));
    web::scope("/media")
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .wrap(from_fn(file_headers))
        .service(files)
}

async fn file_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // actix-files answers a path it will not map (`..`, a bad segment) with
    // an error of its own; it becomes a problem document like any other.
    let mut res = match next.call(req).await {
        Ok(res) => res,
        Err(e) if e.as_response_error().status_code().as_u16() == 404 => {
            return Err(ApiError::not_found("no such file").into())
        }
        Err(_) => return Err(ApiError::BadRequest("the file path is not valid".into()).into()),
    };
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if res.status().is_client_error() && !problem {
        return Err(ApiError::BadRequest("the file path is not valid".into()).into());
    }
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if res.status().is_success() || res.status().as_u16() == 304 {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    Ok(res)
}
