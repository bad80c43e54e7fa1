"""utils.bayesopt (GP with fixed scales, kriging-believer batches, candidate recipes that pour) and the plant's
trial counter (day4_nonlinear/04_bayesian_optimization)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

from utils import plant
from utils.bayesopt import GP, around, flow_range, random_recipes


def toy(n=60, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.uniform(0, 10, n), "b": rng.uniform(-1, 1, n)})
    y = np.sin(X["a"]) + 0.01 * X["b"] + noise * rng.standard_normal(n)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def fitted():
    X, y = toy()
    return GP(["a", "b"]).fit(X, y), X, y


def test_gp_matches_sklearn(fitted):
    gp, X, y = fitted
    ref = GaussianProcessRegressor(gp.kernel_, optimizer=None).fit(gp._z(X.to_numpy()), (y - gp.y_mean_) / gp.y_scale_)
    Xn = pd.DataFrame({"a": np.linspace(-2, 12, 30), "b": 0.0})
    mean, sd = gp.predict(Xn)
    m_ref, s_ref = ref.predict(gp._z(Xn.to_numpy()), return_std=True)
    assert np.allclose(mean, gp.y_mean_ + gp.y_scale_ * m_ref)
    assert np.allclose(sd, gp.y_scale_ * s_ref)
    assert np.allclose(gp.mean(Xn), mean)


def test_gp_learns_noise_and_relevance(fitted):
    gp, X, y = fitted
    assert 0.05 < gp.noise_sd < 0.2                      # the toy's noise sd is 0.1
    ls = gp.length_scales()
    assert list(ls.index) == ["a", "b"] and ls["b"] > 5 * ls["a"]   # b hardly matters


def test_uncertainty_grows_away_from_data(fitted):
    gp, X, y = fitted
    _, sd_in = gp.predict(pd.DataFrame({"a": [5.0], "b": [0.0]}), latent=True)
    _, sd_out = gp.predict(pd.DataFrame({"a": [25.0], "b": [0.0]}), latent=True)
    _, sd_pred = gp.predict(pd.DataFrame({"a": [5.0], "b": [0.0]}))
    assert sd_out[0] > 3 * sd_in[0]
    assert sd_pred[0] > sd_in[0] and sd_pred[0] == pytest.approx(np.hypot(sd_in[0], gp.noise_sd))


def test_condition_keeps_hyperparameters(fitted):
    gp, X, y = fitted
    X2, y2 = toy(n=80, seed=1)
    new = gp.condition(X2, y2)
    assert new.kernel_ is gp.kernel_ and new.y_scale_ == gp.y_scale_ and new.n_ == 80 and gp.n_ == 60


def test_believe_equals_conditioning_on_the_mean(fitted):
    gp, X, y = fitted
    cand = pd.DataFrame({"a": np.linspace(0, 10, 25), "b": 0.3})
    post = gp.posterior(cand)
    i = 7
    believed = gp.condition(pd.concat([X, cand.iloc[[i]]]), np.append(y, post.mean[i]))
    post.believe(i)
    mean, sd_f = believed.predict(cand, latent=True)
    assert np.allclose(post.sd_f, sd_f, atol=1e-9)
    assert np.allclose(post.mean, mean, atol=1e-9)      # a believed outcome equal to the mean moves no mean
    j = 15
    post.believe(j)
    twice = believed.condition(pd.concat([X, cand.iloc[[i, j]]]), np.append(y, [post.mean[i], post.mean[j]]))
    assert np.allclose(post.sd_f, twice.predict(cand, latent=True)[1], atol=1e-9)


def test_posteriors_join(fitted):
    gp, X, y = fitted
    a, b = pd.DataFrame({"a": [1.0, 2.0], "b": 0.0}), pd.DataFrame({"a": [3.0], "b": 0.5})
    joined = gp.posterior(a) + gp.posterior(b)
    whole = gp.posterior(pd.concat([a, b]))
    assert np.allclose(joined.mean, whole.mean) and np.allclose(joined.sd, whole.sd)
    joined.believe(0)
    assert joined.sd_f[0] < whole.sd_f[0]


def test_gp_inputs_are_checked(fitted):
    gp, X, y = fitted
    with pytest.raises(ValueError, match="WhiteKernel"):
        GP(["a"], kernel=Matern())
    with pytest.raises(ValueError, match="finite"):
        GP(["a", "b"]).fit(X, np.where(np.arange(len(y)) == 3, np.nan, y))
    with pytest.raises(ValueError, match="missing"):
        gp.predict(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="NaN"):
        gp.predict(pd.DataFrame({"a": [np.nan], "b": [0.0]}))


# ---- candidate recipes ------------------------------------------------------------------------
def test_flow_range_pours_at_both_ends():
    task = plant.TASK
    for d in task.bounds["nozzle_diameter_mm"]:
        lo, hi = flow_range(task, d)
        assert task.bounds["melt_flow_kg_min"][0] <= lo < hi <= task.bounds["melt_flow_kg_min"][1]
        assert task.pour_ok(pd.DataFrame({"melt_flow_kg_min": [lo, hi], "nozzle_diameter_mm": [d, d]})).all()
    lo5, _ = flow_range(task, 5.0)
    assert lo5 > task.bounds["melt_flow_kg_min"][0]                 # a 5 mm bore needs more than 6 kg/min to pour


def test_random_recipes_and_neighbours_pour_within_bounds():
    task, rng = plant.TASK, np.random.default_rng(0)
    rec = random_recipes(task, 500, rng)
    assert list(rec.columns) == list(task.bounds) and len(rec) == 500
    assert task.pour_ok(rec).all()
    task.feasible(rec)                                               # raises if a value leaves the task bounds
    near = around(task, rec.head(4), 50, 0.2, rng)
    assert len(near) == 200 and task.pour_ok(near).all()
    task.feasible(near)
    assert (near["gas_temp_c"] == task.bounds["gas_temp_c"][1]).any()   # clipping reaches the bounds
    box = random_recipes(task, 200, rng, box={"melt_flow_kg_min": (12.0, 14.0)})
    assert box["melt_flow_kg_min"].between(12.0, 14.0).all() and 3.0 not in set(box["nozzle_diameter_mm"])


# ---- the plant's trial counter ----------------------------------------------------------------
def test_trial_counter_counts_heats_and_kg():
    plant.TRIALS.reset()
    s = plant.TASK.settings(pd.DataFrame([plant.TASK.standard_recipe] * 3))
    plant.simulate(s, seed=0)                                        # simulating is not a trial
    assert (plant.TRIALS.heats, plant.TRIALS.kg) == (0, 0.0)
    plant.run_trial(s, seed=0)
    ti = pd.DataFrame([{"alloy": "Ti64", "atomizer": "EIGA", "gas": "Ar", "gas_pressure_mpa": 4.6, "gas_temp_c": 20.0,
                        "melt_flow_kg_min": 1.2, "superheat_c": 70.0, "nozzle_diameter_mm": 6.0,
                        "chamber_o2_ppm": 50.0, "nozzle_hours": 0.0}])
    plant.run_trial(ti, seed=0)
    heat = plant.ATOMIZER_PROPS["VIGA-1"]["heat_kg"]
    assert plant.TRIALS.heats == 4
    assert plant.TRIALS.kg == pytest.approx(3 * heat + plant.ATOMIZER_PROPS["EIGA"]["heat_kg"])
    plant.TRIALS.reset()
    assert (plant.TRIALS.heats, plant.TRIALS.kg) == (0, 0.0)


def test_trial_counter_leaves_outputs_unchanged():
    s = plant.TASK.settings(pd.DataFrame([plant.TASK.standard_recipe] * 2))
    out = plant.run_trial(s, seed=3)
    pd.testing.assert_frame_equal(out[plant.OUTCOMES], plant.simulate(s, seed=3).reset_index(drop=True))


def test_campaign_runs_counts_and_recommends_safely():
    """The packaged campaign (day6_improvement/07 runs it) spends its budget, pours, and recommends a tried
    recipe whose one-sided bounds keep every spec."""
    from utils import data
    from utils.bayesopt import Campaign
    h = data.load_clean().query("alloy == '316L' and atomizer == 'VIGA-1' and gas == 'Ar'")
    tr, _, _ = data.time_split(h)
    x, log, trials = Campaign(plant.TASK, h, tr).run(rounds=2, q=2, seed=1)
    assert plant.TRIALS.heats == 4 and len(trials) == 4 and list(log.index) == [0, 1, 2]
    assert plant.TASK.pour_ok(pd.DataFrame([x]))[0]
    assert bool(plant.TASK.feasible(x.to_dict()).iloc[0])
