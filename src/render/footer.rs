//! The footer's identity lines as templates see them (`site.footer`): the
//! fields of site.yaml plus the official pages the 备案 numbers link to.

use serde::Serialize;

use crate::config::{Footer, police_code};

/// Where every ICP 备案 number is looked up (MIIT).
const ICP_URL: &str = "https://beian.miit.gov.cn/";

#[derive(Serialize)]
pub(crate) struct FooterView<'a> {
    /// 主办单位
    pub(crate) sponsor: Option<&'a str>,
    /// 承办单位
    pub(crate) organizer: Option<&'a str>,
    /// 网站标识码
    pub(crate) site_code: Option<&'a str>,
    /// 党政机关网站标识: the address of its certificate.
    pub(crate) party_gov_mark: Option<&'a str>,
    pub(crate) icp: Option<&'a str>,
    pub(crate) icp_url: &'static str,
    pub(crate) police: Option<&'a str>,
    /// The record's own page at the 公安 filing system.
    pub(crate) police_url: Option<String>,
    pub(crate) contact: Option<&'a str>,
}

impl<'a> FooterView<'a> {
    pub fn new(f: &'a Footer) -> Self {
        FooterView {
            sponsor: f.sponsor.as_deref(),
            organizer: f.organizer.as_deref(),
            site_code: f.site_code.as_deref().map(str::trim),
            party_gov_mark: f.party_gov_mark.as_deref(),
            icp: f.icp.as_deref(),
            icp_url: ICP_URL,
            police: f.police.as_deref(),
            police_url: f.police.as_deref().and_then(police_code).map(|code| {
                format!("http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={code}")
            }),
            contact: f.contact.as_deref(),
        }
    }
}
