//! Medians, percentiles and ratios.

use std::time::Duration;

/// The `p`-th percentile (0..=100, nearest rank) of `samples`; sorts them.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Microseconds, as a float.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Milliseconds, as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Latency summary of one variant.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Calls per second.
    pub throughput: f64,
    /// Calls.
    pub calls: usize,
}

impl Latency {
    /// Summarises per-call latencies measured over `wall` time in total.
    pub fn of(samples: &mut [Duration], wall: Duration) -> Latency {
        Latency {
            p50: percentile(samples, 50.0),
            p99: percentile(samples, 99.0),
            throughput: samples.len() as f64 / wall.as_secs_f64().max(1e-9),
            calls: samples.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut s, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&mut s, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&mut s, 100.0), Duration::from_millis(100));
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
