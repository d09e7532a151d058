// Architecture: validate() rejections whose messages say what to change, parse_widths,
// parse_activations, parse_loss aliases, describe(), and forward-only binary_step networks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "annlab/core/architecture.hpp"
#include "annlab/core/error.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/propagate.hpp"

namespace {
using namespace annlab;
using K = ActivationKind;

Activation act(K k) {
  return Activation::of(k);
}

// Runs validate(for_training) and returns the ArchitectureError message ("" if none thrown).
std::string rejection(const Architecture& arch, bool for_training = true) {
  try {
    arch.validate(for_training);
  } catch (const ArchitectureError& e) {
    return e.what();
  }
  return "";
}

void expect_mentions(const std::string& message, std::initializer_list<const char*> parts) {
  EXPECT_FALSE(message.empty()) << "no ArchitectureError";
  for (const char* p : parts)
    EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' missing from: " << message;
}

TEST(Architecture, ValidChapterNetwork) {
  const Architecture arch{{3, 2, 1}, {act(K::sigmoid), act(K::identity)}};
  EXPECT_NO_THROW(arch.validate());
  EXPECT_EQ(arch.layers(), 2);
  EXPECT_EQ(arch.inputs(), 3);
  EXPECT_EQ(arch.outputs(), 1);
  EXPECT_EQ(arch.loss, LossKind::half_squared_error);
}

TEST(Architecture, RejectsZeroOrNegativeWidth) {
  const std::string m = rejection({{3, 0, 1}, {act(K::sigmoid), act(K::identity)}});
  expect_mentions(m, {"layer 1", "width 0", "3-0-1", "at least one node"});
  expect_mentions(rejection({{3, 2, -4}, {act(K::sigmoid), act(K::identity)}}),
                  {"layer 2", "width -4"});
}

TEST(Architecture, RejectsASingleWidth) {
  expect_mentions(rejection({{3}, {}}), {"input and an output", "got 1", "3,2,1"});
  expect_mentions(rejection({{}, {}}), {"got 0"});
}

TEST(Architecture, RejectsWrongNumberOfActivations) {
  expect_mentions(rejection({{3, 2, 1}, {act(K::sigmoid)}}),
                  {"3-2-1", "needs 2 activations", "got 1"});
  expect_mentions(rejection({{3, 1}, {act(K::sigmoid), act(K::identity)}}),
                  {"needs 1 activations", "got 2"});
}

TEST(Architecture, RejectsSoftmaxOnAHiddenLayer) {
  expect_mentions(rejection({{3, 4, 2}, {act(K::softmax), act(K::softmax)}}),
                  {"softmax is on layer 1 of 2", "output layer only", "relu"});
}

TEST(Architecture, RejectsSoftmaxWithOneOutput) {
  expect_mentions(rejection({{3, 4, 1}, {act(K::tanh), act(K::softmax)}}),
                  {"one node", "two or more output nodes", "sigmoid"});
  // ...even when only running forward.
  expect_mentions(rejection({{3, 4, 1}, {act(K::tanh), act(K::softmax)}}, false), {"one node"});
}

TEST(Architecture, RejectsCrossEntropyWithoutSoftmax) {
  expect_mentions(
      rejection({{3, 4, 2}, {act(K::tanh), act(K::sigmoid)}, LossKind::softmax_cross_entropy}),
      {"softmax_cross_entropy", "softmax output", "got sigmoid", "half_squared_error"});
  EXPECT_EQ(
      rejection({{3, 4, 2}, {act(K::tanh), act(K::softmax)}, LossKind::softmax_cross_entropy}), "");
}

TEST(Architecture, BinaryStepForwardOnly) {
  const Architecture arch{{2, 3, 1}, {act(K::binary_step), act(K::identity)}};
  expect_mentions(rejection(arch), {"layer 1", "binary_step", "cannot be trained", "sigmoid"});
  EXPECT_EQ(rejection(arch, /*for_training=*/false), "");
  // A network can be built with it (validated for forward use) and run forward.
  Network<double> net(arch);
  // H3 = [x1 - x2 >= 0], H4 = [x2 - 0.5 >= 0], H5 = [-x1 >= 0]; O6 = H3 + 2·H4 + 4·H5 + 0.25
  const double W1[] = {1, -1, 0, 1, -1, 0};
  const double b1[] = {0, -0.5, 0};
  std::copy(std::begin(W1), std::end(W1), net.weights(1));
  std::copy(std::begin(b1), std::end(b1), net.biases(1));
  net.weights(2)[0] = 1;
  net.weights(2)[1] = 2;
  net.weights(2)[2] = 4;
  net.biases(2)[0] = 0.25;
  const double x[] = {0.3,  0.1,   // H3=1, H4=0, H5=0 -> 1.25
                      0.2,  0.7,   // H3=0, H4=1, H5=0 -> 2.25
                      -0.5, -0.5,  // H3=1 (0 >= 0), H4=0, H5=1 -> 5.25
                      0.0,  0.5};  // H3=0, H4=1 (0 >= 0), H5=1 (0 >= 0) -> 6.25
  Propagator<double> pass(arch);
  const double* y = pass.forward(net, x, 4);
  EXPECT_EQ(y[0], 1.25);
  EXPECT_EQ(y[1], 2.25);
  EXPECT_EQ(y[2], 5.25);
  EXPECT_EQ(y[3], 6.25);
  // ...but not backward.
  std::vector<double> grad(net.layout().size);
  const double t[] = {0, 0, 0, 0};
  EXPECT_THROW(pass.backward(net, t, grad), UsageError);
}

TEST(Architecture, RejectsLeakySlopeOutOfRange) {
  expect_mentions(rejection({{3, 2, 1}, {Activation{K::leaky_relu, 1.0}, act(K::identity)}}),
                  {"leaky_relu slope", "[0, 1)"});
  expect_mentions(rejection({{3, 2, 1}, {Activation{K::leaky_relu, -0.1}, act(K::identity)}}),
                  {"leaky_relu slope", "[0, 1)"});
  EXPECT_EQ(rejection({{3, 2, 1}, {Activation{K::leaky_relu, 0.0}, act(K::identity)}}), "");
  EXPECT_EQ(rejection({{3, 2, 1}, {Activation{K::leaky_relu, 0.99}, act(K::identity)}}), "");
  // parse accepts any finite slope; validate is what rejects it.
  EXPECT_EQ(Activation::parse("leaky_relu:2").param, 2.0);
}

TEST(Architecture, NetworkAndPropagatorValidate) {
  EXPECT_THROW(Network<double>(Architecture{{3, 0, 1}, {act(K::sigmoid), act(K::identity)}}),
               ArchitectureError);
  EXPECT_THROW(Network<float>(Architecture{{3, 4, 1}, {act(K::softmax), act(K::identity)}}),
               ArchitectureError);
  EXPECT_THROW(Propagator<double>(Architecture{{3, 2, 1}, {act(K::sigmoid)}}), ArchitectureError);
  const Network<double> net(Architecture{{3, 2, 1}, {act(K::sigmoid), act(K::identity)}});
  EXPECT_EQ(net.parameters().size(), 11u);
  for (double v : net.parameters()) EXPECT_EQ(v, 0.0);  // parameters start at zero
}

TEST(Architecture, ErrorTypesAreInvalidArgument) {
  // Both error kinds are std::invalid_argument, so callers can catch either way.
  EXPECT_THROW(parse_widths("x"), std::invalid_argument);
  EXPECT_THROW((Architecture{{3}, {}}.validate()), std::invalid_argument);
}

// ---- parsing -----------------------------------------------------------------------------

TEST(Architecture, ParseWidths) {
  EXPECT_EQ(parse_widths("3,2,1"), (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(parse_widths(" 10 , 8,6 ,\t4,2,1 "), (std::vector<int>{10, 8, 6, 4, 2, 1}));
  EXPECT_EQ(parse_widths("7"), (std::vector<int>{7}));  // parses; validate rejects later
}

TEST(Architecture, ParseWidthsRejectsWithTheItem) {
  auto message = [](const char* text) -> std::string {
    try {
      parse_widths(text);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  expect_mentions(message("3,,1"), {"'3,,1'", "item 2", "('')", "3,2,1"});
  expect_mentions(message("3,a"), {"item 2", "('a')", "whole number"});
  expect_mentions(message("3,2.5,1"), {"item 2", "('2.5')"});
  expect_mentions(message("x,2"), {"item 1", "('x')"});
  expect_mentions(message("3,2,"), {"item 3"});
  expect_mentions(message(""), {"item 1"});
  expect_mentions(message("3,99999999999"), {"item 2"});  // out of int range
}

TEST(Architecture, ParseActivations) {
  const auto v = parse_activations("sigmoid, leaky_relu:0.2,softmax");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], act(K::sigmoid));
  EXPECT_EQ(v[1], (Activation{K::leaky_relu, 0.2}));
  EXPECT_EQ(v[2], act(K::softmax));
  EXPECT_THROW(parse_activations("sigmoid,foo"), UsageError);
}

TEST(Architecture, ParseLossAliases) {
  EXPECT_EQ(parse_loss("half_squared_error"), LossKind::half_squared_error);
  EXPECT_EQ(parse_loss("mse"), LossKind::mean_squared_error);
  EXPECT_EQ(parse_loss("MSE"), LossKind::mean_squared_error);
  EXPECT_EQ(parse_loss("mean-squared-error"), LossKind::mean_squared_error);
  EXPECT_EQ(parse_loss("cross_entropy"), LossKind::softmax_cross_entropy);
  EXPECT_EQ(parse_loss("ce"), LossKind::softmax_cross_entropy);
  EXPECT_EQ(parse_loss("softmax_cross_entropy"), LossKind::softmax_cross_entropy);
  try {
    parse_loss("hinge");
    FAIL();
  } catch (const UsageError& e) {
    const std::string m = e.what();
    for (const std::string& n : loss_names())
      EXPECT_NE(m.find(n), std::string::npos) << n << " missing from: " << m;
    EXPECT_NE(m.find("hinge"), std::string::npos) << m;
  }
}

TEST(Architecture, Describe) {
  EXPECT_EQ((Architecture{{3, 2, 1}, {act(K::sigmoid), act(K::identity)}}.describe()),
            "3-2-1 (sigmoid, identity), half_squared_error");
  EXPECT_EQ((Architecture{{4, 8, 8, 3},
                          {Activation{K::leaky_relu, 0.2}, act(K::elu), act(K::softmax)},
                          LossKind::softmax_cross_entropy}
                 .describe()),
            "4-8-8-3 (leaky_relu:0.2, elu, softmax), softmax_cross_entropy");
  EXPECT_EQ((Architecture{{2, 1}, {act(K::identity)}, LossKind::mean_squared_error}.describe()),
            "2-1 (identity), mean_squared_error");
}

}  // namespace
