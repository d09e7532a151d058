// The chapter's formulas (docs/chapter.md), checked against values derived by hand:
// parameter counts, the flat layout, the global node numbering, σ' in terms of the node
// output, and the chain rule on the 3-2-1 worked example (multi-path input derivative,
// weight and bias derivatives).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "annlab/core/activation.hpp"
#include "annlab/core/architecture.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/trace.hpp"

namespace {
using namespace annlab;

// ---- parameter counts: Σ l_i·l_(i-1) weights, Σ l_i biases --------------------------------

TEST(Formulas, CountParametersChapterNetwork) {
  const ParameterCount c = count_parameters({3, 2, 1});
  EXPECT_EQ(c.weights, 3 * 2 + 2 * 1);  // 8
  EXPECT_EQ(c.biases, 2 + 1);           // 3
  EXPECT_EQ(c.total, 11);
  ASSERT_EQ(c.layers.size(), 2u);
  EXPECT_EQ(c.layers[0].layer, 1);
  EXPECT_EQ(c.layers[0].inputs, 3);
  EXPECT_EQ(c.layers[0].outputs, 2);
  EXPECT_EQ(c.layers[0].weights, 6);
  EXPECT_EQ(c.layers[0].biases, 2);
  EXPECT_EQ(c.layers[1].layer, 2);
  EXPECT_EQ(c.layers[1].inputs, 2);
  EXPECT_EQ(c.layers[1].outputs, 1);
  EXPECT_EQ(c.layers[1].weights, 2);
  EXPECT_EQ(c.layers[1].biases, 1);
}

TEST(Formulas, CountParametersTenTwentyThree) {
  const ParameterCount c = count_parameters({10, 20, 3});
  EXPECT_EQ(c.weights, 10 * 20 + 20 * 3);  // 260
  EXPECT_EQ(c.biases, 20 + 3);             // 23
  EXPECT_EQ(c.total, 283);
}

TEST(Formulas, CountParametersDeepNetwork) {
  const ParameterCount c = count_parameters({10, 8, 6, 4, 2, 1});
  EXPECT_EQ(c.weights, 162);  // 80 + 48 + 24 + 8 + 2
  EXPECT_EQ(c.biases, 21);    // 8 + 6 + 4 + 2 + 1
  EXPECT_EQ(c.total, 183);
  const long w[] = {80, 48, 24, 8, 2};
  const long b[] = {8, 6, 4, 2, 1};
  const long in[] = {10, 8, 6, 4, 2};
  ASSERT_EQ(c.layers.size(), 5u);
  for (std::size_t l = 0; l < 5; ++l) {
    EXPECT_EQ(c.layers[l].layer, static_cast<int>(l + 1));
    EXPECT_EQ(c.layers[l].inputs, in[l]) << "layer " << l + 1;
    EXPECT_EQ(c.layers[l].outputs, b[l]) << "layer " << l + 1;
    EXPECT_EQ(c.layers[l].weights, w[l]) << "layer " << l + 1;
    EXPECT_EQ(c.layers[l].biases, b[l]) << "layer " << l + 1;
  }
  // |θ| = Σ l_i·(l_(i-1) + 1) agrees with the layout's buffer size.
  EXPECT_EQ(ParameterLayout({10, 8, 6, 4, 2, 1}).size, 183u);
}

TEST(Formulas, ParameterLayoutChapterNetwork) {
  const ParameterLayout lay({3, 2, 1});
  ASSERT_EQ(lay.weight_offset.size(), 2u);
  ASSERT_EQ(lay.bias_offset.size(), 2u);
  EXPECT_EQ(lay.weight_offset[0], 0u);  // W1: 2 x 3
  EXPECT_EQ(lay.bias_offset[0], 6u);    // b1: 2
  EXPECT_EQ(lay.weight_offset[1], 8u);  // W2: 1 x 2
  EXPECT_EQ(lay.bias_offset[1], 10u);   // b2: 1
  EXPECT_EQ(lay.size, 11u);
}

TEST(Formulas, NetworkAccessorsFollowTheLayout) {
  Architecture arch{{3, 2, 1}, {Activation::of(ActivationKind::sigmoid), Activation{}}};
  Network<double> net(arch);
  auto p = net.parameters();
  ASSERT_EQ(p.size(), 11u);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<double>(i);
  EXPECT_EQ(net.weights(1)[0], 0.0);
  EXPECT_EQ(net.weights(1)[1 * 3 + 2], 5.0);  // W1[j=1][i=2] = λ(3,5), the sixth weight
  EXPECT_EQ(net.biases(1)[0], 6.0);
  EXPECT_EQ(net.weights(2)[1], 9.0);  // λ(5,6)
  EXPECT_EQ(net.biases(2)[0], 10.0);  // b6
}

// ---- node names: numbered once across the network ----------------------------------------

TEST(Formulas, NodeNamesChapterNumbering) {
  const NodeNames n({3, 2, 1});
  EXPECT_EQ(n.total_nodes(), 6);
  EXPECT_EQ(n.node(0, 0), "I1");
  EXPECT_EQ(n.node(0, 1), "I2");
  EXPECT_EQ(n.node(0, 2), "I3");
  EXPECT_EQ(n.node(1, 0), "H4");
  EXPECT_EQ(n.node(1, 1), "H5");
  EXPECT_EQ(n.node(2, 0), "O6");
  EXPECT_EQ(n.id(1, 1), 5);
  EXPECT_EQ(n.weight(1, 0, 0), "λ(1,4)");  // into H4 from I1
  EXPECT_EQ(n.weight(1, 1, 2), "λ(3,5)");  // into H5 from I3
  EXPECT_EQ(n.weight(2, 0, 1), "λ(5,6)");
  EXPECT_EQ(n.bias(1, 0), "b4");
  EXPECT_EQ(n.bias(2, 0), "b6");
}

TEST(Formulas, NodeNamesDeeperNetwork) {
  const NodeNames n({2, 3, 2});
  EXPECT_EQ(n.total_nodes(), 7);
  const char* expected[] = {"I1", "I2", "H3", "H4", "H5", "O6", "O7"};
  const int widths[] = {2, 3, 2};
  int k = 0;
  for (int l = 0; l < 3; ++l)
    for (int j = 0; j < widths[l]; ++j) EXPECT_EQ(n.node(l, j), expected[k++]);
  EXPECT_EQ(n.weight(2, 1, 2), "λ(5,7)");
  EXPECT_EQ(n.bias(2, 1), "b7");
}

// ---- σ' = σ(1-σ), written in terms of the node output ------------------------------------

TEST(Formulas, SigmoidDerivativeInTermsOfOutput) {
  const Activation sig = Activation::of(ActivationKind::sigmoid);
  EXPECT_EQ(activation_derivative(sig, 0.0), 0.25);  // σ(0) = 1/2 exactly
  const std::vector<double> z = {-3.0, -0.7, 0.0, 0.4, 2.5};
  const std::vector<double> da = {1.0, -2.0, 0.5, 3.0, -0.25};
  std::vector<double> a(z.size()), dz(z.size());
  activation_forward(sig, z.data(), a.data(), 1, static_cast<long>(z.size()));
  activation_backward(sig, z.data(), a.data(), da.data(), dz.data(), 1,
                      static_cast<long>(z.size()));
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double s = 1.0 / (1.0 + std::exp(-z[i]));
    EXPECT_NEAR(a[i], s, 1e-16);
    EXPECT_NEAR(dz[i], a[i] * (1.0 - a[i]) * da[i], 1e-16) << "z=" << z[i];
    EXPECT_NEAR(dz[i], activation_derivative(sig, z[i]) * da[i], 1e-16) << "z=" << z[i];
  }
  EXPECT_EQ(dz[2], 0.25 * 0.5);
}

