"""Uncertain parameters: distributions, correlation and seeded sampling.

A scenario's ``uncertain`` list declares parameters (those the schema marks as possibly
uncertain, :func:`supplyshock.schema.uncertain_parameters`) with a distribution each; ``correlation``
gives rank correlations between pairs. :func:`sample` draws ``n`` members with a Latin
hypercube or a scrambled Sobol sequence (``scipy.stats.qmc``), imposes the correlation
with a Gaussian copula, and maps each column through the inverse CDF of its (truncated)
distribution.

References
----------
McKay, M. D., Beckman, R. J., Conover, W. J. (1979). A comparison of three methods for
selecting values of input variables in the analysis of output from a computer code.
Technometrics 21(2), 239-245.
Iman, R. L., Conover, W. J. (1982). A distribution-free approach to inducing rank
correlation among input variables. Communications in Statistics B 11(3), 311-334.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats
from scipy.stats import qmc

from supplyshock.schema import PARAMETERS, uncertain_parameters

__all__ = ["Correlation", "Uncertain", "draw_members", "sample", "uniform_to_values"]


class Uncertain(BaseModel):
    """One uncertain parameter and its distribution.

    ``uniform(low, high)``; ``triangular(low, mode, high)``; ``normal(mean, sd)`` and
    ``lognormal(mean, sd)`` (of the log), both truncated to ``[low, high]`` when given;
    ``choice(values, weights)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="A parameter the parameter table marks 'may be uncertain' (each at most once).")
    dist: Literal["uniform", "triangular", "normal", "lognormal", "choice"] = Field(
        description="`uniform` (low, high), `triangular` (low, mode, high), `normal` (mean, sd), "
        "`lognormal` (mean, sd of the logarithm), `choice` (values, optional weights)."
    )
    low: float | None = Field(default=None, description="Lower bound (optional for normal and lognormal: truncates).")
    high: float | None = Field(default=None, description="Upper bound (optional for normal and lognormal: truncates); above `low`.")
    mode: float | None = Field(default=None, description="Peak of `triangular`, within [low, high].")
    mean: float | None = Field(default=None, description="Mean of `normal`, or of the logarithm for `lognormal`.")
    sd: Annotated[float, Field(gt=0)] | None = Field(default=None, description="Standard deviation (of the logarithm for `lognormal`), > 0.")
    values: list[float] | None = Field(default=None, description="Outcomes of `choice`.")
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="Relative weights of the `choice` outcomes (equal if omitted; same length as values, sum > 0)."
    )

    @model_validator(mode="after")
    def _check(self) -> Uncertain:
        names = uncertain_parameters()
        if self.name not in names:
            raise ValueError(f"unknown parameter {self.name!r}; uncertain parameters: {', '.join(names)}")
        need = {
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
            "choice": ("values",),
        }[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError(f"mode {self.mode} must lie in [low, high]")
        if self.dist == "choice":
            assert self.values is not None
            if not self.values:
                raise ValueError("values must not be empty")
            if self.weights is not None and (len(self.weights) != len(self.values) or sum(self.weights) <= 0):
                raise ValueError("weights must match values in length and sum to more than 0")
        if self.dist in ("normal", "lognormal") and self.low is not None and self.high is not None:
            lo, hi = self._cdf_bounds()
            if hi - lo < 1e-9:
                raise ValueError("the bounds [low, high] hold no probability mass of this distribution")
        self._check_range()
        return self

    def _check_range(self) -> None:
        """Every value the distribution can draw must lie in the parameter's allowed range."""
        spec = PARAMETERS[self.name]
        lowest: float | None
        highest: float | None
        if self.dist == "choice":
            assert self.values is not None
            lowest, highest = min(self.values), max(self.values)
        else:
            lowest, highest = self.low, self.high
        if spec.minimum is not None:
            if lowest is None and self.dist == "lognormal":
                if spec.minimum > 0:  # lognormal draws are > 0, which is not enough here
                    raise ValueError(f"{self.name} must be {spec.bounds_text}: give the lognormal distribution a low bound")
            elif lowest is None:
                raise ValueError(f"{self.name} must be {spec.bounds_text}: give the {self.dist} distribution a low bound")
            else:
                problem = spec.check(lowest)
                if problem and (spec.maximum is None or lowest <= spec.maximum):
                    raise ValueError(f"{problem}; raise low")
        if spec.maximum is not None:
            if highest is None:
                raise ValueError(f"{self.name} must be {spec.bounds_text}: give the {self.dist} distribution a high bound")
            if highest > spec.maximum:
                raise ValueError(f"{self.name} must be {spec.bounds_text}; lower high to at most {spec.maximum:g}")

    def _frozen(self) -> stats.rv_continuous | None:
        if self.dist == "normal":
            return stats.norm(loc=self.mean, scale=self.sd)
        if self.dist == "lognormal":
            return stats.lognorm(s=self.sd, scale=float(np.exp(self.mean or 0.0)))
        return None

    def _cdf_bounds(self) -> tuple[float, float]:
        rv = self._frozen()
        assert rv is not None
        lo = float(rv.cdf(self.low)) if self.low is not None else 0.0
        hi = float(rv.cdf(self.high)) if self.high is not None else 1.0
        return lo, hi

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at uniform quantiles ``u`` in (0, 1)."""
        u = np.clip(u, 1e-12, 1 - 1e-12)
        if self.dist == "uniform":
            assert self.low is not None and self.high is not None
            return self.low + u * (self.high - self.low)
        if self.dist == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            c = (self.mode - self.low) / (self.high - self.low)
            return np.asarray(stats.triang(c, loc=self.low, scale=self.high - self.low).ppf(u))
        if self.dist == "choice":
            assert self.values is not None
            w = np.asarray(self.weights if self.weights is not None else [1.0] * len(self.values), dtype=float)
            cum = np.cumsum(w / w.sum())
            return np.asarray(self.values, dtype=float)[np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)]
        rv = self._frozen()
        assert rv is not None
        lo, hi = self._cdf_bounds()
        return np.asarray(rv.ppf(lo + u * (hi - lo)))


class Correlation(BaseModel):
    """Rank correlation between two uncertain parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    a: str = Field(description="A declared uncertain parameter.")
    b: str = Field(description="Another declared uncertain parameter.")
    rho: Annotated[float, Field(ge=-0.99, le=0.99)] = Field(description="Rank (Spearman) correlation in [-0.99, 0.99].")


def _unit_sample(n: int, k: int, method: str, seed: int) -> np.ndarray:
    if k == 0:
        return np.zeros((n, 0))
    rng = np.random.default_rng(seed)
    if method == "sobol":
        eng = qmc.Sobol(d=k, scramble=True, seed=rng)
        m = int(np.ceil(np.log2(max(n, 2))))
        return np.asarray(eng.random_base2(m))[:n]
    if method == "lhs":
        return np.asarray(qmc.LatinHypercube(d=k, seed=rng).random(n))
    return rng.random((n, k))


def uniform_to_values(u: np.ndarray, uncertain: list[Uncertain], correlation: list[Correlation]) -> dict[str, np.ndarray]:
    """Map uniform draws (n, k) to parameter values, imposing correlation by a Gaussian copula."""
    names = [p.name for p in uncertain]
    if correlation:
        k = len(names)
        corr = np.eye(k)
        for c in correlation:
            i, j = names.index(c.a), names.index(c.b)
            # Spearman rho -> Pearson of the Gaussian copula
            corr[i, j] = corr[j, i] = 2 * np.sin(np.pi * c.rho / 6)
        try:
            chol = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            raise ValueError("the correlation matrix is not positive definite; weaken the correlations") from None
        z = stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)) @ chol.T
        u = stats.norm.cdf(z)
    return {p.name: p.ppf(u[:, i]) for i, p in enumerate(uncertain)}


