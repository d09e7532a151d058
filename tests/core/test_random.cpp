// NumpyRandom against NumPy's legacy generator (values printed by Debian's NumPy 1.24,
// /usr/bin/python3), the chapter's seed-13 starting parameters, and the initializers.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "annlab/core/error.hpp"
#include "annlab/core/init.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/random.hpp"

namespace {
using namespace annlab;
using K = ActivationKind;

TEST(NumpyRandom, RandomMatchesNumpySeed13) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(13);
  //   print([repr(np.random.random()) for _ in range(8)])"
  const double golden[] = {0.7777024105738202, 0.2375412200349123, 0.8242785326613685,
                           0.9657491980429997, 0.9726011139048933, 0.4534492474173122,
                           0.6090424627612779, 0.7755265146048467};
  NumpyRandom rng(13);
  for (double g : golden) EXPECT_EQ(rng.random(), g);
}

TEST(NumpyRandom, RandomMatchesNumpyOtherSeeds) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(0);
  //   print([repr(np.random.random()) for _ in range(3)])"   (and seed 4294967295)
  NumpyRandom a(0);
  EXPECT_EQ(a.random(), 0.5488135039273248);
  EXPECT_EQ(a.random(), 0.7151893663724195);
  EXPECT_EQ(a.random(), 0.6027633760716439);
  NumpyRandom b(4294967295u);
  EXPECT_EQ(b.random(), 0.0976320289940138);
  EXPECT_EQ(b.random(), 0.9123828453026218);
  EXPECT_EQ(b.random(), 0.78903530185164);
  // Reseeding restarts the stream.
  a.seed_stream(13);
  EXPECT_EQ(a.random(), 0.7777024105738202);
}

TEST(NumpyRandom, StandardNormalMatchesNumpySeed5) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(5);
  //   print([repr(np.random.standard_normal()) for _ in range(7)])"
  // Values come in pairs from the polar method; every second one is the cached partner.
  const double golden[] = {0.44122748688504143, -0.33087015189408764, 2.43077118700778,
                           -0.2520921296030769, 0.10960984157818278,  1.5824811170615634,
                           -0.9092324048562419};
  NumpyRandom rng(5);
  for (double g : golden) EXPECT_EQ(rng.standard_normal(), g);
}

TEST(NumpyRandom, CachedGaussSurvivesUniformDrawsAndNotReseeding) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(5);
  //   print(repr(np.random.standard_normal()), repr(np.random.random()),
  //         repr(np.random.standard_normal()), repr(np.random.standard_normal()))"
  NumpyRandom rng(5);
  EXPECT_EQ(rng.standard_normal(), 0.44122748688504143);
  EXPECT_EQ(rng.random(), 0.20671915533942642);  // from the MT stream; the cache waits
  EXPECT_EQ(rng.standard_normal(), -0.33087015189408764);
  EXPECT_EQ(rng.standard_normal(), -0.023303746449855414);
  // np.random.seed clears the cached value.
  rng.seed_stream(5);
  EXPECT_EQ(rng.standard_normal(), 0.44122748688504143);
  rng.seed_stream(5);
  EXPECT_EQ(rng.standard_normal(), 0.44122748688504143);
  // normal(mean, sd) = mean + sd·standard_normal (NumPy's legacy normal).
  EXPECT_EQ(rng.normal(1.5, 2.0), 1.5 + 2.0 * -0.33087015189408764);
}

TEST(NumpyRandom, UniformIsLowPlusSpanTimesRandom) {
  NumpyRandom a(13), b(13);
  for (int i = 0; i < 5; ++i) {
    const double u = b.random();
    EXPECT_EQ(a.uniform(-2.0, 3.0), -2.0 + 5.0 * u);
  }
}

TEST(NumpyRandom, RandomStaysInUnitInterval) {
  NumpyRandom rng(123);
  double lo = 1, hi = 0, sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.random();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1 - 1e-3);
  EXPECT_NEAR(sum / n, 0.5, 0.01);  // sd of the mean: 0.29/√20000 = 0.002
}

TEST(NumpyRandom, BelowStaysInRangeAndCoversAllValues) {
  NumpyRandom rng(99);
  EXPECT_EQ(rng.below(0), 0u);
  EXPECT_EQ(rng.below(1), 0u);
  for (std::uint64_t n : {2ull, 3ull, 7ull, 10ull, 100ull}) {
    std::vector<int> hits(n, 0);
    const int draws = static_cast<int>(n) * 200;
    for (int i = 0; i < draws; ++i) {
      const std::uint64_t v = rng.below(n);
      ASSERT_LT(v, n);
      ++hits[v];
    }
    for (std::uint64_t k = 0; k < n; ++k) {
      EXPECT_GT(hits[k], 100) << "n=" << n << " value " << k;  // expected 200 each
      EXPECT_LT(hits[k], 320) << "n=" << n << " value " << k;
    }
  }
  // A bound above 2^32 still works (64-bit draws).
  const std::uint64_t big = (1ull << 40) + 3;
  bool above32 = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t v = rng.below(big);
    ASSERT_LT(v, big);
    above32 = above32 || v > 0xffffffffull;
  }
  EXPECT_TRUE(above32);
}

