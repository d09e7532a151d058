// fit() and predict(): the batching rules against hand-written loops (bit for bit), the
// chapter's loop, determinism, the epoch records, early stopping, divergence, the probe
// history and its budget, interruption, float and double, and no allocation per batch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>

#include "alloc_counter.hpp"
#include "annlab/core/error.hpp"
#include "annlab/core/reference.hpp"
#include "annlab/train/chapter.hpp"
#include "annlab/train/gd.hpp"
#include "train_data.hpp"

namespace {
using namespace annlab;
using testdata::params_of;
using testdata::Regression;

// fit()'s UsageError when the initial network's loss over the training rows is not finite.
const std::string kBadDataMessage =
    "the loss of the initial network is not finite (inf); check the data for huge values or "
    "scale the columns";

TrainConfig gd_config(double lr, int epochs, long batch_size, bool shuffle = false) {
  TrainConfig c;
  c.optimizer.learning_rate = lr;
  c.epochs = epochs;
  c.batch_size = batch_size;
  c.shuffle = shuffle;
  c.history.every = 0;
  return c;
}

// The documented loop written out: batches of `B` rows in `order`, forward, backward,
// θ ← θ - η·g (gd_update).
void manual_gd_epoch(Network<double>& net, const Regression<double>& d,
                     const std::vector<long>& order, long B, double lr) {
  Propagator<double> pass(net.architecture());
  const long l0 = net.architecture().inputs(), ln = net.architecture().outputs();
  std::vector<double> grad(net.layout().size), xb, yb;
  for (long start = 0; start < d.rows; start += B) {
    const long c = std::min(B, d.rows - start);
    xb.clear(), yb.clear();
    for (long i = 0; i < c; ++i) {
      const long r = order[start + i];
      xb.insert(xb.end(), d.x.begin() + r * l0, d.x.begin() + (r + 1) * l0);
      yb.insert(yb.end(), d.y.begin() + r * ln, d.y.begin() + (r + 1) * ln);
    }
    pass.forward(net, xb.data(), c);
    pass.backward(net, yb.data(), grad);
    gd_update<double>(net.parameters(), grad, lr);
  }
}

std::vector<long> identity_order(long n) {
  std::vector<long> o(n);
  std::iota(o.begin(), o.end(), 0L);
  return o;
}

TEST(Fit, FullBatchGdIsTheChaptersLoopBitForBit) {
  const ChapterConfig ch;
  Network<double> a = chapter_network(ch.seed), b = chapter_network(ch.seed);
  std::vector<double> chapter_loss;
  train_full_batch_gd<double>(
      b, ch.x.data(), ch.y.data(), 1, ch.learning_rate, ch.epochs,
      [&](int, const Propagator<double>& pass) { chapter_loss.push_back(pass.loss(ch.y.data())); });
  const History h = fit<double>(a, {ch.x.data(), ch.y.data(), 1}, {},
                                gd_config(ch.learning_rate, ch.epochs, 0, true));
  EXPECT_EQ(params_of(a), params_of(b));
  ASSERT_EQ(h.epochs.size(), 1000u);
  for (int e = 1; e <= ch.epochs; ++e) {
    EXPECT_EQ(h.epochs[e - 1].epoch, e);
    EXPECT_EQ(h.epochs[e - 1].train_loss, chapter_loss[e]) << "epoch " << e;  // after e updates
  }
  // Many rows too: a full batch is never shuffled, so the gradient sums in the same order.
  const auto d = testdata::smooth_regression<double>(30);
  Network<double> c = testdata::tanh_network<double>({2, 4, 1}), g = c;
  train_full_batch_gd<double>(g, d.x.data(), d.y.data(), 30, 0.1, 20);
  fit<double>(c, d.batch(), {}, gd_config(0.1, 20, 0, /*shuffle=*/true));
  EXPECT_EQ(params_of(c), params_of(g));
}

TEST(Fit, BatchSizeOfAllRowsOrMoreIsTheFullBatch) {
  const auto d = testdata::smooth_regression<double>(30);
  std::vector<double> want;
  for (const long B : {0L, 30L, 31L, 1000L}) {
    Network<double> net = testdata::tanh_network<double>({2, 4, 1});
    fit<double>(net, d.batch(), {}, gd_config(0.1, 5, B, /*shuffle=*/true));
    if (want.empty()) want = params_of(net);
    EXPECT_EQ(params_of(net), want) << "batch size " << B;
  }
}

TEST(Fit, StochasticEpochIsOneUpdatePerRow) {
  const auto d = testdata::smooth_regression<double>(17);
  Network<double> net = testdata::tanh_network<double>({2, 4, 1});
  Network<double> manual = net;
  long polls = 0;
  TrainCallbacks<double> cb;
  cb.should_stop = [&] { return ++polls, false; };
  fit<double>(net, d.batch(), {}, gd_config(0.05, 2, 1), cb);
  EXPECT_EQ(polls, 2 * 17);  // polled before each of the 17 updates of each epoch
  for (int e = 0; e < 2; ++e) manual_gd_epoch(manual, d, identity_order(17), 1, 0.05);
  EXPECT_EQ(params_of(net), params_of(manual));
}

TEST(Fit, MiniBatchesInRowOrderWithASmallerLastBatch) {
  const auto d = testdata::smooth_regression<double>(10);
  Network<double> net = testdata::tanh_network<double>({2, 4, 1});
  Network<double> manual = net;
  long polls = 0;
  TrainCallbacks<double> cb;
  cb.should_stop = [&] { return ++polls, false; };
  fit<double>(net, d.batch(), {}, gd_config(0.1, 3, 4), cb);
  EXPECT_EQ(polls, 3 * 3);  // batches of 4, 4, 2
  for (int e = 0; e < 3; ++e) manual_gd_epoch(manual, d, identity_order(10), 4, 0.1);
  EXPECT_EQ(params_of(net), params_of(manual));
}

// Also with rows past 256 bytes (40 inputs: fit gathers them with memcpy, shorter ones with
// loops) and a target of 3 columns.
TEST(Fit, ShuffleIsFisherYatesFromOneSeededStream) {
  Regression<double> wide;
  wide.rows = 23;
  for (long r = 0; r < wide.rows; ++r) {
    for (int i = 0; i < 40; ++i) wide.x.push_back(std::sin(0.31 * double(r * 40 + i)));
    for (int j = 0; j < 3; ++j) wide.y.push_back(std::cos(0.7 * double(r + j)));
  }
  const std::vector<std::pair<Regression<double>, std::vector<int>>> cases = {
      {testdata::smooth_regression<double>(23), {2, 4, 1}}, {wide, {40, 4, 3}}};
  for (const auto& [d, widths] : cases) {
    Network<double> net = testdata::tanh_network<double>(widths);
    Network<double> manual = net;
    TrainConfig c = gd_config(0.1, 3, 5, /*shuffle=*/true);
    c.seed = 77;
    fit<double>(net, d.batch(), {}, c);
    NumpyRandom rng(77);
    for (int e = 0; e < 3; ++e) {
      std::vector<long> order = identity_order(23);
      for (long i = 22; i > 0; --i) std::swap(order[i], order[rng.below(std::uint64_t(i) + 1)]);
      manual_gd_epoch(manual, d, order, 5, 0.1);
    }
    EXPECT_EQ(params_of(net), params_of(manual)) << net.architecture().describe();
  }
}

TEST(Fit, SameInputsGiveBitIdenticalParametersAndAnotherSeedDoesNot) {
  const auto d = testdata::smooth_regression<double>(50);
  const auto run = [&](std::uint32_t seed) {
    Network<double> net = testdata::tanh_network<double>({2, 6, 1});
    TrainConfig c = gd_config(0.01, 4, 8, true);
    c.optimizer.kind = OptimizerKind::adam;
    c.seed = seed;
    const History h = fit<double>(net, d.batch(), {}, c);
    std::vector<double> out = params_of(net);
    for (const auto& r : h.epochs) out.push_back(r.train_loss);
    return out;
  };
  const auto a = run(1), b = run(1), other = run(2);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  EXPECT_NE(a, other);
}

TEST(Fit, EpochRecordsHoldLossesRatesMetricsAndCallbacksSeeThem) {
  const auto d = testdata::smooth_regression<double>(40);
  const auto v = testdata::smooth_regression<double>(15, 9);
  Network<double> net = testdata::tanh_network<double>({2, 5, 1});
  TrainConfig c = gd_config(0.2, 4, 10, true);
  c.schedule.kind = ScheduleKind::step;
  c.schedule.step_size = 2;
  c.schedule.factor = 0.5;
  std::vector<EpochRecord> seen;
  std::vector<std::vector<double>> params;  // after each epoch, as on_epoch sees them
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord& r) {
    seen.push_back(r);
    params.push_back(params_of(net));
  };
  std::vector<long> metric_rows;
  cb.metrics = [&](const double* yhat, const double* y, long rows) {
    metric_rows.push_back(rows);
    double sse = 0;
    for (long r = 0; r < rows; ++r) sse += (yhat[r] - y[r]) * (yhat[r] - y[r]);
    return std::map<std::string, double>{{"mse", sse / double(rows)}};
  };
  const History h = fit<double>(net, d.batch(), v.batch(), c, cb);
  ASSERT_EQ(h.epochs.size(), 4u);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(metric_rows, (std::vector<long>{40, 15, 40, 15, 40, 15, 40, 15}));
  const double rates[] = {0.2, 0.2, 0.1, 0.1};
  for (int i = 0; i < 4; ++i) {
    const EpochRecord& r = h.epochs[i];
    EXPECT_EQ(r.epoch, i + 1);
    EXPECT_EQ(r.learning_rate, rates[i]);
    EXPECT_EQ(seen[i].train_loss, r.train_loss);
    EXPECT_GE(r.seconds, 0);
    // Losses after the epoch's updates, against the naive reference path.
    const Architecture& arch = net.architecture();
    EXPECT_NEAR(r.train_loss, reference::batch_loss(arch, params[i], d.x, d.y, d.rows), 1e-14);
    EXPECT_NEAR(r.validation_loss, reference::batch_loss(arch, params[i], v.x, v.y, v.rows), 1e-14);
    // half squared error: loss = mse/2 for one output.
    EXPECT_NEAR(r.train_metrics.at("mse"), 2 * r.train_loss, 1e-14);
    EXPECT_NEAR(r.validation_metrics.at("mse"), 2 * r.validation_loss, 1e-14);
  }
  // Without validation data the validation loss is NaN and no validation metrics exist.
  Network<double> n2 = testdata::tanh_network<double>({2, 5, 1});
  const History h2 = fit<double>(n2, d.batch(), {}, c, cb);
  EXPECT_TRUE(std::isnan(h2.epochs[0].validation_loss));
  EXPECT_TRUE(h2.epochs[0].validation_metrics.empty());
}

