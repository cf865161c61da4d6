//! Recommendation runs and decisions over the real `aisle` binary: `CALL
//! refresh_recommendations()` and `aisle refresh` snapshot the `*_recommendations` views with
//! lineage; `INSERT INTO decisions` is validated, needs an approver for high-impact or
//! low-confidence recommendations, and survives `kill -9` exactly once.
mod common;
mod gov_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use gov_support::{code, connect, one, refresh_cli, rows, setup, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_snapshot_views_with_lineage() {
    let s = setup("");
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let planner = connect(srv.port, "planner", "t").await;
    let analyst = connect(srv.port, "analyst", "t").await;

    // Before any run, decisions have nothing to refer to.
    let e = planner
        .simple_query("INSERT INTO decisions VALUES ('sku-1001', 'approve', NULL, NULL)")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "55000");
    let e = analyst
        .simple_query("CALL refresh_recommendations()")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42501");
    let e = planner
        .simple_query("CALL refresh_recommendations('no_such_recommendations')")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42P01");

    let r = rows(&planner, "CALL refresh_recommendations()").await;
    assert_eq!(r.len(), 1, "{r:?}");
    let run1 = r[0][0].clone().unwrap();
    assert_eq!(r[0][1].as_deref(), Some("test_recommendations"));
    let view_rows = one(&admin, "SELECT count(*) FROM test_recommendations").await;
    assert_eq!(r[0][2], view_rows);

