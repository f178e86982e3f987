//! The tables, shared by both backends: every column uses a SQL type that
//! SQLite and PostgreSQL both implement (BigInt ids, Bool, Timestamp in UTC).

diesel::table! {
    editions (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        native_name -> Text,
        direction -> Text,
        is_default -> Bool,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        email -> Nullable<Text>,
        display_name -> Text,
        slug -> Text,
        bio -> Text,
        avatar_media_id -> Nullable<BigInt>,
        password_hash -> Nullable<Text>,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
        session_version -> Integer,
        kept_session -> Nullable<Text>,
        published_posts -> BigInt,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        kind -> Text,
        edition_id -> Nullable<BigInt>,
        slug -> Text,
        title -> Text,
        storage_key -> Nullable<Text>,
        source_url -> Nullable<Text>,
        original_filename -> Nullable<Text>,
        mime_type -> Text,
        file_size -> Nullable<BigInt>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        duration -> Nullable<Double>,
        alt_text -> Text,
        caption -> Text,
        credit -> Text,
        placeholder -> Nullable<Text>,
        metadata -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
        updated_by -> Nullable<BigInt>,
        listed -> Bool,
    }
}

diesel::table! {
    media_renditions (id) {
        id -> BigInt,
        media_id -> BigInt,
        name -> Text,
        storage_key -> Text,
        mime_type -> Text,
        width -> Integer,
        height -> Integer,
        file_size -> BigInt,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        edition_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        slug -> Text,
        name -> Text,
        description -> Text,
        position -> Integer,
        translation_group -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        published_posts -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        edition_id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        translation_group -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        published_posts -> BigInt,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        edition_id -> BigInt,
        kind -> Text,
        slug -> Text,
        title -> Text,
        excerpt -> Text,
        content -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        author_id -> Nullable<BigInt>,
        featured_media_id -> Nullable<BigInt>,
        parent_id -> Nullable<BigInt>,
        featured -> Bool,
        comment_count -> Integer,
        translation_group -> Text,
        revision -> Integer,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        published_by -> Nullable<BigInt>,
        comments_open -> Bool,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        post_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author_name -> Text,
        author_email -> Text,
        author_url -> Text,
        user_id -> Nullable<BigInt>,
        source -> Text,
        content -> Text,
        status -> Text,
        fingerprint -> Text,
        client_address -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_categories (post_id, category_id) {
        post_id -> BigInt,
        category_id -> BigInt,
    }
}

diesel::table! {
    post_tags (post_id, tag_id) {
        post_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    post_gallery_items (post_id, position) {
        post_id -> BigInt,
        position -> Integer,
        media_id -> BigInt,
        caption -> Text,
    }
}

diesel::table! {
    menus (id) {
        id -> BigInt,
        edition_id -> BigInt,
        slug -> Text,
        name -> Text,
        location -> Nullable<Text>,
        translation_group -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> Integer,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    menu_items (id) {
        id -> BigInt,
        menu_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        label -> Text,
        target_kind -> Text,
        category_id -> Nullable<BigInt>,
        tag_id -> Nullable<BigInt>,
        post_id -> Nullable<BigInt>,
        url -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        scopes -> Text,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_revisions (id) {
        id -> BigInt,
        post_id -> BigInt,
        revision -> Integer,
        title -> Text,
        slug -> Text,
        excerpt -> Text,
        content -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        author_id -> Nullable<BigInt>,
        featured_media_id -> Nullable<BigInt>,
        featured -> Bool,
        category_ids -> Text,
        tag_ids -> Text,
        edited_by -> Nullable<BigInt>,
        edited_at -> Timestamp,
    }
}

diesel::table! {
    secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    auth_failures (id) {
        id -> BigInt,
        username -> Text,
        client -> Text,
        failed_at -> Timestamp,
    }
}

diesel::joinable!(categories -> editions (edition_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(post_revisions -> posts (post_id));
diesel::joinable!(tags -> editions (edition_id));
diesel::joinable!(posts -> editions (edition_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(posts -> media (featured_media_id));
diesel::joinable!(media_renditions -> media (media_id));
diesel::joinable!(post_categories -> posts (post_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(post_categories -> categories (category_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::joinable!(post_gallery_items -> posts (post_id));
diesel::joinable!(post_gallery_items -> media (media_id));
diesel::joinable!(menus -> editions (edition_id));
diesel::joinable!(menu_items -> menus (menu_id));

diesel::allow_tables_to_appear_in_same_query!(
    editions,
    users,
    media,
    media_renditions,
    categories,
    tags,
    posts,
    post_categories,
    post_tags,
    post_gallery_items,
    menus,
    menu_items,
    api_tokens,
    post_revisions,
    secrets,
    auth_failures,
    post_search,
    media_search,
    import_sources,
    redirects,
    pending_files,
    comments,
    site_settings,
    post_previews,
);

// Migration 000005: where imported rows came from, and old addresses.
diesel::table! {
    import_sources (source, kind, source_id, edition_id) {
        source -> Text,
        kind -> Text,
        source_id -> BigInt,
        edition_id -> BigInt,
        target_id -> BigInt,
        guid -> Text,
        fingerprint -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    redirects (id) {
        id -> BigInt,
        from_path -> Text,
        edition_id -> Nullable<BigInt>,
        target_kind -> Text,
        target_id -> BigInt,
        created_at -> Timestamp,
    }
}

// Full-text indexes (migration 000003): an FTS5 table on SQLite, a table
// with a `tsvector` on PostgreSQL. Only `rowid` (the item's id) is shared;
// matching and ranking are written per backend in `crate::db::search`.
diesel::table! {
    post_search (rowid) {
        rowid -> BigInt,
    }
}

diesel::table! {
    media_search (rowid) {
        rowid -> BigInt,
    }
}

diesel::joinable!(post_search -> posts (rowid));
diesel::joinable!(media_search -> media (rowid));

// Migration 000006: files that may belong to no media item.
diesel::table! {
    pending_files (storage_key) {
        storage_key -> Text,
        since -> Timestamp,
    }
}

// Migration 000010: the change log (see `crate::content::changes`).
diesel::table! {
    changes (id) {
        id -> BigInt,
        resource -> Text,
        resource_id -> BigInt,
        edition -> Nullable<Text>,
        action -> Text,
        slug -> Nullable<Text>,
        translation_group -> Nullable<Text>,
        surrogate_keys -> Text,
        changed_at -> Timestamp,
    }
}

// Migration 000013: webhooks and their deliveries (see `crate::webhooks`).
diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        description -> Text,
        events -> Text,
        enabled -> Bool,
        sealed_secret -> Text,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        from_change_id -> BigInt,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        resource -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        response_status -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    webhook_outbox (id) {
        id -> Integer,
        last_change_id -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::allow_tables_to_appear_in_same_query!(
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    webhook_outbox,
    changes
);

diesel::table! {
    site_settings (edition_id) {
        edition_id -> BigInt,
        name -> Nullable<Text>,
        tagline -> Nullable<Text>,
        copyright -> Nullable<Text>,
        logo_media_id -> Nullable<BigInt>,
        icon_media_id -> Nullable<BigInt>,
        social_links -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_previews (id) {
        id -> BigInt,
        post_id -> BigInt,
        token_hash -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}
