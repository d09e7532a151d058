"""The scikit-learn estimators: fit/predict/score, the scikit-learn machinery (Pipeline,
clone, cross_val_score, GridSearchCV, pickling), partial_fit and warm_start, inputs read in
place, Ctrl-C, errors, history and trace."""

import json
import os
import pickle
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import annlab


def quick_regressor(**kw):
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=60, batch_size=32,
                  random_state=0, n_iter_no_change=None)
    params.update(kw)
    return annlab.MLPRegressor(**params)


def quick_classifier(**kw):
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=60, batch_size=32,
                  random_state=0, n_iter_no_change=None)
    params.update(kw)
    return annlab.MLPClassifier(**params)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    return X, y


def test_regressor_fits_the_well_data(well):
    X, y = well
    est = annlab.MLPRegressor((16, 8), "tanh", learning_rate_init=0.01, max_iter=300,
                              batch_size=32, random_state=1)
    assert est.fit(X, y) is est
    assert est.score(X, y) > 0.9
    assert est.predict(X).shape == (len(X),)
    assert list(est.feature_names_in_) == list(X.columns)
    assert est.n_features_in_ == 6 and est.n_layers_ == 4 and est.n_outputs_ == 1
    assert [c.shape for c in est.coefs_] == [(6, 16), (16, 8), (8, 1)]
    assert [b.shape for b in est.intercepts_] == [(16,), (8,), (1,)]
    assert est.out_activation_ == "identity"
    assert len(est.loss_curve_) == est.n_iter_ == len(est.history_)
    assert est.model_.features[0]["name"] == "Por"


def test_classifier_with_string_labels(iris_csv):
    df = pd.read_csv(iris_csv)
    X, y = df.drop(columns=["species"]), df["species"]
    clf = quick_classifier(max_iter=150).fit(X, y)
    assert list(clf.classes_) == sorted(set(y))
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert set(clf.predict(X)) <= set(y)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.model_.targets[0]["categories"] == sorted(set(y))


def test_binary_classification_has_two_probability_columns(classification):
    X, y = classification
    clf = quick_classifier().fit(X, y == 1)
    assert list(clf.classes_) == [False, True]
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_multioutput_regression(regression):
    X, y = regression
    Y = np.column_stack([y, -2 * y])
    est = quick_regressor(max_iter=150).fit(X, Y)
    assert est.predict(X).shape == (len(X), 2)
    assert est.score(X, Y) > 0.8


def test_inputs_are_read_in_place(regression):
    """float32 and float64, C and Fortran order and a pandas frame's block reach the engine
    without a copy, and give the same model for the same values."""
    X, y = regression
    est = quick_regressor()
    for array in (np.ascontiguousarray(X), np.asfortranarray(X),
                  np.ascontiguousarray(X, dtype=np.float32), np.asfortranarray(X, np.float32)):
        assert np.shares_memory(est._check_X(array, reset=True), array)
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    assert np.shares_memory(est._check_X(frame, reset=True), frame.to_numpy())

    C = quick_regressor().fit(np.ascontiguousarray(X), y)
    F = quick_regressor().fit(np.asfortranarray(X), y)
    strided = quick_regressor().fit(np.repeat(X, 2, axis=1)[:, ::2], y)  # a strided view
    np.testing.assert_array_equal(C.model_.parameters, F.model_.parameters)
    np.testing.assert_array_equal(C.model_.parameters, strided.model_.parameters)
    X32 = X.astype(np.float32)
    a = quick_regressor().fit(X32, y)
    b = quick_regressor().fit(X32.astype(np.float64), y)
    np.testing.assert_array_equal(a.model_.parameters, b.model_.parameters)
    np.testing.assert_array_equal(a.predict(X32), b.predict(X32.astype(np.float64)))


def test_float32_training(digits):
    X, y = digits
    clf = quick_classifier(dtype="float32", max_iter=20).fit(X, y)
    assert clf.model_.float32
    assert clf.score(X, y) > 0.9


