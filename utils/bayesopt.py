"""Gaussian-process regression with a fixed scale, for Bayesian optimization of the course's task
(introduced in day4_nonlinear/04_bayesian_optimization).

``GP`` wraps scikit-learn's ``GaussianProcessRegressor``: it standardizes the inputs and the target with
the scales of the data it was first fitted on, learns the kernel's hyperparameters once (``fit``), and
then conditions on more data with the same hyperparameters (``condition``: a Cholesky factorization,
milliseconds), as a Bayesian-optimization loop does after each trial round. ``predict`` gives the
predictive mean and standard deviation of a new measurement (``latent=True``: of the noise-free value).
``posterior`` keeps what a batch of trials needs: ``Posterior.believe(i)`` shrinks the variance as if a
heat had been run at candidate ``i`` with an outcome equal to the predicted mean ("kriging believer"), so
that the next candidate of the same batch is chosen elsewhere. ``flow_range``, ``random_recipes`` and
``around`` draw candidate recipes for a task that always pour inside the plant's window (no aborted heat).
"""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.spatial.distance import cdist
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, DotProduct, Matern, Product, Sum, WhiteKernel

from . import plant

#: inputs of the course's GPs: the recipe, the nozzle state and the context that moves the outcomes
INPUTS = ["gas_pressure_mpa", "gas_temp_c", "melt_flow_kg_min", "superheat_c", "nozzle_diameter_mm",
          "chamber_o2_ppm", "nozzle_hours", "ambient_humidity_pct"]


def default_kernel(n_inputs: int = len(INPUTS)):
    """Amplitude × anisotropic Matern-5/2 (one length scale per standardized input) + white noise."""
    return (ConstantKernel(1.0, (1e-2, 1e2)) * Matern(np.ones(n_inputs), (1e-1, 1e3), nu=2.5)
            + WhiteKernel(0.1, (1e-4, 1.0)))