// ---- the chain rule on the worked example --------------------------------------------------

// The chapter's seed-13 starting parameters, from
//   /usr/bin/python3 -c "import numpy as np; np.random.seed(13);
//     lo,hi=-1/np.sqrt(3),1/np.sqrt(3); a=[lo+(hi-lo)*np.random.random() for _ in range(6)];
//     lo,hi=-1/np.sqrt(2),1/np.sqrt(2); a+=[lo+(hi-lo)*np.random.random() for _ in range(2)];
//     a+=[(np.random.random()-0.5)*0.5 for _ in range(3)]; print([repr(v) for v in a])"
// in flat order λ14 λ24 λ34 λ15 λ25 λ35 b4 b5 λ46 λ56 b6 (layout [W1, b1, W2, b2]).
Network<double> chapter_network() {
  Architecture arch{{3, 2, 1},
                    {Activation::of(ActivationKind::sigmoid), Activation{}},
                    LossKind::half_squared_error};
  Network<double> net(arch);
  const double p[] = {0.32066312299880617, -0.3030612945280483, 0.374444596248916,
                      0.5378008497299566,  0.5457127606646145,  -0.05375217906918894,
                      0.07080667237953459, 0.11100911475847358, 0.15420932971156243,
                      0.3896533337475627,  -0.23248173794928134};
  std::copy(std::begin(p), std::end(p), net.parameters().begin());
  return net;
}
// Golden values for the worked example, from Debian's NumPy, float64, on the parameters
// above (x = (0.5, 0.2, 0.7), y = 0.3):
//   /usr/bin/python3 -c "
//   import numpy as np
//   np.random.seed(13)
//   lo,hi=-1/np.sqrt(3),1/np.sqrt(3); W1=np.array([lo+(hi-lo)*np.random.random() for _ in
//   range(6)]).reshape(2,3) lo,hi=-1/np.sqrt(2),1/np.sqrt(2);
//   W2=np.array([lo+(hi-lo)*np.random.random() for _ in range(2)]).reshape(1,2)
//   b=np.array([(np.random.random()-0.5)*0.5 for _ in range(3)]); b1=b[:2]; b2=b[2:]
//   x=np.array([0.5,0.2,0.7]); y=0.3
//   hin=W1@x+b1; h=1/(1+np.exp(-hin)); o=W2@h+b2; d=o[0]-y; dhin=W2[0]*h*(1-h)*d
//   print(hin.tolist(), h.tolist(), repr(o[0]), repr(0.5*d*d), dhin.tolist(),
//         (W1.T@dhin).tolist(), np.outer(dhin,x).ravel().tolist(), (h*d).tolist())"
// H_in = [0.4326371923475692, 0.4514255664079425], H = [0.6065032294692806, 0.6109781216276906]
// O6 = 0.09911638047412785, L = 0.02017711429690768
// dL/dH_in = [-0.007393149093910777, -0.0186046972243013]
// dL/dI = [-0.012376332253447026, -0.007912243348563285, -0.0017682817107487743]
// dL/dW1 = [-0.0036965745469553883, -0.0014786298187821553, -0.005175204365737544,
//           -0.00930234861215065, -0.00372093944486026, -0.013023288057010909]
// dL/dW2 = [-0.12183656398991968, -0.12273549652368904]
const double kX[] = {0.5, 0.2, 0.7};
const double kY[] = {0.3};