// ---- initializers ------------------------------------------------------------------------

Network<double> chapter_shape() {
  return Network<double>(
      Architecture{{3, 2, 1}, {Activation::of(K::sigmoid), Activation::of(K::identity)}});
}

TEST(Init, ChapterStartingParametersSeed13) {
  Network<double> net = chapter_shape();
  NumpyRandom rng(13);
  initialize(net, InitSpec{WeightInit::xavier, BiasInit::chapter_uniform}, rng);
  const auto p = net.parameters();
  // The chapter's printed values (7 decimals).
  EXPECT_NEAR(p[0], 0.3206631, 5e-8);    // λ14
  EXPECT_NEAR(p[1], -0.3030613, 5e-8);   // λ24
  EXPECT_NEAR(p[2], 0.3744446, 5e-8);    // λ34
  EXPECT_NEAR(p[8], 0.1542093, 5e-8);    // λ46
  EXPECT_NEAR(p[10], -0.2324817, 5e-8);  // b6
  // Exact values:
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(13);
  //   lo,hi=-1/np.sqrt(3),1/np.sqrt(3); a=[lo+(hi-lo)*np.random.random() for _ in range(6)];
  //   lo,hi=-1/np.sqrt(2),1/np.sqrt(2); a+=[lo+(hi-lo)*np.random.random() for _ in range(2)];
  //   a+=[(np.random.random()-0.5)*0.5 for _ in range(3)]; print([repr(v) for v in a])"
  // Draw order: λ14 λ24 λ34 λ15 λ25 λ35 λ46 λ56 b4 b5 b6; flat layout [W1, b1, W2, b2].
  const double drawn[] = {0.32066312299880617, -0.3030612945280483, 0.374444596248916,
                          0.5378008497299566,  0.5457127606646145,  -0.05375217906918894,
                          0.15420932971156243, 0.3896533337475627,  0.07080667237953459,
                          0.11100911475847358, -0.23248173794928134};
  const std::size_t flat[] = {0, 1, 2, 3, 4, 5, 8, 9, 6, 7, 10};
  for (std::size_t i = 0; i < 11; ++i) EXPECT_NEAR(p[flat[i]], drawn[i], 1e-15) << "draw " << i;
  // Float network: the same draws, stored as float.
  Network<float> nf(net.architecture());
  NumpyRandom rng2(13);
  initialize(nf, InitSpec{}, rng2);
  for (std::size_t i = 0; i < 11; ++i)
    EXPECT_EQ(nf.parameters()[flat[i]], static_cast<float>(drawn[i])) << "draw " << i;
}

TEST(Init, HeNormalMatchesNumpy) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(7);
  //   a=[np.random.normal(0,np.sqrt(2/3)) for _ in range(6)]+
  //     [np.random.normal(0,np.sqrt(2/2)) for _ in range(2)]+
  //     [(np.random.random()-0.5)*0.5 for _ in range(3)]; print([repr(v) for v in a])"
  const double drawn[] = {1.3803084571234285,     -0.38043626997304497, 0.026797551429052505,
                          0.33273565173902425,    -0.6441529554880621,  0.0016865332153635957,
                          -0.0008903858579313628, -1.7547243063454208,  0.08961499806047024,
                          0.15186951805218774,    -0.059529433425730804};
  Network<double> net = chapter_shape();
  NumpyRandom rng(7);
  initialize(net, InitSpec{WeightInit::he, BiasInit::chapter_uniform}, rng);
  const std::size_t flat[] = {0, 1, 2, 3, 4, 5, 8, 9, 6, 7, 10};
  for (std::size_t i = 0; i < 11; ++i)
    EXPECT_NEAR(net.parameters()[flat[i]], drawn[i], 1e-15) << "draw " << i;
}

TEST(Init, NormalizedXavierMatchesNumpy) {
  // /usr/bin/python3 -c "import numpy as np; np.random.seed(21);
  //   l=np.sqrt(6)/np.sqrt(3+2); a=[np.random.uniform(-l,l) for _ in range(6)];
  //   l=np.sqrt(6)/np.sqrt(2+1); a+=[np.random.uniform(-l,l) for _ in range(2)];
  //   print([repr(v) for v in a])"
  const double drawn[] = {-0.9886942496866938, -0.46203758597222433, 0.48411301043589905,
                          -1.0480862842597927, -0.6442909404470614,  -0.9842064829700998,
                          -0.5592595384351685, 0.46360832334164104};
  Network<double> net = chapter_shape();
  NumpyRandom rng(21);
  initialize(net, InitSpec{WeightInit::normalized_xavier, BiasInit::zeros}, rng);
  const std::size_t flat[] = {0, 1, 2, 3, 4, 5, 8, 9};
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_NEAR(net.parameters()[flat[i]], drawn[i], 1e-15) << "draw " << i;
  EXPECT_EQ(net.parameters()[6], 0.0);
  EXPECT_EQ(net.parameters()[7], 0.0);
  EXPECT_EQ(net.parameters()[10], 0.0);
}

