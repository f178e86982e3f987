//! Upload-to-response time for a ~5 MB camera photo with all renditions.
//!
//! Starts the real server (release build, SQLite, media in a temporary
//! folder, two workers), logs in, and uploads distinct 12-megapixel JPEGs
//! of about 5 MB each as raw bodies over loopback: one at a time, two at
//! once, and one at a time again as portraits that must be turned upright.
//! Each timing runs from the first byte sent to the last byte of the
//! answer, which comes only after the file is sniffed, its
//! metadata stripped, every rendition made in JPEG and WebP, the BlurHash
//! computed, everything written to the store and the row committed.
//!
//!     cargo bench --bench upload   # 12 uploads, 12 two at a time, 12 to turn upright
//!     UPLOADS=30 cargo bench --bench upload
//!     SAVE_PHOTO=/tmp/photo.jpg cargo bench --bench upload   # one photo, for curl
//!
//! Results are recorded in BENCHMARKS.md.

#[path = "../tests/api/camera.rs"]
mod camera;

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use nashr::config::{Secret, Settings};
use nashr::startup::Application;
use serde_json::Value;

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;
const PASSWORD: &str = "a-password-for-the-benchmark";

fn main() {
    let uploads: usize = std::env::var("UPLOADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    // SAVE_PHOTO=path writes one of the photos, to try by hand with curl.
    if let Ok(path) = std::env::var("SAVE_PHOTO") {
        std::fs::write(&path, photo(0, 1)).expect("the photo is written");
        return;
    }
    actix_web::rt::System::new().block_on(run(uploads));
}

async fn run(uploads: usize) {
    // Distinct photos (identical ones would be stored once), made before
    // the server starts (a pooled connection left idle that long
    // would be closed under the client): one warm-up, then the sequential and paired runs.
    // The last ones are portraits taken with the phone on its side (EXIF
    // orientation 6), which must be turned upright and so encoded again.
    let total = 3 * uploads + 1;
    eprintln!("encoding {total} photos of {WIDTH}x{HEIGHT}...");
    let photos: Vec<Vec<u8>> = (0..total as u64)
        .map(|seed| photo(seed, if seed > 2 * uploads as u64 { 6 } else { 1 }))
        .collect();
    let mean_size = photos.iter().map(Vec::len).sum::<usize>() / photos.len();
    println!(
        "photo: {WIDTH}x{HEIGHT} JPEG with EXIF (GPS), mean {:.2} MB",
        mean_size as f64 / 1e6
    );

    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut settings = Settings::from_env();
    settings.store.database_url = dir.path().join("nashr.db").display().to_string();
    settings.store.media_dir = dir.path().join("media");
    settings.addr = "127.0.0.1:0".into();
    settings.public_url = None;
    settings.store.s3_bucket = None;
    settings.demo = false;
    settings.workers = Some(2);
    settings.admin_password = Some(Secret(PASSWORD.into()));
    settings.jwt_secret = Some(Secret("a-signing-key-for-the-benchmark-only".into()));
    let app = Application::build(settings).await.expect("the app starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());

    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("a token").to_string();

    let upload = |bytes: Vec<u8>| {
        let request = client
            .post(format!("{base}/api/v1/media"))
            .bearer_auth(&token)
            .header("Content-Type", "image/jpeg")
            .header("Content-Disposition", "attachment; filename=\"photo.jpg\"")
            .body(bytes);
        async move {
            let started = Instant::now();
            let reply = request.send().await.expect("the server answers");
            let status = reply.status();
            let body: Value = reply.json().await.expect("a JSON answer");
            let took = started.elapsed();
            assert_eq!(status, 201, "{body}");
            (took, body)
        }
    };

    let mut photos = photos.into_iter();
    let (_, first) = upload(photos.next().unwrap()).await;
    let renditions = first["renditions"].as_object().expect("renditions");
    println!(
        "each answer: {} renditions ({}), placeholder (BlurHash) {}",
        renditions.len(),
        renditions
            .iter()
            .map(|(name, r)| format!("{name} {}x{}", r["width"], r["height"]))
            .collect::<Vec<_>>()
            .join(", "),
        first["placeholder"]
    );

    let mut one_at_a_time = Vec::new();
    for _ in 0..uploads {
        one_at_a_time.push(upload(photos.next().unwrap()).await.0);
    }
    report("one at a time", &mut one_at_a_time, None);

    let mut two_at_once = Vec::new();
    let started = Instant::now();
    for _ in 0..uploads.div_ceil(2) {
        let (a, b) = tokio::join!(
            upload(photos.next().unwrap()),
            upload(photos.next().unwrap())
        );
        two_at_once.extend([a.0, b.0]);
    }
    let wall = started.elapsed();
    report("two at once", &mut two_at_once, Some(wall));

    let mut turned = Vec::new();
    for bytes in photos {
        let (took, body) = upload(bytes).await;
        assert_eq!(
            (body["width"].as_u64(), body["height"].as_u64()),
            (Some(3000), Some(4000))
        );
        turned.push(took);
    }
    report("turned upright", &mut turned, None);
}

fn report(label: &str, times: &mut [Duration], wall: Option<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    print!(
        "{label:>14}: n={} min {:.0} ms, median {:.0} ms, mean {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        times.len(),
        ms(times[0]),
        ms(at(0.5)),
        ms(mean),
        ms(at(0.9)),
        ms(times[times.len() - 1]),
    );
    match wall {
        Some(wall) => println!(", {:.2} uploads/s", times.len() as f64 / wall.as_secs_f64()),
        None => println!(),
    }
}

/// A photo-like JPEG: smooth light and colour with sensor-like grain, at
/// quality 92, with EXIF (an orientation and a GPS position) and XMP
/// blocks, as a camera writes them. `seed` makes each one different.
fn photo(seed: u64, orientation: u16) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut grain = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 21) as i32 - 10
    };
    let shift = (seed * 37) as u32;
    let img = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let mut light = |v: u32| -> u8 {
            let wave = ((v + shift) % 512) as i32;
            let wave = if wave > 255 { 511 - wave } else { wave };
            (wave + grain()).clamp(0, 255) as u8
        };
        image::Rgb([light(x / 8 + y / 16), light(y / 6), light((x + y) / 12)])
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 92)
        .write_image(&img, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
        .expect("encodes");
    camera::with_camera_metadata(&jpeg, orientation)
}