TEST(Formulas, ChapterForwardPassByHand) {
  const Network<double> net = chapter_network();
  const SampleTrace t = trace_sample(net, kX, kY);
  const double* W1 = net.weights(1);
  const double* b1 = net.biases(1);
  const double* W2 = net.weights(2);
  const double* b2 = net.biases(2);
  // H4_in = λ14 I1 + λ24 I2 + λ34 I3 + b4, H4 = σ(H4_in); likewise H5; O6 = λ46 H4 + λ56 H5 + b6.
  const double h4in = W1[0] * kX[0] + W1[1] * kX[1] + W1[2] * kX[2] + b1[0];
  const double h5in = W1[3] * kX[0] + W1[4] * kX[1] + W1[5] * kX[2] + b1[1];
  const double h4 = 1.0 / (1.0 + std::exp(-h4in)), h5 = 1.0 / (1.0 + std::exp(-h5in));
  const double o6 = W2[0] * h4 + W2[1] * h5 + b2[0];
  ASSERT_EQ(t.nodes.size(), 6u);
  EXPECT_EQ(t.nodes[3].name, "H4");
  EXPECT_NEAR(t.nodes[3].in, h4in, 1e-15);
  EXPECT_NEAR(t.nodes[3].out, h4, 1e-15);
  EXPECT_NEAR(t.nodes[4].in, h5in, 1e-15);
  EXPECT_NEAR(t.nodes[4].out, h5, 1e-15);
  EXPECT_EQ(t.nodes[5].name, "O6");
  EXPECT_NEAR(t.nodes[5].in, o6, 1e-15);
  EXPECT_NEAR(t.nodes[5].out, o6, 1e-15);  // identity output
  EXPECT_NEAR(t.loss, 0.5 * (o6 - kY[0]) * (o6 - kY[0]), 1e-16);
  // The chapter prints O6 = 0.0991164 at epoch 0; then the NumPy goldens (see above).
  EXPECT_NEAR(t.prediction[0], 0.0991164, 5e-8);
  EXPECT_NEAR(t.nodes[3].in, 0.4326371923475692, 1e-15);
  EXPECT_NEAR(t.nodes[4].in, 0.4514255664079425, 1e-15);
  EXPECT_NEAR(t.nodes[3].out, 0.6065032294692806, 1e-15);
  EXPECT_NEAR(t.nodes[4].out, 0.6109781216276906, 1e-15);
  EXPECT_NEAR(t.prediction[0], 0.09911638047412785, 1e-15);
  EXPECT_NEAR(t.loss, 0.02017711429690768, 1e-16);
  // Input nodes pass the predictor through.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(i)].in, kX[i]);
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(i)].out, kX[i]);
  }
}