TEST(Fit, WithoutKeptRecordsOnlyTheCallbackSeesThemAndTrainingIsTheSame) {
  const auto d = testdata::smooth_regression<double>(40);
  const auto v = testdata::smooth_regression<double>(15, 9);
  TrainConfig c = gd_config(0.2, 4, 10, true);
  Network<double> kept = testdata::tanh_network<double>({2, 5, 1});
  Network<double> streamed = kept;
  const History hk = fit<double>(kept, d.batch(), v.batch(), c);
  c.history.keep_records = false;
  std::vector<EpochRecord> seen;
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord& r) { seen.push_back(r); };
  const History hs = fit<double>(streamed, d.batch(), v.batch(), c, cb);
  EXPECT_TRUE(hs.epochs.empty());
  ASSERT_EQ(seen.size(), hk.epochs.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].epoch, hk.epochs[i].epoch);
    EXPECT_EQ(seen[i].train_loss, hk.epochs[i].train_loss);
    EXPECT_EQ(seen[i].validation_loss, hk.epochs[i].validation_loss);
  }
  EXPECT_EQ(hs.best_epoch, hk.best_epoch);
  EXPECT_EQ(params_of(streamed), params_of(kept));
}

TEST(Fit, TrainLossOverMoreRowsThanOneChunkIsTheMeanOverAllRows) {
  const long N = kPredictChunk + 904;  // two chunks
  const auto d = testdata::smooth_regression<double>(N);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  const History h = fit<double>(net, d.batch(), {}, gd_config(0.1, 1, 0));
  const double want = reference::batch_loss(net.architecture(), params_of(net), d.x, d.y, N);
  EXPECT_NEAR(h.epochs[0].train_loss, want, 1e-13 * want);
}

TEST(Fit, ZeroEpochsRecordsOnlyTheStart) {
  const auto d = testdata::smooth_regression<double>(8);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  const auto before = params_of(net);
  TrainConfig c = gd_config(0.1, 0, 0);
  c.history.every = 1;
  c.history.probe_rows = {0};
  const History h = fit<double>(net, d.batch(), {}, c);
  EXPECT_TRUE(h.epochs.empty());
  ASSERT_EQ(h.probes.size(), 1u);
  EXPECT_EQ(h.probes[0].epoch, 0);
  EXPECT_EQ(h.best_epoch, 0);
  EXPECT_EQ(params_of(net), before);
}

// A 1-1 identity network (ŷ = w·x + b) from w = b = 0, trained on y = x by gd with a small
// rate: w climbs monotonically towards 1. Validation targets are y = 0.5x, so the validation
// loss falls while w < ~0.5 and rises after: a minimum in the middle of training.
struct Linear {
  std::vector<double> x{-1, -0.5, 0.5, 1}, y = x, vy{-0.5, -0.25, 0.25, 0.5};
  Network<double> net{Architecture{
      {1, 1}, {Activation::of(ActivationKind::identity)}, LossKind::half_squared_error}};
};