def test_pipeline_clone_cross_validation_and_grid_search(regression, classification):
    X, y = regression
    pipe = make_pipeline(StandardScaler(), quick_regressor(scale="none", scale_target="standard"))
    assert pipe.fit(X, y).score(X, y) > 0.9
    scores = cross_val_score(quick_regressor(), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    Xc, yc = classification
    grid = GridSearchCV(quick_classifier(max_iter=30),
                        {"hidden_layer_sizes": [(8,), (16,)], "activation": ["relu", "tanh"]},
                        cv=3)
    grid.fit(Xc, yc)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "activation"}
    assert grid.best_score_ > 0.5
    est = quick_regressor(activation=("tanh",), probe_rows=(0, 1))
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "model_")


def test_get_and_set_params():
    est = annlab.MLPRegressor()
    params = est.get_params()
    for name in ("hidden_layer_sizes", "activation", "solver", "alpha", "batch_size",
                 "learning_rate_init", "max_iter", "random_state", "early_stopping",
                 "validation_fraction", "n_iter_no_change", "schedule", "init", "bias_init",
                 "probe_rows", "dtype"):
        assert name in params
    assert params["hidden_layer_sizes"] == (100,) and params["solver"] == "adam"
    est.set_params(hidden_layer_sizes=(4, 3), activation=("tanh", "sigmoid"))
    assert est.hidden_layer_sizes == (4, 3)


def test_same_seed_same_model_and_random_state_none(regression):
    X, y = regression
    a, b = quick_regressor(random_state=5).fit(X, y), quick_regressor(random_state=5).fit(X, y)
    np.testing.assert_array_equal(a.model_.parameters, b.model_.parameters)
    c = quick_regressor(random_state=6).fit(X, y)
    assert not np.array_equal(a.model_.parameters, c.model_.parameters)
    np.random.seed(0)
    d = quick_regressor(random_state=None).fit(X, y)
    np.random.seed(0)
    e = quick_regressor(random_state=None).fit(X, y)
    np.testing.assert_array_equal(d.model_.parameters, e.model_.parameters)


def test_pickle_round_trip(regression, classification):
    X, y = regression
    est = quick_regressor(probe_rows=(0,)).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back.history_.to_json() == est.history_.to_json()
    np.testing.assert_array_equal(back.history_.train_loss, est.history_.train_loss)
    assert back.history_.probes.at(0).weights.tolist() == est.history_.probes.at(0).weights.tolist()
    Xc, yc = classification
    clf = quick_classifier().fit(Xc, yc.astype(str))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict(Xc), clf.predict(Xc))


