//! The publication gate: the one place that decides what is published.
//!
//! Every output (pages, listings, home, feeds, sitemap, tags, branches)
//! is rendered from [`crate::site::Site`], which holds only the entries
//! this gate let through.

use serde::Serialize;

use crate::content::{Entry, Kind, Scope};
use crate::time::Instant;

/// What a build publishes: its audience, its instant, and whether drafts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gate {
    /// The widest audience of the build: `Public` publishes only public items,
    /// `Party` adds party items, `Unit` adds unit items.
    pub(crate) scope: Scope,
    /// The instant everything time-dependent is computed against.
    pub(crate) now: Instant,
    /// Whether drafts are published (`--drafts`).
    pub(crate) drafts: bool,
    /// Whether items dated after `now` are published (`--future`).
    pub(crate) future: bool,
    /// A preview (`serve`): pages say which items the public would not see.
    pub(crate) preview: bool,
    /// A `check`: every public item, drafts and scheduled ones included,
    /// is held to what a public build would refuse.
    pub(crate) check: bool,
}

/// Why an entry is or is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Decision {
    Published,
    Draft,
    /// Dated after the build's `now`.
    Embargoed,
    /// Meant for a narrower audience than the build's scope.
    OutOfScope,
}

impl Gate {
    /// Decides whether `entry` is published by this build.
    pub(crate) fn decide(&self, entry: &Entry) -> Decision {
        if entry.meta.scope > self.scope {
            Decision::OutOfScope
        } else if entry.meta.draft && !self.drafts {
            Decision::Draft
        } else if !self.future && entry.date.is_some_and(|d| d > self.now) {
            Decision::Embargoed
        } else {
            Decision::Published
        }
    }
}

/// Why the output will change at a later instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An embargoed item becomes due.
    Embargo,
    /// A notice expires.
    NoticeExpiry,
    /// A 公示期 begins.
    DisclosureStart,
    /// A 公示期 ends.
    DisclosureEnd,
}

impl ChangeKind {
    /// What changes, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Embargo => "定时发布的内容到期",
            ChangeKind::NoticeExpiry => "通知过期",
            ChangeKind::DisclosureStart => "公示期开始",
            ChangeKind::DisclosureEnd => "公示期结束",
        }
    }
}

/// The next instant at which a rebuild would change the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextChange {
    /// When.
    pub at: Instant,
    /// What changes then.
    pub kind: ChangeKind,
}

/// The earliest of `candidates` strictly after `now`.
pub(crate) fn next_change(
    now: Instant,
    candidates: impl IntoIterator<Item = (Instant, ChangeKind)>,
) -> Option<NextChange> {
    candidates
        .into_iter()
        .filter(|(at, _)| *at > now)
        .min()
        .map(|(at, kind)| NextChange { at, kind })
}

/// How many entries the gate held back, by reason.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct GateStats {
    /// Entries published.
    pub published: usize,
    /// Drafts held back.
    pub drafts: usize,
    /// Entries dated in the future, held back.
    pub embargoed: usize,
    /// Entries for a wider scope than this build's.
    pub out_of_scope: usize,
}

impl GateStats {
    pub(crate) fn count(&mut self, d: Decision) {
        match d {
            Decision::Published => self.published += 1,
            Decision::Draft => self.drafts += 1,
            Decision::Embargoed => self.embargoed += 1,
            Decision::OutOfScope => self.out_of_scope += 1,
        }
    }
}

/// The URL path of an entry under the base path, without a leading slash.
pub(crate) fn url_path(kind: Kind, course: Option<&str>, slug: &str) -> String {
    match (kind, course) {
        (Kind::Page, _) => format!("{slug}/"),
        (Kind::Lesson, Some(c)) => format!("lessons/{c}/{slug}/"),
        (k, _) => format!("{}/{slug}/", k.dir()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::FrontMatter;
    use std::path::PathBuf;

    fn entry(scope: Scope, draft: bool, date: &str) -> Entry {
        let tz = chrono_tz::Asia::Shanghai;
        Entry {
            path: PathBuf::from("content/news/a.md"),
            kind: Kind::News,
            course: None,
            bundle: None,
            slug: "a".into(),
            source_hash: 0,
            title: "a".into(),
            date: crate::time::parse(date, tz),
            updated: None,
            expires: None,
            period: None,
            category: None,
            meta: FrontMatter {
                scope,
                draft,
                ..Default::default()
            },
            yaml: String::new(),
            yaml_line: 2,
            body: String::new(),
            body_line: 4,
            table: None,
        }
    }

    #[test]
    fn next_change_is_the_earliest_future_instant() {
        let tz = chrono_tz::Asia::Shanghai;
        let t = |s| crate::time::parse(s, tz).unwrap();
        let now = t("2026-11-21 12:00");
        let got = next_change(
            now,
            [
                (t("2026-11-20"), ChangeKind::NoticeExpiry),
                (t("2026-11-25"), ChangeKind::DisclosureEnd),
                (t("2026-11-22"), ChangeKind::Embargo),
                (now, ChangeKind::DisclosureStart),
            ],
        );
        assert_eq!(
            got,
            Some(NextChange {
                at: t("2026-11-22"),
                kind: ChangeKind::Embargo
            })
        );
        assert_eq!(next_change(now, []), None);
    }

    #[test]
    fn decides_by_scope_draft_and_time() {
        let now = crate::time::parse("2026-11-21 12:00", chrono_tz::Asia::Shanghai).unwrap();
        let public = Gate {
            scope: Scope::Public,
            now,
            drafts: false,
            future: false,
            preview: false,
            check: false,
        };
        let party = Gate {
            scope: Scope::Party,
            ..public
        };
        let unit = Gate {
            scope: Scope::Unit,
            drafts: true,
            ..public
        };
        let past = "2026-11-20";
        assert_eq!(
            public.decide(&entry(Scope::Public, false, past)),
            Decision::Published
        );
        assert_eq!(
            public.decide(&entry(Scope::Party, false, past)),
            Decision::OutOfScope
        );
        assert_eq!(
            party.decide(&entry(Scope::Party, false, past)),
            Decision::Published
        );
        assert_eq!(
            party.decide(&entry(Scope::Unit, false, past)),
            Decision::OutOfScope
        );
        assert_eq!(
            unit.decide(&entry(Scope::Unit, true, past)),
            Decision::Published
        );
        assert_eq!(
            public.decide(&entry(Scope::Public, true, past)),
            Decision::Draft
        );
        assert_eq!(
            public.decide(&entry(Scope::Public, false, "2026-11-21 12:01")),
            Decision::Embargoed
        );
        assert_eq!(
            public.decide(&entry(Scope::Public, false, "2026-11-21 12:00")),
            Decision::Published
        );
    }
}