class GP:
    """A GP on standardized inputs with a fixed target scale (see the module docstring). ``kernel`` is a
    signal kernel plus a ``WhiteKernel`` (the noise), as ``default_kernel`` is."""

    def __init__(self, inputs=INPUTS, kernel=None, seed: int = 0):
        self.inputs = list(inputs)
        self.kernel = default_kernel(len(self.inputs)) if kernel is None else kernel
        if not (isinstance(self.kernel, Sum) and isinstance(self.kernel.k2, WhiteKernel)):
            raise ValueError("the kernel must be a signal kernel + WhiteKernel(...) (the noise), e.g. default_kernel().")
        self.seed = seed

    # ---- fitting ------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y) -> "GP":
        """Learn the scales and the kernel's hyperparameters (maximum marginal likelihood) on (X, y)."""
        Z = self._check(X)
        y = np.asarray(y, float)
        if len(y) != len(Z) or not np.isfinite(y).all():
            raise ValueError("y must have one finite value per row of X: drop the rows where the target is missing.")
        self.x_mean_, self.x_scale_ = Z.mean(axis=0), Z.std(axis=0)
        self.x_scale_[self.x_scale_ == 0] = 1.0
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std())
        gpr = GaussianProcessRegressor(self.kernel, normalize_y=False, random_state=self.seed)
        with warnings.catch_warnings():   # a length scale at its upper bound says "this input does not matter"
            warnings.simplefilter("ignore", ConvergenceWarning)
            gpr.fit(self._z(Z), (y - self.y_mean_) / self.y_scale_)
        self.kernel_ = gpr.kernel_
        return self._factor(Z, y)

    def condition(self, X: pd.DataFrame, y) -> "GP":
        """A copy conditioned on (X, y) with this GP's scales and hyperparameters (no re-fitting)."""
        new = copy.copy(self)
        return new._factor(self._check(X), np.asarray(y, float))

    def _factor(self, Z, y) -> "GP":
        self.Z_ = self._z(Z)
        K = self._k(self.Z_, self.Z_)
        K[np.diag_indices_from(K)] += self.kernel_.k2.noise_level
        self.L_ = cholesky(K, lower=True)
        self.alpha_ = cho_solve((self.L_, True), (y - self.y_mean_) / self.y_scale_)
        self.n_ = len(y)
        return self

    # ---- prediction ---------------------------------------------------------------------------
    @property
    def noise_sd(self) -> float:
        """Standard deviation of the measurement noise (heat-to-heat scatter + measurement), in target units."""
        return float(np.sqrt(self.kernel_.k2.noise_level)) * self.y_scale_

    def predict(self, X: pd.DataFrame, latent: bool = False):
        """(mean, sd) at X: sd of a new measurement, or of the noise-free value with ``latent=True``."""
        post = self.posterior(X)
        return post.mean, (post.sd_f if latent else post.sd)

    def mean(self, X: pd.DataFrame) -> np.ndarray:
        """Predictive mean only (cheaper than ``predict``)."""
        return self.y_mean_ + self.y_scale_ * (self._k(self._z(self._check(X)), self.Z_) @ self.alpha_)

    def posterior(self, X: pd.DataFrame) -> "Posterior":
        """The posterior at the rows of X (mean, latent and predictive sd), ready for ``believe``."""
        Zc = self._z(self._check(X))
        Ks = self._k(Zc, self.Z_)                              # cross-covariance without the noise term
        V = solve_triangular(self.L_, Ks.T, lower=True)
        var = self.kernel_.k1.diag(Zc) - np.einsum("ij,ij->j", V, V)
        return Posterior(self, Zc, V, self.y_mean_ + self.y_scale_ * (Ks @ self.alpha_),
                         np.clip(var, 1e-12, None))

    def length_scales(self) -> pd.Series:
        """Learned length scales of the Matern part in the units of each input (standardized length × the input's sd)."""
        matern = [v for v in self.kernel_.get_params().values() if isinstance(v, Matern)][0]
        ls = np.broadcast_to(matern.length_scale, (len(self.inputs),))
        return pd.Series(ls * self.x_scale_, index=self.inputs, name="length_scale")

    def _k(self, A, B) -> np.ndarray:
        """The kernel without its noise term (``kernel_.k1``), in plain numpy where it can (sklearn's call is slower)."""
        return _kernel(self.kernel_.k1, A, B)

    # ---- helpers ------------------------------------------------------------------------------
    def _check(self, X) -> np.ndarray:
        missing = [c for c in self.inputs if c not in X]
        if missing:
            raise ValueError(f"GP inputs {missing} are missing; the GP needs the columns {self.inputs}.")
        Z = X[self.inputs].to_numpy(float)
        if not np.isfinite(Z).all():
            raise ValueError("GP inputs contain NaN or infinite values: drop or fill those rows first.")
        return Z

    def _z(self, Z):
        return (Z - self.x_mean_) / self.x_scale_


def _kernel(k, A, B) -> np.ndarray:
    """k(A, B) for sums and products of constant, Matern-5/2 and dot-product kernels; sklearn for any other."""
    if isinstance(k, (Sum, Product)):
        a, b = _kernel(k.k1, A, B), _kernel(k.k2, A, B)
        return a + b if isinstance(k, Sum) else a * b
    if isinstance(k, ConstantKernel):
        return np.float64(k.constant_value)
    if isinstance(k, DotProduct):
        return k.sigma_0 ** 2 + A @ B.T
    if isinstance(k, Matern) and k.nu == 2.5:
        r = np.sqrt(5.0) * cdist(A / k.length_scale, B / k.length_scale)
        return (1.0 + r + r ** 2 / 3.0) * np.exp(-r)
    return k(A, B)


