"""seed_everything, plotting style, optimize.search and the training helpers."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from utils import optimize, plant, seed_everything  # noqa: E402


def test_seed_everything_repeats_numbers():
    import torch
    seed_everything(3)
    a = (np.random.rand(3), torch.rand(3))
    seed_everything(3)
    b = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert torch.are_deterministic_algorithms_enabled()


def test_korean_glyphs_render_without_warnings(recwarn):
    from matplotlib.font_manager import findfont, FontProperties
    from utils.plotting import use_course_style
    use_course_style()
    assert "Nanum" in findfont(FontProperties(family="NanumGothic"))
    fig, ax = plt.subplots()
    ax.set_title("입도 분포 µm − ² ³")
    fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_shared_plots_draw():
    from utils import plotting
    fig, axes = plt.subplots(1, 3)
    plotting.parity_plot([1, 2, 3], [1.1, 2.0, 2.9], ax=axes[0], unit="%", noise_floor=0.2)
    plotting.psd_plot(12.0, 27.0, 57.0, ax=axes[1])
    plotting.learning_curves({"train": [1, 0.5], "valid": [1.2, 0.7]}, ax=axes[2])
    assert "%" in axes[0].get_xlabel() and "µm" in axes[1].get_xlabel()
    assert [line.get_label() for line in axes[2].lines] == ["train", "valid"]
    plt.close(fig)


def test_psd_plot_two_heats_keep_their_markers_apart():
    """Two PSDs on one axes: each heat's D10/D50/D90 labels take the curve's colour and their own height."""
    from matplotlib.colors import same_color
    from utils import plotting
    fig, ax = plt.subplots()
    plotting.psd_plot(13.0, 31.6, 77.0, ax=ax, label="A")
    plotting.psd_plot(18.0, 36.4, 77.0, ax=ax, label="B", window=None)
    curves = [line for line in ax.lines if line.get_gid() == "psd"]
    labels = [t for t in ax.texts if t.get_text() == "D90"]
    assert len(curves) == 2 and len(labels) == 2
    assert labels[0].get_position()[1] != labels[1].get_position()[1]       # same D90, no overprint
    for curve, label in zip(curves, labels):
        assert same_color(label.get_color(), curve.get_color())
    plt.close(fig)


def test_search_with_plant_finds_the_optimum():
    x, val = optimize.search(plant.expected, plant.TASK, seed=1)
    _, best = plant.TASK.true_optimum()
    assert val == pytest.approx(best, abs=0.05)


def test_search_rejects_predictor_without_target():
    with pytest.raises(ValueError, match="target"):
        optimize.search(lambda s: pd.DataFrame({"sphericity": np.ones(len(s))}), plant.TASK, n_random=10, n_rounds=1)


def test_train_helpers_fit_a_line():
    import torch
    from utils import train
    seed_everything(0)
    X = np.linspace(-1, 1, 128).reshape(-1, 1)
    y = 3 * X[:, 0] + 1
    m = train.MLP(1, 1, width=16, depth=1)
    hist = train.fit(m, train.make_loader(X, y, 32), train.make_loader(X, y, 128, shuffle=False),
                     epochs=300, lr=1e-2, patience=30)
    assert hist["valid"][hist["best_epoch"] - 1] < 1e-2
    assert np.abs(train.predict(m, X) - y).max() < 0.3
    seed_everything(0)
    m2 = train.MLP(1, 1, width=16, depth=1)
    hist2 = train.fit(m2, (X, y), (X, y), epochs=400, lr=2e-2, patience=50)
    assert min(hist2["valid"]) < 1e-2 and len(hist2["train"]) == len(hist2["valid"])
    r = train.ResidualMLP(3, 2, width=8, depth=2)
    assert r(torch.zeros(4, 3)).shape == (4, 2)
    with pytest.raises(ValueError, match="optimizer"):
        train.fit(m, train.make_loader(X, y), epochs=1, optimizer="lion")


@pytest.mark.parametrize("predict, words", [
    (lambda s: plant.expected(s).iloc[:-1], "rows for"),                                     # one row short
    (lambda s: plant.expected(s).assign(yield_15_45_pct=np.nan), "NaN"),                     # an unfitted model
    (lambda s: plant.expected(s).to_numpy(), "DataFrame"),                                   # not a table
])
def test_search_rejects_bad_predictions(predict, words):
    with pytest.raises(ValueError, match=words):
        optimize.search(predict, plant.TASK, n_random=10, n_rounds=1)


def test_torch_trains_in_float64_after_seed_everything():
    """float64 keeps the printed numbers identical across CPUs' math kernels (README, 재현성)."""
    import torch
    from utils import train
    seed_everything(0)
    assert torch.get_default_dtype() == torch.float64
    ro = pd.Series([1.0, 2.0]).to_numpy()
    ro.flags.writeable = False
    t = train.to_tensor(ro)
    assert t.dtype == torch.float64 and t.shape == (2, 1)
    assert train.MLP(3)(torch.zeros(1, 3)).dtype == torch.float64


