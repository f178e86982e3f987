//! Uploads through the HTTP API, against the store the run uses (a local
//! folder, or a real S3-compatible server when `TEST_S3_ENDPOINT` is set).

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::seed;
use crate::helpers::{spawn_app, spawn_with, Reply, TestApp};

fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

/// A JPEG as a camera or phone writes it: EXIF with an orientation and a
/// GPS position, and XMP.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = encoded(&picture(width, height), ImageFormat::Jpeg);
    crate::camera::with_camera_metadata(&plain, orientation)
}

/// A PDF of `pages` pages with `title` in its document information.
fn pdf(pages: usize, title: &str) -> Vec<u8> {
    let lines: Vec<String> = (1..=pages).map(|n| format!("Page {n}")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    nashr::demo::pdf_bytes(title, &lines)
}

/// An MP3 of constant bitrate: 128 kbit/s, 44.1 kHz, `frames` frames.
fn mp3(frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..frames {
        out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
        out.extend_from_slice(&[0; 413]);
    }
    out
}

fn isobox(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// An AVIF's boxes (no picture data): its size, and an EXIF item or not.
fn avif(width: u32, height: u32, exif: bool) -> Vec<u8> {
    let infe = |id: u16, kind: &[u8; 4]| {
        let mut body = vec![2, 0, 0, 0];
        body.extend_from_slice(&id.to_be_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(kind);
        isobox(b"infe", &body)
    };
    let mut items = vec![infe(1, b"av01")];
    if exif {
        items.push(infe(2, b"Exif"));
    }
    let mut iinf = vec![0, 0, 0, 0];
    iinf.extend_from_slice(&(items.len() as u16).to_be_bytes());
    iinf.extend(items.concat());
    let mut ispe = vec![0, 0, 0, 0];
    ispe.extend_from_slice(&width.to_be_bytes());
    ispe.extend_from_slice(&height.to_be_bytes());
    let iprp = isobox(b"iprp", &isobox(b"ipco", &isobox(b"ispe", &ispe)));
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(isobox(b"iinf", &iinf));
    meta.extend(iprp);
    [
        isobox(b"ftyp", b"avif\0\0\0\0avifmif1miaf"),
        isobox(b"meta", &meta),
        isobox(b"mdat", &[0; 32]),
    ]
    .concat()
}

/// Uploads raw `bytes` with a `Content-Type` and an optional file name.
async fn upload_raw(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
    filename: Option<&str>,
    query: &str,
) -> Reply {
    let mut req = app
        .client
        .post(format!("{}/api/v1/media{query}", app.address))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(bytes);
    if let Some(name) = filename {
        req = req.header(
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        );
    }
    let res = req.send().await.unwrap();
    Reply {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.bytes().await.unwrap().to_vec(),
    }
}

async fn fetch(app: &TestApp, url: &str) -> Vec<u8> {
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

fn media_rows(app: &TestApp) -> i64 {
    app.db(|c| {
        nashr::repo::media::list(
            c,
            &Default::default(),
            Default::default(),
            &nashr::db::keyset::Window {
                limit: 1,
                offset: 0,
                after: None,
            },
        )
        .unwrap()
        .1
    })
}

#[actix_web::test]
async fn a_photo_loses_its_gps_is_turned_upright_and_gets_renditions_and_a_placeholder() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    // 2400 by 1600 as stored by the camera, to be shown turned 90 degrees.
    let bytes = jpeg_with_exif(2400, 1600, 6);
    assert!(bytes.windows(6).any(|w| w == b"Exif\0\0"));

    let reply = upload_raw(
        &app,
        &admin,
        bytes,
        "image/jpeg",
        Some("IMG_2041.JPG"),
        "?alt_text=%D8%A8%D9%87%D8%A7%D8%B1&edition=fa",
    )
    .await;
    reply.expect(201);
    let item = reply.json();
    let id = item["id"].as_i64().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/media/{id}").as_str())
    );
    assert_eq!(
        (item["width"].as_i64(), item["height"].as_i64()),
        (Some(1600), Some(2400)),
        "turned upright"
    );
    assert_eq!(item["kind"], "image");
    assert_eq!(item["mime_type"], "image/jpeg");
    assert_eq!(item["alt_text"], "بهار");
    assert_eq!(item["edition"], "fa");
    assert_eq!(item["original_filename"], "IMG_2041.JPG");
    assert!(
        item["placeholder"].as_str().is_some_and(|p| p.len() >= 6),
        "a BlurHash"
    );

    // The stored original has no EXIF (GPS) and no XMP, and is what it says.
    let stored = fetch(&app, item["url"].as_str().unwrap()).await;
    assert_eq!(stored.len() as i64, item["file_size"].as_i64().unwrap());
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF removed");
    assert!(!stored.windows(7).any(|w| w == b"xmpmeta"), "XMP removed");
    assert!(
        !stored.windows(2).any(|w| w == [0xFF, 0xE1]),
        "no APP1 segment"
    );
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1600, 2400));

    // Renditions: every width below the original, in JPEG and WebP, none
    // larger than the picture.
    let renditions = item["renditions"].as_object().unwrap();
    let expected = [
        ("thumbnail", 150, 150),
        ("medium", 300, 450),
        ("medium_large", 768, 1152),
        ("large", 1024, 1536),
    ];
    assert_eq!(renditions.len(), expected.len() * 2, "{renditions:?}");
    for (name, width, height) in expected {
        for (key, mime) in [
            (name.to_string(), "image/jpeg"),
            (format!("{name}.webp"), "image/webp"),
        ] {
            let r = &renditions[&key];
            assert_eq!(
                (
                    r["width"].as_i64(),
                    r["height"].as_i64(),
                    r["mime_type"].as_str()
                ),
                (Some(width), Some(height), Some(mime)),
                "{key}"
            );
            let file = fetch(&app, r["url"].as_str().unwrap()).await;
            assert_eq!(file.len() as i64, r["file_size"].as_i64().unwrap());
            let img = image::load_from_memory(&file).unwrap();
            assert_eq!(
                (img.width() as i64, img.height() as i64),
                (width, height),
                "{key}"
            );
            assert!(!file.windows(4).any(|w| w == b"Exif"));
        }
    }
    assert!(
        renditions.get("xlarge").is_none(),
        "never upscaled past the original width"
    );
}