def test_partial_fit(classification):
    X, y = classification
    clf = quick_classifier()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and list(clf.classes_) == [0, 1, 2]
    first, first_score = clf.model_.parameters.copy(), clf.score(X, y)
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 31
    assert not np.array_equal(first, clf.model_.parameters)
    assert clf.score(X, y) > max(first_score, 0.6)
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :-1], y)
    with pytest.raises(ValueError, match="classes not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])
    assert not hasattr(annlab.MLPClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues(regression):
    X, y = regression
    est = quick_regressor(max_iter=10, warm_start=True).fit(X, y)
    after10 = est.model_.parameters.copy()
    est.fit(X, y)
    assert est.n_iter_ == 20 and len(est.loss_curve_) == 20
    cold = quick_regressor(max_iter=10).fit(X, y)
    np.testing.assert_array_equal(cold.model_.parameters, after10)
    assert not np.array_equal(est.model_.parameters, after10)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_epoch_metrics_of_fresh_and_continued_fits_are_scikit_learns(classification, dtype):
    # full_pass: an epoch's train metrics are those of the network after it, on every row, so
    # scikit-learn can compute them from predict_proba. warm_start's second fit and
    # partial_fit continue the trained network (the workflow's other training path).
    X, y = classification
    est = quick_classifier(max_iter=3, warm_start=True, epoch_loss="full_pass", dtype=dtype)

    def check():
        m = est.history_.train_metrics
        assert m["accuracy"][-1] == accuracy_score(y, est.predict(X))
        np.testing.assert_allclose(m["log_loss"][-1],
                                   log_loss(y, est.predict_proba(X), labels=est.classes_),
                                   rtol=1e-9)

    for _ in range(2):
        est.fit(X, y)
        check()
    est.partial_fit(X, y)
    check()


def test_early_stopping_and_history(regression):
    X, y = regression
    est = quick_regressor(early_stopping=True, validation_fraction=0.2, n_iter_no_change=5,
                          max_iter=500, probe_rows=(0, 2), history_every=10)
    est.fit(X, y)
    h = est.history_
    assert h.stopped_early and est.n_iter_ < 500
    assert len(est.split_["validation"]) == 30 and len(est.split_["train"]) == 120
    assert len(est.validation_scores_) == est.n_iter_
    frame = h.frame()
    assert {"train_loss", "validation_loss", "train_r2", "validation_rmse"} <= set(frame.columns)
    assert np.all(np.isfinite(frame["validation_loss"]))
    assert list(h.probes.epochs[:2]) == [0, 10] and h.probes.at(0).rows == 2
    import json
    doc = json.loads(h.to_json())
    assert doc["format"] == "annlab.history" and len(doc["epochs"]) == est.n_iter_ + 1


def test_stops_on_training_loss_like_scikit_learn(regression):
    X, y = regression
    est = quick_regressor(max_iter=2000, n_iter_no_change=3, tol=1e-3)
    est.fit(X, y)
    assert est.history_.stopped_early and est.n_iter_ < 2000


def test_convergence_warning(regression):
    from sklearn.exceptions import ConvergenceWarning

    X, y = regression
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        quick_regressor(max_iter=3, n_iter_no_change=10, tol=0.0).fit(X, y)


def test_verbose_and_callback(regression, capsys):
    X, y = regression
    seen = []
    quick_regressor(max_iter=3, verbose=True, callback=seen.append).fit(X, y)
    assert capsys.readouterr().out.count("Iteration") == 3
    assert [r["epoch"] for r in seen] == [1, 2, 3]
    assert {"train_loss", "learning_rate", "train_metrics"} <= set(seen[0])


def test_callback_keyboard_interrupt_keeps_a_usable_estimator(regression):
    X, y = regression

    def stop(record):
        if record["epoch"] == 3:
            raise KeyboardInterrupt

    est = quick_regressor(max_iter=100, callback=stop)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.history_.interrupted and est.n_iter_ == 3
    assert est.predict(X).shape == (len(X),)


def test_ctrl_c_stops_training_cleanly_and_the_gil_is_released(digits):
    """A real SIGINT, sent by another thread while the engine trains (which that thread can
    only do because fit released the GIL): KeyboardInterrupt well before max_iter, and the
    estimator keeps the epochs done."""
    X, y = digits
    clf = quick_classifier(hidden_layer_sizes=(256, 256), max_iter=100000)
    started = threading.Event()
    # Python installs its KeyboardInterrupt handler only when SIGINT is not ignored at start,
    # and a shell's background job starts with it ignored: then no Ctrl-C could reach the
    # engine and this fit would run its 100000 epochs. Install the handler for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt():
        started.wait()
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt)
    thread.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            started.set()
            clf.fit(X, y)
    finally:
        thread.join()
        signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - t0
    assert elapsed < 30
    assert clf.history_.interrupted and 0 <= clf.n_iter_ < 100000
    assert clf.predict(X[:5]).shape == (5,)
    clf.set_params(max_iter=2).fit(X, y)  # still usable for another fit
    assert clf.n_iter_ == 2


def test_bad_input_messages(regression, cli, tmp_path, well_csv):
    X, y = regression
    Xn = X.copy()
    Xn[4, 2] = np.nan
    with pytest.raises(ValueError, match=r"missing value \(NaN\) in column 'x2' at row 4"):
        quick_regressor().fit(Xn, y)
    Xi = X.copy()
    Xi[1, 0] = np.inf
    with pytest.raises(ValueError,
                       match="expected a finite number, found inf in column 'x0' at row 1"):
        quick_regressor().fit(Xi, y)
    est = quick_regressor().fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        est.predict(Xn)
    with pytest.raises(ValueError, match="5 features"):
        est.predict(X[:, :4])
    with pytest.raises(ValueError):
        quick_regressor().fit(X, y[:-1])
    with pytest.raises(ValueError, match="could not convert string to float"):
        quick_regressor().fit(np.array([["a", "b"], ["c", "d"]]), [1.0, 2.0])
    with pytest.raises(TypeError, match="hidden_layer_sizes"):
        quick_regressor(hidden_layer_sizes="wide").fit(X, y)
    # The CLI's own words for a bad activation and an out-of-range learning rate.
    r = cli("train", well_csv, "--target", "Prod", "--activation", "relux", check=False)
    assert r.returncode == 2
    cli_message = r.stderr.split("error: ", 1)[1].split("\n")[0].split(": ", 1)[1]
    with pytest.raises(ValueError) as e:
        quick_regressor(activation="relux").fit(X, y)
    assert cli_message in str(e.value)
    r = cli("train", well_csv, "--target", "Prod", "--lr", "-1", check=False)
    cli_message = r.stderr.split("'lr': ", 1)[1].split("\n")[0]
    with pytest.raises(ValueError) as e:
        quick_regressor(learning_rate_init=-1).fit(X, y)
    assert "learning_rate_init (run option 'lr')" in str(e.value)
    assert cli_message in str(e.value)
    with pytest.raises(ValueError, match="only one class"):
        quick_classifier().fit(X, np.ones(len(X)))


def test_estimator_trace_is_the_network_trace_in_model_units(well):
    X, y = well
    est = annlab.MLPRegressor((5,), "sigmoid", random_state=3, max_iter=20,
                              n_iter_no_change=None).fit(X, y)
    t = est.trace(X, y, row=7)
    assert t.single and t.node_names[:6] == ["I1", "I2", "I3", "I4", "I5", "I6"]
    feats = est.model_.features
    scaled = [(X.iloc[7][f["name"]] - f["min"]) / (f["max"] - f["min"]) for f in feats]
    np.testing.assert_allclose(t.node_in[:6], scaled, rtol=1e-15)
    target = est.model_.targets[0]
    assert t.target[0] == pytest.approx((y[7] - target["min"]) / (target["max"] - target["min"]))
    net = est.network()
    direct = net.trace(np.array(scaled), t.target)
    np.testing.assert_array_equal(direct.dL_dweights, t.dL_dweights)
    batch = est.trace(X.iloc[:4], y.iloc[:4])
    assert batch.dL_dnode_in.shape == (4, 6 + 5 + 1)
    # The prediction in the target's units is the output node's value scaled back.
    assert est.predict(X.iloc[[7]])[0] == pytest.approx(
        t.prediction[0] * (target["max"] - target["min"]) + target["min"], rel=1e-12)


def test_frames_with_text_columns_are_one_hot_encoded(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"por": rng.uniform(5, 25, n),
                          "facies": rng.choice(["sand", "shale", "silt"], n)})
    y = frame["por"] * 3 + frame["facies"].map({"sand": 10, "shale": -5, "silt": 0})
    est = quick_regressor(max_iter=200).fit(frame, y)
    assert est.model_.input_names == ["por", "facies=sand", "facies=shale", "facies=silt"]
    assert est.score(frame, y) > 0.8
    with pytest.raises(ValueError, match="unseen category 'clay'"):
        est.predict(frame.assign(facies="clay"))
    with pytest.raises(ValueError, match="DataFrame"):
        est.predict(frame.to_numpy())


