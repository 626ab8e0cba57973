//! `plan_slo`: error-budget arithmetic for an SLO and the multiwindow, multi-burn-rate alerts that
//! protect it (Google SRE Workbook, chapter 5), scaled to the caller's SLO window.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};
use crate::decode::Num;

/// Human title of the tool.
pub const TITLE: &str = "Plan an SLO: error budget and burn-rate alerts";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Plan an SLO: the error budget and the multiwindow burn-rate alerts \
(page and ticket) with Prometheus expressions, from the target and window. Call before writing any \
alert rule.";

/// Window used when `window_days` is absent (the SRE Workbook's figures are for 30 days).
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// Longest accepted SLO window.
pub const MAX_WINDOW_DAYS: u32 = 365;
/// Targets must be strictly above this.
pub const MIN_TARGET_PERCENT_EXCLUSIVE: f64 = 50.0;
/// Highest accepted target (seven nines); anything tighter has a budget no alert can act on.
pub const MAX_TARGET_PERCENT: f64 = 99.99999;
/// Largest accepted `requests_per_second`.
pub const MAX_REQUESTS_PER_SECOND: f64 = 1e9;
/// Largest accepted `requests_per_window`.
pub const MAX_REQUESTS_PER_WINDOW: u64 = 1_000_000_000_000_000;
/// Longest accepted `sli` description, in characters.
pub const MAX_SLI_CHARS: usize = 500;

/// Placeholder metric for events that violate the SLI (a counter).
pub const ERRORS_METRIC: &str = "slo_errors_total";
/// Placeholder metric for all events the SLI counts (a counter).
pub const REQUESTS_METRIC: &str = "slo_requests_total";

/// The SLO to plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanSloInput {
    /// Target, percent of good events, e.g. 99.9 (above 50, below 100).
    pub target_percent: f64,
    /// Rolling window, days. Default 30.
    #[serde(default)]
    #[schemars(range(min = 1, max = 365))]
    pub window_days: Option<u32>,
    /// Requests per window, for the budget in requests.
    #[serde(default)]
    pub requests_per_window: Option<u64>,
    /// Or the average requests per second.
    #[serde(default)]
    pub requests_per_second: Option<f64>,
    /// What counts as good, e.g. "latency < 200 ms".
    #[serde(default)]
    pub sli: Option<String>,
}

/// Who gets told when an alert fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// Wake someone up: the budget is burning fast enough to be gone within days.
    Page,
    /// A ticket for working hours: a slow burn that still threatens the budget.
    Ticket,
}

impl AlertSeverity {
    /// The identifier used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Page => "page",
            AlertSeverity::Ticket => "ticket",
        }
    }
}

/// One multiwindow burn-rate alert.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BurnRateAlert {
    /// `page` or `ticket`.
    pub severity: AlertSeverity,
    /// How many times faster than "exactly the budget over the window" errors must be arriving.
    pub burn_rate: f64,
    /// The long window, e.g. "1h": proves the burn is significant.
    pub long_window: String,
    /// The short window, e.g. "5m" (1/12 of the long one): proves the burn is still happening, so the
    /// alert resets soon after recovery.
    pub short_window: String,
    /// Share of the whole window's error budget spent when the alert fires after a full long window.
    pub budget_consumed_percent: f64,
    /// Error rate (bad events / all events) at which the alert fires, as a fraction: burn_rate * (1 - SLO).
    /// Above 1 the alert can never fire (a warning says so).
    pub error_rate_threshold: f64,
    /// How long the whole budget lasts at this burn rate, e.g. "2d 2h".
    pub time_to_exhaustion: String,
    /// Set when the workbook's figures were changed for this window, saying how and why.
    pub adjustment: Option<String>,
    /// Example Prometheus expression (placeholder metrics `slo_errors_total` and `slo_requests_total`).
    pub prometheus_expr: String,
}

