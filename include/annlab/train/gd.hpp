// Plain gradient descent, the chapter's update: θ ← θ - η·∂L/∂θ (true gradients are stored,
// so the step subtracts; the chapter's code gets the same step from d = y - ŷ).
// Momentum and adaptive rules are in optimizer.hpp, the general training loop in trainer.hpp.
#pragma once
#include <functional>
#include <span>

#include "annlab/core/network.hpp"
#include "annlab/core/propagate.hpp"

namespace annlab {

template <class T>
void gd_update(std::span<T> params, std::span<const T> grad, T learning_rate);

// Full-batch gradient descent on X (n x l0) and Y (n x ln), the chapter's loop:
// each epoch is forward, backward, update. `on_epoch(e, pass)` (optional) sees the state
// after e updates, before update e+1, for e = 0..epochs (so epochs+1 calls: the last one
// shows the trained network). Throws UsageError if the loss becomes NaN or infinite.
template <class T>
void train_full_batch_gd(Network<T>& net, const T* x, const T* y, long n, double learning_rate,
                         int epochs,
                         const std::function<void(int, const Propagator<T>&)>& on_epoch = {});

}  // namespace annlab