#[actix_web::test]
async fn multipart_uploads_png_byte_exact_and_identical_files_are_stored_once() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let png = encoded(&picture(640, 480), ImageFormat::Png);
    let send = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("diagram.png")
                    .mime_str("image/png")
                    .unwrap(),
            )
            .text("alt_text", "A diagram")
            .text("caption", "نمودار")
            .text("credit", "Nashr");
        app.client
            .post(format!("{}/api/v1/media", app.address))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
    };
    let res = send(png.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["caption"], "نمودار");
    assert_eq!(
        fetch(&app, first["url"].as_str().unwrap()).await,
        png,
        "a clean PNG is stored byte for byte"
    );
    let keys_after_first = app.store.keys().await.unwrap();
    let second: Value = send(png.clone()).await.unwrap().json().await.unwrap();
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["url"], second["url"], "same bytes, same key");
    assert_ne!(first["slug"], second["slug"]);
    assert_eq!(
        app.store.keys().await.unwrap().len(),
        keys_after_first.len(),
        "nothing stored twice"
    );

    // Deleting one item keeps the files the other still uses; deleting the
    // last removes them.
    let path = |v: &Value| format!("/api/v1/media/{}", v["id"]);
    assert_eq!(app.delete_as(&path(&first), &admin, None).await.status, 204);
    assert_eq!(fetch(&app, second["url"].as_str().unwrap()).await, png);
    assert_eq!(
        app.delete_as(&path(&second), &admin, None).await.status,
        204
    );
    assert!(
        app.store.keys().await.unwrap().is_empty(),
        "{:?}",
        app.store.keys().await.unwrap()
    );
}

#[actix_web::test]
async fn documents_and_recordings_report_pages_and_durations() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let book = upload_raw(
        &app,
        &admin,
        pdf(3, "Voices from the Tea House"),
        "application/pdf",
        Some("book.pdf"),
        "",
    )
    .await;
    book.expect(201);
    let book = book.json();
    assert_eq!(
        (book["kind"].as_str(), book["page_count"].as_i64()),
        (Some("document"), Some(3))
    );
    assert_eq!(book["title"], "Voices from the Tea House");
    assert_eq!(book["renditions"], json!({}));

    let song = upload_raw(
        &app,
        &admin,
        mp3(1000),
        "audio/mpeg",
        Some("episode.mp3"),
        "",
    )
    .await
    .json();
    assert_eq!(song["kind"], "audio");
    assert!(
        (song["duration"].as_f64().unwrap() - 26.06).abs() < 0.05,
        "{}",
        song["duration"]
    );
    let video = upload_raw(
        &app,
        &admin,
        nashr::demo::mp4_bytes(184),
        "video/mp4",
        Some("bakery.mp4"),
        "",
    )
    .await
    .json();
    assert_eq!(
        (video["kind"].as_str(), video["duration"].as_f64()),
        (Some("video"), Some(184.0))
    );

    let clean_avif = upload_raw(
        &app,
        &admin,
        avif(1920, 1080, false),
        "image/avif",
        None,
        "",
    )
    .await;
    clean_avif.expect(201);
    assert_eq!(
        (
            clean_avif.json()["width"].as_i64(),
            clean_avif.json()["height"].as_i64()
        ),
        (Some(1920), Some(1080))
    );
    assert_eq!(
        upload_raw(&app, &admin, avif(1920, 1080, true), "image/avif", None, "")
            .await
            .invalid_fields(),
        ["file"]
    );
}

