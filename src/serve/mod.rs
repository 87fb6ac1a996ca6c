//! `dangjian serve`: the live preview.
//!
//! The site is built into memory ([`engine::Engine`]) and served over HTTP
//! (axum) on 127.0.0.1 by default. A watcher thread rebuilds incrementally
//! after each change and tells connected browsers over Server-Sent Events;
//! a small script, injected into served pages only, reloads the page, swaps
//! stylesheets, follows the page being edited, or shows errors over the page.

pub mod engine;
pub(crate) mod watch;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::{broadcast, watch as tokio_watch};

use crate::build::BuildOptions;
use crate::content::Scope;
use crate::diagnostic::Diagnostic;
use crate::html::escape as html_escape;
use engine::{Engine, SharedFiles, Stored, Update};

/// Options of `dangjian serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub(crate) root: PathBuf,
    pub(crate) bind: IpAddr,
    /// The port tried first; the next free one is taken if it is busy.
    pub(crate) port: u16,
    /// Send the browser to the page just edited.
    pub(crate) follow: bool,
    /// A fixed instant instead of the clock.
    pub(crate) now: Option<String>,
}

struct Shared {
    /// The files of the last good build.
    files: SharedFiles,
    /// The problems of the last build, if it failed.
    errors: RwLock<Vec<Diagnostic>>,
    events: broadcast::Sender<String>,
    shutdown: tokio_watch::Receiver<bool>,
    follow: bool,
}

/// The build options of the preview: everything an intranet build with
/// drafts and scheduled items would publish, with preview banners.
pub(crate) fn build_options(opts: &ServeOptions, base_url: String) -> BuildOptions {
    BuildOptions {
        scope: Scope::Unit,
        drafts: true,
        future: true,
        preview: true,
        now: opts.now.clone(),
        base_url: Some(base_url),
        ..BuildOptions::new(opts.root.clone())
    }
}

/// Binds the first free port from `port` on.
fn bind(ip: IpAddr, port: u16) -> std::io::Result<TcpListener> {
    if port == 0 {
        // 0 asks the system for any free port.
        return TcpListener::bind(SocketAddr::new(ip, 0));
    }
    let mut last = None;
    for p in port..=port.saturating_add(49) {
        match TcpListener::bind(SocketAddr::new(ip, p)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::AddrInUse)))
}

/// This machine's address on the local network, if it has one: the local
/// side of a UDP socket "connected" outwards (no packet is sent).
fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// A QR code of `text` drawn with block characters for the terminal.
pub(crate) fn terminal_qr(text: &str) -> Option<String> {
    let code = fast_qr::QRBuilder::new(text.as_bytes()).build().ok()?;
    Some(code.to_str())
}

/// Why the preview could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("在 “{}” 找不到 site.yaml：请在站点根目录运行，或用 --root 指定站点目录", .0.display())]
    /// The folder has no site.yaml.
    NoSite(PathBuf),
    #[error("无法在 {addr}:{port} 及其后的端口上启动预览：{}", crate::diagnostic::io_reason(.source))]
    /// No port could be opened.
    Bind {
        /// The address asked for.
        addr: IpAddr,
        /// The first port tried.
        port: u16,
        /// Why the last one failed.
        source: std::io::Error,
    },
    #[error("无法监视站点文件的变化：{0}")]
    /// The site's files cannot be watched.
    Watch(#[from] notify::Error),
    #[error("预览服务出错：{}", crate::diagnostic::io_reason(.0))]
    /// The server failed.
    Io(#[from] std::io::Error),
}

/// Runs the preview until Ctrl-C.
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    if !opts.root.join(crate::config::CONFIG_FILE).is_file() {
        return Err(ServeError::NoSite(opts.root.clone()));
    }
    let listener = bind(opts.bind, opts.port).map_err(|source| ServeError::Bind {
        addr: opts.bind,
        port: opts.port,
        source,
    })?;
    let port = listener.local_addr()?.port();
    let public = !opts.bind.is_loopback();
    let lan = public.then(lan_address).flatten();
    let host = match (opts.bind, lan) {
        (ip, _) if ip.is_unspecified() => lan.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        (ip, _) => ip,
    };
    let base_url = format!("http://{}/", SocketAddr::new(host, port));
    let mut engine = Engine::new(build_options(&opts, base_url.clone()));
    errln!("正在生成预览……");
    let errors = first_build(&mut engine);
    let (tx, _) = broadcast::channel(64);
    let (stop_tx, stop_rx) = tokio_watch::channel(false);
    let shared = Arc::new(Shared {
        files: engine.files(),
        errors: RwLock::new(errors),
        events: tx,
        shutdown: stop_rx,
        follow: opts.follow,
    });
    announce(&opts, port, public.then_some(lan));
    let mut watcher = watch::SourceWatcher::new(&opts.root)?;
    let watcher_shared = Arc::clone(&shared);
    std::thread::spawn(move || watch_loop(&mut engine, &mut watcher, &watcher_shared));
    serve_http(listener, shared, stop_tx)?;
    errln!("\n预览已停止。");
    Ok(())
}

