//! Measures `dangjian serve`: from a file write to the reload event
//! reaching a connected client. Used by `bench/serve.sh`:
//!
//!   serve_bench SITE_DIR PORT SERVER_PID [EDITS]
//!
//! Connects to the server's event stream, then edits EDITS items one at a
//! time (appending a paragraph) and times each until its update event
//! arrives; then changes a template once. Prints the median and worst edit,
//! the template change, and the server's memory (VmRSS, VmHWM) before and
//! after.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: serve_bench SITE_DIR PORT SERVER_PID [EDITS]");
        std::process::exit(2);
    }
    let site = PathBuf::from(&args[1]);
    let port: u16 = args[2].parse().expect("port");
    let pid = &args[3];
    let edits: usize = args.get(4).map_or(20, |n| n.parse().expect("edits"));

    let mut events = connect(port);
    let before = memory(pid);
    let files = items(&site.join("content/news"));
    let mut times = Vec::new();
    for i in 0..edits {
        let file = &files[(i * 7919) % files.len()];
        let mut text = std::fs::read_to_string(file).expect("read item");
        text.push_str(&format!("\n\n基准测试第 {i} 次修改，新增一段文字。\n"));
        let start = Instant::now();
        std::fs::write(file, text).expect("write item");
        wait_update(&mut events);
        times.push(start.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    let template = site.join("themes/default/templates/news.html");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();
    let builtin = include_str!("../themes/default/templates/news.html");
    let start = Instant::now();
    std::fs::write(&template, format!("{builtin}\n<!-- 基准测试 -->\n")).unwrap();
    wait_update(&mut events);
    let template_time = start.elapsed();
    std::fs::remove_file(&template).unwrap();
    wait_update(&mut events);
    let after = memory(pid);

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("edits: {}", times.len());
    println!(
        "edit → reload event: median {:.0} ms, worst {:.0} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    println!(
        "template change → reload event: {:.0} ms",
        ms(template_time)
    );
    println!("server memory: before {before}, after {after}");
}

fn items(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("content/news")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    v
}

fn connect(port: u16) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "GET /__dangjian/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut r = BufReader::new(s);
    // Skip headers and the first ("ok") event.
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).expect("read");
        if line.contains("\"type\":\"ok\"") || line.contains("\"type\":\"error\"") {
            return r;
        }
    }
}

fn wait_update(r: &mut BufReader<TcpStream>) {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).expect("read event") == 0 {
            panic!("event stream closed");
        }
        if line.contains("\"type\":\"update\"") {
            return;
        }
        if line.contains("\"type\":\"error\"") {
            panic!("the server reported an error: {line}");
        }
    }
}

fn memory(pid: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| format!("{} MiB", kb / 1024))
    };
    format!("RSS {} (peak {})", get("VmRSS:"), get("VmHWM:"))
}