TEST(Formulas, ChapterMultiPathInputDerivative) {
  const Network<double> net = chapter_network();
  const SampleTrace t = trace_sample(net, kX, kY);
  const double* W1 = net.weights(1);
  const double* W2 = net.weights(2);
  const double h4 = t.nodes[3].out, h5 = t.nodes[4].out, o6 = t.nodes[5].out;
  const double d = o6 - kY[0];  // ∂L/∂O6 = O6 - y for L = ½(O6 - y)²
  // ∂L/∂O6_in = 1·∂L/∂O6 (identity output)
  EXPECT_NEAR(t.nodes[5].dL_dout, d, 1e-16);
  EXPECT_NEAR(t.nodes[5].dL_din, d, 1e-16);
  // ∂L/∂H4 = λ46·∂L/∂O6_in, ∂L/∂H4_in = H4(1-H4)·∂L/∂H4
  EXPECT_NEAR(t.nodes[3].dL_dout, W2[0] * d, 1e-16);
  EXPECT_NEAR(t.nodes[4].dL_dout, W2[1] * d, 1e-16);
  EXPECT_NEAR(t.nodes[3].dL_din, h4 * (1 - h4) * W2[0] * d, 1e-16);
  EXPECT_NEAR(t.nodes[4].dL_din, h5 * (1 - h5) * W2[1] * d, 1e-16);
  // ∂L/∂I_i = [λ(i,4)·H4(1-H4)·λ46 + λ(i,5)·H5(1-H5)·λ56]·(O6 - y): two paths meet.
  for (int i = 0; i < 3; ++i) {
    const double expected =
        (W1[0 * 3 + i] * h4 * (1 - h4) * W2[0] + W1[1 * 3 + i] * h5 * (1 - h5) * W2[1]) * d;
    const NodeTrace& in = t.nodes[static_cast<std::size_t>(i)];
    EXPECT_NEAR(in.dL_dout, expected, 1e-16) << in.name;
    EXPECT_NEAR(in.dL_din, expected, 1e-16) << in.name;  // input nodes are identity
  }
  // NumPy goldens (dL/dI = W1.T @ dL/dH_in, see above).
  EXPECT_NEAR(t.nodes[0].dL_din, -0.012376332253447026, 1e-17);
  EXPECT_NEAR(t.nodes[1].dL_din, -0.007912243348563285, 1e-17);
  EXPECT_NEAR(t.nodes[2].dL_din, -0.0017682817107487743, 1e-17);
  EXPECT_NEAR(t.nodes[3].dL_din, -0.007393149093910777, 1e-17);
  EXPECT_NEAR(t.nodes[4].dL_din, -0.0186046972243013, 1e-17);
}

