//! A small HTTP/1.1 server for `pull` tests: it listens on 127.0.0.1 only,
//! answers each path with a handler the test sets, records every request's
//! headers, and stops (joining all its threads) when dropped. Its loops are
//! bounded: the accept loop by a stop flag and a two-minute limit, a
//! hanging answer by the stop flag and ten seconds.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// Header names in lowercase.
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What to answer.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Accept and say nothing (until the server stops).
    Hang,
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: format!("status {status}").into_bytes(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Answers a request; `n` counts the requests for its path, from 1.
pub type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

pub struct FeedServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Seen>>>,
    routes: Arc<Mutex<HashMap<String, Handler>>>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl FeedServer {
    pub fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let routes: Arc<Mutex<HashMap<String, Handler>>> = Arc::default();
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = {
            let (stop, log, routes, workers) =
                (stop.clone(), log.clone(), routes.clone(), workers.clone());
            std::thread::spawn(move || {
                let limit = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::SeqCst) && Instant::now() < limit {
                    match listener.accept() {
                        Ok((conn, _)) => {
                            let (stop, log, routes) = (stop.clone(), log.clone(), routes.clone());
                            let h = std::thread::spawn(move || serve(conn, &stop, &log, &routes));
                            workers.lock().unwrap().push(h);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        FeedServer {
            addr,
            stop,
            log,
            routes,
            accept: Some(accept),
            workers,
        }
    }

    pub fn route(&self, path: &str, h: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) {
        self.routes.lock().unwrap().insert(path.into(), Arc::new(h));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests seen for `path`, in order.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|s| s.path == path).cloned().collect()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
        for w in self.workers.lock().unwrap().drain(..) {
            let _ = w.join();
        }
    }
}

fn serve(
    mut conn: TcpStream,
    stop: &AtomicBool,
    log: &Mutex<Vec<Seen>>,
    routes: &Mutex<HashMap<String, Handler>>,
) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let seen = Seen {
        path: path.clone(),
        headers,
        at: Instant::now(),
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        log.iter().filter(|s| s.path == path).count()
    };
    let handler = routes.lock().unwrap().get(&path).cloned();
    let reply = match handler {
        Some(h) => h(&seen, n),
        None => Reply::status(404),
    };
    match reply {
        Reply::Hang => {
            let until = Instant::now() + Duration::from_secs(10);
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            if status != 304 {
                out.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            out.push_str("\r\n");
            let _ = conn.write_all(out.as_bytes());
            if status != 304 {
                let _ = conn.write_all(&body);
            }
        }
    }
}

/// A feed with validators: 304 when the request's `If-None-Match` (or,
/// without an ETag, `If-Modified-Since`) matches.
pub fn cached(
    content_type: &'static str,
    body: String,
    etag: Option<&'static str>,
    last_modified: &'static str,
) -> impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static {
    move |req: &Seen, _| {
        let fresh = match etag {
            Some(e) => req.header("if-none-match") == Some(e),
            None => req.header("if-modified-since") == Some(last_modified),
        };
        let mut r = if fresh {
            Reply::Full {
                status: 304,
                headers: Vec::new(),
                body: Vec::new(),
            }
        } else {
            Reply::ok(content_type, body.clone())
        };
        if let Some(e) = etag {
            r = r.header("ETag", e);
        }
        r.header("Last-Modified", last_modified)
    }
}