TEST(Fit, EarlyStoppingStopsAfterPatienceAndRestoresTheBestEpoch) {
  Linear p;
  TrainConfig c = gd_config(0.05, 500, 0);
  c.early_stopping.enabled = true;
  c.early_stopping.patience = 5;
  std::vector<std::vector<double>> params{params_of(p.net)};  // params[e] after e epochs
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord&) { params.push_back(params_of(p.net)); };
  const History h =
      fit<double>(p.net, {p.x.data(), p.y.data(), 4}, {p.x.data(), p.vy.data(), 4}, c, cb);
  EXPECT_TRUE(h.stopped_early);
  // The best epoch is the validation minimum, and training ran exactly `patience` beyond it.
  int argmin = 1;
  for (const EpochRecord& r : h.epochs)
    if (r.validation_loss < h.epochs[argmin - 1].validation_loss) argmin = r.epoch;
  EXPECT_EQ(h.best_epoch, argmin);
  EXPECT_GT(h.best_epoch, 5);
  EXPECT_EQ(int(h.epochs.size()), h.best_epoch + 5);
  EXPECT_EQ(params_of(p.net), params[h.best_epoch]);
  EXPECT_NEAR(p.net.parameters()[0], 0.5, 0.05);  // w near the validation optimum

  // restore_best = false keeps the last epoch's parameters.
  Linear q;
  c.early_stopping.restore_best = false;
  const History h2 =
      fit<double>(q.net, {q.x.data(), q.y.data(), 4}, {q.x.data(), q.vy.data(), 4}, c);
  EXPECT_EQ(h2.best_epoch, h.best_epoch);
  EXPECT_EQ(params_of(q.net), params.back());
}

TEST(Fit, EarlyStoppingWithoutValidationWatchesTheTrainingLossAndMinDelta) {
  // Improvements of ~1e-7 per epoch never beat min_delta 1e-3: the first epoch is the best
  // and training stops after `patience` more.
  Linear p;
  TrainConfig c = gd_config(1e-6, 100, 0);
  c.early_stopping.enabled = true;
  c.early_stopping.patience = 3;
  c.early_stopping.min_delta = 1e-3;
  const History h = fit<double>(p.net, {p.x.data(), p.y.data(), 4}, {}, c);
  EXPECT_TRUE(h.stopped_early);
  EXPECT_EQ(h.best_epoch, 1);
  EXPECT_EQ(h.epochs.size(), 4u);
  EXPECT_LT(h.epochs[3].train_loss, h.epochs[0].train_loss);  // it did improve, by too little
}

TEST(Fit, ScheduleSeesTheMonitoredLossOfTheEpochBefore) {
  // reduce_on_plateau on the validation loss, which turns upwards mid-training: replaying the
  // records' validation losses through a fresh Schedule gives the rates fit used.
  Linear p;
  TrainConfig c = gd_config(0.05, 60, 0);
  c.schedule.kind = ScheduleKind::reduce_on_plateau;
  c.schedule.patience = 3;
  c.schedule.factor = 0.5;
  const History h =
      fit<double>(p.net, {p.x.data(), p.y.data(), 4}, {p.x.data(), p.vy.data(), 4}, c);
  Schedule replay(c.schedule, 0.05);
  for (std::size_t i = 0; i < h.epochs.size(); ++i) {
    const double before = i == 0 ? NAN : h.epochs[i - 1].validation_loss;
    EXPECT_EQ(h.epochs[i].learning_rate, replay.rate(int(i), before)) << "epoch " << i + 1;
  }
  EXPECT_LT(h.epochs.back().learning_rate, 0.05 / 4);  // it did reduce, more than once
}

TEST(Fit, DivergenceNamesEpochLayerLossAndRateAndRestoresTheLastFiniteState) {
  // 1-1-1 identity network with W1 = b1 = W2 = 0: only b2's gradient (ŷ - y = -10) is not
  // zero, so the first update with η = 1e308 sends b2 to +inf and leaves layer 1 alone.
  Network<double> net(Architecture{
      {1, 1, 1},
      {Activation::of(ActivationKind::identity), Activation::of(ActivationKind::identity)},
      LossKind::half_squared_error});
  const double x = 1, y = 10;
  const auto before = params_of(net);
  try {
    fit<double>(net, {&x, &y, 1}, {}, gd_config(1e308, 5, 0));
    FAIL() << "no DivergenceError";
  } catch (const DivergenceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "training diverged at epoch 1: layer 2 biases are not finite (loss 50); lower the "
              "learning rate (now 1e+308)");
    EXPECT_EQ(e.epoch(), 1);
  }
  EXPECT_EQ(params_of(net), before);
}

TEST(Fit, GradualDivergenceLeavesFiniteParameters) {
  const auto d = testdata::smooth_regression<double>(30);
  Network<double> net = testdata::tanh_network<double>({2, 8, 1});
  TrainConfig c = gd_config(40, 2000, 0);
  int last_epoch = 0;
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord& r) { last_epoch = r.epoch; };
  try {
    fit<double>(net, d.batch(), {}, c, cb);
    FAIL() << "no DivergenceError";
  } catch (const DivergenceError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("training diverged at epoch " + std::to_string(e.epoch()) + ": ", 0), 0u)
        << m;
    // The loss explodes a million-fold past its starting value before anything overflows:
    // the growth is named, with the largest parameter and where it is.
    EXPECT_NE(m.find("the loss grew from "), std::string::npos) << m;
    EXPECT_NE(m.find("largest |parameter| "), std::string::npos) << m;
    EXPECT_NE(m.find(" in layer "), std::string::npos) << m;
    EXPECT_NE(m.find("lower the learning rate (now 40)"), std::string::npos) << m;
    EXPECT_EQ(e.epoch(), last_epoch + 1);  // the epoch in progress
  }
  for (const double v : net.parameters()) EXPECT_TRUE(std::isfinite(v));
}

// The reference of "the loss grew from" is the initial network's mean loss over all the
// training rows (reference::batch_loss), also when the batches are smaller: fit() computes
// it only when a decision needs it (trainer.cpp), and the decisions must be the same.
TEST(Fit, AMiniBatchExplosionIsMeasuredFromTheInitialLossOverAllRows) {
  const auto d = testdata::smooth_regression<double>(30);
  Network<double> net = testdata::tanh_network<double>({2, 8, 1});
  const std::vector<double> p0 = params_of(net);
  const double initial = reference::batch_loss(net.architecture(), p0, d.x, d.y, d.rows);
  char text[32];
  std::snprintf(text, sizeof text, "%g", initial);  // as the message prints it
  for (const bool shuffle : {false, true}) {
    Network<double> n = net;
    TrainConfig c = gd_config(40, 2000, 5, shuffle);
    std::vector<double> losses;  // the completed epochs'
    TrainCallbacks<double> cb;
    cb.on_epoch = [&](const EpochRecord& r) { losses.push_back(r.train_loss); };
    try {
      fit<double>(n, d.batch(), {}, c, cb);
      FAIL() << "no DivergenceError";
    } catch (const DivergenceError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("the loss grew from " + std::string(text) + " to "), std::string::npos)
          << m << " (initial " << initial << ")";
      // At the first epoch past the threshold, not later.
      EXPECT_EQ(e.epoch(), int(losses.size()) + 1);
      for (const double l : losses) EXPECT_LE(l, 1e6 * initial);
    }
  }
}