#[actix_web::test]
async fn videos_on_youtube_and_vimeo_become_embeds_without_an_upload() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let yt = app.post_as("/api/v1/media", &admin, json!({"kind": "embed", "url": "https://www.youtube.com/watch?v=M7lc1UVf-VE", "title": "How reed pens are cut"})).await;
    assert_eq!(yt.status, 201);
    let yt = yt.json();
    assert_eq!(yt["kind"], "embed");
    assert_eq!(
        yt["embed"],
        json!({"provider": "youtube", "video_id": "M7lc1UVf-VE",
        "embed_url": "https://www.youtube-nocookie.com/embed/M7lc1UVf-VE",
        "thumbnail_url": "https://i.ytimg.com/vi/M7lc1UVf-VE/hqdefault.jpg",
        "url": "https://www.youtube.com/watch?v=M7lc1UVf-VE"})
    );
    let vimeo = app
        .post_as(
            "/api/v1/media",
            &admin,
            json!({"kind": "embed", "url": "https://vimeo.com/76979871"}),
        )
        .await
        .json();
    assert_eq!(
        vimeo["embed"]["embed_url"],
        "https://player.vimeo.com/video/76979871"
    );
    for url in [
        "https://dailymotion.example/video/x1",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=bad",
    ] {
        assert_eq!(
            app.post_as(
                "/api/v1/media",
                &admin,
                json!({"kind": "embed", "url": url})
            )
            .await
            .invalid_fields(),
            ["url"],
            "{url}"
        );
    }
    assert!(
        app.store.keys().await.unwrap().is_empty(),
        "embeds store no files"
    );
}