def test_data_support_is_joint_not_a_box():
    """A corner of the marginal ranges is far from every past heat; the heats themselves are near."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    hist = pd.DataFrame({"x": a, "y": a + 0.1 * rng.normal(size=500)})   # data along the diagonal only
    support = optimize.DataSupport(hist, ["x", "y"])
    corner = pd.DataFrame({"x": [hist.x.quantile(0.95)], "y": [hist.y.quantile(0.05)]})
    assert support.contains(hist).mean() >= 0.89
    assert not support.contains(corner)[0] and support.distance(corner)[0] > 3 * np.median(support.inside)
    with pytest.raises(ValueError, match="lacks the columns"):
        optimize.DataSupport(hist, ["x", "z"])


def test_search_stays_where_allowed():
    task = plant.TASK
    x, _ = optimize.search(plant.expected, task, n_random=500, n_rounds=5, n_local=100,
                           allowed=lambda d: (d["gas_pressure_mpa"] <= 2.0).to_numpy())
    assert x["gas_pressure_mpa"] <= 2.0


def test_fit_restores_best_weights_only_when_asked():
    """Early stopping restores the best-validation epoch; a run without it keeps its last weights."""
    import torch
    from utils import train
    seed_everything(0)
    X = np.linspace(-1, 1, 64)[:, None]
    y, y_valid = X ** 2, -(X ** 2)          # validation disagrees: its best epoch is early
    finals = {}
    for restore in (None, True):
        seed_everything(0)
        net = train.MLP(1, width=8, depth=1)
        hist = train.fit(net, (X, y), (X, y_valid), epochs=60, lr=1e-2, patience=None, restore_best=restore)
        finals[restore] = train.evaluate(net, (X, y_valid))
        assert len(hist["train"]) == 60
    assert finals[True] == pytest.approx(min(hist["valid"]))
    assert finals[None] == pytest.approx(hist["valid"][-1]) and finals[None] > finals[True]
    assert torch.get_default_dtype() == torch.float64


def test_setup_notebook_does_the_whole_setup():
    import sklearn
    from threadpoolctl import threadpool_info

    import utils
    utils.setup_notebook(seed=5)
    a = np.random.rand(2)
    utils.setup_notebook(seed=5)
    assert np.array_equal(a, np.random.rand(2))
    assert pd.get_option("display.precision") == 3 and pd.get_option("display.max_columns") == 30
    assert sklearn.get_config()["display"] == "text"
    assert plt.rcParams["font.family"][:2] == ["DejaVu Sans", "NanumGothic"]
    assert all(lib["num_threads"] == 1 for lib in threadpool_info())


def test_shared_model_builders():
    """utils.models: the log-log model recovers a power law exactly; hgb_pipeline is Day 2's preprocessor + HGB."""
    from utils import data, models
    x = np.linspace(1.0, 5.0, 40)[:, None]
    m = models.log_linear().fit(np.log(x), 3.0 * x[:, 0] ** -0.7)
    assert np.allclose(m.regressor_.coef_, [-0.7]) and np.allclose(m.predict(np.log([[2.0]])), 3.0 * 2.0 ** -0.7)
    pipe = models.hgb_pipeline(max_iter=7)
    assert pipe.steps[-1][1].get_params()["max_iter"] == 7 and pipe.steps[-1][1].random_state == 0
    df = data.load_clean().head(300)
    pipe.fit(*data.xy(df, "d50_um"))