class Posterior:
    """Posterior at candidate rows: ``mean``, latent sd ``sd_f``, predictive sd ``sd`` (target units)."""

    def __init__(self, gp: GP, Zc, V, mean, var):
        self._gp, self._Zc, self._V, self._var = gp, Zc, V, var
        self._updates: list = []
        self.mean = mean

    @property
    def noise_sd(self) -> float:
        return self._gp.noise_sd

    @property
    def sd_f(self) -> np.ndarray:
        return self._gp.y_scale_ * np.sqrt(self._var)

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(self.sd_f ** 2 + self._gp.noise_sd ** 2)

    def __add__(self, other: "Posterior") -> "Posterior":
        """The posterior at the rows of both (same GP, before any ``believe``)."""
        if other._gp is not self._gp or self._updates or other._updates:
            raise ValueError("only posteriors of the same GP, before believe(), can be joined")
        return Posterior(self._gp, np.vstack([self._Zc, other._Zc]), np.hstack([self._V, other._V]),
                         np.concatenate([self.mean, other.mean]), np.concatenate([self._var, other._var]))

    def _cov(self, i: int) -> np.ndarray:
        c = self._gp._k(self._Zc, self._Zc[i:i + 1])[:, 0] - self._V.T @ self._V[:, i]
        for w in self._updates:
            c = c - w * w[i]
        return c

    def believe(self, i: int) -> "Posterior":
        """Shrink the variance as if one heat had been run at candidate i (its outcome = the mean)."""
        noise = self._gp.kernel_.k2.noise_level
        c = self._cov(i)
        w = c / np.sqrt(c[i] + noise)
        self._updates.append(w)
        self._var = np.clip(self._var - w ** 2, 1e-12, None)
        return self


# --------------------------------------------------------------------------------------------
# Candidate recipes that pour
# --------------------------------------------------------------------------------------------
def flow_range(task, nozzle_mm: float) -> tuple:
    """(low, high) melt flow [kg/min] within the task's bounds that pours inside plant.POUR_WINDOW_M_S
    through this nozzle (an empty range has low > high)."""
    rho = plant.ALLOY_PROPS[task.fixed["alloy"]]["rho"]
    per_m_s = rho * np.pi / 4.0 * (nozzle_mm * 1e-3) ** 2 * 60.0      # kg/min per m/s of pour velocity
    lo, hi = task.bounds["melt_flow_kg_min"]
    v_lo, v_hi = plant.POUR_WINDOW_M_S
    return max(lo, v_lo * per_m_s * (1 + 1e-9)), min(hi, v_hi * per_m_s * (1 - 1e-9))


def _continuous(task):
    return [k for k, b in task.bounds.items() if isinstance(b, tuple)]


def _clip_flow(task, recipes: pd.DataFrame) -> pd.DataFrame:
    ranges = {d: flow_range(task, d) for d in np.unique(recipes["nozzle_diameter_mm"])}
    lo = recipes["nozzle_diameter_mm"].map(lambda d: ranges[d][0])
    hi = recipes["nozzle_diameter_mm"].map(lambda d: ranges[d][1])
    recipes["melt_flow_kg_min"] = recipes["melt_flow_kg_min"].clip(lo, hi)
    return recipes


def random_recipes(task, n: int, rng, box: dict | None = None) -> pd.DataFrame:
    """n decision rows drawn uniformly from the task's bounds (or a smaller ``box`` of continuous bounds),
    the nozzle among the task's sizes, and the melt flow uniform in the part of its range that pours
    (rows whose nozzle cannot pour inside the box are dropped)."""
    box = {**{k: task.bounds[k] for k in _continuous(task)}, **(box or {})}
    sizes = np.asarray(task.bounds["nozzle_diameter_mm"], float)
    out = pd.DataFrame({k: rng.uniform(*box[k], n) for k in _continuous(task)})
    out["nozzle_diameter_mm"] = rng.choice(sizes, n)
    u = (out["melt_flow_kg_min"] - box["melt_flow_kg_min"][0]) / np.ptp(box["melt_flow_kg_min"])
    for d in np.unique(out["nozzle_diameter_mm"]):
        lo, hi = flow_range(task, d)
        lo, hi = max(lo, box["melt_flow_kg_min"][0]), min(hi, box["melt_flow_kg_min"][1])
        rows = out["nozzle_diameter_mm"] == d
        out.loc[rows, "melt_flow_kg_min"] = lo + u[rows] * (hi - lo) if lo <= hi else np.nan
    return out.dropna().reset_index(drop=True)[list(task.bounds)]


