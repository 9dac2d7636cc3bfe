"""Global sensitivity of headline outputs to the uncertain parameters (SALib).

Follows SALib's sample -> evaluate -> analyze: the samples become ensemble members run
together (in chunks), the outputs are reduced per member, and the indices are ranked.

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and
their Monte Carlo estimates. Math. Comput. Simul. 55, 271-280.
doi:10.1016/S0378-4754(00)00270-6
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Comput.
Phys. Commun. 181(2), 259-270. doi:10.1016/j.cpc.2009.09.018
Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33(2), 161-174. doi:10.1080/00401706.1991.10484804
Herman, J., Usher, W. (2017). SALib: an open-source Python library for sensitivity
analysis. JOSS 2(9), 97. doi:10.21105/joss.00097
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from supplyshock.analysis.chunks import EnsembleError, run_ensemble
from supplyshock.analysis.metrics import TOTALS, member_totals
from supplyshock.scenario import Scenario
from supplyshock.scenario.uncertainty import uniform_to_values

__all__ = ["sensitivity"]


def sensitivity(
    scenario: Scenario,
    *,
    method: str = "sobol",
    n: int = 64,
    seed: int | None = None,
    chunk_size: int = 500,
    backend: str = "local",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Sobol (first-order and total) or Morris (mu*, sigma) indices of the headline outputs.

    Parameters
    ----------
    scenario : Scenario
        Must declare at least two ``uncertain`` parameters; correlations are ignored
        (the indices assume independent inputs).
    method : {"sobol", "morris"}
    n : int
        Base sample size: Sobol runs ``n * (k + 2)`` members (a power of two is best),
        Morris ``n * (k + 1)``.
    seed : int, optional
        Defaults to the scenario's seed.

    Returns
    -------
    DataFrame
        One row per (output, parameter), ranked by ``ST`` (Sobol) or ``mu_star`` (Morris)
        within each output.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    k = len(scenario.uncertain)
    if k < 2:
        raise EnsembleError("sensitivity needs at least two uncertain parameters in the scenario's 'uncertain' list")
    if n < 2:
        raise EnsembleError("the base sample size must be at least 2")
    names = [u.name for u in scenario.uncertain]
    problem = {"num_vars": k, "names": names, "bounds": [[0.0, 1.0]] * k}
    s = scenario.seed if seed is None else seed
    if method == "sobol":
        unit = sobol_sample.sample(problem, n, calc_second_order=False, seed=s)
    elif method == "morris":
        unit = morris_sample.sample(problem, n, num_levels=4, seed=s)
    else:
        raise EnsembleError(f"unknown method {method!r}; use 'sobol' or 'morris'")
    unit = np.clip(unit, 1e-9, 1 - 1e-9)
    values = uniform_to_values(unit, list(scenario.uncertain), [])
    plain = scenario.model_copy(update={"uncertain": [], "correlation": []})
    ens = run_ensemble(plain, members=unit.shape[0], params=values, chunk_size=chunk_size, backend=backend, progress=progress)
    outputs = member_totals(ens)
    rows = []
    for out in TOTALS:
        y = outputs[out].to_numpy(dtype=float)
        if np.allclose(y, y[0]):
            for nm in names:
                rows.append({"output": out, "parameter": nm, "note": "output does not vary"})
            continue
        if method == "sobol":
            # a Generator, not the int: SALib's `if seed:` would treat seed 0 as "no seed"
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=np.random.default_rng(s))
            for i, nm in enumerate(names):
                rows.append(
                    {
                        "output": out,
                        "parameter": nm,
                        "S1": res["S1"][i],
                        "S1_conf": res["S1_conf"][i],
                        "ST": res["ST"][i],
                        "ST_conf": res["ST_conf"][i],
                    }
                )
        else:
            res = morris_analyze.analyze(problem, unit, y, num_levels=4, seed=np.random.default_rng(s))
            for i, nm in enumerate(names):
                rows.append(
                    {"output": out, "parameter": nm, "mu_star": res["mu_star"][i], "mu_star_conf": res["mu_star_conf"][i], "sigma": res["sigma"][i]}
                )
    df = pd.DataFrame(rows)
    key = "ST" if method == "sobol" else "mu_star"
    if key in df:
        df = df.sort_values(["output", key], ascending=[True, False], na_position="last")
    df.attrs.update({"method": method, "runs": int(unit.shape[0]), "base_n": n})
    return df.reset_index(drop=True)
