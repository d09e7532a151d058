"""scikit-learn's own estimator checks (sklearn.utils.estimator_checks, the check_estimator
suite) on both estimators.

Small, quick instances: the suite fits each dozens of times. No check is skipped; SKIPPED
lists the name and reason of any check that must be, so that the list stays explicit.
"""

from functools import partial

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import annlab

QUICK = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=50, batch_size=32,
             random_state=0, n_iter_no_change=None)

# check name -> why it cannot pass (none today).
SKIPPED = {}


def _name(check):
    return check.func.__name__ if isinstance(check, partial) else check.__name__


@parametrize_with_checks([annlab.MLPRegressor(**QUICK), annlab.MLPClassifier(**QUICK)])
def test_scikit_learn_estimator_checks(estimator, check):
    if _name(check) in SKIPPED:
        pytest.skip(SKIPPED[_name(check)])
    check(estimator)


def test_default_instances_pass_the_fitting_checks_too():
    """The default network (100 hidden units, adam, stopping on the training loss) on the
    checks that judge a fit's quality. The regressor's data there is standardized, so it is
    given standard scaling (the defaults are the CLI's min/max scaling, whose [0, 1] targets
    start Adam far from them and stop it early on this data)."""
    from sklearn.utils.estimator_checks import (check_classifiers_train,
                                                check_fit_idempotent,
                                                check_regressors_train)

    check_regressors_train("MLPRegressor", annlab.MLPRegressor(random_state=0, scale="standard",
                                                               scale_target="standard"))
    check_classifiers_train("MLPClassifier", annlab.MLPClassifier(random_state=0))
    check_fit_idempotent("MLPClassifier", annlab.MLPClassifier(random_state=0, max_iter=20))