def around(task, recipes: pd.DataFrame, n_each: int, scale: float, rng) -> pd.DataFrame:
    """n_each random neighbours of every recipe: Gaussian steps of ``scale`` × each continuous range,
    clipped to the bounds (so the bounds themselves are reached) and to the flow range that pours."""
    out = recipes.loc[recipes.index.repeat(n_each)].reset_index(drop=True)
    for k in _continuous(task):
        lo, hi = task.bounds[k]
        out[k] = np.clip(out[k] + scale * (hi - lo) * rng.standard_normal(len(out)), lo, hi)
    return _clip_flow(task, out)[list(task.bounds)]


# --------------------------------------------------------------------------------------------
# A constrained Bayesian-optimization campaign at the plant (written out step by step in
# day4_nonlinear/04_bayesian_optimization; day6_improvement/07_closing_comparison runs it as one row)
# --------------------------------------------------------------------------------------------
OUTPUTS = ["yield_15_45_pct", "sphericity", "oxygen_ppm", "log_gas"]   # log_gas: log of the gas use [kg]


def prepare(table: pd.DataFrame) -> pd.DataFrame:
    """Physics features (estimated GMR, Day 2) and log_gas, the inputs and outputs of the course's GPs."""
    from . import data

    out = data.add_physics_features(table)
    return out.assign(log_gas=np.log(out["gas_consumption_kg"])) if "gas_consumption_kg" in out else out


def gas_kernel(n_inputs: int = len(INPUTS) + 1):
    """log(gas) = log(GMR) + log(heat mass): a linear term in log_gmr_est on top of the default kernel."""
    return (ConstantKernel(1.0, (1e-2, 1e2)) * Matern(np.ones(n_inputs), (1e-1, 1e3), nu=2.5)
            + ConstantKernel(0.1, (1e-3, 1e2)) * DotProduct(1.0, (1e-3, 1e2)) + WhiteKernel(0.1, (1e-4, 1.0)))


