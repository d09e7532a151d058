// Learning-rate schedules against sequences worked out by hand from each formula
// (schedule.hpp): ℓ = 0 is the first epoch and always gives η0.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "annlab/core/error.hpp"
#include "annlab/train/schedule.hpp"

namespace {
using namespace annlab;

std::vector<double> sequence(const ScheduleConfig& c, double eta0, int n) {
  Schedule s(c, eta0);
  std::vector<double> v;
  for (int l = 0; l < n; ++l) v.push_back(s.rate(l, std::numeric_limits<double>::quiet_NaN()));
  return v;
}

void expect_sequence(const std::vector<double>& want, const std::vector<double>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-15 * std::abs(want[i])) << "ℓ = " << i;
}

TEST(Schedule, ConstantIsEta0) {
  expect_sequence({0.3, 0.3, 0.3}, sequence({}, 0.3, 3));
}

TEST(Schedule, ChapterDecayCompoundsFromEpochToEpoch) {
  // η_ℓ = η_(ℓ-1)/(1 + 0.1·ℓ): 1, 1/1.1, 1/(1.1·1.2) = 1/1.32, 1/(1.32·1.3) = 1/1.716,
  // 1/(1.716·1.4) = 1/2.4024.
  ScheduleConfig c;
  c.kind = ScheduleKind::chapter_decay;
  c.decay = 0.1;
  expect_sequence({1.0, 1 / 1.1, 1 / 1.32, 1 / 1.716, 1 / 2.4024}, sequence(c, 1.0, 5));
  // Not Keras' inverse time decay, which at ℓ = 2 would be 1/1.2.
  EXPECT_GT(std::abs(sequence(c, 1.0, 3)[2] - 1 / 1.2), 0.05);
  // Asked out of order, the whole product is formed: the same numbers.
  Schedule s(c, 2.0);
  EXPECT_NEAR(s.rate(3, 0), 2 / 1.716, 1e-15);
  EXPECT_NEAR(s.rate(4, 0), 2 / 2.4024, 1e-15);
  EXPECT_NEAR(s.rate(0, 0), 2.0, 0);
}

TEST(Schedule, InverseTimeIsKerasFormula) {
  // η0/(1 + 0.5·ℓ/2): 1, 1/1.25, 1/1.5, 1/1.75, 1/2.
  ScheduleConfig c;
  c.kind = ScheduleKind::inverse_time;
  c.decay = 0.5;
  c.decay_steps = 2;
  expect_sequence({1.0, 0.8, 2.0 / 3.0, 4.0 / 7.0, 0.5}, sequence(c, 1.0, 5));
}

TEST(Schedule, StepHalvesEveryStepSizeEpochs) {
  ScheduleConfig c;
  c.kind = ScheduleKind::step;
  c.factor = 0.5;
  c.step_size = 2;
  expect_sequence({0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05}, sequence(c, 0.4, 7));
}

TEST(Schedule, ExponentialAndTheMinLrFloor) {
  ScheduleConfig c;
  c.kind = ScheduleKind::exponential;
  c.factor = 0.5;
  expect_sequence({1.0, 0.5, 0.25, 0.125}, sequence(c, 1.0, 4));
  c.min_lr = 0.2;
  expect_sequence({1.0, 0.5, 0.25, 0.2, 0.2}, sequence(c, 1.0, 5));
  ScheduleConfig k;
  k.min_lr = 0.5;  // the floor holds for the constant schedule too
  expect_sequence({0.5, 0.5}, sequence(k, 0.1, 2));
}

TEST(Schedule, ExponentialSpreadsTheFactorOverDecaySteps) {
  // Keras ExponentialDecay: η0·rate^(ℓ/decay_steps); with 2 steps the factor takes two epochs.
  ScheduleConfig c;
  c.kind = ScheduleKind::exponential;
  c.factor = 0.25;
  c.decay_steps = 2;
  expect_sequence({1.0, 0.5, 0.25, 0.125, 0.0625}, sequence(c, 1.0, 5));
  c.decay_steps = 0;
  EXPECT_THROW(Schedule(c, 1.0), UsageError);
}

TEST(Schedule, ReduceOnPlateauFollowsKeras) {
  ScheduleConfig c;
  c.kind = ScheduleKind::reduce_on_plateau;
  c.patience = 2;
  c.factor = 0.5;
  c.min_delta = 0.01;
  c.min_lr = 0.1;
  Schedule s(c, 1.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // {monitored loss of epoch ℓ-1, expected η_ℓ}, worked out by hand:
  const std::vector<std::pair<double, double>> steps = {
      {123, 1.0},    // ℓ=0: the argument is ignored
      {1.0, 1.0},    // first loss: an improvement (best 1.0)
      {0.995, 1.0},  // not below 1.0 - 0.01: 1 epoch without improvement
      {0.98, 1.0},   // below 0.99: improvement (best 0.98)
      {0.975, 1.0},  // not below 0.97: 1
      {0.99, 0.5},   // 2 = patience: halve, count restarts
      {0.98, 0.5},   // 1
      {nan, 0.25},   // NaN is never an improvement: 2, halve
      {0.5, 0.25},   // improvement
      {0.5, 0.25},   // 1
      {0.5, 0.125},  // 2
      {0.5, 0.125},  // 1
      {0.5, 0.1},    // 2: max(0.0625, min_lr)
      {0.5, 0.1},    //
      {0.5, 0.1},    // stays at the floor
  };
  for (std::size_t l = 0; l < steps.size(); ++l)
    EXPECT_DOUBLE_EQ(s.rate(int(l), steps[l].first), steps[l].second) << "ℓ = " << l;
  EXPECT_DOUBLE_EQ(s.current(), 0.1);
  // ℓ = 0 starts over.
  EXPECT_DOUBLE_EQ(s.rate(0, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(s.rate(1, 0.5), 1.0);
}

TEST(Schedule, NamesParseWithAliases) {
  EXPECT_EQ(schedule_names(),
            (std::vector<std::string>{"constant", "chapter_decay", "inverse_time", "step",
                                      "exponential", "reduce_on_plateau"}));
  for (const std::string& n : schedule_names()) EXPECT_EQ(schedule_name(parse_schedule(n)), n);
  EXPECT_EQ(parse_schedule("chapter"), ScheduleKind::chapter_decay);
  EXPECT_EQ(parse_schedule("Inverse-Time-Decay"), ScheduleKind::inverse_time);
  EXPECT_EQ(parse_schedule("plateau"), ScheduleKind::reduce_on_plateau);
  try {
    parse_schedule("cosine");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'cosine'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("reduce_on_plateau"), std::string::npos);
  }
}

TEST(Schedule, BadSettingsAreUsageErrors) {
  ScheduleConfig c;
  c.kind = ScheduleKind::step;
  c.step_size = 0;
  EXPECT_THROW(Schedule(c, 1.0), UsageError);
  c = {};
  c.kind = ScheduleKind::reduce_on_plateau;
  c.factor = 1.0;
  EXPECT_THROW(Schedule(c, 1.0), UsageError);
  c = {};
  c.kind = ScheduleKind::inverse_time;
  c.decay_steps = 0;
  EXPECT_THROW(Schedule(c, 1.0), UsageError);
  c = {};
  c.kind = ScheduleKind::chapter_decay;
  c.decay = -0.1;
  EXPECT_THROW(Schedule(c, 1.0), UsageError);
  EXPECT_THROW(Schedule({}, 0.0), UsageError);
  Schedule s({}, 1.0);
  EXPECT_THROW(s.rate(-1, 0), UsageError);
}

}  // namespace