// The first batch bounds the initial loss from below by its share of the rows (c/N of its
// mean): here it holds all of the loss (6x the mean over all rows), and an epoch's loss of
// 2e6 x the initial one, put there by a callback, must still be caught at once.
TEST(Fit, TheFirstBatchBoundsTheInitialLossByItsShareOfTheRows) {
  auto d = testdata::smooth_regression<double>(12);
  Network<double> net = testdata::tanh_network<double>({2, 4, 1});
  const std::vector<double> p0 = params_of(net);
  for (long r = 0; r < d.rows; ++r)  // rows 2.. fit exactly; rows 0 and 1 are 10 off
    d.y[std::size_t(r)] =
        reference::forward(net.architecture(), p0, {d.x.data() + 2 * r, 2}, {d.y.data() + r, 1})
            .out.back()[0] +
        (r < 2 ? 10.0 : 0.0);
  const double initial = reference::batch_loss(net.architecture(), p0, d.x, d.y, d.rows);
  ASSERT_NEAR(initial, 2 * 50.0 / 12, 1e-9);
  TrainConfig c = gd_config(1e-12, 3, 2);  // batches of 2 in row order: rows 0 and 1 first
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord& r) {  // every prediction 2000·√initial higher
    if (r.epoch == 1) net.biases(2)[0] += std::sqrt(2 * 2e6 * initial);
  };
  try {
    fit<double>(net, d.batch(), {}, c, cb);
    FAIL() << "no DivergenceError";
  } catch (const DivergenceError& e) {
    EXPECT_EQ(e.epoch(), 2) << e.what();
  }
}

// Every row's loss is finite at the start but their sum overflows: the data is at fault
// (UsageError, the parameters as they came in), not the learning rate, although no batch
// loss is ever infinite; with the loss over all rows or the batches' mean.
TEST(Fit, ALossThatOverflowsOnlyOverAllRowsIsBadData) {
  auto d = testdata::smooth_regression<double>(12);
  for (double& v : d.y) v = 1e154;  // ½(ŷ - y)² ≈ 5e307 per row: 2 rows finite, 12 not
  const Network<double> net = testdata::tanh_network<double>({2, 4, 1});
  TrainConfig c = gd_config(1e-3, 2, 2);
  c.optimizer.kind = OptimizerKind::adam;  // steps of about η whatever the gradient
  for (const EpochLoss el : {EpochLoss::batch_mean, EpochLoss::full_pass}) {
    Network<double> n = net;
    c.epoch_loss = el;
    try {
      fit<double>(n, d.batch(), {}, c);
      FAIL() << "no UsageError (" << epoch_loss_name(el) << ")";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), kBadDataMessage);
    }
    EXPECT_EQ(params_of(n), params_of(net)) << epoch_loss_name(el);
  }
  // Gradient descent with steps that make the next batch's loss overflow (η 1e6) or the
  // parameters themselves (η 1e300, put back from the copy the update bound asks for).
  for (const double lr : {1e6, 1e300}) {
    Network<double> n = net;
    try {
      fit<double>(n, d.batch(), {}, gd_config(lr, 2, 2));
      FAIL() << "no UsageError (η " << lr << ")";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), kBadDataMessage);
    }
    EXPECT_EQ(params_of(n), params_of(net)) << "η " << lr;
  }
}

// Cross-entropy's targets are class probabilities: a negative one is named, before training.
TEST(Fit, ANegativeCrossEntropyTargetIsAUsageError) {
  Network<double> net(Architecture{
      {2, 3}, {Activation::of(ActivationKind::softmax)}, LossKind::softmax_cross_entropy});
  const std::vector<double> x{0.1, 0.2, 0.3, 0.4}, y{0, 1, 0, 1, -0.5, 0.5}, vx{0, 0}, vy{0, 0, -1};
  try {
    fit<double>(net, {x.data(), y.data(), 2}, {}, gd_config(0.1, 1, 0));
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "softmax_cross_entropy needs targets >= 0 (class probabilities, such as one-hot "
              "rows): training row 1, output 1 is -0.5");
  }
  const std::vector<double> ok{0, 1, 0, 0.5, 0, 0.5};
  try {
    fit<double>(net, {x.data(), ok.data(), 2}, {vx.data(), vy.data(), 1}, gd_config(0.1, 1, 0));
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(": validation row 0, output 2 is -1"), std::string::npos)
        << e.what();
  }
  Network<float> f(net.architecture());  // float targets too
  const std::vector<float> fx{0.1f, 0.2f, 0.3f, 0.4f}, fy{0, 1, 0, 0, 0, -1e-30f};
  EXPECT_THROW(fit<float>(f, {fx.data(), fy.data(), 2}, {}, gd_config(0.1, 1, 0)), UsageError);
  EXPECT_NO_THROW(fit<double>(net, {x.data(), ok.data(), 2}, {}, gd_config(0.1, 1, 0)));
}

// A first batch that the initial network happens to fit (a lower bound of the initial loss
// near 0) must not make an ordinary loss look like an explosion: the exact initial loss
// over all rows decides.
TEST(Fit, AFirstBatchThatFitsDoesNotLowerTheDivergenceThreshold) {
  auto d = testdata::smooth_regression<double>(12);
  Network<double> net = testdata::tanh_network<double>({2, 4, 1});
  const std::vector<double> p0 = params_of(net);
  // Row 0's target is the initial prediction (loss 0); the others are large.
  d.y[0] =
      reference::forward(net.architecture(), p0, {d.x.data(), 2}, {d.y.data(), 1}).out.back()[0];
  for (long r = 1; r < d.rows; ++r) d.y[std::size_t(r)] = 1000.0 + double(r);
  TrainConfig c = gd_config(1e-9, 3, 1);  // stochastic, in row order: row 0 first
  c.epoch_loss = EpochLoss::batch_mean;
  Network<double> manual = net;
  History h;
  ASSERT_NO_THROW(h = fit<double>(net, d.batch(), {}, c));
  ASSERT_EQ(h.epochs.size(), 3u);
  // A million times the first row's share would have been crossed at once, so the exact
  // loss was computed (from the initial parameters, put in and taken out again): training
  // went on with its own parameters, bit for bit the written-out loop's.
  EXPECT_GT(h.epochs[0].train_loss, 1e5);
  for (int e = 0; e < 3; ++e) manual_gd_epoch(manual, d, identity_order(d.rows), 1, 1e-9);
  EXPECT_EQ(params_of(net), params_of(manual));
}

// A loss that is not finite at the initial parameters is the data's fault, wherever the row
// is: the same error as when it is in the first batch, and the parameters as they were.
TEST(Fit, ALossNotFiniteAtTheStartIsBadDataInAnyBatch) {
  auto d = testdata::smooth_regression<double>(12);
  d.y[9] = 1e300;  // (ŷ - y)² overflows
  for (const long batch : {0L, 4L, 1L}) {
    for (const bool shuffle : {false, true}) {
      Network<double> net = testdata::tanh_network<double>({2, 4, 1});
      const std::vector<double> p0 = params_of(net);
      TrainConfig c = gd_config(0.1, 3, batch, shuffle);
      try {
        fit<double>(net, d.batch(), {}, c);
        FAIL() << "no UsageError (batch " << batch << ")";
      } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()), kBadDataMessage);
      }
      EXPECT_EQ(params_of(net), p0) << "batch " << batch << " shuffle " << shuffle;
    }
  }
}

