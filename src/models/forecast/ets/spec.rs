//! Naming ETS models: components, full specifications (`MAdM`) and AutoETS patterns (`ZZZ`).

use super::super::error::ForecastError;

/// One ETS component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// Absent (`N`).
    None,
    /// Additive (`A`).
    Additive,
    /// Multiplicative (`M`).
    Multiplicative,
}

impl Component {
    pub(crate) fn letter(self) -> char {
        match self {
            Component::None => 'N',
            Component::Additive => 'A',
            Component::Multiplicative => 'M',
        }
    }
}

/// A fully specified ETS model, e.g. ETS(M,Ad,M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsSpec {
    /// Additive or multiplicative error.
    pub error: Component,
    /// None or additive trend.
    pub trend: Component,
    /// Damped trend (only with a trend).
    pub damped: bool,
    /// None, additive or multiplicative season.
    pub season: Component,
}

pub(crate) const SPEC_HELP: &str = "three letters error/trend/season with an optional 'd' after the \
    trend, e.g. ANN, AAdN, MAM, MAdM (error A|M, trend N|A|Ad, season N|A|M; Z = choose)";

impl EtsSpec {
    /// Parses `ANN`, `AAdN`, `MAdM`, ... (case-insensitive).
    pub fn parse(code: &str) -> Result<EtsSpec, ForecastError> {
        let p = EtsPattern::parse(code)?;
        match (p.error, p.trend, p.season) {
            (Some(error), Some(trend), Some(season)) => Ok(EtsSpec {
                error,
                trend,
                damped: p.damped.unwrap_or(false),
                season,
            }),
            _ => Err(ForecastError::UnknownOption {
                name: format!("ets model '{code}' (Z is only allowed with method auto_ets)"),
                valid: SPEC_HELP,
            }),
        }
    }

    /// The model name reported per series: `ETS(A,Ad,M)`.
    pub fn name(&self) -> String {
        format!(
            "ETS({},{}{},{})",
            self.error.letter(),
            self.trend.letter(),
            if self.damped { "d" } else { "" },
            self.season.letter()
        )
    }

    /// The compact code: `AAdM`.
    pub fn code(&self) -> String {
        format!(
            "{}{}{}{}",
            self.error.letter(),
            self.trend.letter(),
            if self.damped { "d" } else { "" },
            self.season.letter()
        )
    }
}

/// A model pattern for AutoETS: `None` components (`Z`) are chosen by AICc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EtsPattern {
    pub error: Option<Component>,
    pub trend: Option<Component>,
    pub season: Option<Component>,
    /// `None`: try damped and undamped trends.
    pub damped: Option<bool>,
}

impl EtsPattern {
    /// `ZZZ`: choose everything.
    pub fn auto() -> EtsPattern {
        EtsPattern::default()
    }

    /// Parses `ZZZ`, `AZN`, `MAdZ`, ... (`d` after the trend letter forces damping; an explicit
    /// trend letter without `d` forces "not damped").
    pub fn parse(code: &str) -> Result<EtsPattern, ForecastError> {
        let bad = || ForecastError::UnknownOption {
            name: format!("ets model '{code}'"),
            valid: SPEC_HELP,
        };
        let c: Vec<char> = code.trim().to_ascii_uppercase().chars().collect();
        let (e, t, d, s) = match c.len() {
            3 => (c[0], c[1], false, c[2]),
            4 if c[2] == 'D' => (c[0], c[1], true, c[3]),
            _ => return Err(bad()),
        };
        let comp =
            |ch: char, allow_m: bool, allow_n: bool| -> Result<Option<Component>, ForecastError> {
                match ch {
                    'Z' => Ok(None),
                    'A' => Ok(Some(Component::Additive)),
                    'M' if allow_m => Ok(Some(Component::Multiplicative)),
                    'N' if allow_n => Ok(Some(Component::None)),
                    _ => Err(bad()),
                }
            };
        let error = comp(e, true, false)?;
        let trend = comp(t, false, true)?;
        let season = comp(s, true, true)?;
        if d && trend == Some(Component::None) {
            return Err(bad());
        }
        let damped = if d {
            Some(true)
        } else if trend == Some(Component::Additive) {
            Some(false)
        } else {
            None
        };
        Ok(EtsPattern {
            error,
            trend,
            season,
            damped,
        })
    }
}
