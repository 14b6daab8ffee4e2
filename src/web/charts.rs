//! Bar charts drawn on the server as inline SVG: no script, no library, nothing fetched.
//! The drawing has a fixed coordinate space (`viewBox`) and the stylesheet makes it as wide
//! as its card, so one drawing fits a phone and a desktop. Colours come from CSS classes
//! (`.chart .bar-ok` …), so light and dark themes need nothing here.
//!
//! Every text that goes into the drawing is escaped here: the chart is inserted into the
//! page unescaped.

use std::fmt::Write as _;

/// The coordinate space. Text is sized in its units by the stylesheet, larger on phones,
/// where the drawing shrinks to about half.
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 240.0;
/// Room for the value labels on the left and the time labels below.
const LEFT: f64 = 56.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 30.0;
/// At most this many time labels under the bars, however many bars there are.
const MAX_LABELS: usize = 6;
/// At most this many steps on the value axis.
const MAX_TICKS: i64 = 4;

/// One bar: stacked values, bottom first, one per class of the chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The time under the bar (shown under some bars only, so that labels never collide).
    pub label: String,
    /// The tooltip: what the bar stands for, in words.
    pub title: String,
    pub values: Vec<i64>,
}

/// A stacked bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique on the page: the accessible title's element id derives from it.
    pub id: String,
    /// The chart's accessible name (screen readers read this instead of the bars).
    pub title: String,
    /// The CSS class of each stacked part, bottom first.
    pub classes: Vec<&'static str>,
    pub bars: Vec<Bar>,
}

impl BarChart {
    /// The `<svg>` element.
    pub fn svg(&self) -> String {
        let plot_width = WIDTH - LEFT - RIGHT;
        let plot_height = HEIGHT - TOP - BOTTOM;
        let highest = self
            .bars
            .iter()
            .map(|bar| bar.values.iter().map(|v| (*v).max(0)).sum::<i64>())
            .max()
            .unwrap_or(0);
        let (step, top) = scale(highest);
        let id = escape(&self.id);
        let mut out = String::with_capacity(512 + self.bars.len() * 256);
        let _ = write!(
            out,
            r#"<svg class="chart bars" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
            escape(&self.title)
        );

        // Value axis: a grid line and a label per step.
        let mut value = 0;
        while value <= top {
            let y = TOP + plot_height - value as f64 / top as f64 * plot_height;
            let _ = write!(
                out,
                r#"<line class="grid-line" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 5.0,
                escape(&compact(value))
            );
            value += step;
        }

        // Bars, each in a group with its tooltip and a full-height area to hover.
        let count = self.bars.len().max(1);
        let slot = plot_width / count as f64;
        let gap = (slot * 0.2).min(6.0);
        let label_every = count.div_ceil(MAX_LABELS);
        for (i, bar) in self.bars.iter().enumerate() {
            let x = LEFT + slot * i as f64;
            let _ = write!(
                out,
                r#"<g class="bar"><title>{}</title><rect class="hit" fill="transparent" x="{x:.2}" y="{TOP}" width="{slot:.2}" height="{plot_height}"/>"#,
                escape(&bar.title)
            );
            let mut base = TOP + plot_height;
            for (value, class) in bar.values.iter().zip(&self.classes) {
                if *value <= 0 {
                    continue;
                }
                let height = *value as f64 / top as f64 * plot_height;
                base -= height;
                let _ = write!(
                    out,
                    r#"<rect class="{}" x="{:.2}" y="{base:.2}" width="{:.2}" height="{height:.2}"/>"#,
                    escape(class),
                    x + gap / 2.0,
                    slot - gap
                );
            }
            out.push_str("</g>");
            if i % label_every == 0 {
                let _ = write!(
                    out,
                    r#"<text x="{:.2}" y="{}" text-anchor="middle">{}</text>"#,
                    x + slot / 2.0,
                    HEIGHT - 8.0,
                    escape(&bar.label)
                );
            }
        }
        out.push_str("</svg>");
        out
    }
}