/// The first build; its problems (if any) are what the page shows.
fn first_build(engine: &mut Engine) -> Vec<Diagnostic> {
    match engine.rebuild(&[]) {
        Ok(u) => {
            errln!(
                "已生成 {} 个文件，用时 {} 毫秒",
                u.changed.len(),
                u.took.as_millis()
            );
            u.warnings.iter().for_each(|w| errln!("{w}"));
            Vec::new()
        }
        Err(d) => {
            report_errors(&d);
            d
        }
    }
}

/// Where to open the preview; `lan` is `Some` when it is open to the
/// local network (with the address found, if any).
fn announce(opts: &ServeOptions, port: u16, lan: Option<Option<IpAddr>>) {
    errln!("预览地址：http://127.0.0.1:{port}/");
    if port != opts.port && opts.port != 0 {
        errln!("（端口 {} 已被占用，改用 {port}）", opts.port);
    }
    if let Some(lan) = lan {
        errln!("注意：预览已对局域网开放，同一网络中的任何人都能看到草稿和党内内容。");
        match lan {
            Some(ip) => {
                let url = format!("http://{}/", SocketAddr::new(ip, port));
                errln!("手机预览：{url}（用手机扫描下面的二维码）");
                if let Some(qr) = terminal_qr(&url) {
                    errln!("{qr}");
                }
            }
            None => errln!("未找到本机的局域网地址；请用本机 IP 和端口 {port} 访问"),
        }
    }
    errln!("草稿、定时发布和党内内容在预览中可见，并带有提示条。按 Ctrl-C 停止。");
}

/// Serves until Ctrl-C, then tells open event streams to end.
fn serve_http(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop_tx: tokio_watch::Sender<bool>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let app = axum::Router::new().fallback(handle).with_state(shared);
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop_tx.send(true);
            })
            .await
    });
    // Open event streams end with the shutdown signal; do not wait on stragglers.
    runtime.shutdown_timeout(Duration::from_millis(200));
    served
}

fn report_errors(diags: &[Diagnostic]) {
    errln!(
        "发现 {} 个问题，预览继续显示上一次成功生成的版本：",
        diags.len()
    );
    for d in diags {
        errln!("{d}");
    }
}

/// Rebuilds after each batch of changes and tells the browsers.
fn watch_loop(engine: &mut Engine, watcher: &mut watch::SourceWatcher, shared: &Shared) {
    loop {
        let Some(touched) = watcher.next_batch(Duration::from_secs(30)) else {
            return;
        };
        if touched.is_empty() && !engine.clock_due() {
            continue;
        }
        let result = engine.rebuild(&touched);
        let message = apply(shared, &touched, result);
        let _ = shared.events.send(message);
    }
}

