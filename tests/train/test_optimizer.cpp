// Every optimizer against NumPy transcriptions of the published update rules
// (tests/fixtures/train/optimizers.json, made by tools/optimizers_numpy.py, which also checks
// them against torch.optim with --check-torch): 20 steps on a fixed quadratic, to 1e-12.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "annlab/core/error.hpp"
#include "annlab/train/gd.hpp"
#include "annlab/train/optimizer.hpp"

namespace {
using nlohmann::json;
using namespace annlab;

json load_fixture() {
  std::ifstream in(std::string(ANNLAB_FIXTURES) + "/train/optimizers.json");
  EXPECT_TRUE(in.good()) << "missing fixture; regenerate with tools/optimizers_numpy.py";
  return json::parse(in);
}

OptimizerConfig config_of(const json& c) {
  OptimizerConfig o;
  o.kind = parse_optimizer(c["optimizer"].get<std::string>());
  o.learning_rate = c["learning_rates"][0].get<double>();
  o.momentum = c["momentum"].get<double>();
  o.rho = c["rho"].get<double>();
  o.beta1 = c["beta1"].get<double>();
  o.beta2 = c["beta2"].get<double>();
  o.epsilon = c["epsilon"].get<double>();
  o.weight_decay = c["weight_decay"].get<double>();
  return o;
}

// Runs one fixture case in T; returns the largest |ours - NumPy| over every step.
template <class T>
double run_case(const json& problem, const json& c) {
  const auto A = problem["A"].get<std::vector<std::vector<double>>>();
  const auto b = problem["b"].get<std::vector<double>>();
  std::vector<T> theta;
  for (const double v : problem["theta0"].get<std::vector<double>>()) theta.push_back(T(v));
  const std::size_t n = theta.size();
  std::vector<T> g(n);
  auto opt = make_optimizer<T>(config_of(c), n);
  double worst = 0;
  const json& lrs = c["learning_rates"];
  const json& traj = c["trajectory"];
  for (std::size_t t = 0; t < lrs.size(); ++t) {
    for (std::size_t i = 0; i < n; ++i) {  // ∇f = Aθ - b
      T s = -T(b[i]);
      for (std::size_t j = 0; j < n; ++j) s += T(A[i][j]) * theta[j];
      g[i] = s;
    }
    opt->step(theta, g, lrs[t].get<double>());
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(double(theta[i]) - traj[t][i].get<double>()));
  }
  return worst;
}

TEST(Optimizer, EveryRuleMatchesTheNumpyTranscriptionTo1e12) {
  const json golden = load_fixture();
  ASSERT_EQ(golden["cases"].size(), 12u);
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_LE(run_case<double>(golden["problem"], c), 1e-12);
  }
}

TEST(Optimizer, FloatFollowsTheSameTrajectoryToFloatPrecision) {
  const json golden = load_fixture();
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_LE(run_case<float>(golden["problem"], c), 2e-4);
  }
}

TEST(Optimizer, FixtureCasesReallyDiffer) {
  // The cases are not trivially equal: momentum and nesterov, adam with L2 and adamw, part
  // ways within the 20 steps (so each comparison above tests its own rule).
  const json golden = load_fixture();
  std::map<std::string, std::vector<double>> last;
  for (const json& c : golden["cases"])
    last[c["name"]] = c["trajectory"].back().get<std::vector<double>>();
  const auto dist = [&](const std::string& a, const std::string& b) {
    double d = 0;
    for (std::size_t i = 0; i < last[a].size(); ++i)
      d = std::max(d, std::abs(last[a][i] - last[b][i]));
    return d;
  };
  EXPECT_GT(dist("momentum", "nesterov"), 1e-3);
  EXPECT_GT(dist("adam_l2", "adamw"), 1e-3);
  EXPECT_GT(dist("adam", "adam_l2"), 1e-3);
}

TEST(Optimizer, PlainGdIsTheChaptersUpdateBitForBit) {
  std::vector<double> a{0.1, -0.2, 0.3}, b = a;
  const std::vector<double> g{0.7, 1e-3, -2.5};
  auto opt = make_optimizer<double>({}, 3);
  opt->step(a, g, 0.2);
  gd_update<double>(b, g, 0.2);
  EXPECT_EQ(a, b);
}