std::vector<int> probe_epochs(int every, int last, int epochs) {
  const auto d = testdata::smooth_regression<double>(6);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  TrainConfig c = gd_config(0.1, epochs, 0);
  c.history.every = every;
  c.history.last = last;
  c.history.probe_rows = {1, 4};
  const History h = fit<double>(net, d.batch(), {}, c);
  std::vector<int> v;
  for (const ProbeState& p : h.probes) v.push_back(p.epoch);
  return v;
}

TEST(Fit, HistoryPolicyEveryAndLastRing) {
  EXPECT_EQ(probe_epochs(1, 0, 5), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(probe_epochs(3, 0, 10), (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(probe_epochs(1, 2, 5), (std::vector<int>{0, 4, 5}));
  EXPECT_EQ(probe_epochs(2, 3, 11), (std::vector<int>{0, 6, 8, 10}));
  EXPECT_EQ(probe_epochs(2, 3, 12), (std::vector<int>{0, 8, 10, 12}));
  EXPECT_EQ(probe_epochs(1, 10, 3), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(probe_epochs(0, 0, 5), (std::vector<int>{}));
}

TEST(Fit, ProbeStatesTraceTheProbeRowsWithThatEpochsParameters) {
  const auto d = testdata::smooth_regression<double>(6);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  std::vector<std::vector<double>> params{params_of(net)};
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord&) { params.push_back(params_of(net)); };
  TrainConfig c = gd_config(0.1, 4, 0);
  c.history.every = 2;
  c.history.probe_rows = {5, 2};
  const History h = fit<double>(net, d.batch(), {}, c, cb);
  ASSERT_EQ(h.probes.size(), 3u);
  for (const ProbeState& p : h.probes) {
    ASSERT_EQ(p.trace.samples.size(), 2u);
    // Weight and bias values are that epoch's parameters; the inputs are rows 5 and 2.
    const std::vector<double>& want = params[p.epoch];
    std::vector<double> got(want.size());
    const SampleTrace& s0 = p.trace.samples[0];
    std::size_t wi = 0, bi = 0;
    for (int l = 1; l <= 2; ++l) {  // trace order: weights and biases each in flat order
      const std::size_t wo = net.layout().weight_offset[l - 1],
                        bo = net.layout().bias_offset[l - 1];
      for (std::size_t k = wo; k < bo; ++k) got[k] = s0.weights[wi++].value;
      for (int j = 0; j < net.architecture().widths[l]; ++j) got[bo + j] = s0.biases[bi++].value;
    }
    EXPECT_EQ(got, want);
    EXPECT_EQ(p.trace.samples[0].nodes[0].in, d.x[5 * 2]);
    EXPECT_EQ(p.trace.samples[1].nodes[1].in, d.x[2 * 2 + 1]);
    // And the whole trace is trace_batch's on those rows with those parameters.
    Network<double> at(net.architecture());
    std::copy(want.begin(), want.end(), at.parameters().begin());
    const double px[] = {d.x[10], d.x[11], d.x[4], d.x[5]}, py[] = {d.y[5], d.y[2]};
    const BatchTrace t = trace_batch(at, px, py, 2);
    EXPECT_EQ(p.trace.loss, t.loss);
    EXPECT_EQ(p.trace.weight_grad, t.weight_grad);
  }
}

TEST(Fit, HistoryBudgetIsCheckedBeforeTraining) {
  const auto d = testdata::smooth_regression<double>(6);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  const auto before = params_of(net);
  const double px[] = {d.x[0], d.x[1]}, py[] = {d.y[0]};
  const std::size_t state =
      sizeof(ProbeState) - sizeof(BatchTrace) + trace_bytes(trace_batch(net, px, py, 1));
  TrainConfig c = gd_config(0.1, 1000, 0);
  c.history.every = 1;
  c.history.probe_rows = {0};
  c.history.memory_budget = 1001 * state - 1;  // one byte short of 1001 states
  int epochs_run = 0;
  TrainCallbacks<double> cb;
  cb.on_epoch = [&](const EpochRecord&) { ++epochs_run; };
  try {
    fit<double>(net, d.batch(), {}, c, cb);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("history would need ", 0), 0u) << m;
    EXPECT_NE(m.find(" for 1001 states of "), std::string::npos) << m;
    // 1000 states fit: every 2 gives 1 + 500, last 999 gives 1 + 999.
    EXPECT_NE(m.find("raise --history-budget, record --history-every 2, or keep "
                     "--history-last 999"),
              std::string::npos)
        << m;
  }
  EXPECT_EQ(epochs_run, 0);
  EXPECT_EQ(params_of(net), before);
  // Exactly enough is enough; so is a ring that fits.
  c.epochs = 3;
  c.history.memory_budget = 4 * state;
  EXPECT_EQ(fit<double>(net, d.batch(), {}, c).probes.size(), 4u);
  c.epochs = 1000;
  c.history.last = 3;
  EXPECT_EQ(fit<double>(net, d.batch(), {}, c).probes.size(), 4u);
}

TEST(Fit, ShouldStopInterruptsBetweenBatchesKeepingTheCurrentState) {
  const auto d = testdata::smooth_regression<double>(12);
  const TrainConfig c = gd_config(0.1, 10, 4, true);  // 3 batches per epoch
  const auto run = [&](int epochs, long stop_at_poll, History* out) {
    Network<double> net = testdata::tanh_network<double>({2, 4, 1});
    TrainConfig cc = c;
    cc.epochs = epochs;
    long polls = 0;
    TrainCallbacks<double> cb;
    cb.should_stop = [&] { return ++polls == stop_at_poll; };
    *out = fit<double>(net, d.batch(), {}, cc, cb);
    return params_of(net);
  };
  History two, at7, at8;
  const auto after_two = run(2, 0, &two);
  EXPECT_FALSE(two.interrupted);
  const auto p7 = run(10, 7, &at7);  // poll 7 is before epoch 3's first batch
  EXPECT_TRUE(at7.interrupted);
  EXPECT_EQ(at7.epochs.size(), 2u);
  EXPECT_EQ(p7, after_two);
  const auto p8 = run(10, 8, &at8);  // one batch of epoch 3 done: kept, but not recorded
  EXPECT_TRUE(at8.interrupted);
  EXPECT_EQ(at8.epochs.size(), 2u);
  EXPECT_NE(p8, after_two);
}

TEST(Fit, EveryOptimizerTrainsInFloatAndDouble) {
  for (const std::string& name : optimizer_names()) {
    SCOPED_TRACE(name);
    const auto run = [&](auto zero) {
      using T = decltype(zero);
      const auto d = testdata::smooth_regression<T>(64);
      Network<T> net = testdata::tanh_network<T>({2, 6, 1});
      TrainConfig c;
      c.optimizer.kind = parse_optimizer(name);
      c.optimizer.learning_rate = c.optimizer.kind == OptimizerKind::gd ||
                                          c.optimizer.kind == OptimizerKind::momentum ||
                                          c.optimizer.kind == OptimizerKind::nesterov
                                      ? 0.02
                                      : 0.005;
      c.optimizer.weight_decay = 1e-4;
      c.batch_size = c.optimizer.kind == OptimizerKind::lbfgs ? 0 : 16;
      c.epochs = 30;
      c.history.every = 0;
      const History h = fit<T>(net, d.batch(), {}, c);
      Propagator<T> pass(net.architecture());
      const Network<T> start = testdata::tanh_network<T>({2, 6, 1});
      pass.forward(start, d.x.data(), d.rows);
      return std::pair{pass.loss(d.y.data()), h.epochs.back().train_loss};
    };
    const auto [f0, f1] = run(0.0f);
    const auto [d0, d1] = run(0.0);
    EXPECT_LT(f1, 0.5 * f0);
    EXPECT_LT(d1, 0.5 * d0);
    // First-order rules follow the same path in float and double; lbfgs' line search takes
    // different branches on round-off, so only its progress is compared.
    if (name != "lbfgs") {
      EXPECT_NEAR(f1, d1, 0.05 * d1) << "float and double follow one path";
    }
  }
}

TEST(Fit, NoAllocationInsideTheBatchLoopAfterTheFirstEpoch) {
  for (const long B : {1L, 7L}) {
    SCOPED_TRACE("batch size " + std::to_string(B));
    const auto d = testdata::smooth_regression<double>(40);
    Network<double> net = testdata::tanh_network<double>({2, 16, 8, 1});
    TrainConfig c = gd_config(0.01, 3, B, true);
    c.optimizer.kind = OptimizerKind::adam;
    c.history.every = 1;
    c.history.probe_rows = {0, 1};
    std::vector<long> deltas;
    deltas.reserve(1000);
    int completed = 0, poll_epoch = -1;
    long last = 0;
    TrainCallbacks<double> cb;
    cb.on_epoch = [&](const EpochRecord&) { ++completed; };
    cb.should_stop = [&] {
      // Allocations since the previous poll of the same epoch: one batch's worth of work.
      if (completed >= 1 && poll_epoch == completed)
        deltas.push_back(testdata::allocation_count() - last);
      poll_epoch = completed;
      last = testdata::allocation_count();
      return false;
    };
    fit<double>(net, d.batch(), {}, c, cb);
    const long per_epoch = (40 + B - 1) / B;
    EXPECT_EQ(long(deltas.size()), 2 * (per_epoch - 1));
    for (const long n : deltas) EXPECT_EQ(n, 0);
  }
}

TEST(Fit, BadArgumentsAreUsageErrors) {
  const auto d = testdata::smooth_regression<double>(6);
  Network<double> net = testdata::tanh_network<double>({2, 3, 1});
  TrainConfig c = gd_config(0.1, 2, 0);
  EXPECT_THROW(fit<double>(net, {d.x.data(), d.y.data(), 0}, {}, c), UsageError);
  EXPECT_THROW(fit<double>(net, {nullptr, d.y.data(), 6}, {}, c), UsageError);
  TrainConfig bad = c;
  bad.epochs = -1;
  EXPECT_THROW(fit<double>(net, d.batch(), {}, bad), UsageError);
  bad = c;
  bad.batch_size = -3;
  EXPECT_THROW(fit<double>(net, d.batch(), {}, bad), UsageError);
  bad = c;
  bad.history.every = 1;
  bad.history.probe_rows = {6};
  try {
    fit<double>(net, d.batch(), {}, bad);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("probe row 6"), std::string::npos) << e.what();
  }
  bad = c;
  bad.optimizer.learning_rate = -1;
  EXPECT_THROW(fit<double>(net, d.batch(), {}, bad), UsageError);
  bad = c;
  bad.schedule.kind = ScheduleKind::step;
  bad.schedule.step_size = 0;
  EXPECT_THROW(fit<double>(net, d.batch(), {}, bad), UsageError);
  // A network with a binary_step layer cannot be trained.
  Network<double> step(Architecture{
      {2, 2, 1},
      {Activation::of(ActivationKind::binary_step), Activation::of(ActivationKind::identity)},
      LossKind::half_squared_error});
  EXPECT_ANY_THROW(fit<double>(step, d.batch(), {}, c));
}

TEST(Predict, ChunksGiveTheSameRowsAsOneForwardPassPerRow) {
  const long N = kPredictChunk + 5;
  const auto d = testdata::smooth_regression<double>(N);
  const Network<double> net = testdata::tanh_network<double>({2, 5, 1});
  const std::vector<double> out = predict(net, d.x.data(), N);
  ASSERT_EQ(out.size(), std::size_t(N));
  Propagator<double> pass(net.architecture());
  for (const long r : {0L, 1L, kPredictChunk - 1, kPredictChunk, N - 1})
    EXPECT_NEAR(out[r], pass.forward(net, d.x.data() + r * 2, 1)[0], 1e-14) << r;
  EXPECT_TRUE(predict(net, d.x.data(), 0).empty());
  EXPECT_THROW(predict(net, d.x.data(), -1), UsageError);
  const Network<float> nf = net.cast<float>();
  const std::vector<float> xf(d.x.begin(), d.x.begin() + 20);
  EXPECT_NEAR(predict(nf, xf.data(), 10)[3], out[3], 1e-5);
}

}  // namespace