    // The snapshot: same rows as the view, stamped with the run id, files on disk.
    let diff = one(
        &admin,
        "SELECT count(*) FROM (SELECT recommendation_id, recommended_qty, value, confidence FROM test_recommendations \
         EXCEPT SELECT recommendation_id, recommended_qty, value, confidence FROM test_recommendations_latest) d",
    )
    .await;
    assert_eq!(diff.as_deref(), Some("0"));
    let ids = one(
        &admin,
        "SELECT count(DISTINCT run_id) || ':' || min(run_id) FROM test_recommendations_latest",
    )
    .await
    .unwrap();
    assert_eq!(ids, format!("1:{run1}"));
    assert!(
        s.dir("runs")
            .join(format!("runs/{run1}/test_recommendations.parquet"))
            .exists()
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.dir("runs").join(format!("manifests/{run1}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["created_by"], "planner");
    assert_eq!(
        manifest["model_version"]["aisle"],
        env!("CARGO_PKG_VERSION")
    );
    let inputs = manifest["inputs"].as_array().unwrap();
    assert!(!inputs.is_empty(), "lineage lists input files");
    for i in inputs {
        assert_eq!(i["table"], "products", "the view reads only products: {i}");
        let path = i["path"].as_str().unwrap();
        let on_disk = std::fs::metadata(path.trim_start_matches("file://")).unwrap();
        assert_eq!(i["size"].as_u64().unwrap(), on_disk.len(), "{path}");
        assert!(i["last_modified"].as_str().unwrap().len() >= 20);
    }
    assert!(
        manifest["parameters"]["view_sql_sha256.test_recommendations"]
            .as_str()
            .is_some_and(|h| h.len() == 64)
    );
    let listed = rows(
        &admin,
        "SELECT run_id, created_by, view_name, rows, input_files FROM recommendation_runs",
    )
    .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0][1].as_deref(), Some("planner"));
    assert_eq!(listed[0][3], view_rows);
    assert_eq!(listed[0][4], Some(inputs.len().to_string()));

    // A decision on run 1, then a CLI run: the server serves the new run at once.
    planner
        .simple_query("INSERT INTO decisions VALUES ('sku-1001', 'reject', NULL, 'not needed')")
        .await
        .unwrap();
    let out = refresh_cli(&s, "nightly");
    assert!(out.contains("test_recommendations"), "{out}");
    let run2 = one(
        &admin,
        "SELECT max(run_id) FROM test_recommendations_latest",
    )
    .await
    .unwrap();
    assert!(run2 > run1, "{run2} after {run1}");
    let by = one(
        &admin,
        &format!("SELECT created_by FROM recommendation_runs WHERE run_id = '{run2}'"),
    )
    .await;
    assert_eq!(by.as_deref(), Some("nightly"));
    // Decisions belong to the run they were made on.
    let n = one(
        &admin,
        &format!("SELECT count(*) FROM decisions WHERE run_id = '{run1}'"),
    )
    .await;
    assert_eq!(n.as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_validated_and_need_approvers() {
    let s = setup("");
    refresh_cli(&s, "setup");
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let planner = connect(srv.port, "planner", "t").await;
    let approver = connect(srv.port, "approver", "t").await;
    let analyst = connect(srv.port, "analyst", "t").await;
    let auditor = connect(srv.port, "auditor", "t").await;

    // The recommendations and which need an approver, from the snapshot itself.
    let recs = rows(
        &admin,
        "SELECT recommendation_id, recommended_qty, value, confidence FROM test_recommendations_latest ORDER BY 1",
    )
    .await;
    let mut normal = Vec::new();
    let mut high = Vec::new();
    for r in &recs {
        let value: f64 = r[2].as_ref().unwrap().parse().unwrap();
        let conf: f64 = r[3].as_ref().unwrap().parse().unwrap();
        let id = r[0].clone().unwrap();
        let qty: f64 = r[1].as_ref().unwrap().parse().unwrap();
        if value > 500.0 || conf < 0.5 {
            high.push((id, qty));
        } else {
            normal.push((id, qty));
        }
    }
    assert!(normal.len() >= 3 && high.len() >= 3, "{normal:?} {high:?}");
    let pending: BTreeSet<String> = rows(&admin, "SELECT recommendation_id FROM pending_approvals")
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(
        pending,
        high.iter().map(|h| h.0.clone()).collect::<BTreeSet<_>>()
    );

    let n0 = one(&admin, "SELECT count(*) FROM decisions").await;
    let (n, _) = (&normal[0].0, ());
    let bad: Vec<(&tokio_postgres::Client, String, &str)> = vec![
        (
            &planner,
            "INSERT INTO decisions VALUES ('nope', 'approve', NULL, NULL)".into(),
            "23503",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'accept', NULL, NULL)"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'override', NULL, 'x')"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'override', -1, 'x')"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'override', 'ten', 'x')"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'override', 1e12, 'x')"),
            "22003",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'reject', NULL, NULL)"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'approve', 5, NULL)"),
            "22023",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES (NULL, 'approve', NULL, NULL)"),
            "23502",
        ),
        (
            &planner,
            format!("INSERT INTO decisions (recommendation_id, verdict) VALUES ('{n}', 'approve')"),
            "42703",
        ),
        (
            &planner,
            format!("INSERT INTO decisions VALUES ('{n}', 'approve')"),
            "42601",
        ),
        (
            &planner,
            format!("INSERT INTO decisions SELECT '{n}', 'approve', NULL, NULL"),
            "0A000",
        ),
        // One bad row rejects the whole statement.
        (
            &planner,
            format!(
                "INSERT INTO decisions VALUES ('{n}', 'approve', NULL, NULL), ('nope', 'approve', NULL, NULL)"
            ),
            "23503",
        ),
        (
            &analyst,
            format!("INSERT INTO decisions VALUES ('{n}', 'approve', NULL, NULL)"),
            "42501",
        ),
        (
            &auditor,
            format!("INSERT INTO decisions VALUES ('{n}', 'approve', NULL, NULL)"),
            "42501",
        ),
    ];
    for (c, sql, want) in &bad {
        let e = c.simple_query(sql).await.unwrap_err();
        assert_eq!(&code(&e), want, "{sql}: {e:?}");
    }
    assert_eq!(
        one(&admin, "SELECT count(*) FROM decisions").await,
        n0,
        "nothing recorded"
    );

    // Normal recommendations: a planner's decision is final.
    let (a, aq) = normal[0].clone();
    let (o, _) = normal[1].clone();
    let (r, _) = normal[2].clone();
    let msgs = planner
        .simple_query(&format!(
            "INSERT INTO decisions (reason, recommendation_id, action) VALUES ('looks right', '{a}', 'approve'); \
             INSERT INTO decisions VALUES ('{o}', 'OVERRIDE', '12.5', 'promo next week'), ('{r}', 'reject', NULL, 'discontinued')"
        ))
        .await
        .unwrap();
    let tags: Vec<u64> = msgs
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(tags, vec![1, 2]);
    // Extended protocol with parameters (sent as text).
    let (p, _) = normal[3].clone();
    let n = planner
        .execute(
            "INSERT INTO decisions VALUES ($1, $2, $3, $4)",
            &[&p.as_str(), &"override", &"3", &"by parameter"],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);

    // High impact: the planner's override is only a proposal until an approver decides.
    let (h, hq) = high[0].clone();
    planner
        .simple_query(&format!(
            "INSERT INTO decisions VALUES ('{h}', 'override', 7, 'want more')"
        ))
        .await
        .unwrap();
    let st = one(
        &admin,
        &format!("SELECT status FROM decisions WHERE recommendation_id = '{h}'"),
    )
    .await;
    assert_eq!(st.as_deref(), Some("proposed"));
    let prop = rows(
        &admin,
        &format!("SELECT proposed_action, CAST(proposed_quantity AS BIGINT), proposed_by FROM pending_approvals WHERE recommendation_id = '{h}'"),
    )
    .await;
    assert_eq!(
        prop,
        vec![vec![
            Some("override".into()),
            Some("7".into()),
            Some("planner".into())
        ]]
    );
    approver
        .simple_query(&format!(
            "INSERT INTO decisions VALUES ('{h}', 'approve', NULL, 'ok at recommended')"
        ))
        .await
        .unwrap();
    let (h2, _) = high[1].clone();
    approver
        .simple_query(&format!(
            "INSERT INTO decisions VALUES ('{h2}', 'reject', NULL, 'too risky')"
        ))
        .await
        .unwrap();
    let pending_now: BTreeSet<String> =
        rows(&admin, "SELECT recommendation_id FROM pending_approvals")
            .await
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect();
    let want: BTreeSet<String> = high[2..].iter().map(|x| x.0.clone()).collect();
    assert_eq!(pending_now, want);

    // What the ERP gets: final quantities of approved and overridden recommendations.
    let got: BTreeMap<String, (String, f64, String)> = rows(
        &planner,
        "SELECT recommendation_id, decision, final_quantity, decided_by FROM approved_actions",
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap(),
            (
                r[1].clone().unwrap(),
                r[2].as_ref().unwrap().parse().unwrap(),
                r[3].clone().unwrap(),
            ),
        )
    })
    .collect();
    let mut want = BTreeMap::new();
    want.insert(
        a.clone(),
        ("approve".to_string(), aq, "planner".to_string()),
    );
    want.insert(
        o.clone(),
        ("override".to_string(), 12.5, "planner".to_string()),
    );
    want.insert(
        p.clone(),
        ("override".to_string(), 3.0, "planner".to_string()),
    );
    want.insert(
        h.clone(),
        ("approve".to_string(), hq, "approver".to_string()),
    );
    assert_eq!(got, want);
    // Stamped by the server.
    let who = rows(
        &auditor,
        "SELECT decided_by, count(*) FROM decisions GROUP BY 1 ORDER BY 1",
    )
    .await;
    assert_eq!(
        who,
        vec![
            vec![Some("approver".into()), Some("2".into())],
            vec![Some("planner".into()), Some("5".into())]
        ]
    );
}

