use crate::helpers::{seed, spawn_app};

#[actix_web::test]
async fn editions_list_in_order_with_direction_and_default() {
    let app = spawn_app().await;
    seed::editions(&app);

    let list = app.get_json("/api/v1/editions").await;
    let codes: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["en", "fa", "ar"]);
    assert_eq!(list["data"][0]["is_default"], true);
    assert_eq!(list["data"][0]["direction"], "ltr");
    assert_eq!(list["data"][1]["direction"], "rtl");
    assert_eq!(list["data"][1]["native_name"], "فارسی");
    assert_eq!(list["data"][2]["direction"], "rtl");
    assert_eq!(list["data"][2]["is_default"], false);
    assert_eq!(list["meta"]["total"], 3);

    let fa = app.get_json("/api/v1/editions/fa").await;
    assert_eq!(fa["name"], "Persian");
    assert_eq!(fa["direction"], "rtl");
    app.get("/api/v1/editions/xx").await.problem(404);
}