/// Records a rebuild's result in the snapshot and returns the message for
/// the browsers.
fn apply(shared: &Shared, touched: &[PathBuf], result: Result<Update, Vec<Diagnostic>>) -> String {
    let mut errors = shared.errors.write().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok(u) => {
            errors.clear();
            let names: Vec<String> = touched.iter().map(|p| p.display().to_string()).collect();
            errln!(
                "{}：更新 {} 个文件（渲染 {} 页，沿用 {} 页），用时 {} 毫秒",
                names.join("、"),
                u.changed.len() + u.removed.len(),
                u.rendered,
                u.reused,
                u.took.as_millis()
            );
            // Warnings about the files just saved (all were shown at start).
            u.warnings
                .iter()
                .filter(|w| touched.contains(&w.path))
                .for_each(|w| errln!("{w}"));
            if std::env::var_os("DANGJIAN_TIMINGS").is_some() {
                for (stage, d) in &u.timings {
                    errln!("  {stage}: {} 毫秒", d.as_millis());
                }
            }
            update_message(&u)
        }
        Err(d) => {
            report_errors(&d);
            *errors = d;
            error_message(&errors)
        }
    }
}

/// The URL path of an output file: `news/a/index.html` → `/news/a/`.
fn url_of(path: &str) -> String {
    format!("/{}", path.strip_suffix("index.html").unwrap_or(path))
}

fn update_message(u: &Update) -> String {
    let css_only = !u.changed.is_empty()
        && u.removed.is_empty()
        && u.changed.iter().all(|p| p.ends_with(".css"));
    serde_json::json!({
        "type": "update",
        "changed": u.changed.iter().map(|p| url_of(p)).collect::<Vec<_>>(),
        "removed": u.removed.iter().map(|p| url_of(p)).collect::<Vec<_>>(),
        "css_only": css_only,
        "follow": u.edited.first(),
    })
    .to_string()
}

fn error_message(diags: &[Diagnostic]) -> String {
    serde_json::json!({ "type": "error", "html": overlay_html(diags) }).to_string()
}

/// The error overlay's content: every problem, in Chinese, with file and line.
fn overlay_html(diags: &[Diagnostic]) -> String {
    let mut html = format!(
        "<h2 style=\"margin-top:0\">发现 {} 个问题</h2><p>预览显示的是上一次成功生成的版本。改正后保存，此提示会自动消失。</p>",
        diags.len()
    );
    for d in diags {
        html.push_str(&format!(
            "<pre style=\"white-space:pre-wrap;background:#300;padding:.75rem;border-radius:4px\">{}</pre>",
            html_escape(&d.to_string())
        ));
    }
    html
}

const LIVE_JS: &str = include_str!("live.js");

/// Whether a request's `Host` names this machine by address or as
/// localhost. Any other name is refused: a page on another site whose name
/// was re-pointed at 127.0.0.1 (DNS rebinding) must not read the preview,
/// which shows drafts and 党内 items.
pub(crate) fn host_allowed(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok()
}

/// Answers every request: GET and HEAD only, files of the site only.
async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if host.is_some_and(|h| !host_allowed(h)) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "预览只接受用 localhost 或 IP 地址访问",
        )
            .into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "只支持 GET 和 HEAD 请求",
        )
            .into_response();
    }
    match req.uri().path() {
        "/__dangjian/events" => events(&shared).into_response(),
        "/__dangjian/live.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            LIVE_JS,
        )
            .into_response(),
        path => page(&shared, path),
    }
}