TEST(Formulas, WeightAndBiasDerivativesOnTheTrace) {
  const Network<double> net = chapter_network();
  const SampleTrace t = trace_sample(net, kX, kY);
  ASSERT_EQ(t.weights.size(), 8u);
  ASSERT_EQ(t.biases.size(), 3u);
  // Node lookup by global id.
  auto node = [&](int id) -> const NodeTrace& { return t.nodes[static_cast<std::size_t>(id - 1)]; };
  const char* names[] = {"λ(1,4)", "λ(2,4)", "λ(3,4)", "λ(1,5)",
                         "λ(2,5)", "λ(3,5)", "λ(4,6)", "λ(5,6)"};
  const auto params = net.parameters();
  const std::size_t flat[] = {0, 1, 2, 3, 4, 5, 8, 9};
  for (std::size_t e = 0; e < 8; ++e) {
    const WeightTrace& w = t.weights[e];
    EXPECT_EQ(w.name, names[e]);
    EXPECT_EQ(w.value, params[flat[e]]) << w.name;
    // ∂L/∂λ(i,j) = (output of node i)·∂L/∂(input of node j)
    EXPECT_NEAR(w.grad, node(w.from).out * node(w.to).dL_din, 1e-17) << w.name;
  }
  const char* bnames[] = {"b4", "b5", "b6"};
  for (std::size_t j = 0; j < 3; ++j) {
    const BiasTrace& b = t.biases[j];
    EXPECT_EQ(b.name, bnames[j]);
    EXPECT_EQ(b.node, static_cast<int>(j + 4));
    // ∂L/∂b_j = ∂L/∂(input of node j)
    EXPECT_EQ(b.grad, node(b.node).dL_din) << b.name;
  }
  // NumPy goldens: dL/dW1 = np.outer(dhin, x), dL/dW2 = h*d (see above).
  const double dW1[] = {-0.0036965745469553883, -0.0014786298187821553, -0.005175204365737544,
                        -0.00930234861215065,   -0.00372093944486026,   -0.013023288057010909};
  for (std::size_t e = 0; e < 6; ++e) EXPECT_NEAR(t.weights[e].grad, dW1[e], 1e-17) << e;
  EXPECT_NEAR(t.weights[6].grad, -0.12183656398991968, 1e-16);
  EXPECT_NEAR(t.weights[7].grad, -0.12273549652368904, 1e-16);
  EXPECT_NEAR(t.biases[2].grad, 0.09911638047412785 - 0.3, 1e-16);
}

TEST(Formulas, BatchGradientIsTheMeanOfSampleGradients) {
  // λ ← λ - η·(1/n_batch)·Σ ∂L/∂λ: the batch trace averages the per-sample derivatives.
  const Network<double> net = chapter_network();
  const double x[] = {0.5, 0.2, 0.7, -0.1, 0.9, 0.3, 0.0, -0.6, 0.25};
  const double y[] = {0.3, -0.2, 0.8};
  const BatchTrace bt = trace_batch(net, x, y, 3);
  ASSERT_EQ(bt.samples.size(), 3u);
  ASSERT_EQ(bt.weight_grad.size(), 8u);
  ASSERT_EQ(bt.bias_grad.size(), 3u);
  double loss = 0;
  for (std::size_t r = 0; r < 3; ++r) {
    const SampleTrace one = trace_sample(net, x + 3 * r, y + r);
    EXPECT_NEAR(one.loss, bt.samples[r].loss, 1e-16);
    loss += one.loss / 3;
  }
  EXPECT_NEAR(bt.loss, loss, 1e-16);
  for (std::size_t e = 0; e < 8; ++e) {
    double mean = 0;
    for (const SampleTrace& s : bt.samples) mean += s.weights[e].grad / 3;
    EXPECT_NEAR(bt.weight_grad[e], mean, 1e-16) << e;
  }
  for (std::size_t j = 0; j < 3; ++j) {
    double mean = 0;
    for (const SampleTrace& s : bt.samples) mean += s.biases[j].grad / 3;
    EXPECT_NEAR(bt.bias_grad[j], mean, 1e-16) << j;
  }
}

}  // namespace
