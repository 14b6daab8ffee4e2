//! oauth2's HTTP client interface over our reqwest 0.13 (oauth2's own reqwest feature
//! pins 0.12).

use std::future::Future;
use std::pin::Pin;

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

/// The GitHub client as oauth2 wants it. A named type rather than a closure: a closure
/// here makes the handler's future lose `Send` for some lifetimes.
pub struct OauthClient(pub reqwest::Client);

impl<'c> AsyncHttpClient<'c> for OauthClient {
    type Error = reqwest::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, reqwest::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// Sends one OAuth request and reads the whole answer.
pub async fn send(
    client: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, reqwest::Error> {
    let response = client.execute(reqwest::Request::try_from(request)?).await?;
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder
        .body(body)
        .expect("a status and headers taken from a valid response make a valid response"))
}

/// The client for GitHub: no redirects followed (a redirect could carry the code or
/// token elsewhere), bounded waits.
pub fn github_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(20))
        .user_agent(concat!("nexus/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the TLS backend initialises")
}