def test_a_classifier_on_text_columns_maps_the_clis_class_order_to_classes_(tmp_path):
    # The table path encodes the classes in the CLI's order: numbers by value when every
    # label reads as one ("2" < "3" < "10"), not numpy's text order ("10" < "2" < "3");
    # classes_ must follow the model's columns.
    rng = np.random.default_rng(1)
    n = 150
    frame = pd.DataFrame({"v": rng.uniform(0, 1, n),
                          "facies": rng.choice(["sand", "shale", "silt"], n)})
    y = frame["facies"].map({"sand": "10", "shale": "2", "silt": "3"}).to_numpy()
    est = quick_classifier(max_iter=300).fit(frame, y)
    assert est.model_.targets[0]["categories"] == ["2", "3", "10"]
    assert list(est.classes_) == ["2", "3", "10"]
    proba = est.predict_proba(frame)
    np.testing.assert_array_equal(est.predict(frame), est.classes_[proba.argmax(axis=1)])
    assert (est.predict(frame) == y).mean() > 0.95


class _WithExtra(annlab.MLPRegressor):
    def __init__(self, extra=1, hidden_layer_sizes=(4,), max_iter=3):
        super().__init__(hidden_layer_sizes=hidden_layer_sizes, max_iter=max_iter)
        self.extra = extra