/// Clients insert decisions while the server is killed with SIGKILL again and again; after the
/// last restart every acknowledged decision is there exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_survive_sigkill_exactly_once() {
    const CYCLES: usize = 20;
    const CLIENTS: usize = 4;
    let s = setup("fsync = \"commit\"");
    refresh_cli(&s, "setup");
    let mut acked: Vec<String> = Vec::new();
    let mut sent = 0usize;
    for cycle in 0..CYCLES {
        let srv = start(&s);
        let port = srv.port;
        let mut tasks = Vec::new();
        for w in 0..CLIENTS {
            tasks.push(tokio::spawn(async move {
                let user = if w % 2 == 0 { "planner" } else { "approver" };
                let Ok((client, conn)) = tokio_postgres::connect(
                    &format!(
                        "host=127.0.0.1 port={port} user={user} password={} dbname=aisle",
                        gov_support::PASSWORD
                    ),
                    tokio_postgres::NoTls,
                )
                .await
                else {
                    return (vec![], 0);
                };
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                let mut ok = Vec::new();
                let mut tried = 0;
                for i in 0.. {
                    let tag = format!("c{cycle}-w{w}-i{i}");
                    tried += 1;
                    // Alternate protocols: simple and extended with parameters.
                    let r = if i % 2 == 0 {
                        client
                            .simple_query(&format!(
                                "INSERT INTO decisions VALUES ('sku-1001', 'reject', NULL, '{tag}')"
                            ))
                            .await
                            .map(|_| ())
                    } else {
                        client
                            .execute(
                                "INSERT INTO decisions VALUES ('sku-1002', 'override', $1, $2)",
                                &[&"4", &tag.as_str()],
                            )
                            .await
                            .map(|_| ())
                    };
                    match r {
                        Ok(()) => ok.push(tag),
                        Err(_) => break,
                    }
                }
                (ok, tried)
            }));
        }
        // Let the clients write for a while (varying), then kill -9 mid-stream.
        tokio::time::sleep(Duration::from_millis(150 + 37 * (cycle as u64 % 7))).await;
        srv.kill9();
        for t in tasks {
            let (ok, tried) = t.await.unwrap();
            acked.extend(ok);
            sent += tried;
        }
    }
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let counts: BTreeMap<String, usize> = rows(
        &admin,
        "SELECT reason, count(*) FROM decisions GROUP BY reason",
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap(),
            r[1].as_ref().unwrap().parse().unwrap(),
        )
    })
    .collect();
    assert!(
        acked.len() >= CYCLES * CLIENTS,
        "only {} acknowledged",
        acked.len()
    );
    for tag in &acked {
        assert_eq!(counts.get(tag), Some(&1), "acknowledged decision {tag}");
    }
    for (tag, n) in &counts {
        assert_eq!(*n, 1, "decision {tag} recorded {n} times");
    }
    let ids = one(
        &admin,
        "SELECT count(DISTINCT decision_id) = count(*) FROM decisions",
    )
    .await;
    assert_eq!(ids.as_deref(), Some("t"));
    // The log was compacted into Parquet at every start; no partial file is left behind.
    let names: Vec<String> = std::fs::read_dir(s.dir("decisions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".parquet")), "{names:?}");
    eprintln!(
        "{CYCLES} SIGKILL cycles: {} decisions sent, {} acknowledged, {} recorded",
        sent,
        acked.len(),
        counts.len()
    );
}