def test_make_loader_gives_dataloaders_batches_faster():
    """make_loader yields exactly the batches of torch's DataLoader(TensorDataset, shuffle, seeded generator),
    epoch after epoch, and the same order again for the same seed."""
    import torch
    from utils import train
    seed_everything(0)
    X, y = np.random.rand(103, 3), np.random.rand(103, 1)
    ours = train.make_loader(X, y, batch_size=16, seed=4)
    ref = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train.to_tensor(X), train.to_tensor(y)),
                                      batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(4))
    for _ in range(3):
        a, b = list(ours), list(ref)
        assert len(a) == len(b) == 7 and all(torch.equal(p[0], q[0]) and torch.equal(p[1], q[1]) for p, q in zip(a, b))
    again = [xb for xb, _ in train.make_loader(X, y, batch_size=16, seed=4)]
    assert all(torch.equal(p, q[0]) for p, q in zip(again, list(train.make_loader(X, y, batch_size=16, seed=4))))
    with pytest.raises(ValueError, match="one target row per input row"):
        train.make_loader(X, y[:5])


def test_to_tensor_takes_read_only_frames_quietly(recwarn):
    """pandas 3 hands out read-only arrays; converting them must not warn (nbval compares stderr)."""
    from utils import train
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    t = train.to_tensor(df)
    assert t.shape == (2, 2) and not [w for w in recwarn if "writable" in str(w.message)]


def test_search_stays_in_bounds_and_on_the_nozzle_sizes():
    task = plant.TASK
    x, _ = optimize.search(plant.expected, task, n_random=300, n_rounds=3, n_local=50, seed=3)
    for k, b in task.bounds.items():
        if isinstance(b, tuple):
            assert b[0] <= x[k] <= b[1]
        else:
            assert x[k] in b


def test_as_predictor_wraps_models_for_search():
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from utils import data
    task = plant.TASK
    settings = task.settings(pd.DataFrame([task.standard_recipe] * 3)).set_axis([7, 3, 5])   # a non-default index
    truth = plant.expected(settings)
    feats = data.add_physics_features(settings)
    X_fit = feats[["gas_pressure_mpa", "log_gas_pressure_mpa"]].assign(gas_pressure_mpa=[3.0, 4.0, 5.0])
    fitted = make_pipeline(data.make_preprocessor(list(X_fit), []), LinearRegression()).fit(X_fit, [1.0, 2.0, 3.0])
    predict = optimize.as_predictor(
        lambda X: plant.expected(X[plant.SETTINGS]),                        # a function returning a DataFrame
        {task.target: lambda X: X["gas_velocity_m_s"].to_numpy(),          # functions get the physics features
         "extra": fitted},                                   # a fitted pipeline: picks its columns by name
        shift={"sphericity": -0.01})
    out = predict(settings)
    assert list(out.index) == [7, 3, 5]
    assert np.array_equal(out[task.target], feats["gas_velocity_m_s"])     # a later part replaces the column
    assert np.array_equal(out["extra"], fitted.predict(feats[list(X_fit)]))
    assert np.allclose(out["sphericity"], truth["sphericity"] - 0.01, rtol=0, atol=1e-12)
    assert np.array_equal(out["oxygen_ppm"], truth["oxygen_ppm"])
    plain = optimize.as_predictor(plant.expected, features=False, shift=pd.Series({"oxygen_ppm": 50.0}))(settings)
    assert np.array_equal(plain["oxygen_ppm"], truth["oxygen_ppm"] + 50.0)
    x, _ = optimize.search(optimize.as_predictor(plant.expected, features=False), task,
                           n_random=200, n_rounds=2, n_local=50)
    assert set(x.index) == set(task.bounds)


@pytest.mark.parametrize("parts, words", [
    ([{plant.TASK.target: lambda X: np.ones(len(X) + 1)}], "one value per settings row"),
    ([lambda X: plant.expected(X[plant.SETTINGS]).iloc[:1]], "one row per settings row"),
    ([lambda X: plant.expected(X[plant.SETTINGS])], "shift names 'nope'"),
])
def test_as_predictor_says_what_is_wrong(parts, words):
    settings = plant.TASK.settings(pd.DataFrame([plant.TASK.standard_recipe] * 2))
    shift = {"nope": 1.0} if "nope" in words else None
    with pytest.raises(ValueError, match=words):
        optimize.as_predictor(*parts, shift=shift)(settings)