class Campaign:
    """Bayesian optimization of ``task`` at the plant, as day4_nonlinear/04 builds it: GPs per output
    (hyperparameters learned on ``fit_on``, conditioned on ``history`` and every trial heat), rounds of ``q``
    heats chosen by expected improvement × the probability of keeping each spec (kriging believer within a
    round), candidates that always pour; the recommendation after each round is the tried recipe (or the
    standard recipe) with the best GP mean yield whose one-sided ``level`` predictive bounds keep every spec."""

    def __init__(self, task, history: pd.DataFrame, fit_on: pd.DataFrame, level: float = 0.9):
        from scipy.stats import norm

        self.task, self.z_safe, self.norm = task, float(norm.ppf(level)), norm
        history, fit_on = prepare(history.dropna(subset=INPUTS)), prepare(fit_on.dropna(subset=INPUTS))
        self.humidity = float(history["ambient_humidity_pct"].median())
        self.limits = {"sphericity": (+1, task.min_sphericity), "oxygen_ppm": (-1, task.max_oxygen_ppm),
                       "log_gas": (-1, np.log(task.max_gas_kg))}
        self.history = history
        self.gps = {o: (GP(INPUTS + ["log_gmr_est"], gas_kernel()) if o == "log_gas" else GP())
                    .fit(fit_on.dropna(subset=[o]), fit_on[o].dropna()) for o in OUTPUTS}
        self.base = self._condition(pd.DataFrame())

    def _condition(self, trials: pd.DataFrame) -> dict:
        d = pd.concat([self.history, trials], ignore_index=True)
        return {o: self.gps[o].condition(d.dropna(subset=[o]), d[o].dropna()) for o in OUTPUTS}

    def _posteriors(self, models: dict, recipes: pd.DataFrame) -> dict:
        X = prepare(self.task.settings(recipes).assign(ambient_humidity_pct=self.humidity))
        return {o: m.posterior(X) for o, m in models.items()}

    def _acquisition(self, post: dict, best: float) -> np.ndarray:
        norm, f = self.norm, post[self.task.target]
        z = (f.mean - best) / f.sd_f
        ei = f.sd_f * (z * norm.cdf(z) + norm.pdf(z))
        p_ok = 1.0
        for o, (sign, limit) in self.limits.items():
            g = post[o]
            p_ok = p_ok * norm.cdf((sign * (g.mean - limit) - self.z_safe * g.noise_sd) / g.sd_f)
        return ei * p_ok

    def _safe(self, post: dict) -> np.ndarray:
        return np.all([sign * (post[o].mean - limit) - self.z_safe * post[o].sd >= 0
                       for o, (sign, limit) in self.limits.items()], axis=0)

    def recommend(self, models: dict, tried: pd.DataFrame):
        """(recipe, GP mean yield) of the best recipe tried so far that keeps the margin."""
        recipes = pd.concat([pd.DataFrame([self.task.standard_recipe]), tried], ignore_index=True)
        post = self._posteriors(models, recipes)
        score = np.where(self._safe(post), post[self.task.target].mean, -np.inf)
        return recipes.iloc[int(np.argmax(score))], float(np.max(score))

    def _batch(self, models: dict, tried: pd.DataFrame, rng, q: int) -> pd.DataFrame:
        task, best = self.task, self.recommend(models, tried)[1]
        cand = random_recipes(task, 1000, rng)
        if len(tried):
            cand = pd.concat([cand, around(task, tried, 15, 0.1, rng)], ignore_index=True)
        post = self._posteriors(models, cand)
        near = around(task, cand.iloc[np.argsort(-self._acquisition(post, best))[:10]], 40, 0.05, rng)
        post_near = self._posteriors(models, near)
        post = {o: post[o] + post_near[o] for o in post}
        cand = pd.concat([cand, near], ignore_index=True)
        picks = []
        for _ in range(q):
            a = self._acquisition(post, best)
            a[picks] = -np.inf
            picks.append(int(np.argmax(a)))
            for p in post.values():
                p.believe(picks[-1])
        return cand.iloc[picks].reset_index(drop=True)

    def run(self, rounds: int = 5, q: int = 3, seed: int = 0):
        """Run the campaign: (final recommendation, log of rounds with heats, kg and recommended recipe, trials)."""
        rng = np.random.default_rng(seed)
        plant.TRIALS.reset()
        models, tried, trials = self.base, pd.DataFrame(columns=list(self.task.bounds)), pd.DataFrame()
        log = [{"round": 0, "heats": 0, "kg": 0.0, "recipe": self.recommend(models, tried)[0]}]
        for r in range(1, rounds + 1):
            batch = self._batch(models, tried, rng, q)
            heats = prepare(plant.run_trial(self.task.settings(batch), seed=1000 * seed + r)
                            .assign(ambient_humidity_pct=self.humidity))
            tried = pd.concat([tried, batch], ignore_index=True)
            trials = pd.concat([trials, heats], ignore_index=True)
            models = self._condition(trials)
            log.append({"round": r, "heats": plant.TRIALS.heats, "kg": plant.TRIALS.kg,
                        "recipe": self.recommend(models, tried)[0]})
        log = pd.DataFrame(log).set_index("round")
        return log["recipe"].iloc[-1], log, trials