/// The error budget and the alerts for one SLO.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanSloOutput {
    /// The budget as time of total outage over the window (99.9% over 30 days -> 43.2).
    pub error_budget_minutes: f64,
    /// Requests that may fail over the window without breaking the SLO, when a volume was given.
    pub error_budget_requests: Option<u64>,
    /// The SLO window in days (30 when not given).
    pub window_days: u32,
    /// The multiwindow multi-burn-rate alerts; an alert fires only when both its windows exceed the
    /// threshold.
    pub alerts: Vec<BurnRateAlert>,
    /// How the workbook's 30-day figures were scaled to this window (none for 30 days).
    pub scaling: Option<String>,
    /// What the placeholder metric names in `prometheus_expr` stand for.
    pub metric_placeholders: Vec<String>,
    /// Things to look at: dropped or unreachable alerts, tiny budgets, short windows.
    pub warnings: Vec<String>,
    /// Asked when the SLI is missing: what counts as a bad event decides what the alerts count.
    pub next_question: Option<NextQuestion>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

struct AlertSpec {
    severity: AlertSeverity,
    consumed_percent: f64,
    long_minutes: u32,
    short_minutes: u32,
}

/// The SRE Workbook's recommended alerts for a 30-day SLO (burn rates 14.4, 6 and 1).
const WORKBOOK_ALERTS: [AlertSpec; 3] = [
    AlertSpec {
        severity: AlertSeverity::Page,
        consumed_percent: 2.0,
        long_minutes: 60,
        short_minutes: 5,
    },
    AlertSpec {
        severity: AlertSeverity::Page,
        consumed_percent: 5.0,
        long_minutes: 360,
        short_minutes: 30,
    },
    AlertSpec {
        severity: AlertSeverity::Ticket,
        consumed_percent: 10.0,
        long_minutes: 4320,
        short_minutes: 360,
    },
];

const MINUTES_PER_DAY: u32 = 1440;

/// The reference sections this tool cites.
pub fn references() -> Vec<String> {
    [
        "multiwindow-multi-burn-rate-alerts",
        "error-budget-arithmetic",
    ]
    .iter()
    .map(|a| reference_uri("observability.md", a))
    .collect()
}

/// Round to `digits` significant digits, so that 0.1 - style float noise (43.199999999) disappears.
fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().ceil() as i32;
    let decimals = (digits - magnitude).clamp(-300, 300);
    let factor = 10f64.powi(decimals);
    let rounded = (x * factor).round() / factor;
    if rounded.is_finite() { rounded } else { x }
}

