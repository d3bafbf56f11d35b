//! Methods at the edge: `HEAD` answered wherever `GET` is (uptime checkers use it),
//! and a request that no route takes answered 405 when its path exists under
//! another method, else 404, both in the JSON error format.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

use super::ApiError;

/// Routes a `HEAD` request as the `GET` it asks about. The HTTP/1 encoder saw
/// `HEAD` when it read the request, so it writes the `GET` answer's head and
/// never its body.
pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}

/// The application's default service: reached only when no route took the
/// request, so a path that some route has means a method it does not answer.
pub async fn fallback(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    // The path is not echoed: an answer never repeats what the request put in it.
    Err(if request.resource_map().has_resource(request.path()) {
        ApiError::MethodNotAllowed(format!("{} is not answered here", request.method()))
    } else {
        ApiError::NotFound("no such route".into())
    })
}