namespace {
using namespace annlab;

// The same inputs give the same bits wherever the heap puts the buffers: the engine's
// reductions have a fixed order (a vectorized reduction that peels by alignment would not).
// Each run is preceded by a held allocation of a different size, which moves every later
// buffer to another offset modulo the vector width.
TEST(Fit, ResultsDoNotDependOnWhereTheHeapPutsTheBuffers) {
  const auto d = testdata::smooth_regression<float>(300);
  TrainConfig c;
  c.optimizer.kind = OptimizerKind::momentum;
  c.optimizer.learning_rate = 0.01;
  c.batch_size = 32;
  c.epochs = 2;
  c.seed = 3;
  std::vector<float> first;
  for (int shift = 0; shift < 12; ++shift) {
    std::vector<char> hold(static_cast<std::size_t>(1 + 8 * shift));
    // Wide enough for the GEMM kernel (32 x 64 x 64 >= 4096) and the bias reduction.
    Network<float> net = testdata::tanh_network<float>({2, 64, 64, 1});
    fit<float>(net, d.batch(), {}, c);
    const auto p = testdata::params_of(net);
    if (shift == 0) {
      first = p;
      continue;
    }
    ASSERT_EQ(std::memcmp(p.data(), first.data(), p.size() * sizeof(float)), 0)
        << "parameters differ with heap shift " << shift;
    (void)hold;
  }
}

}  // namespace