/// "5m", "1h", "3d": a Prometheus-style duration for a whole number of minutes.
fn window_label(minutes: u32) -> String {
    if minutes > 0 && minutes.is_multiple_of(MINUTES_PER_DAY) {
        format!("{}d", minutes / MINUTES_PER_DAY)
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// A duration in minutes for people: the two largest units, e.g. "43m 12s", "2d 2h", "259ms".
pub(crate) fn human_minutes(minutes: f64) -> String {
    if !minutes.is_finite() || minutes < 0.0 {
        return "unbounded".to_string();
    }
    let total_ms = (minutes * 60_000.0).round();
    if total_ms < 1000.0 {
        return format!("{total_ms}ms");
    }
    // At most 365 days * 1440 minutes in practice; clamp anyway before converting.
    let total_s = (total_ms / 1000.0).round().min(1e12) as u64;
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    let Some((first, &(size, name))) = UNITS
        .iter()
        .enumerate()
        .find(|(_, (size, _))| total_s >= *size)
    else {
        return "0s".to_string();
    };
    let mut out = format!("{}{name}", total_s / size);
    if let Some((next_size, next_name)) = UNITS.get(first + 1) {
        let n = (total_s % size) / next_size;
        if n > 0 {
            out.push_str(&format!(" {n}{next_name}"));
        }
    }
    out
}

fn prometheus_expr(threshold: f64, long: &str, short: &str) -> String {
    format!(
        "(sum(rate({e}[{long}])) / sum(rate({r}[{long}])) > {threshold}) and \
         (sum(rate({e}[{short}])) / sum(rate({r}[{short}])) > {threshold})",
        e = ERRORS_METRIC,
        r = REQUESTS_METRIC,
    )
}

fn validate(input: &PlanSloInput) -> Result<(f64, u32), DecideError> {
    let t = input.target_percent;
    if !t.is_finite() {
        return Err(DecideError::InvalidInput(
            "target_percent: must be a finite number such as 99.9".into(),
        ));
    }
    if t >= 100.0 {
        return Err(DecideError::InvalidInput(format!(
            "target_percent: {t} leaves no error budget (a 100% SLO allows zero failures, so every \
             failure breaks it and burn rates cannot be computed); pick a target above 50 and at most \
             {MAX_TARGET_PERCENT}, e.g. 99.9",
            t = Num(t)
        )));
    }
    if t > MAX_TARGET_PERCENT {
        return Err(DecideError::InvalidInput(format!(
            "target_percent: {t} is tighter than {MAX_TARGET_PERCENT} (seven nines, about 0.26 s of \
             budget a month), too small for any alert to act on; accepted: above 50 and at most \
             {MAX_TARGET_PERCENT}",
            t = Num(t)
        )));
    }
    if t <= MIN_TARGET_PERCENT_EXCLUSIVE {
        return Err(DecideError::InvalidInput(format!(
            "target_percent: {t} is not a meaningful SLO (it must be above 50 and at most \
             {MAX_TARGET_PERCENT}; give a percentage such as 99.9, not a fraction such as 0.999)",
            t = Num(t)
        )));
    }
    let window = input.window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
    if !(1..=MAX_WINDOW_DAYS).contains(&window) {
        return Err(DecideError::InvalidInput(format!(
            "window_days: {window} is out of range; accepted 1 to {MAX_WINDOW_DAYS} (default 30)"
        )));
    }
    if input.requests_per_window.is_some() && input.requests_per_second.is_some() {
        return Err(DecideError::InvalidInput(
            "requests_per_window, requests_per_second: give one volume, not both".into(),
        ));
    }
    if let Some(n) = input.requests_per_window
        && n > MAX_REQUESTS_PER_WINDOW
    {
        return Err(DecideError::InvalidInput(format!(
            "requests_per_window: {n} is out of range; accepted 0 to {MAX_REQUESTS_PER_WINDOW}"
        )));
    }
    if let Some(rps) = input.requests_per_second
        && !(rps.is_finite() && (0.0..=MAX_REQUESTS_PER_SECOND).contains(&rps))
    {
        return Err(DecideError::InvalidInput(format!(
            "requests_per_second: {rps} is out of range; accepted 0 to 1e9",
            rps = Num(rps)
        )));
    }
    if let Some(sli) = &input.sli
        && sli.chars().count() > MAX_SLI_CHARS
    {
        return Err(DecideError::TooLarge(format!(
            "sli: at most {MAX_SLI_CHARS} characters; describe the good event briefly, e.g. \
             \"latency < 200ms\""
        )));
    }
    Ok((t, window))
}

/// Compute the error budget and the burn-rate alerts for an SLO.
pub fn plan_slo(input: &PlanSloInput) -> Result<PlanSloOutput, DecideError> {
    let (target, window_days) = validate(input)?;
    let budget_fraction = round_sig((100.0 - target) / 100.0, 6);
    let window_minutes = window_days.saturating_mul(MINUTES_PER_DAY);
    let window_hours = f64::from(window_minutes) / 60.0;
    let budget_minutes = round_sig(budget_fraction * f64::from(window_minutes), 6);

    let requests_per_window = match (input.requests_per_window, input.requests_per_second) {
        (Some(n), _) => Some(n),
        // Bounded by validation: at most 1e9 * 86400 * 365, far below u64::MAX.
        (None, Some(rps)) => Some((rps * f64::from(window_minutes) * 60.0).round() as u64),
        (None, None) => None,
    };
    let error_budget_requests =
        requests_per_window.map(|n| round_sig(n as f64 * budget_fraction, 12).floor() as u64);

    let sli = input
        .sli
        .as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());

    let mut warnings = Vec::new();
    let mut alerts = Vec::new();
    for spec in &WORKBOOK_ALERTS {
        let long = window_label(spec.long_minutes);
        let short = window_label(spec.short_minutes);
        if spec.long_minutes >= window_minutes {
            warnings.push(format!(
                "Dropped the {} alert with a {long} long window: it does not fit inside a {window_days}-day \
                 SLO window (a window cannot look back further than the budget it protects).",
                spec.severity.as_str()
            ));
            continue;
        }
        let mut consumed = spec.consumed_percent;
        let mut burn = round_sig(
            consumed * f64::from(window_minutes) / (100.0 * f64::from(spec.long_minutes)),
            6,
        );
        let mut adjustment = None;
        if burn < 1.0 {
            match spec.severity {
                AlertSeverity::Page => {
                    warnings.push(format!(
                        "Dropped the page alert with a {long} long window: {consumed}% of a \
                         {window_days}-day budget in {long} is a burn rate of {burn}, below 1, at which \
                         the budget outlasts the window; paging on it would be noise."
                    ));
                    continue;
                }
                AlertSeverity::Ticket => {
                    burn = 1.0;
                    consumed = round_sig(
                        100.0 * f64::from(spec.long_minutes) / f64::from(window_minutes),
                        6,
                    );
                    adjustment = Some(format!(
                        "Raised to burn rate 1 ({}% of the budget in {long} would be below 1, which \
                         never exhausts it): the {long} window spends {consumed}%.",
                        spec.consumed_percent
                    ));
                }
            }
        }
        let threshold = round_sig(burn * budget_fraction, 6);
        let threshold_percent = round_sig(threshold * 100.0, 6);
        if threshold > 1.0 {
            warnings.push(format!(
                "The {} alert at burn rate {burn} needs an error rate of {threshold_percent}%, above \
                 100%, so it can never fire: at {target}% the highest possible burn rate is {}. Page on \
                 the slower alerts, or raise the target.",
                spec.severity.as_str(),
                round_sig(1.0 / budget_fraction, 4)
            ));
        }
        let exhaustion_hours = round_sig(window_hours / burn, 6);
        alerts.push(BurnRateAlert {
            severity: spec.severity,
            burn_rate: burn,
            long_window: long.clone(),
            short_window: short.clone(),
            budget_consumed_percent: consumed,
            error_rate_threshold: threshold,
            time_to_exhaustion: human_minutes(exhaustion_hours * 60.0),
            adjustment,
            prometheus_expr: prometheus_expr(threshold, &long, &short),
        });
    }
    if alerts.is_empty() {
        warnings.push(format!(
            "No burn-rate alert fits a {window_days}-day window. Use a 28- or 30-day window, the one \
             the SRE Workbook's alerts are designed for."
        ));
    } else if window_days < 7 {
        warnings.push(format!(
            "A {window_days}-day window gives a small budget that a single incident spends; the \
             workbook's alerts are designed for 30 days (28 is common)."
        ));
    }
    if budget_minutes < 1.0 {
        warnings.push(format!(
            "The budget is {} of full outage per {window_days} days: less than a person needs to \
             acknowledge a page, so only automation (rollbacks, failover) can defend this target.",
            human_minutes(budget_minutes)
        ));
    }

    let scaling = (window_days != 30).then(|| {
        format!(
            "The SRE Workbook's 30-day alerts scaled to {window_days} days: same windows and budget \
             shares, burn = consumed x {window_hours} h / long window; alerts that do not fit are \
             dropped, a ticket below burn rate 1 is raised to 1."
        )
    });

    let next_question = if sli.is_none() {
        Some(NextQuestion {
            field: "sli".into(),
            question:
                "What makes an event good (the SLI)? The alerts count the events that violate it."
                    .into(),
            options: vec![
                "HTTP status is not 5xx".into(),
                "latency < 200ms".into(),
                "request succeeds and latency < 300ms".into(),
            ],
            how_to_tell: "Pick what users notice on the path this SLO protects: failed responses \
                          (availability) or slow ones (latency, measured at the load balancer or \
                          server as a histogram). Express it as good events / valid events."
                .into(),
        })
    } else {
        None
    };

    Ok(PlanSloOutput {
        error_budget_minutes: budget_minutes,
        error_budget_requests,
        window_days,
        alerts,
        scaling,
        metric_placeholders: vec![
            format!(
                "{ERRORS_METRIC}: events that violate the SLI (for latency from a histogram: total \
                 count minus the bucket at the threshold)"
            ),
            format!("{REQUESTS_METRIC}: all valid events"),
        ],
        warnings,
        next_question,
        references: references(),
    })
}

impl fmt::Display for PlanSloOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Error budget: {} minutes ({}) of full outage per {} days",
            self.error_budget_minutes,
            human_minutes(self.error_budget_minutes),
            self.window_days
        )?;
        if let Some(budget) = self.error_budget_requests {
            writeln!(f, "  = {budget} failed requests per window")?;
        }
        writeln!(
            f,
            "\nAlerts (each fires when BOTH windows exceed the threshold):"
        )?;
        if self.alerts.is_empty() {
            writeln!(f, "  (none fits this window)")?;
        }
        for a in &self.alerts {
            writeln!(
                f,
                "- {}: burn rate {} over {} and {} ({}% of the budget), error rate > {}%, budget gone \
                 in {}{}",
                a.severity.as_str(),
                a.burn_rate,
                a.long_window,
                a.short_window,
                a.budget_consumed_percent,
                round_sig(a.error_rate_threshold * 100.0, 6),
                a.time_to_exhaustion,
                if a.error_rate_threshold <= 1.0 {
                    ""
                } else {
                    " [can never fire]"
                }
            )?;
            if let Some(adj) = &a.adjustment {
                writeln!(f, "    note: {adj}")?;
            }
            writeln!(f, "    {}", a.prometheus_expr)?;
        }
        if let Some(scaling) = &self.scaling {
            writeln!(f, "Scaling: {scaling}")?;
        }
        writeln!(f, "Metrics: {}", self.metric_placeholders.join("; "))?;
        if !self.warnings.is_empty() {
            writeln!(f, "Warnings:")?;
            for w in &self.warnings {
                writeln!(f, "- {w}")?;
            }
        }
        if let Some(q) = &self.next_question {
            writeln!(f, "Next question ({}): {}", q.field, q.question)?;
        }
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    fn input(target: f64, window: Option<u32>) -> PlanSloInput {
        PlanSloInput {
            target_percent: target,
            window_days: window,
            ..Default::default()
        }
    }

    fn plan(target: f64, window: Option<u32>) -> PlanSloOutput {
        plan_slo(&input(target, window)).expect("valid input")
    }

    fn err(i: PlanSloInput) -> String {
        match plan_slo(&i) {
            Err(DecideError::InvalidInput(m)) | Err(DecideError::TooLarge(m)) => m,
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn three_nines_over_thirty_days_is_the_workbook() {
        let out = plan(99.9, None);
        assert_eq!(out.window_days, 30);
        assert_eq!(out.error_budget_minutes, 43.2);
        assert!(out.to_string().contains("43.2 minutes (43m 12s)"));
        assert_eq!(out.alerts.len(), 3);
        let expect = [
            (
                AlertSeverity::Page,
                14.4,
                "1h",
                60,
                "5m",
                5,
                2.0,
                0.0144,
                1.44,
                50.0,
                "2d 2h",
            ),
            (
                AlertSeverity::Page,
                6.0,
                "6h",
                360,
                "30m",
                30,
                5.0,
                0.006,
                0.6,
                120.0,
                "5d",
            ),
            (
                AlertSeverity::Ticket,
                1.0,
                "3d",
                4320,
                "6h",
                360,
                10.0,
                0.001,
                0.1,
                720.0,
                "30d",
            ),
        ];
        for (a, e) in out.alerts.iter().zip(expect) {
            assert_eq!(a.severity, e.0);
            assert_eq!(a.burn_rate, e.1);
            assert_eq!(a.long_window, e.2);
            assert_eq!(a.short_window, e.4);
            assert_eq!(a.budget_consumed_percent, e.6);
            assert_eq!(a.error_rate_threshold, e.7);
            assert_eq!(a.time_to_exhaustion, e.10);
            assert!(a.error_rate_threshold <= 1.0);
            assert!(a.adjustment.is_none());
        }
        assert_eq!(
            out.alerts[0].prometheus_expr,
            "(sum(rate(slo_errors_total[1h])) / sum(rate(slo_requests_total[1h])) > 0.0144) and \
             (sum(rate(slo_errors_total[5m])) / sum(rate(slo_requests_total[5m])) > 0.0144)"
        );
        assert!(out.scaling.is_none());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["error_budget_minutes"], 43.2);
        assert_eq!(json["alerts"][0]["severity"], "page");
        assert_eq!(json["alerts"][2]["severity"], "ticket");
    }

    #[test]
    fn budgets_for_common_targets() {
        // (target, window, minutes)
        let table = [
            (99.0, 30, 432.0),
            (99.5, 30, 216.0),
            (99.95, 30, 21.6),
            (99.99, 30, 4.32),
            (99.9, 28, 40.32),
            (99.9, 7, 10.08),
            (99.9, 365, 525.6),
            (90.0, 30, 4320.0),
        ];
        for (t, w, m) in table {
            let out = plan(t, Some(w));
            assert_eq!(out.error_budget_minutes, m, "{t}% over {w} days");
        }
    }

    #[test]
    fn twenty_eight_days_scales_burn_rates_and_keeps_windows() {
        let out = plan(99.9, Some(28));
        let burns: Vec<f64> = out.alerts.iter().map(|a| a.burn_rate).collect();
        // 2% * 672h / 1h = 13.44, 5% * 672 / 6 = 5.6, ticket 10% * 672 / 72 = 0.93 -> raised to 1.
        assert_eq!(burns, vec![13.44, 5.6, 1.0]);
        let ticket = &out.alerts[2];
        assert_eq!(ticket.long_window, "3d");
        assert!(ticket.adjustment.is_some());
        assert_eq!(ticket.budget_consumed_percent, 10.7143);
        assert!(
            out.scaling
                .as_deref()
                .unwrap_or_default()
                .contains("burn = consumed x 672 h / long window")
        );
    }

    #[test]
    fn ninety_days_has_faster_burn_rates() {
        let out = plan(99.9, Some(90));
        let burns: Vec<f64> = out.alerts.iter().map(|a| a.burn_rate).collect();
        assert_eq!(burns, vec![43.2, 18.0, 3.0]);
        assert!(out.alerts.iter().all(|a| a.adjustment.is_none()));
    }

    #[test]
    fn short_windows_drop_alerts_that_do_not_fit() {
        // 3 days: page 1h = 1.44 kept; page 6h = 0.6 dropped; ticket 3d does not fit.
        let out = plan(99.9, Some(3));
        assert_eq!(out.alerts.len(), 1);
        assert_eq!(out.alerts[0].burn_rate, 1.44);
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("does not fit inside a 3-day"))
        );
        assert!(out.warnings.iter().any(|w| w.contains("below 1")));
        assert!(out.warnings.iter().any(|w| w.contains("small budget")));

        // 1 day: nothing fits.
        let out = plan(99.9, Some(1));
        assert!(out.alerts.is_empty());
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("No burn-rate alert fits"))
        );
        assert!(out.to_string().contains("none fits"));

        // 7 days: both pages kept, the ticket raised to 1.
        let out = plan(99.9, Some(7));
        let burns: Vec<f64> = out.alerts.iter().map(|a| a.burn_rate).collect();
        assert_eq!(burns, vec![3.36, 1.4, 1.0]);
    }

    #[test]
    fn low_targets_flag_unreachable_alerts() {
        // 90%: budget 10%, the highest burn rate is 10, so 14.4 can never fire.
        let out = plan(90.0, None);
        assert!(out.alerts[0].error_rate_threshold > 1.0);
        assert_eq!(out.alerts[0].error_rate_threshold, 1.44);
        assert!(out.alerts[1].error_rate_threshold <= 1.0);
        assert!(out.warnings.iter().any(|w| w.contains("can never fire")));
        assert!(out.to_string().contains("[can never fire]"));
    }

    #[test]
    fn tiny_budgets_warn() {
        let out = plan(99.9999, None);
        assert_eq!(out.error_budget_minutes, 0.0432);
        assert!(out.to_string().contains("(3s)"));
        assert!(out.warnings.iter().any(|w| w.contains("automation")));
        let out = plan(99.99999, None);
        assert!(out.to_string().contains("(259ms)"));
    }

    #[test]
    fn volume_gives_budget_in_requests() {
        let mut i = input(99.9, None);
        i.requests_per_window = Some(1_000_000);
        let out = plan_slo(&i).unwrap();
        assert_eq!(out.error_budget_requests, Some(1000));
        assert!(out.to_string().contains("1000 failed requests"));

        let mut i = input(99.9, None);
        i.requests_per_second = Some(100.0);
        let out = plan_slo(&i).unwrap();
        assert_eq!(out.error_budget_requests, Some(259_200));

        let out = plan(99.9, None);
        assert_eq!(out.error_budget_requests, None);
    }

    #[test]
    fn sli_shapes_statement_and_question() {
        let out = plan(99.9, None);
        let q = out.next_question.as_ref().expect("asks for the SLI");
        assert_eq!(q.field, "sli");

        let mut i = input(99.9, None);
        i.sli = Some("  latency < 200ms ".into());
        let out = plan_slo(&i).unwrap();
        assert!(out.next_question.is_none());
        let mut i = input(99.9, None);
        i.sli = Some("   ".into());
        assert!(plan_slo(&i).unwrap().next_question.is_some());
    }

    #[test]
    fn errors_name_the_field() {
        let table: Vec<(PlanSloInput, &str)> = vec![
            (input(100.0, None), "no error budget"),
            (input(100.5, None), "no error budget"),
            (input(99.999999, None), "seven nines"),
            (input(50.0, None), "above 50"),
            (input(0.999, None), "not a fraction"),
            (input(-3.0, None), "above 50"),
            (input(f64::NAN, None), "finite"),
            (input(f64::INFINITY, None), "finite"),
            (input(99.9, Some(0)), "window_days"),
            (input(99.9, Some(366)), "window_days"),
            (
                PlanSloInput {
                    requests_per_window: Some(1),
                    requests_per_second: Some(1.0),
                    ..input(99.9, None)
                },
                "not both",
            ),
            (
                PlanSloInput {
                    requests_per_window: Some(MAX_REQUESTS_PER_WINDOW + 1),
                    ..input(99.9, None)
                },
                "requests_per_window",
            ),
            (
                PlanSloInput {
                    requests_per_second: Some(-1.0),
                    ..input(99.9, None)
                },
                "requests_per_second",
            ),
            (
                PlanSloInput {
                    requests_per_second: Some(f64::NAN),
                    ..input(99.9, None)
                },
                "requests_per_second",
            ),
            (
                PlanSloInput {
                    sli: Some("x".repeat(501)),
                    ..input(99.9, None)
                },
                "sli",
            ),
        ];
        for (i, needle) in table {
            let m = err(i.clone());
            assert!(m.contains(needle), "{i:?}: {m}");
        }
    }

    #[test]
    fn json_input_contract() {
        let i: PlanSloInput =
            serde_json::from_str(r#"{"target_percent": 99.9, "window_days": 30}"#).unwrap();
        assert_eq!(plan_slo(&i).unwrap().error_budget_minutes, 43.2);
        assert!(
            serde_json::from_str::<PlanSloInput>(r#"{"target_percent": 99.9, "x": 1}"#).is_err()
        );
        assert!(serde_json::from_str::<PlanSloInput>(r#"{}"#).is_err());
    }

    #[test]
    fn human_durations() {
        let table = [
            (0.0, "0ms"),
            (0.5, "30s"),
            (43.2, "43m 12s"),
            (60.0, "1h"),
            (61.0, "1h 1m"),
            (3000.0, "2d 2h"),
            (7200.0, "5d"),
            (1440.0 + 0.5, "1d"),
            (-1.0, "unbounded"),
            (f64::NAN, "unbounded"),
        ];
        for (m, s) in table {
            assert_eq!(human_minutes(m), s, "{m}");
        }
    }

    #[test]
    fn display_and_references() {
        let out = plan(99.9, None);
        let text = out.to_string();
        assert!(text.contains("43.2 minutes"));
        assert!(text.contains("burn rate 14.4 over 1h and 5m"));
        for r in &out.references {
            assert!(is_citable(r), "{r}");
        }
        let text = plan(99.9, Some(28)).to_string();
        assert!(text.contains("note: Raised to burn rate 1"));
        assert!(plan(99.9, Some(28)).scaling.is_some());
    }

    proptest! {
        #[test]
        fn never_panics(
            target in prop_oneof![any::<f64>(), 40.0f64..100.5],
            window in proptest::option::of(0u32..400),
            rpw in proptest::option::of(any::<u64>()),
            rps in proptest::option::of(prop_oneof![any::<f64>(), 0.0f64..2e9]),
            sli in proptest::option::of(".{0,600}"),
        ) {
            let i = PlanSloInput {
                target_percent: target,
                window_days: window,
                requests_per_window: rpw,
                requests_per_second: rps,
                sli,
            };
            if let Ok(out) = plan_slo(&i) {
                prop_assert!(out.error_budget_minutes > 0.0);
                prop_assert!(!out.to_string().is_empty());
                for a in &out.alerts {
                    prop_assert!(a.burn_rate >= 1.0);
                    prop_assert!(!a.time_to_exhaustion.is_empty());
                }
            }
        }
    }
}
