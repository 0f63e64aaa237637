//! The application directory.

extern crate std;

use crate::AppId;
use crate::wire::{AppDirectory, AppDirectoryError, AppKind};

#[test]
fn handles_are_assigned_in_order_and_found_again() {
    let mut apps = AppDirectory::<4, 16>::new();
    assert!(apps.is_empty());
    assert_eq!(apps.register("app.demo"), Ok(AppId(1)));
    assert_eq!(apps.register("local.2"), Ok(AppId(2)));
    assert_eq!(apps.lookup("local.2"), Some(AppId(2)));
    assert_eq!(apps.lookup("APP.DEMO"), None);
    assert_eq!(apps.client_id(AppId(1)), Some("app.demo"));
    assert_eq!(apps.client_id(AppId(0)), None);
    assert_eq!(apps.client_id(AppId(3)), None);
    let all: std::vec::Vec<_> = apps.iter().collect();
    assert_eq!(
        all,
        [
            (AppId(1), AppKind::OAuth, "app.demo"),
            (AppId(2), AppKind::OAuth, "local.2")
        ]
    );
    assert_eq!(apps.len(), 2);
}

#[test]
fn each_refusal_leaves_the_directory_unchanged() {
    let mut apps = AppDirectory::<2, 8>::new();
    assert_eq!(apps.register(""), Err(AppDirectoryError::Empty));
    assert_eq!(apps.register("123456789"), Err(AppDirectoryError::TooLong));
    assert_eq!(apps.register("a"), Ok(AppId(1)));
    assert_eq!(apps.register("a"), Err(AppDirectoryError::Duplicate));
    assert_eq!(apps.register("b"), Ok(AppId(2)));
    assert_eq!(apps.register("c"), Err(AppDirectoryError::Full));
    assert_eq!(apps.len(), 2);
    assert_eq!(
        AppDirectoryError::Full.as_str(),
        "application directory full"
    );
}

#[test]
fn webhook_client_ids_never_find_oauth_applications() {
    let mut apps = AppDirectory::<4, 16>::new();
    assert_eq!(apps.register("app.demo"), Ok(AppId(1)));
    assert_eq!(apps.lookup_as(AppKind::Webhook, "app.demo"), None);
    assert_eq!(apps.register_as(AppKind::Webhook, "app.demo"), Ok(AppId(2)));
    assert_eq!(apps.lookup("app.demo"), Some(AppId(1)));
    assert_eq!(apps.lookup_as(AppKind::Webhook, "app.demo"), Some(AppId(2)));
    assert_eq!(apps.kind(AppId(2)), Some(AppKind::Webhook));
    assert_eq!(apps.client_id(AppId(2)), Some("app.demo"));
    assert_eq!(
        apps.register_as(AppKind::Webhook, "app.demo"),
        Err(AppDirectoryError::Duplicate)
    );
    assert_eq!(AppKind::Webhook.portal_prefix(), "custom");
}