namespace {

// Threads (TrainConfig::threads) change nothing in the results: a network wide enough that
// its products are cut in two (parallel.hpp), trained with 1, 2 and 3 threads.
void same_bits_on_every_thread_count(long l0) {
  const long N = 96;
  std::vector<float> x(std::size_t(N * l0)), y(std::size_t(N * 4), 0.0f);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i) * 0.37));
  for (long r = 0; r < N; ++r) y[std::size_t(r * 4 + r % 4)] = 1.0f;
  const Activation relu = Activation::of(ActivationKind::relu);
  const Architecture arch{
      {int(l0), 256, 128, 4},
      {relu, Activation::of(ActivationKind::tanh), Activation::of(ActivationKind::softmax)},
      LossKind::softmax_cross_entropy};
  std::vector<std::vector<float>> params;
  std::vector<double> losses;
  for (const int threads : {1, 2, 3}) {
    Network<float> net = Network<double>(arch).cast<float>();
    for (std::size_t i = 0; i < net.parameters().size(); ++i)
      net.parameters()[i] = float(0.05 * std::cos(double(i) * 1.3));
    TrainConfig c = gd_config(1e-3, 2, 32, true);
    c.optimizer.kind = OptimizerKind::adam;
    c.threads = threads;
    const History h = fit<float>(net, {x.data(), y.data(), N}, {}, c);
    params.emplace_back(net.parameters().begin(), net.parameters().end());
    losses.push_back(h.epochs.back().train_loss);
  }
  for (std::size_t t = 1; t < params.size(); ++t) {
    EXPECT_TRUE(params[t] == params[0]) << "threads " << t + 1;
    EXPECT_EQ(losses[t], losses[0]);
  }
}

TEST(Fit, EveryThreadCountGivesTheSameBits) {
  // 300 inputs: 0.44 MB of gradient (each half's gradient, added); 1100: 1.26 MB
  // (node_half_gradient).
  for (const long l0 : {300L, 1100L}) {
    SCOPED_TRACE(l0);
    same_bits_on_every_thread_count(l0);
  }
}

// Every rule keeps a finite state when an update overflows: with η = 1e308 the bound
// (Optimizer::step_bound) cannot prove the update finite, so fit keeps the copy it restores.
TEST(Fit, EveryRuleRestoresTheLastFiniteStateAfterAnOverflowingUpdate) {
  for (const OptimizerKind kind :
       {OptimizerKind::gd, OptimizerKind::momentum, OptimizerKind::nesterov, OptimizerKind::rmsprop,
        OptimizerKind::adam, OptimizerKind::adamw}) {
    Network<double> net(Architecture{
        {1, 1, 1},
        {Activation::of(ActivationKind::identity), Activation::of(ActivationKind::identity)},
        LossKind::half_squared_error});
    const double x = 1, y = 10;
    TrainConfig c = gd_config(1e308, 50, 0);
    c.optimizer.kind = kind;
    EXPECT_THROW(fit<double>(net, {&x, &y, 1}, {}, c), DivergenceError) << optimizer_name(kind);
    for (const double v : net.parameters()) EXPECT_TRUE(std::isfinite(v)) << optimizer_name(kind);
  }
}

}  // namespace