TEST(Optimizer, MomentumIsPytorchsFormNotTheScaledVelocityForm) {
  // v ← μv + g; θ ← θ - ηv. With η changing from 1 to 0.5 the two conventions part:
  // PyTorch: θ2 = θ1 - 0.5·(μ·g + g); the form v ← μv - ηg gives θ1 - (μ·1·g + 0.5·g).
  OptimizerConfig c;
  c.kind = OptimizerKind::momentum;
  c.momentum = 0.5;
  auto opt = make_optimizer<double>(c, 1);
  std::vector<double> theta{0.0};
  const std::vector<double> g{1.0};
  opt->step(theta, g, 1.0);
  EXPECT_EQ(theta[0], -1.0);
  opt->step(theta, g, 0.5);
  EXPECT_EQ(theta[0], -1.0 - 0.5 * (0.5 * 1.0 + 1.0));  // -1.75 (the other form: -2.0)
}

TEST(Optimizer, ResetForgetsStateAndStepCount) {
  for (const char* name : {"momentum", "nesterov", "rmsprop", "adam", "adamw"}) {
    SCOPED_TRACE(name);
    OptimizerConfig c;
    c.kind = parse_optimizer(name);
    c.weight_decay = 0.01;
    auto opt = make_optimizer<double>(c, 2);
    auto fresh = make_optimizer<double>(c, 2);
    const std::vector<double> g1{1.0, -2.0}, g2{0.5, 0.25};
    std::vector<double> warm{0.3, -0.4};
    opt->step(warm, g1, 0.1);
    opt->step(warm, g1, 0.1);
    opt->reset();
    // From the same point, a reset optimizer and a fresh one take the same step.
    std::vector<double> a{0.3, -0.4}, b = a;
    opt->step(a, g2, 0.1);
    fresh->step(b, g2, 0.1);
    EXPECT_EQ(a, b);
  }
}

TEST(Optimizer, NamesAndAliasesParse) {
  EXPECT_EQ(optimizer_names(), (std::vector<std::string>{"gd", "momentum", "nesterov", "rmsprop",
                                                         "adam", "adamw", "lbfgs"}));
  for (const std::string& n : optimizer_names()) EXPECT_EQ(optimizer_name(parse_optimizer(n)), n);
  EXPECT_EQ(parse_optimizer("sgd"), OptimizerKind::gd);
  EXPECT_EQ(parse_optimizer("SGD"), OptimizerKind::gd);
  EXPECT_EQ(parse_optimizer("nag"), OptimizerKind::nesterov);
  EXPECT_EQ(parse_optimizer("L-BFGS"), OptimizerKind::lbfgs);
  EXPECT_EQ(parse_optimizer("l_bfgs"), OptimizerKind::lbfgs);
  EXPECT_EQ(parse_optimizer("AdamW"), OptimizerKind::adamw);
  try {
    parse_optimizer("adagrad");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'adagrad'"), std::string::npos) << m;
    EXPECT_NE(m.find("gd, momentum, nesterov, rmsprop, adam, adamw, lbfgs"), std::string::npos)
        << m;
  }
}

TEST(Optimizer, LbfgsIsRunByFitNotMakeOptimizer) {
  OptimizerConfig c;
  c.kind = OptimizerKind::lbfgs;
  try {
    make_optimizer<double>(c, 3);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("fit()"), std::string::npos) << e.what();
  }
}

