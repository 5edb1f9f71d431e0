//! `POST /api/dose`, `POST /api/schedule`, `POST /api/order/verify` and the
//! OpenAPI document.

use crate::server::*;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn object(fields: &[(&str, String)]) -> String {
    let mut body = serde_json::Map::new();
    for (k, v) in fields {
        body.insert((*k).to_owned(), serde_json::Value::String(v.clone()));
    }
    serde_json::Value::Object(body).to_string()
}

/// The dose API answers compact JSON whose value is the command line's
/// `dose --format json` (pretty) for the same inputs: the same keys in the
/// same order, the same numbers.
#[test]
fn the_dose_api_gives_the_command_line_json_compact() {
    let s = Server::start();
    let mut fields = gem_doc("170cm");
    fields.push(("on", "2026-12-01".to_owned()));
    let (status, text) = post_json(&s, "/api/dose", &object(&fields));
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains('\n'), "compact: no line break");
    let api = json(&text);
    // By hand: BSA 1.82 m²; gemcitabine 900 mg/m² × 1.82 = 1,638 mg days 1
    // and 8, docetaxel 100 mg/m² × 1.82 = 182 mg day 8.
    let doses: Vec<(String, u64, f64)> = api["administrations"]
        .as_array()
        .expect("administrations")
        .iter()
        .filter(|a| a["role"] == "antineoplastic")
        .map(|a| {
            (
                a["drug"].as_str().unwrap().to_owned(),
                a["day"].as_u64().unwrap(),
                a["final_dose"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        doses,
        [
            ("gemcitabine".to_owned(), 1, 1638.0),
            ("gemcitabine".to_owned(), 8, 1638.0),
            ("docetaxel".to_owned(), 8, 182.0),
        ]
    );
    // The command line, in the server's folder (the same ./regimens).
    let mut args = vec![
        "dose".to_owned(),
        "--format=json".to_owned(),
        "--on=2026-12-01".to_owned(),
        "--height=170cm".to_owned(),
        "--weight=70kg".to_owned(),
    ];
    for (k, v) in LABS {
        args.push(format!("--{}={v}", k.replace('_', "-")));
    }
    args.extend(["--".to_owned(), "gemcitabine-docetaxel".to_owned()]);
    let out = crate::common::chemodose()
        .args(&args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let cli_text = String::from_utf8(out.stdout).unwrap();
    assert!(
        cli_text.starts_with("{\n  \""),
        "the command line's stays pretty"
    );
    let cli = json(&cli_text);
    assert_eq!(api, cli);
    // Byte for byte the command line's JSON without its whitespace: the
    // same keys in the same order, each number written the same way.
    assert_eq!(text, serde_json::to_string(&cli).unwrap());
}

#[test]
fn the_schedule_api_gives_the_command_line_json() {
    let s = Server::start();
    let mut fields = gem_doc("170cm");
    fields.push(("start", "2026-12-01".to_owned()));
    fields.push(("cycles", "2".to_owned()));
    let (status, text) = post_json(&s, "/api/schedule", &object(&fields));
    assert_eq!(status, 200, "{text}");
    let v = json(&text);
    // By hand: 1,638 mg gemcitabine days 1 and 8, 182 mg docetaxel day 8,
    // each cycle (BSA 1.82 m², tests/web/schedule.rs).
    let mut doses = Vec::new();
    for c in v["cycles"].as_array().expect("cycles") {
        for a in c["administrations"].as_array().unwrap() {
            if a["role"] == "antineoplastic" {
                doses.push((
                    a["date"].as_str().unwrap().to_owned(),
                    a["drug"].as_str().unwrap().to_owned(),
                    a["final_dose"].as_f64().unwrap(),
                ));
            }
        }
    }
    let expected = [
        ("2026-12-01", "gemcitabine", 1638.0),
        ("2026-12-08", "gemcitabine", 1638.0),
        ("2026-12-08", "docetaxel", 182.0),
        ("2026-12-22", "gemcitabine", 1638.0),
        ("2026-12-29", "gemcitabine", 1638.0),
        ("2026-12-29", "docetaxel", 182.0),
    ];
    let expected: Vec<(String, String, f64)> = expected
        .iter()
        .map(|(d, n, x)| ((*d).to_owned(), (*n).to_owned(), *x))
        .collect();
    assert_eq!(doses, expected, "{text}");
    // A bad start date: 400, the field named.
    fields.retain(|(k, _)| *k != "start");
    fields.push(("start", "2026-02-30".to_owned()));
    let (status, text) = post_json(&s, "/api/schedule", &object(&fields));
    assert_eq!(status, 400);
    let e = json(&text);
    assert_eq!(e["field"], "start");
    assert_eq!(e["kind"], "input");
    // An unknown key is refused, never ignored (a typo would drop a value).
    let (status, text) = post_json(
        &s,
        "/api/schedule",
        r#"{"regimen": "gemcitabine-docetaxel", "start": "2026-12-01", "hieght": "170cm"}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(json(&text)["field"], "hieght");
    // A required value left out: 400, the field named, the message says
    // which (not clap's bare "were not provided:").
    let (status, text) = post_json(
        &s,
        "/api/dose",
        r#"{"regimen": "doxorubicin", "height": "170cm"}"#,
    );
    assert_eq!(status, 400, "{text}");
    let e = json(&text);
    assert_eq!(e["field"], "weight", "{text}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .ends_with("the following required arguments were not provided: --weight <WEIGHT>"),
        "{text}"
    );
    // A safety stop: 422.
    let (status, text) = post_json(
        &s,
        "/api/schedule",
        r#"{"regimen": "gemcitabine-docetaxel", "start": "2026-12-01", "height": "170cm", "weight": "70kg"}"#,
    );
    assert_eq!(status, 422, "{text}");
    assert_eq!(json(&text)["kind"], "stop");
}

#[test]
fn the_order_api_gives_the_verification_record() {
    let s = Server::start();
    let order = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/orders/gemcitabine-docetaxel-c1.toml"
    ))
    .unwrap();
    let name = "gemcitabine-docetaxel-c1.toml";
    let body = serde_json::json!({ "order": order, "name": name }).to_string();
    let (status, text) = post_json(&s, "/api/order/verify", &body);
    assert_eq!(status, 200, "{text}");
    let mut api = json(&text);
    assert_eq!(api["format"], "chemodose-order-verification-1");
    assert_eq!(api["orders"][0]["verdict"], "VERIFIED");
    assert_eq!(api["orders"][0]["order_id"], "ORD-2026-0101");
    assert_eq!(api["orders"][0]["file"], name);
    // The command line's record of the same file.
    let out = crate::common::chemodose()
        .args(["order", "verify", "--format=json", "--", name])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env(
            "CHEMODOSE_REGIMENS",
            concat!(env!("CARGO_MANIFEST_DIR"), "/regimens"),
        )
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/orders"))
        .output()
        .unwrap();
    let mut cli = json(&String::from_utf8(out.stdout).unwrap());
    // The one difference: the regimen folder's path as given (relative to
    // the server's folder, absolute here).
    for v in [&mut api, &mut cli] {
        v["orders"][0]["regimen"]["origin"] = serde_json::Value::Null;
    }
    assert_eq!(api, cli);
    // By alias the same regimen is found (through the library); a path in
    // a posted order is never read, even one naming the regimen's file.
    let by_alias = order.replace(
        "regimen = \"gemcitabine-docetaxel\"",
        "regimen = \"GemDoc\"",
    );
    assert_ne!(by_alias, order);
    let body = serde_json::json!({ "order": by_alias, "name": name }).to_string();
    let (status, text) = post_json(&s, "/api/order/verify", &body);
    assert_eq!(status, 200, "{text}");
    let alias = json(&text);
    assert_eq!(alias["orders"][0]["verdict"], "VERIFIED", "{text}");
    assert_eq!(alias["orders"][0]["regimen"]["id"], "gemcitabine-docetaxel");
    for path in [
        "regimens/gemcitabine-docetaxel.toml",
        "gemcitabine-docetaxel.toml",
    ] {
        let posted = order.replace(
            "regimen = \"gemcitabine-docetaxel\"",
            &format!("regimen = \"{path}\""),
        );
        let body = serde_json::json!({ "order": posted, "name": name }).to_string();
        let (status, text) = post_json(&s, "/api/order/verify", &body);
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains("a path is never read"), "{path}: {text}");
    }
    // An order that cannot be read: 400, field "order", located.
    let (status, text) = post_json(
        &s,
        "/api/order/verify",
        r#"{"order": "format = 1\nid = 3\n"}"#,
    );
    assert_eq!(status, 400, "{text}");
    let e = json(&text);
    assert_eq!(e["field"], "order");
    assert!(
        e["error"].as_str().unwrap().contains("posted order:2:6"),
        "{text}"
    );
    // An unknown key: 400.
    let (status, _) = post_json(&s, "/api/order/verify", r#"{"order": "", "history": "x"}"#);
    assert_eq!(status, 400);
}

#[test]
fn the_openapi_document_describes_the_routes() {
    let s = Server::start();
    let (status, text) = get(&s, "/api/openapi.json");
    assert_eq!(status, 200);
    let doc = json(&text);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{text}");
    for path in ["/api/dose", "/api/schedule", "/api/order/verify"] {
        let op = &doc["paths"][path]["post"];
        assert!(op.is_object(), "{path}");
        for status in ["200", "400", "413"] {
            assert!(op["responses"][status].is_object(), "{path} {status}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    // The request objects are the forms' fields, every value a string.
    let dose = &schemas["DoseRequest"]["properties"];
    for key in ["regimen", "height", "weight", "bilirubin_uln", "overrides"] {
        assert_eq!(dose[key]["type"], "string", "{key}");
    }
    assert_eq!(schemas["DoseRequest"]["additionalProperties"], false);
    let schedule = &schemas["ScheduleRequest"]["properties"];
    for key in ["start", "delay", "level_from", "days_from", "patient_id"] {
        assert_eq!(schedule[key]["type"], "string", "{key}");
    }
    assert!(schemas["OrderRequest"]["properties"]["order"].is_object());
    let error = &schemas["ApiError"]["properties"];
    for key in ["error", "field", "kind"] {
        assert!(error[key].is_object(), "{key}: {text}");
    }
}