/// The value axis for bars up to `highest`: a round step (1, 2 or 5 times a power of ten)
/// and the axis top, a multiple of it, with at most [`MAX_TICKS`] steps.
fn scale(highest: i64) -> (i64, i64) {
    if highest <= 0 {
        return (1, 1);
    }
    let mut magnitude = 1i64;
    loop {
        for factor in [1, 2, 5] {
            let step = magnitude.saturating_mul(factor);
            let steps = highest / step + i64::from(highest % step != 0);
            if steps <= MAX_TICKS {
                return (step, steps.saturating_mul(step));
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// `950`, `1.5k`, `12k`, `3.4M`, `2B`: short enough for the value axis.
pub fn compact(n: i64) -> String {
    let value = n as f64;
    let (scaled, suffix) = match n.unsigned_abs() {
        0..1_000 => return n.to_string(),
        1_000..1_000_000 => (value / 1e3, "k"),
        1_000_000..1_000_000_000 => (value / 1e6, "M"),
        _ => (value / 1e9, "B"),
    };
    let text = if scaled.abs() < 10.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.0}")
    };
    format!("{}{suffix}", text.trim_end_matches(".0"))
}

/// Text made safe for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[&[i64]]) -> BarChart {
        BarChart {
            id: "requests".into(),
            title: "Requests per hour".into(),
            classes: vec!["bar-ok", "bar-err"],
            bars: values
                .iter()
                .enumerate()
                .map(|(i, v)| Bar {
                    label: format!("{i:02}:00"),
                    title: format!("{i:02}:00: {} requests", v.iter().sum::<i64>()),
                    values: v.to_vec(),
                })
                .collect(),
        }
    }

    /// The value of attribute `name` in each element that starts with `tag`.
    fn attributes(svg: &str, tag: &str, name: &str) -> Vec<f64> {
        svg.split(tag)
            .skip(1)
            .map(|element| {
                let start =
                    element.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
                let end = start + element[start..].find('"').expect("closing quote");
                element[start..end].parse().expect("number")
            })
            .collect()
    }

    #[test]
    fn one_group_per_bar_and_one_rect_per_nonzero_part() {
        let svg = chart(&[&[3, 1], &[0, 0], &[2, 0], &[0, 4]]).svg();
        assert!(svg.starts_with("<svg class=\"chart bars\" viewBox=\"0 0 560 240\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches("<g class=\"bar\">").count(),
            4,
            "empty bars too"
        );
        assert_eq!(svg.matches("<title>").count(), 4, "a tooltip per bar");
        assert_eq!(svg.matches("class=\"bar-ok\"").count(), 2);
        assert_eq!(svg.matches("class=\"bar-err\"").count(), 2);
        assert!(svg.contains("aria-labelledby=\"requests-title\""));
        assert!(svg.contains("<title id=\"requests-title\">Requests per hour</title>"));
    }

    #[test]
    fn heights_are_proportional_and_parts_stack() {
        // Highest bar 4 → axis 0..4 in steps of 1; the plot is 200 units high.
        let svg = chart(&[&[3, 1], &[2, 0]]).svg();
        let ok = attributes(&svg, "<rect class=\"bar-ok\"", "height");
        let err = attributes(&svg, "<rect class=\"bar-err\"", "height");
        assert_eq!(ok, vec![150.0, 100.0]);
        assert_eq!(err, vec![50.0]);
        let ok_y = attributes(&svg, "<rect class=\"bar-ok\"", "y");
        let err_y = attributes(&svg, "<rect class=\"bar-err\"", "y");
        assert_eq!(ok_y[0], 10.0 + 200.0 - 150.0, "ok sits on the axis");
        assert_eq!(
            err_y[0], 10.0,
            "the error part sits on top and reaches the top"
        );
    }

    #[test]
    fn the_value_axis_has_round_steps() {
        assert_eq!(scale(0), (1, 1));
        assert_eq!(scale(1), (1, 1));
        assert_eq!(scale(3), (1, 3));
        assert_eq!(scale(7), (2, 8));
        assert_eq!(scale(9), (5, 10));
        assert_eq!(scale(37), (10, 40));
        assert_eq!(scale(1234), (500, 1500));
        assert!(scale(i64::MAX).1 >= i64::MAX / 2, "no overflow");
        let svg = chart(&[&[7, 0]]).svg();
        let labels: Vec<&str> = svg
            .split("text-anchor=\"end\">")
            .skip(1)
            .map(|rest| &rest[..rest.find('<').expect("end")])
            .collect();
        assert_eq!(labels, ["0", "2", "4", "6", "8"]);
    }

    #[test]
    fn time_labels_are_thinned_out() {
        let many: Vec<&[i64]> = (0..24).map(|_| &[1i64, 0][..]).collect();
        let svg = chart(&many).svg();
        let labels = svg.matches("text-anchor=\"middle\"").count();
        assert_eq!(labels, 6, "every fourth of 24 hours");
        assert!(svg.contains(">00:00</text>") && svg.contains(">20:00</text>"));
        assert!(!svg.contains(">01:00</text>"));
        let few = chart(&[&[1, 0], &[1, 0], &[1, 0]]).svg();
        assert_eq!(few.matches("text-anchor=\"middle\"").count(), 3);
    }

    #[test]
    fn text_is_escaped() {
        let mut chart = chart(&[&[1, 0]]);
        chart.title = "a <b> & \"c\"".into();
        chart.bars[0].title = "<script>alert('x')</script>".into();
        chart.bars[0].label = "1 < 2".into();
        let svg = chart.svg();
        assert!(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(svg.contains(">1 &lt; 2</text>"));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn no_bars_draws_an_empty_axis() {
        let svg = chart(&[]).svg();
        assert_eq!(svg.matches("<g class=\"bar\">").count(), 0);
        assert!(svg.contains("class=\"grid-line\""));
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(1000), "1k");
        assert_eq!(compact(1500), "1.5k");
        assert_eq!(compact(12_345), "12k");
        assert_eq!(compact(3_400_000), "3.4M");
        assert_eq!(compact(2_000_000_000), "2B");
    }
}
