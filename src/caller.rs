//! Who is calling: the (user, app, plugin, user gesture) the host supplies with
//! every mini-app call. It never comes from the mini app's payload.

use crate::dialect::Failure;
use crate::namespace::{Namespace, NamespaceRef};

/// The longest user, app or plugin id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// The identity of a mini-app call, supplied by the host's runtime.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Caller {
    /// The host's signed-in account (opaque).
    pub user_id: String,
    /// The mini app, e.g. `wx1234abcd`.
    pub app_id: String,
    /// The plugin making the call, if a plugin makes it.
    #[uniffi(default = None)]
    pub plugin_id: Option<String>,
    /// Whether the call comes directly from a user's tap.
    #[uniffi(default = false)]
    pub user_gesture: bool,
}

impl Caller {
    /// A call from the app itself, without a tap.
    pub fn new(user_id: &str, app_id: &str) -> Caller {
        Caller {
            user_id: user_id.to_string(),
            app_id: app_id.to_string(),
            plugin_id: None,
            user_gesture: false,
        }
    }

    /// The same caller inside `plugin_id`.
    pub fn with_plugin(mut self, plugin_id: &str) -> Caller {
        self.plugin_id = Some(plugin_id.to_string());
        self
    }

    /// The same caller, with a user tap.
    pub fn with_tap(mut self) -> Caller {
        self.user_gesture = true;
        self
    }

    /// Rejects empty, over-long or control-character ids.
    pub fn validate(&self) -> Result<(), Failure> {
        validate_id("user id", &self.user_id)?;
        validate_id("app id", &self.app_id)?;
        if let Some(plugin) = &self.plugin_id {
            validate_id("plugin id", plugin)?;
        }
        Ok(())
    }

    /// The grant namespace of this caller (the plugin's, inside a plugin).
    pub fn namespace(&self) -> Namespace {
        Namespace::new(&self.user_id, &self.app_id, self.plugin_id.as_deref())
    }

    /// [`Self::namespace`], borrowed from this caller.
    pub fn namespace_ref(&self) -> NamespaceRef<'_> {
        NamespaceRef::new(&self.user_id, &self.app_id, self.plugin_id.as_deref())
    }

    /// [`Self::app_namespace`], borrowed from this caller.
    pub fn app_namespace_ref(&self) -> NamespaceRef<'_> {
        NamespaceRef::new(&self.user_id, &self.app_id, None)
    }

    /// The app's own namespace, even inside a plugin.
    pub fn app_namespace(&self) -> Namespace {
        Namespace::new(&self.user_id, &self.app_id, None)
    }
}

/// Whether `id` holds a control character (Unicode `Cc`): one pass over the
/// bytes, and a pass over the characters only for non-ASCII ids (C1 controls).
fn has_control(id: &str) -> bool {
    let mut non_ascii = false;
    for byte in id.bytes() {
        if byte < 0x20 || byte == 0x7f {
            return true;
        }
        non_ascii |= byte >= 0x80;
    }
    non_ascii && id.chars().any(char::is_control)
}

/// Checks one id: 1..=[`MAX_ID_LEN`] bytes, no control characters.
pub fn validate_id(what: &str, id: &str) -> Result<(), Failure> {
    if id.is_empty() || id.len() > MAX_ID_LEN || has_control(id) {
        return Err(Failure::InvalidCaller(format!(
            "{what} must be 1-{MAX_ID_LEN} bytes without control characters"
        )));
    }
    Ok(())
}