// Range check of every weight of layer l against ±limit(p, k), and that the range is used.
void expect_weights_within(const Network<double>& net, double (*limit)(double p, double k),
                           const char* what) {
  const auto& w = net.architecture().widths;
  for (int l = 1; l <= net.architecture().layers(); ++l) {
    const double p = w[static_cast<std::size_t>(l - 1)], k = w[static_cast<std::size_t>(l)];
    const double lim = limit(p, k);
    double most = 0;
    for (long e = 0; e < static_cast<long>(p * k); ++e) {
      const double v = net.weights(l)[e];
      EXPECT_LE(std::abs(v), lim) << what << " layer " << l;
      most = std::max(most, std::abs(v));
    }
    EXPECT_GT(most, 0.9 * lim) << what << " layer " << l << " does not fill its range";
  }
}

Network<double> wide_shape() {
  return Network<double>(Architecture{
      {50, 30, 20, 4},
      {Activation::of(K::tanh), Activation::of(K::tanh), Activation::of(K::identity)}});
}

TEST(Init, UniformInitializerRanges) {
  Network<double> net = wide_shape();
  NumpyRandom rng(1);
  initialize(net, InitSpec{WeightInit::xavier, BiasInit::chapter_uniform}, rng);
  expect_weights_within(
      net, [](double p, double) { return 1 / std::sqrt(p); }, "xavier");
  for (int l = 1; l <= 3; ++l)
    for (int j = 0; j < net.architecture().widths[static_cast<std::size_t>(l)]; ++j) {
      EXPECT_GE(net.biases(l)[j], -0.25);  // (u - 0.5)·0.5, u in [0,1)
      EXPECT_LT(net.biases(l)[j], 0.25);
    }
  initialize(net, InitSpec{WeightInit::normalized_xavier, BiasInit::zeros}, rng);
  expect_weights_within(
      net, [](double p, double k) { return std::sqrt(6.0) / std::sqrt(p + k); },
      "normalized_xavier");
  initialize(net, InitSpec{WeightInit::he_uniform, BiasInit::zeros}, rng);
  expect_weights_within(
      net, [](double p, double) { return std::sqrt(6.0 / p); }, "he_uniform");
}

TEST(Init, HeSampleStandardDeviation) {
  // N(0, 2/p) on a 400 -> 300 layer: 120000 draws, sd of the sample sd ≈ σ/√(2N) = 0.2%.
  Network<double> net(Architecture{{400, 300}, {Activation::of(K::relu)}});
  NumpyRandom rng(2024);
  initialize(net, InitSpec{WeightInit::he, BiasInit::zeros}, rng);
  const long n = 400 * 300;
  double sum = 0, sq = 0;
  for (long e = 0; e < n; ++e) {
    sum += net.weights(1)[e];
    sq += net.weights(1)[e] * net.weights(1)[e];
  }
  const double mean = sum / double(n), sd = std::sqrt(sq / double(n) - mean * mean);
  const double expected = std::sqrt(2.0 / 400);
  EXPECT_NEAR(mean, 0.0, 5 * expected / std::sqrt(double(n)));
  EXPECT_NEAR(sd / expected, 1.0, 0.01);
}

TEST(Init, ZerosAndConstants) {
  Network<double> net = wide_shape();
  NumpyRandom rng(3);
  InitSpec spec{WeightInit::constant, BiasInit::constant, 0.125, -0.5};
  initialize(net, spec, rng);
  for (int l = 1; l <= 3; ++l) {
    const auto& w = net.architecture().widths;
    const long nw = long(w[static_cast<std::size_t>(l)]) * w[static_cast<std::size_t>(l - 1)];
    for (long e = 0; e < nw; ++e) EXPECT_EQ(net.weights(l)[e], 0.125);
    for (int j = 0; j < w[static_cast<std::size_t>(l)]; ++j) EXPECT_EQ(net.biases(l)[j], -0.5);
  }
  initialize(net, InitSpec{WeightInit::zeros, BiasInit::zeros}, rng);
  for (double v : net.parameters()) EXPECT_EQ(v, 0.0);
  // Deterministic initializers draw nothing: the stream is where it started.
  NumpyRandom fresh(3);
  EXPECT_EQ(rng.random(), fresh.random());
}

TEST(Init, ParseNames) {
  for (const std::string& n : weight_init_names())
    EXPECT_EQ(weight_init_name(parse_weight_init(n)), n);
  for (const std::string& n : bias_init_names()) EXPECT_EQ(bias_init_name(parse_bias_init(n)), n);
  EXPECT_EQ(parse_weight_init("glorot"), WeightInit::normalized_xavier);
  EXPECT_EQ(parse_weight_init("He-Normal"), WeightInit::he);
  try {
    parse_weight_init("lecun");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("normalized_xavier"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_bias_init("random"), UsageError);
}

}  // namespace
