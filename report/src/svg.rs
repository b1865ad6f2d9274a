//! Charts as inline SVG: no scripts, no external assets, integer-rounded
//! coordinates so the output is deterministic.

use super::{Bar, Chart, Series};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sakip::numfmt;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart inside a `<figure>`, or nothing for an empty chart.
pub fn figure(chart: &Chart) -> String {
    match chart {
        Chart::Bars { bars, .. } if bars.is_empty() => String::new(),
        Chart::Trends { series, .. } if series.is_empty() => String::new(),
        Chart::Bars { title, bars } => {
            format!(
                "<figure class=\"chart\">\n<figcaption>{}</figcaption>\n{}</figure>\n",
                esc(title),
                bar_svg(bars)
            )
        }
        Chart::Trends { title, series } => {
            let charts: String = series.iter().map(trend_svg).collect();
            format!(
                "<figure class=\"chart\">\n<figcaption>{}</figcaption>\n{charts}</figure>\n",
                esc(title)
            )
        }
    }
}

fn px(v: Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

/// Horizontal bars scaled to the largest value (at least 100%), with a
/// dashed reference line at 100%.
fn bar_svg(bars: &[Bar]) -> String {
    let label_w = 230.0;
    let plot_w = 380.0;
    let row_h = 20.0;
    let height = row_h * bars.len() as f64 + 24.0;
    let max = bars.iter().map(|b| px(b.value)).fold(100.0_f64, f64::max) * 1.1;
    let scale = |v: f64| (v.max(0.0) / max * plot_w).round();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n",
        label_w + plot_w + 70.0,
        height,
        label_w + plot_w + 70.0,
        height
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let label: String = b.label.chars().take(42).collect();
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            label_w - 6.0,
            y + 12.0,
            esc(&label)
        ));
        s.push_str(&format!(
            "<rect class=\"{}\" x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"{}\"><title>{}: {}</title></rect>\n",
            esc(&b.class),
            scale(px(b.value)),
            row_h - 6.0,
            esc(&b.label),
            numfmt::percent(b.value)
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text>\n",
            label_w + scale(px(b.value)) + 4.0,
            y + 12.0,
            numfmt::percent(b.value)
        ));
    }
    let x100 = label_w + scale(100.0);
    s.push_str(&format!(
        "<line class=\"ref\" x1=\"{x100}\" y1=\"0\" x2=\"{x100}\" y2=\"{}\"/>\n<text x=\"{x100}\" y=\"{}\" text-anchor=\"middle\">100%</text>\n",
        height - 12.0,
        height - 2.0
    ));
    s.push_str("</svg>\n");
    s
}

/// A small line chart of one indicator over TW I-IV: realisasi (solid) and
/// the phasing target (dashed).
fn trend_svg(series: &Series) -> String {
    let (w, h, left, top, plot_w, plot_h) = (300.0, 130.0, 40.0, 22.0, 240.0, 80.0);
    let values: Vec<f64> = series
        .target
        .iter()
        .chain(series.realisasi.iter())
        .flatten()
        .map(|v| px(*v))
        .collect();
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let (lo, hi) = if max > min {
        (min - (max - min) * 0.2, max + (max - min) * 0.2)
    } else {
        (min - 1.0, max + 1.0)
    };
    let x = |q: usize| (left + plot_w * q as f64 / 3.0).round();
    let y = |v: f64| (top + plot_h - (v - lo) / (hi - lo) * plot_h).round();
    let path = |vals: &[Option<Decimal>]| -> String {
        let pts: Vec<String> = vals
            .iter()
            .enumerate()
            .filter_map(|(q, v)| v.map(|v| format!("{},{}", x(q), y(px(v)))))
            .collect();
        pts.join(" ")
    };
    let label: String = series.label.chars().take(55).collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n<text x=\"4\" y=\"12\">{}</text>\n",
        esc(&label)
    );
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
        top + plot_h,
        left + plot_w,
        top + plot_h
    ));
    for (q, name) in ["TW I", "TW II", "TW III", "TW IV"].iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{name}</text>\n",
            x(q),
            top + plot_h + 14.0
        ));
    }
    s.push_str(&format!(
        "<polyline class=\"target\" points=\"{}\"/>\n",
        path(&series.target)
    ));
    s.push_str(&format!(
        "<polyline class=\"real\" points=\"{}\"/>\n",
        path(&series.realisasi)
    ));
    for (q, v) in series.realisasi.iter().enumerate() {
        if let Some(v) = v {
            s.push_str(&format!(
                "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"3\"><title>{}: {}</title></circle>\n<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                x(q),
                y(px(*v)),
                ["TW I", "TW II", "TW III", "TW IV"][q],
                numfmt::format(*v, 2),
                x(q),
                y(px(*v)) - 6.0,
                numfmt::format(*v, 2)
            ));
        }
    }
    s.push_str("</svg>\n");
    s
}