TEST(Optimizer, BadSettingsAreUsageErrorsNamingTheField) {
  const auto message = [](OptimizerConfig c) {
    try {
      make_optimizer<double>(c, 1);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  OptimizerConfig c;
  c.learning_rate = 0;
  EXPECT_NE(message(c).find("learning rate"), std::string::npos);
  c.learning_rate = NAN;
  EXPECT_NE(message(c).find("learning rate"), std::string::npos);
  c = {};
  c.kind = OptimizerKind::momentum;
  c.momentum = 1.0;
  EXPECT_NE(message(c).find("momentum must be in [0, 1)"), std::string::npos);
  c = {};
  c.kind = OptimizerKind::adam;
  c.beta2 = -0.1;
  EXPECT_NE(message(c).find("beta2"), std::string::npos);
  c = {};
  c.kind = OptimizerKind::rmsprop;
  c.epsilon = 0;
  EXPECT_NE(message(c).find("epsilon"), std::string::npos);
  c = {};
  c.weight_decay = -1;
  EXPECT_NE(message(c).find("weight_decay"), std::string::npos);
  // A field the rule does not use is not checked.
  c = {};
  c.momentum = 7;
  EXPECT_EQ(message(c), "no error");
  // Wrong buffer sizes.
  auto opt = make_optimizer<double>({}, 2);
  std::vector<double> p(3), g(3);
  EXPECT_THROW(opt->step(p, g, 0.1), UsageError);
}

}  // namespace

namespace {

// step_bound(max|g|, max|θ|, η), taken before a step, bounds max|θ| after it: on random
// parameters and gradients of changing scale (momentum and moments build up over the steps),
// with and without weight decay, in float and double, on two threads for half of them.
template <class T>
void check_step_bounds() {
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (const OptimizerKind kind :
       {OptimizerKind::gd, OptimizerKind::momentum, OptimizerKind::nesterov, OptimizerKind::rmsprop,
        OptimizerKind::adam, OptimizerKind::adamw})
    for (const double wd : {0.0, 0.3}) {
      OptimizerConfig c;
      c.kind = kind;
      c.weight_decay = wd;
      const std::size_t n = 70000;  // over the two-thread cut (2^15)
      WorkerPool pool(2);
      const auto opt = make_optimizer<T>(c, n);
      if (wd != 0) opt->set_pool(&pool);
      std::vector<T> p(n), grad(n);
      for (T& v : p) v = T(u(g));
      for (int step = 0; step < 40; ++step) {
        const double scale = std::pow(10.0, u(g) * 3), lr = 0.05 * (1 + u(g));
        for (T& v : grad) v = T(scale * u(g));
        double gmax = 0, pmax = 0;
        for (const T v : grad) gmax = std::max(gmax, std::abs(double(v)));
        for (const T v : p) pmax = std::max(pmax, std::abs(double(v)));
        const double bound = opt->step_bound(gmax, pmax, lr);
        opt->step(p, grad, lr);
        double after = 0;
        for (const T v : p) after = std::max(after, std::abs(double(v)));
        ASSERT_LE(after, bound) << optimizer_name(kind) << " wd " << wd << " step " << step;
        ASSERT_TRUE(std::isfinite(bound)) << optimizer_name(kind);
      }
    }
}

TEST(Optimizer, StepBoundHoldsForEveryRule) {
  check_step_bounds<double>();
  check_step_bounds<float>();
}

// A velocity or first moment whose gradient stays 0 decays into the subnormal range, where μ
// times the smallest subnormal rounds back to it: the rules store state below the smallest
// normal number as 0 (optimizer.cpp, `flushed`). With η = 1 a step from θ = 0 at g = 0 shows
// the state: θ = -v (momentum), -μ·v (nesterov), -m̂/(√v̂ + ε) (adam, adamw). It
// moves θ while the state is normal (10 steps in) and leaves it exactly 0 once the state has
// decayed (float: 0.9^1000 of the first step's state is below 1e-38; double: 0.9^8000 below
// 1e-308).
template <class T>
void check_state_flushed_below_normal(OptimizerKind kind) {
  SCOPED_TRACE(optimizer_name(kind) + (sizeof(T) == 4 ? " float" : " double"));
  OptimizerConfig c;
  c.kind = kind;
  const auto opt = make_optimizer<T>(c, 1);
  const std::vector<T> one{T(1)}, zero{T(0)};
  std::vector<T> theta{T(0.5)};
  opt->step(theta, one, 1e-3);
  const int decayed = sizeof(T) == 4 ? 1000 : 8000;
  for (int s = 1; s < decayed; ++s) {
    opt->step(theta, zero, 1e-3);
    if (s == 10) {
      std::vector<T> probe{T(0)};
      opt->step(probe, zero, 1.0);
      EXPECT_NE(probe[0], T(0)) << "the state should still move θ after 10 steps";
    }
  }
  std::vector<T> probe{T(0)};
  opt->step(probe, zero, 1.0);
  EXPECT_EQ(probe[0], T(0)) << "state left below the normal range: " << double(probe[0]);
  EXPECT_EQ(opt->step_bound(0, 0, 1.0), 0.0);  // the largest |v| or |m| is 0
}

// The squared-gradient state (adam's v, rmsprop's s) the same way: g with g² under the normal
// range (1e-20 in float, 1e-160 in double) and a small ε that is still normal (1e-30, 1e-300)
// make the first step -m̂/ε = -g/ε (v or s stored as 0) instead of about -1 to -3 (with v or s
// kept subnormal, √v̂ is of the order of g).
template <class T>
void check_square_state_flushed(OptimizerKind kind) {
  SCOPED_TRACE(optimizer_name(kind) + (sizeof(T) == 4 ? " float" : " double"));
  const T g = sizeof(T) == 4 ? T(1e-20) : T(1e-160);
  OptimizerConfig c;
  c.kind = kind;
  c.epsilon = sizeof(T) == 4 ? 1e-30 : 1e-300;
  const auto opt = make_optimizer<T>(c, 1);
  std::vector<T> theta{T(0)};
  const std::vector<T> grad{g};
  opt->step(theta, grad, 1.0);
  const double expected = -double(g) / double(T(c.epsilon));  // 1e10 or 1e140
  EXPECT_NEAR(double(theta[0]), expected, 1e-5 * std::abs(expected));
}

TEST(Optimizer, StateBelowTheNormalRangeIsStoredAsZero) {
  for (const OptimizerKind kind : {OptimizerKind::momentum, OptimizerKind::nesterov,
                                   OptimizerKind::adam, OptimizerKind::adamw}) {
    check_state_flushed_below_normal<float>(kind);
    check_state_flushed_below_normal<double>(kind);
  }
  for (const OptimizerKind kind :
       {OptimizerKind::rmsprop, OptimizerKind::adam, OptimizerKind::adamw}) {
    check_square_state_flushed<float>(kind);
    check_square_state_flushed<double>(kind);
  }
}

// ε below the precision's normal range is refused where it is used (with v or s stored as 0
// it would make the step infinite); the same ε is fine in double.
TEST(Optimizer, EpsilonMustBeNormalInTheNetworksPrecision) {
  for (const char* name : {"rmsprop", "adam", "adamw"}) {
    OptimizerConfig c;
    c.kind = parse_optimizer(name);
    c.epsilon = 1e-40;
    try {
      make_optimizer<float>(c, 1);
      ADD_FAILURE() << name << ": epsilon 1e-40 accepted in float";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("epsilon"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(make_optimizer<double>(c, 1)) << name;
  }
  OptimizerConfig momentum;  // ε is not used there
  momentum.kind = OptimizerKind::momentum;
  momentum.epsilon = 1e-40;
  EXPECT_NO_THROW(make_optimizer<float>(momentum, 1));
}

// Two threads update two halves of the buffer: the same bits as one thread.
TEST(Optimizer, ThreadsGiveTheSameBits) {
  for (const OptimizerKind kind :
       {OptimizerKind::gd, OptimizerKind::momentum, OptimizerKind::rmsprop, OptimizerKind::adamw}) {
    OptimizerConfig c;
    c.kind = kind;
    c.weight_decay = 0.01;
    const std::size_t n = 100001;
    std::vector<float> p1(n), p2, grad(n);
    for (std::size_t i = 0; i < n; ++i)
      p1[i] = float(std::sin(double(i))), grad[i] = float(std::cos(double(i) * 0.7));
    p2 = p1;
    WorkerPool pool(2);
    const auto one = make_optimizer<float>(c, n), two = make_optimizer<float>(c, n);
    two->set_pool(&pool);
    for (int s = 0; s < 3; ++s) {
      one->step(p1, grad, 0.01);
      two->step(p2, grad, 0.01);
    }
    EXPECT_TRUE(p1 == p2) << optimizer_name(kind);
  }
}

}  // namespace