#[actix_web::test]
async fn hostile_and_broken_files_are_refused_and_nothing_is_stored() {
    let app = spawn_with(|s| s.max_upload_bytes = 256 * 1024).await;
    seed::editions(&app);
    let admin = app.admin().await;
    let png = encoded(&picture(64, 64), ImageFormat::Png);
    let jpeg = encoded(&picture(300, 200), ImageFormat::Jpeg);
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    bomb.extend_from_slice(&13u32.to_be_bytes());
    bomb.extend_from_slice(b"IHDR");
    bomb.extend_from_slice(&ihdr);
    bomb.extend_from_slice(&crc32(b"IHDR", &ihdr).to_be_bytes());
    bomb.extend_from_slice(&[0, 0, 0, 0]);
    bomb.extend_from_slice(b"IEND");
    bomb.extend_from_slice(&crc32(b"IEND", &[]).to_be_bytes());
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(1)</script></svg>".to_vec();

    // (case, body, Content-Type, file name, query, expected status)
    type Case = (
        &'static str,
        Vec<u8>,
        &'static str,
        Option<&'static str>,
        &'static str,
        u16,
    );
    let cases: Vec<Case> = vec![
        (
            "a PNG renamed .jpg",
            png.clone(),
            "application/octet-stream",
            Some("photo.jpg"),
            "",
            415,
        ),
        (
            "a PNG sent as JPEG",
            png.clone(),
            "image/jpeg",
            None,
            "",
            415,
        ),
        (
            "HTML labelled image/png",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            "image/png",
            Some("x.png"),
            "",
            415,
        ),
        ("SVG", svg, "image/svg+xml", Some("logo.svg"), "", 415),
        ("a zero-byte file", vec![], "image/jpeg", None, "", 422),
        (
            "a truncated JPEG",
            jpeg[..jpeg.len() / 2].to_vec(),
            "image/jpeg",
            None,
            "",
            422,
        ),
        ("a 50000x50000 PNG header", bomb, "image/png", None, "", 422),
        (
            "an oversized body",
            vec![0xFF; 300 * 1024],
            "image/jpeg",
            None,
            "",
            413,
        ),
        (
            "a path-traversal file name",
            png.clone(),
            "image/png",
            Some("../../etc/passwd"),
            "",
            422,
        ),
        (
            "a file name with a backslash",
            png.clone(),
            "image/png",
            Some("..\\\\win.ini"),
            "",
            422,
        ),
        (
            "an edition that does not exist",
            png.clone(),
            "image/png",
            Some("ok.png"),
            "?edition=zz",
            422,
        ),
        (
            "an unknown description field",
            png.clone(),
            "image/png",
            None,
            "?colour=red",
            400,
        ),
    ];
    let keys_before = app.store.keys().await.unwrap();
    for (case, bytes, content_type, filename, query, status) in cases {
        let reply = upload_raw(&app, &admin, bytes, content_type, filename, query).await;
        assert_eq!(
            reply.status,
            status,
            "{case}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.problem(status);
        assert_eq!(media_rows(&app), 0, "{case}: no row");
        assert_eq!(
            app.store.keys().await.unwrap(),
            keys_before,
            "{case}: no file"
        );
    }
    // Multipart: no file part, two file parts, an unknown field.
    let part = || {
        reqwest::multipart::Part::bytes(png.clone())
            .file_name("a.png")
            .mime_str("image/png")
            .unwrap()
    };
    for (case, form, status) in [
        (
            "no file",
            reqwest::multipart::Form::new().text("alt_text", "x"),
            422,
        ),
        (
            "two files",
            reqwest::multipart::Form::new()
                .part("file", part())
                .part("file", part()),
            422,
        ),
        (
            "an unknown field",
            reqwest::multipart::Form::new()
                .part("file", part())
                .text("colour", "red"),
            422,
        ),
    ] {
        let res = app
            .client
            .post(format!("{}/api/v1/media", app.address))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{case}");
    }
    assert_eq!(media_rows(&app), 0);
    // Without the scope, or without a token, nothing is even read.
    let (_, contributor) = app.user_with_role("writer", "contributor").await;
    upload_raw(&app, &contributor, png.clone(), "image/png", None, "")
        .await
        .problem(403);
    app.send(Method::POST, "/api/v1/media", None, None, None)
        .await
        .problem(401);
}

/// CRC-32 of a PNG chunk's type and data.
fn crc32(kind: &[u8], data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in kind.iter().chain(data) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[actix_web::test]
async fn posts_show_featured_media_and_galleries_written_through_the_api() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let bytes = encoded(&picture(400 + n, 300), ImageFormat::Jpeg);
        ids.push(
            upload_raw(&app, &admin, bytes, "image/jpeg", None, "")
                .await
                .json()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let post = app
        .post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "Autumn", "status": "published", "featured_media": ids[0],
            "gallery": [{"media": ids[2], "caption": "Last light"}, {"media": ids[1]}]}))
        .await;
    post.expect(201);
    let post = post.json();
    assert_eq!(post["featured_media"]["id"], ids[0]);
    let gallery: Vec<(i64, &str)> = post["gallery"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["media"]["id"].as_i64().unwrap(),
                g["caption"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(gallery, [(ids[2], "Last light"), (ids[1], "")]);
    let bad = app
        .patch_as(
            &format!("/api/v1/posts/{}", post["id"]),
            &admin,
            json!({"gallery": [{"media": 999999}]}),
            None,
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["gallery[0].media"]);
    let reordered = app
        .patch_as(
            &format!("/api/v1/posts/{}", post["id"]),
            &admin,
            json!({"gallery": [{"media": ids[1], "caption": "First"}]}),
            None,
        )
        .await
        .json();
    assert_eq!(reordered["gallery"].as_array().unwrap().len(), 1);
    // Media in use cannot be deleted by accident.
    app.delete_as(&format!("/api/v1/media/{}", ids[1]), &admin, None)
        .await
        .problem(409);
}

#[actix_web::test]
async fn a_store_that_cannot_be_written_is_a_503_and_leaves_no_row() {
    // A local folder that cannot be made (its parent is a file), or an S3
    // endpoint on a port nothing listens on.
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_with(|s| {
        if s.store.s3_bucket.is_some() {
            s.store.s3_endpoint = Some(format!("http://127.0.0.1:{closed_port}"));
        } else {
            s.store.media_dir = blocker.path().join("media");
        }
    })
    .await;
    let admin = app.admin().await;
    let png = encoded(&picture(400, 300), ImageFormat::Png);
    let reply = upload_raw(&app, &admin, png, "image/png", Some("a.png"), "").await;
    let problem = reply.problem(503);
    assert!(
        problem["detail"].as_str().unwrap().contains("media store"),
        "{problem}"
    );
    assert_eq!(media_rows(&app), 0);
    // Embeds need no store and still work.
    app.post_as(
        "/api/v1/media",
        &admin,
        json!({"kind": "embed", "url": "https://youtu.be/M7lc1UVf-VE"}),
    )
    .await
    .expect(201);
}
