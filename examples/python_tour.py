# %% [markdown]
# # annlab from Python: the glass box and scikit-learn
#
# A notebook in percent format (Jupyter, VS Code and Spyder run it cell by cell; `python
# examples/python_tour.py` runs it whole, and `tests/python/test_examples.py` runs it under
# the tests). Install first: `build/venv/bin/pip install --no-build-isolation .` (README,
# "Python"). Figures are written to the current folder.

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd

import annlab

pd.set_option("display.precision", 7)
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
DATA = Path(os.environ.get("ANNLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))

# %% [markdown]
# ## The chapter's worked example
# A 3-2-1 network (sigmoid hidden, identity output), one sample x = (0.5, 0.2, 0.7), y = 0.3,
# η = 0.2, NumPy's generator seeded with 13: every epoch traced.

# %%
run = annlab.chapter()
print(run.at(0).node_frame())
print(run.frame().loc[[0, 1, 10, 100], ["O6[0]", "loss"]])

# %% [markdown]
# ## The glass box: parameters are views, every derivative is named
# ``W_l[j, i] = λ(i, j)``; a write into the view changes the network.

# %%
net = annlab.Network([3, 2, 1], ["sigmoid", "identity"]).initialize("xavier",
                                                                  "chapter_uniform", 13)
t = net.trace([0.5, 0.2, 0.7], [0.3])
print(t.weight_frame())
print(f"dL/dλ(4,6) = H4 · dL/dO6_in = {t['H4']:.4f} · {t.dL_dnode_in[-1]:.4f} = "
      f"{t.dL_dweights[t.weight_names.index('λ(4,6)')]:.4f}")
w = net.weights(2)                # a view of λ(4,6), λ(5,6)
w[0, 0] = 0.0                     # cut H4 -> O6
print("O6 without λ(4,6):", net.forward([0.5, 0.2, 0.7]).round(4))

# %% [markdown]
# ## scikit-learn: production from the well data
# The estimator runs `annlab train`'s steps (min/max scaling fitted on the training rows,
# seeded split, Adam); `history_` holds every epoch, `probe_rows` the full traces of rows.

# %%
from sklearn.model_selection import cross_val_score

wells = pd.read_csv(DATA / "geodatasets" / "unconv_MV_v4.csv")
X, y = wells.drop(columns=["Well", "Prod"]), wells["Prod"]
est = annlab.MLPRegressor((16, 8), "tanh", learning_rate_init=0.01, max_iter=500,
                          batch_size=32, random_state=1, early_stopping=True,
                          validation_fraction=0.2, n_iter_no_change=25, probe_rows=(0,),
                          history_every=5)
est.fit(X, y)
print(f"{est.n_iter_} epochs (stopped early: {est.history_.stopped_early}), "
      f"R² on all rows {est.score(X, y):.3f}")
print(est.history_.frame()[["train_loss", "validation_loss", "validation_r2"]].tail(3))
print("5-fold R²:", cross_val_score(annlab.MLPRegressor((16, 8), "tanh",
                                                        learning_rate_init=0.01,
                                                        batch_size=32, random_state=1),
                                    X, y, cv=5).round(3))

# %% [markdown]
# The fitted model is a model file the CLI reads (`annlab predict well_model.json ...`).

# %%
est.save("well_model.json")
again = annlab.load_model("well_model.json")
print("same predictions after a round trip:", np.array_equal(again.predict(X), est.predict(X)))

# %% [markdown]
# ## Digits: classification, probabilities, every number of one row

# %%
digits = pd.read_csv(DATA / "classic" / "digits.csv")
Xd, yd = digits.drop(columns=["digit"]), digits["digit"]
clf = annlab.MLPClassifier((64,), max_iter=40, random_state=0, n_iter_no_change=None)
clf.fit(Xd.iloc[:1500], yd.iloc[:1500])
print(f"held-out accuracy {clf.score(Xd.iloc[1500:], yd.iloc[1500:]):.3f}")
print("P(class) of row 1500:", clf.predict_proba(Xd.iloc[[1500]]).round(3))
row = clf.trace(Xd.iloc[[1500]], yd.iloc[[1500]], row=0)
print(f"row 1500: loss {row.loss:.4f}, largest |dL/dx| at input "
      f"{row.node_names[int(np.argmax(np.abs(row.dL_dnode_in[:64])))]}")

# %% [markdown]
# ## The dashboard: the diagram at an epoch and the convergence panels

# %%
import matplotlib

if __name__ == "__main__" and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")
import annlab.plot as ap

ap.dashboard(annlab.chapter(epochs=100), epoch=10).savefig("chapter_dashboard.png", dpi=90)
ap.dashboard(est, epoch=50, forward=False).savefig("well_dashboard.png", dpi=90)
ap.convergence(clf)[0].figure.savefig("digits_convergence.png", dpi=90)
print("figures: chapter_dashboard.png, well_dashboard.png, digits_convergence.png")