def sample(uncertain: list[Uncertain], correlation: list[Correlation], n: int, *, seed: int, method: str = "lhs") -> dict[str, np.ndarray]:
    """Draw ``n`` members of the uncertain parameters.

    Parameters
    ----------
    uncertain, correlation
        From the scenario.
    n : int
        Number of members.
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same draws.
    method : {"lhs", "sobol", "random"}

    Returns
    -------
    dict of name -> array of shape (n,)

    Examples
    --------
    >>> u = [Uncertain(name="cover_scale", dist="uniform", low=0.5, high=1.5)]
    >>> s = sample(u, [], 4, seed=1)
    >>> bool(((s["cover_scale"] >= 0.5) & (s["cover_scale"] <= 1.5)).all())
    True
    """
    names = [p.name for p in uncertain]
    for c in correlation:
        for nm in (c.a, c.b):
            if nm not in names:
                raise ValueError(f"correlation names {nm!r}, which is not an uncertain parameter")
    return uniform_to_values(_unit_sample(n, len(uncertain), method, seed), uncertain, correlation)


def draw_members(uncertain: list[Uncertain], correlation: list[Correlation], members: int, *, seed: int, method: str) -> dict[str, np.ndarray]:
    """A scenario's uncertain parameters for ``members`` members (seeded; empty when none).

    Members are drawn all at once, so member *i* has the same values whatever the
    chunking or backend of a later run.
    """
    if not uncertain:
        return {}
    return sample(uncertain, correlation, members, seed=seed, method=method)