def test_parameter_names_are_read_once_per_class_and_a_subclass_keeps_its_own():
    assert "scale_target" in annlab.MLPRegressor._get_param_names()  # the base's, cached
    names = _WithExtra._get_param_names()
    assert names == ["extra", "hidden_layer_sizes", "max_iter"]
    names.append("changed")  # a caller's list: the cache is not
    assert _WithExtra._get_param_names() == ["extra", "hidden_layer_sizes", "max_iter"]
    assert _WithExtra(extra=2).get_params() == {"extra": 2, "hidden_layer_sizes": (4,),
                                                "max_iter": 3}
    assert clone(_WithExtra(extra=5)).extra == 5
    assert "extra" not in annlab.MLPRegressor().get_params()


def test_epoch_loss_is_scikit_learns_by_default_and_trains_the_same(regression):
    X, y = regression
    assert annlab.MLPRegressor().get_params()["epoch_loss"] == "batch_mean"
    assert annlab.MLPClassifier().get_params()["epoch_loss"] == "batch_mean"
    # Full batch: one update per epoch, so the mean of the epoch's batch losses (taken before
    # the update) is the loss after the epoch before, which full_pass records.
    fits = {mode: quick_regressor(batch_size=len(X), max_iter=8, epoch_loss=mode).fit(X, y)
            for mode in ("batch_mean", "full_pass")}
    for a, b in zip(fits["batch_mean"].coefs_, fits["full_pass"].coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fits["batch_mean"].loss_curve_[1:],
                               fits["full_pass"].loss_curve_[:-1], rtol=1e-12)
    assert json.loads(fits["batch_mean"].model_.run_config)["epoch_loss"] == "batch_mean"
    with pytest.raises(ValueError, match="epoch_loss"):
        quick_regressor(epoch_loss="mean").fit(X, y)


def test_n_jobs_trains_the_same_bits_on_any_number_of_threads(classification):
    X, y = classification
    # Batches of 64 rows through 6-256-128-3: every batch is cut into two row halves.
    fits = [quick_classifier(hidden_layer_sizes=(256, 128), batch_size=64, max_iter=5,
                             n_jobs=n).fit(X, y) for n in (1, 2, -1)]
    for other in fits[1:]:
        for a, b in zip(fits[0].coefs_, other.coefs_):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(fits[0].loss_curve_, other.loss_curve_)
    assert "threads" not in json.loads(fits[1].model_.run_config)
    with pytest.raises(ValueError, match="n_jobs"):
        quick_classifier(n_jobs=0).fit(X, y)
    assert quick_classifier(n_jobs=-1000, max_iter=1).fit(X, y).n_iter_ == 1  # at least 1
    with pytest.raises(TypeError, match="n_jobs"):
        quick_classifier(n_jobs=1.5).fit(X, y)
