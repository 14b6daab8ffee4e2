use std::path::Path;

use axum::http::{HeaderMap, HeaderValue, header};

use super::*;

fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            name.clone(),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    map
}

#[test]
fn accept_language_picks_the_best_spoken_language() {
    let cases = [
        ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
        ("fr-FR,zh-TW;q=0.7,en;q=0.5", Lang::Zh),
        ("fr, de", Lang::En),
        ("en;q=0.2, zh;q=0.9", Lang::Zh),
        ("zh;q=0, en;q=0.1", Lang::En),
        ("", Lang::En),
    ];
    for (accept, want) in cases {
        let got = Lang::from_headers(&headers(&[(header::ACCEPT_LANGUAGE, accept)]));
        assert_eq!(got, want, "Accept-Language: {accept}");
    }
}

#[test]
fn the_cookie_wins_over_accept_language() {
    let map = headers(&[
        (header::ACCEPT_LANGUAGE, "zh-CN"),
        (header::COOKIE, "a=b; nexus_lang=en"),
    ]);
    assert_eq!(Lang::from_headers(&map), Lang::En);
}

#[test]
fn placeholders_are_filled_in_order() {
    assert_eq!(fill("{} of {} keys", &[&2, &"3"]), "2 of 3 keys");
    assert_eq!(fill("no holes", &[&1]), "no holes");
    assert_eq!(fill("{} and {}", &[&1]), "1 and ");
}

#[test]
fn missing_translations_fall_back_to_english() {
    assert_eq!(
        translate(Lang::Zh, "no such text, surely"),
        "no such text, surely"
    );
    assert_eq!(translate(Lang::En, "Console"), "Console");
    assert_ne!(translate(Lang::Zh, "Console"), "Console");
}

#[test]
fn tables_have_no_duplicate_english() {
    let mut seen = std::collections::HashSet::new();
    for table in [
        common::ZH,
        landing::ZH,
        console::ZH,
        keys::ZH,
        mapping::ZH,
        logs::ZH,
        stats::ZH,
        admin::ZH,
    ] {
        for (en, zh) in table {
            assert!(seen.insert(*en), "{en:?} is translated twice");
            assert!(!zh.trim().is_empty(), "{en:?} has an empty translation");
            assert_eq!(
                en.matches("{}").count(),
                zh.matches("{}").count(),
                "{en:?} and its translation differ in placeholders"
            );
        }
    }
}

/// The string literals passed to `t(` / `tf(` / `tn(` / `tn2(` in `text` (templates and
/// Rust sources), also when rustfmt put the literal on the next line.
fn translatable(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for opener in ["t(", "tf(", "tn(", "tn2("] {
        let mut rest = text;
        while let Some(at) = rest.find(opener) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + opener.len()..];
            // `.t("`, `::t("` or ` t("`, not `print("` or `format("`.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(literal_start) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            rest = literal_start;
            let mut literal = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => literal.push(chars.next().unwrap_or('\\')),
                    c => literal.push(c),
                }
            }
            found.push(literal);
        }
    }
    found
}

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn every_text_of_the_dashboard_has_its_chinese() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("templates"), "html", &mut sources);
    files(&root.join("src/web"), "rs", &mut sources);
    let mut missing = Vec::new();
    let mut count = 0;
    for path in sources {
        // The i18n module itself only shows the convention in its comments.
        if path.parent().is_some_and(|dir| dir.ends_with("i18n")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source file");
        for en in translatable(&text) {
            count += 1;
            if !ZH.contains_key(en.as_str()) {
                missing.push(format!("{}: {en:?}", path.display()));
            }
        }
    }
    assert!(count > 50, "only {count} texts found: is the scan broken?");
    assert!(
        missing.is_empty(),
        "texts without Chinese:\n{}",
        missing.join("\n")
    );
}

async fn ui_for(method: axum::http::Method, uri: &str) -> Ui {
    let request = axum::http::Request::builder().method(method).uri(uri);
    let (mut parts, ()) = request.body(()).expect("request").into_parts();
    <Ui as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .expect("ui")
}

#[tokio::test]
async fn the_switch_goes_back_to_a_page_that_can_be_fetched() {
    use axum::http::Method;
    let ui = ui_for(Method::GET, "/logs?result=error").await;
    assert_eq!(ui.switch_href(), "/lang/zh?back=%2Flogs%3Fresult%3Derror");
    // A page rendered in answer to a post: back to its section's page.
    let ui = ui_for(Method::POST, "/console/key/reveal").await;
    assert_eq!(ui.switch_href(), "/lang/zh?back=%2Fconsole");
    let ui = ui_for(Method::POST, "/keys").await;
    assert_eq!(ui.switch_href(), "/lang/zh?back=%2Fkeys");
}
