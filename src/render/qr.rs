//! QR codes of page addresses, for notices and 公示 printed on bulletin
//! boards.

/// A QR code of `url` as SVG, for the printed notice: black on white, with
/// its quiet zone, scaled by the page. (fast_qr: about nine times faster
/// than the qrcode crate at choosing the mask, and smaller SVGs.)
pub(crate) fn qr_svg(url: &str) -> String {
    match fast_qr::QRBuilder::new(url.as_bytes())
        .ecl(fast_qr::ECL::M)
        .build()
    {
        Ok(code) => fast_qr::convert::svg::SvgBuilder::default().to_str(&code),
        // Only a URL longer than a QR code can hold; print without one.
        Err(_) => {
            String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>")
        }
    }
}
