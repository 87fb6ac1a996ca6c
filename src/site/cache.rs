//! What `serve` keeps of the model between builds: made items, keyed by
//! what each was made from, and the last model itself for edits that only
//! change article bodies.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};

use super::item::{Inputs, ItemContext, Made, Reads, make_item};
use super::links::Routes;
use super::{Gate, Site};
use crate::content::{Content, Entry, Scope};

/// Items kept between builds (`serve`): an item is made again only when its
/// source, the configuration or the instant changed, or when something it
/// read did (the site's URLs for links to other items, the files for
/// images, attachments and their sizes).
///
/// When the previous model is handed back ([`ModelCache::keep`]) and only
/// item bodies changed since (same front matter, same files, same
/// settings), the next build patches those items into it instead of
/// building the listings again.
#[derive(Default)]
pub(crate) struct ModelCache {
    pub(super) items: FxHashMap<PathBuf, CachedItem>,
    /// What the last successful build was made from.
    pub(super) last: Option<LastInputs>,
    /// The last successful build's model, when handed back.
    site: Option<Site>,
}

/// The inputs of the last successful build that the fast path compares.
pub(super) struct LastInputs {
    pub(crate) entries: Vec<Arc<Entry>>,
    pub(crate) sections: Vec<(PathBuf, String, String)>,
    pub(crate) courses: Vec<String>,
    pub(crate) loose_files: Vec<PathBuf>,
    pub(crate) routes: Routes,
    pub(crate) inputs: Inputs,
    pub(crate) setting: u64,
}

pub(super) struct CachedItem {
    pub(crate) key: u64,
    pub(crate) reads: Reads,
    pub(crate) made: Made,
}

/// The hashes of what items may read: routes and folders, and files.
pub(super) fn inputs(content: &Content, routes: &Routes) -> Inputs {
    // A sum of each route's hash: the same whatever the map's order.
    let urls = routes.iter().fold(0u64, |acc, r| {
        let mut h = FxHasher::default();
        r.hash(&mut h);
        acc.wrapping_add(h.finish())
    });
    let mut h = FxHasher::default();
    urls.hash(&mut h);
    content.markdown.hash(&mut h);
    for path in content.files.keys() {
        path.hash(&mut h);
    }
    let urls = h.finish();
    let mut h = FxHasher::default();
    content.files.hash(&mut h);
    Inputs {
        urls,
        files: h.finish(),
    }
}

/// What the sections are made from: each `_index.md`'s path, YAML and body.
pub(super) fn section_inputs(content: &Content) -> Vec<(PathBuf, String, String)> {
    content
        .sections
        .iter()
        .map(|s| (s.path.clone(), s.yaml.clone(), s.body.clone()))
        .collect()
}

/// An item's key in the cache: its source, its URL, the settings and
/// whether the personal-data guard ran over it.
pub(super) fn item_key(entry: &Entry, path: &str, setting: u64, guard: bool) -> u64 {
    let mut h = FxHasher::default();
    (entry.source_hash, path, setting, guard).hash(&mut h);
    h.finish()
}

impl ModelCache {
    /// Hands back the model of the last build, for the next one to patch.
    pub(crate) fn keep(&mut self, site: Site) {
        if self.last.is_some() {
            self.site = Some(site);
        }
    }

    /// The last model with the items whose body changed made again, if
    /// nothing else changed; `None` sends the build down the full path.
    pub(super) fn patch(
        &mut self,
        cx: &ItemContext<'_>,
        content: &Content,
        gate: Gate,
        setting: u64,
    ) -> Option<Site> {
        let mut site = self.site.take()?;
        let last = self.last.as_ref()?;
        let same = setting == last.setting
            && site.gate == gate
            && content.entries.len() == last.entries.len()
            && section_inputs(content) == last.sections
            && content.courses == last.courses
            && content.loose_files == last.loose_files
            && cx.inputs == last.inputs;
        if !same {
            return None;
        }
        let mut changed = Vec::new();
        for (new, old) in content.entries.iter().zip(&last.entries) {
            if Arc::ptr_eq(new, old) {
                continue;
            }
            let bundle = |e: &Entry| e.bundle.as_ref().map(|b| b.assets.clone());
            if new.path != old.path || new.yaml != old.yaml || bundle(new) != bundle(old) {
                return None;
            }
            changed.push(Arc::clone(new));
        }
        for entry in changed {
            let Some(Some(route)) = last.routes.get(&entry.path).cloned() else {
                continue; // not published, before or now
            };
            let at = site.items.iter().position(|i| i.entry.path == entry.path)?;
            let guard =
                entry.meta.scope == Scope::Public && (gate.check || gate.scope == Scope::Public);
            let key = item_key(&entry, &route.url, setting, guard);
            let src = entry.path.clone();
            let (item, used, diags, reads) = make_item(cx, entry, route.url, key, guard);
            let old_used = self.items.get(&src).map(|c| &c.made.1);
            if !diags.is_empty() || old_used != Some(&used) {
                return None;
            }
            let item = Arc::new(item);
            site.items[at] = Arc::clone(&item);
            site.warnings.retain(|w| w.path != src);
            let made = (item, used, diags);
            self.items.insert(src, CachedItem { key, reads, made });
        }
        if let Some(last) = self.last.as_mut() {
            last.entries = content.entries.clone();
        }
        Some(site)
    }

    /// A cached item still valid for `key` in a world with these inputs.
    pub(super) fn get(&self, path: &PathBuf, key: u64, inputs: &Inputs) -> Option<Made> {
        let c = self.items.get(path)?;
        let fresh = c.key == key
            && c.reads.urls.is_none_or(|u| u == inputs.urls)
            && c.reads.files.is_none_or(|f| f == inputs.files);
        fresh.then(|| c.made.clone())
    }
}