namespace {

// A wide-input regression whose batches fit() cuts into two row halves (trainer.cpp: at
// least 16 rows and 2^17 multiply-adds per batch): 24 inputs, 64 and 32 hidden nodes.
struct WideProblem {
  long rows = 96;
  std::vector<double> x, y;
  WideProblem() {
    for (long r = 0; r < rows; ++r) {
      double s = 0;
      for (int i = 0; i < 24; ++i) {
        const double v = std::sin(0.37 * double(r * 24 + i)) + 0.1 * double(i % 3);
        x.push_back(v);
        s += v * double(i % 5 - 2);
      }
      y.push_back(std::tanh(0.2 * s));
    }
  }
  Batch<double> batch() const { return {x.data(), y.data(), rows}; }
};

// θ ← θ - η·(1/c)·Σ_rows ∂ℓ/∂θ over rows [r0, r0 + c), and the batch's mean loss before the
// update, by the naive reference path (one sample at a time, plain loops).
double reference_gd_batch(const Architecture& arch, std::vector<double>& theta,
                          const std::vector<double>& x, const std::vector<double>& y, long r0,
                          long c, double lr) {
  const long l0 = arch.inputs(), ln = arch.outputs();
  std::vector<double> g(theta.size(), 0.0);
  double loss = 0;
  for (long r = r0; r < r0 + c; ++r) {
    const auto s = reference::forward_backward(
        arch, theta, std::span<const double>(x.data() + r * l0, std::size_t(l0)),
        std::span<const double>(y.data() + r * ln, std::size_t(ln)));
    loss += s.loss;
    for (std::size_t i = 0; i < g.size(); ++i) g[i] += s.grad[i];
  }
  for (std::size_t i = 0; i < g.size(); ++i) theta[i] -= lr * g[i] / double(c);
  return loss / double(c);
}

// EpochLoss::batch_mean records the row-weighted mean of the epoch's batch losses, each taken
// before its update; the reference path replays the same gd updates and losses. Both for a
// narrow network (one propagator) and a wide one (two row halves of 21 and 20 rows for the
// batches of 41; the last batch of 14 rows is too small to cut): 96 rows in batches of 41.
TEST(Fit, BatchMeanLossIsTheMeanOfTheBatchLossesBeforeEachUpdate) {
  const WideProblem d;
  for (const std::vector<int>& widths : {std::vector<int>{24, 3, 1}, {24, 64, 32, 1}}) {
    Network<double> net = testdata::tanh_network<double>(widths, 4);
    const Architecture arch = net.architecture();
    std::vector<double> theta = params_of(net);
    TrainConfig c = gd_config(0.05, 3, 41);
    c.epoch_loss = EpochLoss::batch_mean;
    const History h = fit<double>(net, d.batch(), {}, c);
    ASSERT_EQ(h.epochs.size(), 3u);
    for (int e = 0; e < 3; ++e) {
      double sum = 0;
      for (long start = 0; start < d.rows; start += 41) {
        const long n = std::min(41L, d.rows - start);
        sum += double(n) * reference_gd_batch(arch, theta, d.x, d.y, start, n, 0.05);
      }
      EXPECT_NEAR(h.epochs[std::size_t(e)].train_loss, sum / double(d.rows), 1e-12)
          << "epoch " << e + 1 << ", widths " << arch.describe();
    }
    for (std::size_t i = 0; i < theta.size(); ++i)
      ASSERT_NEAR(net.parameters()[i], theta[i], 1e-12) << arch.describe() << " parameter " << i;
  }
}

// The training loss is only read: both conventions train the same parameters, bit for bit,
// and with the full batch, batch_mean's loss at epoch e is full_pass's at epoch e - 1 (the
// loss before the epoch's one update; epoch 1's is the initial network's).
TEST(Fit, BothEpochLossesTrainTheSameParameters) {
  const WideProblem d;
  for (const long B : {0L, 41L}) {
    std::vector<double> losses[2], params[2];
    for (const EpochLoss mode : {EpochLoss::full_pass, EpochLoss::batch_mean}) {
      Network<double> net = testdata::tanh_network<double>({24, 64, 32, 1}, 2);
      TrainConfig c = gd_config(0.05, 4, B, /*shuffle=*/true);
      c.epoch_loss = mode;
      const History h = fit<double>(net, d.batch(), {}, c);
      for (const EpochRecord& r : h.epochs) losses[int(mode)].push_back(r.train_loss);
      params[int(mode)] = params_of(net);
    }
    EXPECT_TRUE(params[0] == params[1]) << "batch " << B;
    if (B == 0) {
      const Network<double> start = testdata::tanh_network<double>({24, 64, 32, 1}, 2);
      EXPECT_NEAR(losses[1][0],
                  reference::batch_loss(start.architecture(), start.parameters(), d.x, d.y, d.rows),
                  1e-12);
      for (std::size_t e = 1; e < 4; ++e) EXPECT_NEAR(losses[1][e], losses[0][e - 1], 1e-12);
    }
  }
}

// With batch_mean the training metrics see each batch's predictions next to that batch's
// own (shuffled) targets: for a squared error on one output, the metric mean (ŷ - y)² is the
// recorded loss (mean_squared_error), which only holds if every prediction meets its target.
TEST(Fit, BatchMeanMetricsPairEachPredictionWithItsTarget) {
  const WideProblem d;
  for (const std::vector<int>& widths : {std::vector<int>{24, 3, 1}, {24, 64, 32, 1}}) {
    Network<double> net = testdata::tanh_network<double>(widths, 3);
    std::vector<Activation> acts = net.architecture().activations;
    net = Network<double>(Architecture{widths, acts, LossKind::mean_squared_error});
    for (std::size_t i = 0; i < net.parameters().size(); ++i)
      net.parameters()[i] = 0.1 * std::sin(double(i));
    TrainConfig c = gd_config(0.02, 3, 41, /*shuffle=*/true);  // halves of 21 and 20 rows
    c.epoch_loss = EpochLoss::batch_mean;
    c.seed = 7;
    TrainCallbacks<double> cb;
    long calls = 0;
    cb.metrics = [&](const double* yhat, const double* y, long rows) {
      ++calls;
      EXPECT_EQ(rows, d.rows);
      double s = 0;
      for (long r = 0; r < rows; ++r) s += (yhat[r] - y[r]) * (yhat[r] - y[r]);
      return std::map<std::string, double>{{"mse", s / double(rows)}};
    };
    const History h = fit<double>(net, d.batch(), {}, c, cb);
    EXPECT_EQ(calls, 3);
    for (const EpochRecord& r : h.epochs)
      EXPECT_NEAR(r.train_metrics.at("mse"), r.train_loss, 1e-12 * r.train_loss) << r.epoch;
  }
}

// A batch cut into two row halves gives the reference path's mean gradient (one full-batch
// gd step of every optimizer-free kind: θ1 = θ0 - η·ḡ), float and double, at 1 and 2 threads;
// for a small network (each half's gradient, added) and a large one (1.15 MB of double
// gradient: node_half_gradient; its float twin, 0.58 MB, is small).
TEST(Fit, HalvedBatchesGiveTheReferenceGradient) {
  const WideProblem d;
  for (const std::vector<int>& widths :
       {std::vector<int>{24, 64, 32, 1}, std::vector<int>{24, 512, 256, 1}})
    for (const int threads : {1, 2}) {
      Network<double> net = testdata::tanh_network<double>(widths, 5);
      std::vector<double> theta = params_of(net);
      TrainConfig c = gd_config(0.1, 1, 0);
      c.threads = threads;
      fit<double>(net, d.batch(), {}, c);
      reference_gd_batch(net.architecture(), theta, d.x, d.y, 0, d.rows, 0.1);
      for (std::size_t i = 0; i < theta.size(); ++i)
        ASSERT_NEAR(net.parameters()[i], theta[i], 1e-13)
            << net.architecture().describe() << ", threads " << threads << ", " << i;

      Network<float> nf = testdata::tanh_network<float>(widths, 5);
      const std::vector<float> xf(d.x.begin(), d.x.end()), yf(d.y.begin(), d.y.end());
      fit<float>(nf, {xf.data(), yf.data(), d.rows}, {}, c);
      for (std::size_t i = 0; i < theta.size(); ++i)
        ASSERT_NEAR(nf.parameters()[i], theta[i], 2e-6)
            << nf.architecture().describe() << " float, threads " << threads << ", " << i;
    }
}

// Adam on batches cut into two row halves (each half's gradient, added): full-batch steps
// against Adam's formula (optimizer.hpp) written out on the reference path's mean gradient,
// at 1 and 2 threads. Three steps with η = 0.01; and one with η = 1e305, whose bound cannot
// prove the update finite (fit keeps a copy of the parameters) though the update is.
TEST(Fit, AdamOnHalvedBatchesIsTheReferenceUpdate) {
  const WideProblem d;
  for (const auto& [lr, steps] : {std::pair{0.01, 3}, {1e305, 1}})
    for (const int threads : {1, 2}) {
      Network<double> net = testdata::tanh_network<double>({24, 64, 32, 1}, 5);
      std::vector<double> theta = params_of(net), m(theta.size(), 0.0), v(theta.size(), 0.0);
      TrainConfig c = gd_config(lr, steps, 0);
      c.optimizer.kind = OptimizerKind::adam;
      c.epoch_loss = EpochLoss::batch_mean;  // no pass at the epoch's end (1e305: inf)
      c.threads = threads;
      fit<double>(net, d.batch(), {}, c);
      const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
      for (int t = 1; t <= steps; ++t) {
        std::vector<double> g(theta.size(), 0.0);
        for (long r = 0; r < d.rows; ++r) {
          const auto s = reference::forward_backward(
              net.architecture(), theta, std::span<const double>(d.x.data() + r * 24, 24),
              std::span<const double>(d.y.data() + r, 1));
          for (std::size_t i = 0; i < g.size(); ++i) g[i] += s.grad[i] / double(d.rows);
        }
        for (std::size_t i = 0; i < theta.size(); ++i) {
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
          const double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
          theta[i] -= lr * mhat / (std::sqrt(vhat) + eps);
        }
      }
      for (std::size_t i = 0; i < theta.size(); ++i)
        ASSERT_NEAR(net.parameters()[i], theta[i], 1e-12 * std::max(1.0, std::fabs(theta[i])))
            << "lr " << lr << ", threads " << threads << ", " << i;
    }
}

}  // namespace

namespace {

// predict() cuts a chunk with enough work into two fixed row halves whatever the thread
// count: ANNLAB_THREADS 1 and 2 give the same bits, and every row matches one propagator's
// forward pass over all rows (to rounding) and the reference path.
TEST(Predict, RowHalvesGiveTheSameBitsOnAnyThreadCount) {
  const WideProblem d;
  const Network<double> net = testdata::tanh_network<double>({24, 64, 32, 1}, 6);
  std::vector<std::vector<double>> outs;
  for (const char* threads : {"1", "2"}) {
    ::setenv("ANNLAB_THREADS", threads, 1);
    outs.push_back(predict(net, d.x.data(), d.rows));  // 96 rows: halves of 48
  }
  ::unsetenv("ANNLAB_THREADS");
  EXPECT_TRUE(outs[0] == outs[1]);
  Propagator<double> pass(net.architecture());
  const double* y = pass.forward(net, d.x.data(), d.rows);
  for (long r = 0; r < d.rows; ++r) {
    EXPECT_NEAR(outs[0][std::size_t(r)], y[r], 1e-13) << r;
    const auto ref = reference::forward(net.architecture(), net.parameters(),
                                        std::span<const double>(d.x.data() + r * 24, 24),
                                        std::span<const double>(&d.y[std::size_t(r)], 1));
    EXPECT_NEAR(outs[0][std::size_t(r)], ref.out.back()[0], 1e-12) << r;
  }
}

}  // namespace
