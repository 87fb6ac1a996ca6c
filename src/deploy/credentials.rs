//! Credentials of a deploy target: environment variables, else a file
//! outside the site (never site.yaml).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::config::Target;

/// Access key and secret (or user and password), and an SSH key file.
#[derive(Default, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) key: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) ssh_key: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret itself.
        f.debug_struct("Credentials")
            .field("key", &self.key.is_some())
            .field("secret", &self.secret.is_some())
            .field("ssh_key", &self.ssh_key)
            .finish()
    }
}

/// The suffix of per-target variables: `oss-hz` → `OSS_HZ`.
pub(crate) fn env_suffix(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// Credentials of `target`: per-target variables, then the general ones,
/// then `credentials_file` (which must lie outside `site_root`).
pub(crate) fn credentials(
    target: &Target,
    site_root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, String> {
    let file = match &target.credentials_file {
        Some(path) => read_credentials_file(&expand_home(path, env), site_root)?,
        None => BTreeMap::new(),
    };
    let suffix = env_suffix(&target.name);
    let lookup = |base: &str| {
        let specific = format!("{base}_{suffix}");
        env(&specific)
            .or_else(|| env(base))
            .or_else(|| file.get(&specific).cloned())
            .or_else(|| file.get(base).cloned())
            .filter(|v| !v.is_empty())
    };
    Ok(Credentials {
        key: lookup("DANGJIAN_DEPLOY_KEY"),
        secret: lookup("DANGJIAN_DEPLOY_SECRET"),
        ssh_key: lookup("DANGJIAN_DEPLOY_SSH_KEY"),
    })
}

fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => env("HOME")
            .or_else(|| env("USERPROFILE"))
            .map(|h| Path::new(&h).join(rest))
            .unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    }
}

/// `NAME=VALUE` lines (`#` comments), like a shell environment file.
fn read_credentials_file(
    path: &Path,
    site_root: &Path,
) -> Result<BTreeMap<String, String>, String> {
    let abs = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| std::path::absolute(p).unwrap_or(p.to_path_buf()))
    };
    let (file, root) = (abs(path), abs(site_root));
    if file.starts_with(&root) {
        return Err(format!(
            "凭据文件 “{}” 在站点文件夹里，可能随站点被复制或提交；请把它移到站点之外（例如 ~/.config/dangjian/credentials）",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("无法读取凭据文件 “{}”（{e}）", path.display()))?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches(['"', '\'']);
            out.insert(k.trim().to_string(), v.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::config::targets;

    const HEAD: &str = "title: a\nbase_url: https://example.org/\n";

    #[test]
    fn credentials_prefer_the_target_then_general_then_file() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        let file = dir.path().join("creds");
        std::fs::write(
            &file,
            "# x\nDANGJIAN_DEPLOY_KEY=filekey\nDANGJIAN_DEPLOY_SECRET=\"filesecret\"\n",
        )
        .unwrap();
        let text = format!(
            "{HEAD}deploy:\n  - name: oss-hz\n    type: oss\n    bucket: b\n    region: cn-hangzhou\n    credentials_file: {}\n",
            file.display()
        );
        let t = &targets(&text).unwrap()[0];
        let env = |k: &str| match k {
            "DANGJIAN_DEPLOY_KEY_OSS_HZ" => Some("specific".to_string()),
            "DANGJIAN_DEPLOY_KEY" => Some("general".to_string()),
            _ => None,
        };
        let c = credentials(t, &site, &env).unwrap();
        assert_eq!(c.key.as_deref(), Some("specific"));
        assert_eq!(c.secret.as_deref(), Some("filesecret"));
        assert!(!format!("{c:?}").contains("filesecret"));
        // A credentials file inside the site is refused.
        let inside = site.join("creds");
        std::fs::write(&inside, "DANGJIAN_DEPLOY_KEY=x\n").unwrap();
        let mut t2 = t.clone();
        t2.credentials_file = Some(inside.display().to_string());
        assert!(
            credentials(&t2, &site, &env)
                .unwrap_err()
                .contains("站点文件夹里")
        );
    }
}
