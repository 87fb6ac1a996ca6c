//! Colours of highlighted code that every reader can read. syntect's
//! themes were made for editors, not for WCAG: InspiredGitHub's comments
//! are 2.6:1 on the theme's code background. Each colour is moved towards
//! black (light mode) or white (dark mode), keeping its hue, until it has
//! at least 4.5:1 (WCAG AA) on the background it is drawn on. Colours
//! become CSS variables on `pre.code`, so dark mode is one more palette,
//! not a second stylesheet.

use std::collections::HashMap;
use std::fmt::Write as _;

/// Descendant levels of a selector kept (see `accessible_css`).
const MAX_DEPTH: usize = 4;

/// WCAG AA for normal text.
const AA: f64 = 4.5;

/// `pre.code`'s background in the default theme (`--soft` in style.css),
/// light and dark.
const LIGHT_BG: Rgb = Rgb(0xf6, 0xf1, 0xea);
const DARK_BG: Rgb = Rgb(0x24, 0x20, 0x20);

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Rgb(u8, u8, u8);

impl Rgb {
    fn parse(value: &str) -> Option<Rgb> {
        let hex = value.trim().strip_prefix('#')?;
        let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
        match hex.len() {
            6 => Some(Rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
            3 => Some(Rgb(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
            _ => None,
        }
    }

    /// Relative luminance (WCAG 2).
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    pub(crate) fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// `self` moved `t` of the way to `to`.
    fn mix(self, to: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, to.0), m(self.1, to.1), m(self.2, to.2))
    }

    /// The same hue and saturation with lightness mirrored, as a dark
    /// theme shows it (`invert(1) hue-rotate(180deg)`, computed here).
    fn mirrored(self) -> Rgb {
        let [r, g, b] = [self.0, self.1, self.2].map(|c| f64::from(c) / 255.0);
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        // Mirroring lightness L -> 1-L shifts every channel by
        // 1 - (max + min), which keeps hue and saturation.
        let shift = 1.0 - (max + min);
        let c = |v: f64| ((v + shift).clamp(0.0, 1.0) * 255.0).round() as u8;
        Rgb(c(r), c(g), c(b))
    }

    /// The nearest colour towards `towards` with AA contrast on `bg`.
    fn readable_on(self, bg: Rgb, towards: Rgb) -> Rgb {
        (0..=20)
            .map(|step| self.mix(towards, f64::from(step) / 20.0))
            .find(|c| c.contrast(bg) >= AA)
            .unwrap_or(towards)
    }
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

const BLACK: Rgb = Rgb(0, 0, 0);
const WHITE: Rgb = Rgb(255, 255, 255);

/// One variable: its light and dark values.
struct Swatch {
    light: Rgb,
    dark: Rgb,
}

#[derive(Default)]
struct Palette {
    swatches: Vec<Swatch>,
    index: HashMap<(Rgb, Option<Rgb>), usize>,
}

impl Palette {
    /// The variable for a text colour drawn on `bg` (`None`: the code
    /// block's own background).
    fn text(&mut self, fg: Rgb, bg: Option<Rgb>) -> usize {
        let (light_bg, dark_bg) = bg.map_or((LIGHT_BG, DARK_BG), |b| (b, background_dark(b)));
        self.var((fg, bg), || Swatch {
            light: fg.readable_on(light_bg, BLACK),
            dark: fg.mirrored().readable_on(dark_bg, WHITE),
        })
    }

    /// The variable for a background colour (diff lines, invalid code).
    fn background(&mut self, bg: Rgb) -> usize {
        // Keyed with itself as "background" so it never meets a text key.
        self.var((bg, Some(bg)), || Swatch {
            light: bg,
            dark: background_dark(bg),
        })
    }

    fn var(&mut self, key: (Rgb, Option<Rgb>), make: impl FnOnce() -> Swatch) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.swatches.push(make());
        self.index.insert(key, self.swatches.len() - 1);
        self.swatches.len() - 1
    }
}

/// A light background as dark mode shows it, never lighter than the
/// code block's own dark background plus a tint.
fn background_dark(bg: Rgb) -> Rgb {
    let m = bg.mirrored();
    if m.luminance() > 0.05 {
        m.mix(DARK_BG, 0.6)
    } else {
        m
    }
}

/// syntect's CSS for a theme, rewritten: comments and layout whitespace
/// dropped, the theme's own default colour and background left to the
/// page (`pre.code`), and every colour an AA-readable variable with a
/// light and a dark value.
pub(crate) fn accessible_css(header: &str, css: &str) -> String {
    let css = strip_comments(css);
    let mut palette = Palette::default();
    let mut rules = String::with_capacity(css.len());
    for rule in css.split('}') {
        let Some((selectors, body)) = rule.split_once('{') else {
            continue;
        };
        let selectors = selectors.split_whitespace().collect::<Vec<_>>().join(" ");
        // InspiredGitHub alternates JSON keys by nesting depth down to 20
        // levels: 9 KB of selectors for documents nobody nests that deep
        // in a news item. Deeper levels keep the plain string colour.
        let selectors = selectors
            .split(", ")
            .filter(|sel| sel.split(' ').count() <= MAX_DEPTH)
            .collect::<Vec<_>>()
            .join(", ");
        if selectors.is_empty() {
            continue;
        }
        // The theme's defaults: the page's text colour and code
        // background already apply, and `hl-code` is never emitted.
        if selectors == ".hl-code" {
            continue;
        }
        let decls: Vec<(&str, &str)> = body
            .split(';')
            .filter_map(|d| d.split_once(':'))
            .map(|(p, v)| (p.trim(), v.trim()))
            .collect();
        let lookup = |name: &str| decls.iter().find(|(p, _)| *p == name).map(|(_, v)| *v);
        // A background equal to the theme's default background is the
        // code block's own: leave it to the page.
        let bg = lookup("background-color")
            .and_then(Rgb::parse)
            .filter(|&b| b != WHITE);
        let mut out = Vec::new();
        if let Some(fg) = lookup("color").and_then(Rgb::parse) {
            out.push(format!("color:var(--hl{})", palette.text(fg, bg)));
        }
        if let Some(bg) = bg {
            out.push(format!(
                "background-color:var(--hl{})",
                palette.background(bg)
            ));
        }
        for (p, v) in &decls {
            if *p != "color" && *p != "background-color" {
                out.push(format!("{p}:{v}"));
            }
        }
        if !out.is_empty() {
            let _ = writeln!(
                rules,
                "{}{{{}}}",
                selectors.replace(", ", ","),
                out.join(";")
            );
        }
    }
    let vars = |dark: bool| {
        palette
            .swatches
            .iter()
            .enumerate()
            .map(|(i, s)| format!("--hl{i}:{}", if dark { s.dark } else { s.light }))
            .collect::<Vec<_>>()
            .join(";")
    };
    format!(
        "/* {header}; colours at least 4.5:1 on the code background */\npre.code{{{}}}\n@media (prefers-color-scheme: dark){{pre.code{{{}}}}}\n{rules}",
        vars(false),
        vars(true)
    )
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the generated stylesheet back: every rule's text colour,
    /// resolved through the palette, against the background it is drawn
    /// on, in both modes.
    #[test]
    fn every_highlight_colour_is_aa_in_light_and_dark() {
        let css = super::super::highlight_css();
        let vars = |block: &str| -> HashMap<String, Rgb> {
            block
                .split(';')
                .filter_map(|d| d.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), Rgb::parse(v).unwrap()))
                .collect()
        };
        let mut lines = css.lines().skip(1);
        let light = vars(
            lines
                .next()
                .unwrap()
                .trim_start_matches("pre.code{")
                .trim_end_matches('}'),
        );
        let dark_line = lines.next().unwrap();
        let dark = vars(
            dark_line
                .trim_start_matches("@media (prefers-color-scheme: dark){pre.code{")
                .trim_end_matches("}}"),
        );
        let var_of = |body: &str, prop: &str| {
            body.split(';')
                .find_map(|d| d.strip_prefix(&format!("{prop}:var(")))
                .map(|v| v.trim_end_matches(')').to_string())
        };
        let mut checked = 0;
        for rule in lines {
            let body = rule.split_once('{').unwrap().1.trim_end_matches('}');
            let Some(fg) = var_of(body, "color") else {
                continue;
            };
            let bg = var_of(body, "background-color");
            for (vars, page_bg) in [(&light, LIGHT_BG), (&dark, DARK_BG)] {
                let bg = bg.as_ref().map_or(page_bg, |b| vars[b]);
                let ratio = vars[&fg].contrast(bg);
                assert!(ratio >= AA, "{rule}: {ratio:.2}:1");
                checked += 1;
            }
        }
        assert!(checked > 40, "only {checked} colours read back");
        assert!(css.len() < 8 * 1024, "{} bytes", css.len());
        // The theme's comment grey was 2.6:1 before.
        assert!(Rgb(0x96, 0x98, 0x96).contrast(LIGHT_BG) < 3.0);
    }

    #[test]
    fn mirrored_keeps_hue_and_flips_lightness() {
        assert_eq!(WHITE.mirrored(), BLACK);
        assert!(Rgb(0x18, 0x36, 0x91).mirrored().2 > 0xc0);
    }
}
