//! The one place where pulled text is checked before a build publishes it.
//!
//! Today: the personal-information guard (`crate::site::pii`), for public
//! builds, as for local items. Review rules hook in here too, so that no
//! pulled entry reaches a page without passing [`admit`].

use super::config::Source;
use super::model::{PulledEntry, warning};
use super::text::html_to_text;
use crate::content::Scope;
use crate::diagnostic::Diagnostic;
use crate::site::pii;

/// Whether a build of `scope` may publish `entry` of `source`; if not,
/// a warning naming the source and the entry. A refused entry is left
/// out (the rest of the site is built): one branch's mistake must not
/// stop the county's site, and it must never be published.
pub(crate) fn admit(source: &Source, entry: &PulledEntry, scope: Scope) -> Result<(), Diagnostic> {
    if scope != Scope::Public {
        return Ok(());
    }
    let content = entry.content.as_deref().map(html_to_text);
    let texts = [
        ("标题", Some(entry.title.as_str())),
        ("摘要", Some(entry.summary.as_str())),
        ("正文", content.as_deref()),
        ("作者", entry.author.as_deref()),
    ];
    for (what, text) in texts {
        let Some(found) = text.and_then(|t| pii::scan(t).into_iter().next()) else {
            continue;
        };
        // The title is named only when the number is elsewhere: warnings
        // are logged, and the number must not spread.
        let named = if what == "标题" {
            format!("条目 {} ", entry.link)
        } else {
            format!("条目 “{}”（{}）", entry.title, entry.link)
        };
        return Err(warning(
            source,
            format!(
                "来源 “{}” 的{named}的{what}中有未打码的{}，本次不发布这一条",
                source.id,
                found.kind.label()
            ),
        )
        .hint(format!(
            "请该网站把它改为打码形式（如 {}）；改正后再运行 dangjian pull，这一条会恢复显示",
            found.masked
        )));
    }
    Ok(())
}
