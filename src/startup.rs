//! Building and running the server: the one place the app is assembled.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::jwt::JwtKeys;
use crate::caching::{self, CachePolicy};
use crate::config::Settings;
use crate::db::{self, on_connection, Pool};
use crate::media::Store;
use crate::metrics::Metrics;
use crate::ratelimit::{RateLimits, TrustedProxies};
use crate::routes::auth::LoginPolicy;
use crate::routes::health::MetricsAccess;
use crate::routes::media::write::UploadLimits;
use crate::routes::webhooks::WebhookKeys;
use crate::routes::{self, extract, AppState, RouteTable};
use crate::security::BrowserPolicy;
use crate::webhooks::{self, secret::Sealer};
use crate::{auth, content, demo, domain, openapi, ratelimit, repo, security, telemetry};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Pool(#[from] db::PoolError),
    #[error(transparent)]
    Migration(#[from] db::MigrationError),
    #[error("{0}")]
    Config(String),
    #[error("could not load the demo site: {0}")]
    Demo(String),
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Removes files no media item uses, at start and then every so often
/// (every grace period, at most every 5 minutes): what uploads cut off by
/// a crash left behind (see [`crate::media::files`]).
async fn sweep_files(pool: Pool, store: Store, grace: Duration) {
    let every = grace.clamp(Duration::from_secs(1), Duration::from_secs(300));
    loop {
        let store = store.clone();
        let runtime = tokio::runtime::Handle::current();
        on_connection(&pool, "the sweep of unused files", move |conn| {
            crate::media::files::sweep(conn, &store, &runtime, grace)
        })
        .await;
        actix_web::rt::time::sleep(every).await;
    }
}

/// Applies migrations, fills the search index, settles the login signing
/// key and the first admin, and prepares the demo site if it is wanted.
async fn prepare_database(
    pool: &Pool,
    settings: &Settings,
) -> Result<(String, Option<demo::Demo>), StartupError> {
    let pool = pool.clone();
    let demo = settings.demo;
    let configured_secret = settings.jwt_secret.clone();
    let admin_password = settings.admin_password.clone();
    web::block(move || -> Result<(String, Option<demo::Demo>), StartupError> {
        let mut conn = pool.get().map_err(db::PoolError::from)?;
        let applied = db::run_migrations(&mut conn.conn)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        let indexed = db::search::backfill(&mut conn.conn)
            .map_err(|e| StartupError::Config(format!("could not build the search index: {e}")))?;
        if indexed > 0 {
            tracing::info!(indexed, "added items to the search index");
        }
        let secret = match configured_secret {
            Some(secret) if secret.expose().len() >= 32 => secret.expose().to_string(),
            Some(_) => {
                return Err(StartupError::Config(
                    "NASHR_JWT_SECRET must be at least 32 bytes".into(),
                ))
            }
            None => {
                tracing::warn!("NASHR_JWT_SECRET is not set: signing logins with a key generated once and kept in the database");
                repo::secrets::get_or_create(&mut conn.conn, "jwt_secret", || auth::random_token(48))
                    .map_err(|e| StartupError::Config(format!("could not keep the JWT key: {e}")))?
            }
        };
        let admin = admin_password.as_ref().map(|p| p.expose());
        match content::users::bootstrap_admin(&mut conn.conn, admin) {
            Ok(Some(generated)) => {
                tracing::warn!("created the user `admin`; its password is printed once on standard error");
                eprintln!("\n  Created the user `admin` with the password: {generated}\n  It is not shown again; change it with `nashr user set-password admin`.\n");
            }
            Ok(None) => {}
            Err(e) => {
                return Err(StartupError::Config(format!(
                    "could not create the admin user: {e}"
                )))
            }
        }
        auth::password::warm_up();
        let wanted =
            demo && demo::wanted(&mut conn.conn).map_err(|e| StartupError::Demo(e.to_string()))?;
        if demo && !wanted {
            tracing::info!("the database has content; demo not loaded");
        }
        let prepared = if wanted {
            Some(demo::prepare().map_err(|e| StartupError::Demo(e.to_string()))?)
        } else {
            None
        };
        Ok((secret, prepared))
    })
    .await
    .map_err(|e| StartupError::Io(std::io::Error::other(e.to_string())))?
}

/// Stores the demo's files and loads its content, unless another instance
/// did meanwhile.
async fn load_demo(pool: &Pool, store: &Store, demo: demo::Demo) -> Result<(), StartupError> {
    store
        .put_all(demo.files())
        .await
        .map_err(|e| StartupError::Demo(e.to_string()))?;
    let pool = pool.clone();
    // Links in the demo's posts: root-relative to a local store.
    let media_base = store.public_base("");
    web::block(move || -> Result<(), StartupError> {
        let mut conn = pool.get().map_err(db::PoolError::from)?;
        if demo::wanted(&mut conn.conn).map_err(|e| StartupError::Demo(e.to_string()))? {
            demo::load(&mut conn.conn, demo, &media_base)
                .map_err(|e| StartupError::Demo(e.to_string()))?;
            tracing::info!("loaded the demo site");
        }
        Ok(())
    })
    .await
    .map_err(|e| StartupError::Io(std::io::Error::other(e.to_string())))?
}

/// What every instance does besides answering requests: sweeping unused
/// files, recording scheduled posts going live, pruning the change log.
fn spawn_background_work(pool: &Pool, store: &Store, settings: &Settings) {
    actix_web::rt::spawn(sweep_files(
        pool.clone(),
        store.clone(),
        Duration::from_secs(settings.upload_grace_secs),
    ));
    actix_web::rt::spawn(record_going_live(pool.clone()));
    actix_web::rt::spawn(prune(
        pool.clone(),
        settings.changes_retention_days,
        settings.comment_privacy_days,
    ));
}

/// Records scheduled posts going live, close to their time: it sleeps
/// until the next one is due (at most a few seconds, as another instance
/// may schedule one sooner meanwhile). Every instance runs it; each post
/// is claimed by one (see [`crate::content::schedule`]).
async fn record_going_live(pool: Pool) {
    const LONGEST: Duration = Duration::from_secs(5);
    const SHORTEST: Duration = Duration::from_millis(50);
    loop {
        let next = on_connection(&pool, "recording scheduled posts going live", |conn| {
            let claimed = content::schedule::go_live(conn, domain::now())?;
            if !claimed.is_empty() {
                tracing::info!(?claimed, "scheduled posts went live");
            }
            content::schedule::next_due(conn)
        })
        .await;
        let wait = match next {
            Some(Some(at)) => (at - domain::now())
                .to_std()
                .unwrap_or(SHORTEST)
                .clamp(SHORTEST, LONGEST),
            _ => LONGEST,
        };
        actix_web::rt::time::sleep(wait).await;
    }
}

/// Prunes the change log of rows older than `days`, forgets commenters'
/// addresses older than `privacy_days`, and drops expired preview tokens,
/// at start and hourly.
async fn prune(pool: Pool, days: u32, privacy_days: u32) {
    loop {
        let forgotten = on_connection(&pool, "forgetting commenters' addresses", move |conn| {
            content::comments::forget_clients(conn, domain::now(), privacy_days)
        })
        .await;
        if let Some(n @ 1..) = forgotten {
            tracing::info!(comments = n, privacy_days, "forgot commenters' addresses");
        }
        let pruned = on_connection(&pool, "pruning the change log", move |conn| {
            content::retention::prune(conn, domain::now(), days)
        })
        .await;
        if let Some(n @ 1..) = pruned {
            tracing::info!(pruned = n, days, "pruned the change log");
        }
        on_connection(&pool, "dropping expired previews", |conn| {
            repo::previews::delete_expired(conn, domain::now())
        })
        .await;
        actix_web::rt::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// How reader comments are taken, from the settings.
fn comment_policy(settings: &Settings) -> content::comments::Policy {
    content::comments::Policy {
        open_by_default: settings.comments_open,
        limit: settings.comment_limit,
        window_secs: settings.comment_window_secs,
        max_links: settings.comment_max_links,
        privacy_days: settings.comment_privacy_days,
    }
}

/// How webhooks are delivered, from the settings.
fn webhook_policy(settings: &Settings) -> webhooks::deliver::Policy {
    webhooks::deliver::Policy {
        timeout: Duration::from_secs(settings.webhook_timeout_secs),
        first_retry: Duration::from_millis(settings.webhook_first_retry_ms),
        retry_for: chrono::Duration::hours(settings.webhook_retry_hours as i64),
        disable_after: chrono::Duration::hours(settings.webhook_disable_after_hours as i64),
        allow_private: settings.webhook_allow_private,
    }
}

pub struct Application {
    port: u16,
    public_url: String,
    pool: Pool,
    server: Server,
}

impl Application {
    /// Connects to the database, applies migrations, loads the demo site
    /// when asked, and binds the listener. The server runs once
    /// [`run_until_stopped`](Self::run_until_stopped) is awaited.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let pool = Pool::connect_with(
            &settings.store.database_url,
            settings.db_pool_size,
            Duration::from_secs(settings.store.db_timeout_secs),
            Some(Duration::from_secs(settings.db_statement_timeout_secs)),
        )?;
        let store = settings.store.media_store().map_err(StartupError::Config)?;
        let (jwt_secret, demo) = prepare_database(&pool, &settings).await?;
        if let Some(demo) = demo {
            load_demo(&pool, &store, demo).await?;
        }
        spawn_background_work(&pool, &store, &settings);
        let keys = web::Data::new(JwtKeys::new(jwt_secret.as_bytes(), settings.jwt_ttl_secs));
        let webhook_keys = web::Data::new(WebhookKeys {
            sealer: Sealer::new(jwt_secret.as_bytes()),
            allow_private: settings.webhook_allow_private,
        });
        actix_web::rt::spawn(webhooks::deliver::run(
            pool.clone(),
            webhook_keys.sealer.clone(),
            webhook_policy(&settings),
        ));
        let cache_policy = web::Data::new(CachePolicy::new(
            settings.cache_max_age,
            settings.cache_stale_while_revalidate,
            settings.response_cache_mb * 1024 * 1024,
            settings.view_cache_mb * 1024 * 1024,
        ));
        let login_policy = web::Data::new(LoginPolicy {
            max_failures: settings.login_max_failures,
            max_client_failures: settings.login_max_client_failures,
            window_secs: settings.login_window_secs,
        });

        let rate_limits = web::Data::new(RateLimits::new(
            settings.rate_limit_reads,
            settings.rate_limit_writes,
            Duration::from_secs(settings.rate_limit_window_secs),
            TrustedProxies::parse("NASHR_TRUSTED_PROXIES", &settings.trusted_proxies)
                .map_err(StartupError::Config)?,
            TrustedProxies::parse("NASHR_RATE_LIMIT_EXEMPT", &settings.rate_limit_exempt)
                .map_err(StartupError::Config)?,
        ));
        let metrics = web::Data::new(Metrics::new(&pool));
        let metrics_access = web::Data::new(MetricsAccess {
            token: settings
                .metrics_token
                .as_ref()
                .map(|t| t.expose().to_string()),
        });
        let json_limit = settings.max_json_bytes;

        let listener =
            TcpListener::bind(&settings.addr).map_err(|source| StartupError::Listen {
                addr: settings.addr.clone(),
                source,
            })?;
        let local = listener.local_addr()?;
        let public_url = settings.public_url_for(local);
        let browser_policy = web::Data::new(
            BrowserPolicy::new(&settings.cors_origins, &public_url)
                .map_err(StartupError::Config)?,
        );
        let state = web::Data::new(AppState {
            media_url: store.public_base(&public_url),
            site_url: settings.site_url.as_deref().map_or_else(
                || public_url.clone(),
                |u| u.trim_end_matches('/').to_string(),
            ),
            public_url: public_url.clone(),
            search_window: settings.search_window,
            comments: comment_policy(&settings),
            previews: routes::posts::previews::PreviewPolicy {
                ttl_secs: settings.preview_ttl_secs,
                url_template: settings.preview_url.clone().filter(|u| !u.is_empty()),
            },
        });
        let upload_limits = web::Data::new(UploadLimits {
            max_bytes: settings.max_upload_bytes,
            max_pixels: settings.store.max_image_pixels,
        });
        let local_media = match &store {
            Store::Local(local) => Some(local.root().to_path_buf()),
            Store::S3(_) => None,
        };
        let store = web::Data::new(store);
        let doc = openapi::document();
        let route_table = web::Data::new(RouteTable::from_openapi(&doc));
        // Served as bytes made once: the document itself (tens of MB as
        // utoipa holds it) is not kept, nor a copy of it per worker.
        let doc_json = web::Data::new(openapi::Served(web::Bytes::from(
            serde_json::to_vec(&doc).expect("the document serialises"),
        )));
        drop(doc);
        let pool_data = web::Data::new(pool.clone());

        let mut server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(pool_data.clone())
                .app_data(route_table.clone())
                .app_data(keys.clone())
                .app_data(webhook_keys.clone())
                .app_data(store.clone())
                .app_data(upload_limits.clone())
                .app_data(login_policy.clone())
                .app_data(cache_policy.clone())
                .app_data(metrics.clone())
                .app_data(metrics_access.clone())
                .app_data(rate_limits.clone())
                .app_data(browser_policy.clone())
                .app_data(web::PayloadConfig::new(json_limit))
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .app_data(web::JsonConfig::default().error_handler(extract::json_error))
                .app_data(web::QueryConfig::default().error_handler(extract::query_config_error))
                .configure(routes::configure)
                .into_app()
                .app_data(doc_json.clone())
                .route("/openapi.json", web::get().to(openapi::serve))
                .service(SwaggerUi::new("/docs/{_:.*}").config(Config::from("/openapi.json")))
                .service(web::redirect("/docs", "/docs/"))
                .configure(|cfg| {
                    if let Some(dir) = &local_media {
                        cfg.service(routes::files::service(dir));
                    }
                })
                .default_service(web::to(routes::fallback))
                .wrap(from_fn(caching::public_reads))
                .wrap(from_fn(routes::principal::private_when_authorized))
                .wrap(from_fn(extract::refuse_nul))
                .wrap(from_fn(ratelimit::limit))
                .wrap(from_fn(security::browser_policy))
                .wrap(from_fn(telemetry::observe))
        })
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(settings.client_timeout_secs))
        .client_disconnect_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(settings.keep_alive_secs))
        // Blocking work is database work, which cannot run wider than the
        // pool; more threads only hold more memory (each keeps its own
        // allocator arena: 245 MB under load with the default of 256).
        .worker_max_blocking_threads((settings.db_pool_size as usize).max(4))
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(%local, %public_url, backend = ?pool.backend(), "listening");
        Ok(Application {
            port: local.port(),
            public_url,
            pool,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Serves until SIGINT or SIGTERM; in-flight requests then get the
    /// shutdown timeout to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