/// The stream of rebuild messages, starting with the current state.
fn events(shared: &Shared) -> impl IntoResponse + use<> {
    let first = {
        let errors = shared.errors.read().unwrap_or_else(|e| e.into_inner());
        if errors.is_empty() {
            r#"{"type":"ok"}"#.to_string()
        } else {
            error_message(&errors)
        }
    };
    let rx = shared.events.subscribe();
    let stop = shared.shutdown.clone();
    let stream = futures_util::stream::unfold(
        (Some(first), rx, stop),
        |(first, mut rx, mut stop)| async move {
            if let Some(m) = first {
                return Some((
                    Ok::<Event, std::convert::Infallible>(Event::default().data(m)),
                    (None, rx, stop),
                ));
            }
            loop {
                tokio::select! {
                    m = rx.recv() => match m {
                        Ok(m) => return Some((Ok(Event::default().data(m)), (None, rx, stop))),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = stop.changed() => return None,
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The output path a request path names, or `None` if it could name
/// anything outside the site (`..`, encoded or not, backslashes, NUL).
pub(crate) fn output_path(request: &str) -> Option<String> {
    let rest = crate::urlpath::site_path(request)?;
    Some(if rest.is_empty() || rest.ends_with('/') {
        format!("{rest}index.html")
    } else {
        rest
    })
}

/// The file at `path`, or at `path/index.html` (`Err(true)`), or none.
fn lookup(shared: &Shared, path: &str) -> Result<Stored, bool> {
    let files = shared.files.read().unwrap_or_else(|e| e.into_inner());
    match files.get(path) {
        Some(f) => Ok(f.clone()),
        None => Err(files.contains_key(&format!("{path}/index.html"))),
    }
}

fn page(shared: &Shared, request: &str) -> Response {
    let empty = shared.files.read().map_or(true, |f| f.is_empty());
    if empty {
        let has_errors = !shared.errors.read().map_or(true, |e| e.is_empty());
        let html = format!(
            "<!doctype html><html lang=\"zh-CN\" data-dangjian-placeholder><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>预览尚未生成</title></head><body><p>网站尚未成功生成。{}</p>{}</body></html>",
            if has_errors {
                "请按提示改正问题后保存。"
            } else {
                ""
            },
            live_tag(shared.follow)
        );
        return html_response(StatusCode::SERVICE_UNAVAILABLE, html.into_bytes(), shared);
    }
    let Some(path) = output_path(request) else {
        return not_found(shared);
    };
    match lookup(shared, &path) {
        Ok(file) => match file.bytes() {
            Ok(bytes) if path.ends_with(".html") => {
                html_response(StatusCode::OK, bytes.into_owned(), shared)
            }
            Ok(bytes) => {
                let mime = mime_guess::from_path(&path).first_or_octet_stream();
                let mut r = Response::new(Body::from(bytes.into_owned()));
                let value = match mime.type_() {
                    mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
                    _ => mime.to_string(),
                };
                if let Ok(v) = HeaderValue::from_str(&value) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            Err(_) => not_found(shared),
        },
        Err(true) => {
            let location = format!("{request}/");
            (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        Err(false) => not_found(shared),
    }
}

fn not_found(shared: &Shared) -> Response {
    let body = lookup(shared, "404.html")
        .ok()
        .and_then(|f| f.bytes().ok().map(|b| b.into_owned()))
        .unwrap_or_else(|| "<!doctype html><title>404</title><p>找不到页面</p>".into());
    html_response(StatusCode::NOT_FOUND, body, shared)
}

fn live_tag(follow: bool) -> String {
    format!(
        "<script src=\"/__dangjian/live.js\" data-follow=\"{}\"></script>",
        if follow { 1 } else { 0 }
    )
}

/// An HTML response with the live-reload script added before `</body>`.
fn html_response(status: StatusCode, mut body: Vec<u8>, shared: &Shared) -> Response {
    let tag = live_tag(shared.follow);
    let at = find_last(&body, b"</body>").unwrap_or(body.len());
    body.splice(at..at, tag.into_bytes());
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::{host_allowed, output_path};

    #[test]
    fn only_local_names_and_addresses_are_served() {
        for ok in [
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "192.168.1.5:1111",
            "localhost",
            "LOCALHOST.",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example:1111",
            "evil.example",
            "127.0.0.1.evil.example:1111",
            "localhost.evil.example",
        ] {
            assert!(!host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn request_paths_stay_inside_the_site() {
        assert_eq!(output_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            output_path("/news/a/").as_deref(),
            Some("news/a/index.html")
        );
        assert_eq!(output_path("/style.css").as_deref(), Some("style.css"));
        assert_eq!(
            output_path("/tags/%E5%AD%A6%E4%B9%A0/").as_deref(),
            Some("tags/学习/index.html")
        );
        for bad in [
            "/../site.yaml",
            "/news/../../etc/passwd",
            "/%2e%2e/site.yaml",
            "/%2E%2E%2Fsite.yaml",
            "/news/..%2F..%2Fsite.yaml",
            "/%252e%252e/site.yaml",
            "/..\\site.yaml",
            "//etc/passwd",
            "/a%00b",
        ] {
            assert_eq!(output_path(bad), None, "{bad}");
        }
    }
}
